/**
 * Pipeline step: adds the next run to the skipped slots and moves `nextRunAt` on, conditional on
 * the plan being exactly as read (version and next run), so a concurrent change wins cleanly.
 */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { CONDITION_FAILED, planNotFound, raise, versionConflict } from '../lib/errors.ts';
import { syncShardOf } from '#shared/tables.ts';
import { planKey, toPlan, type PlanItem } from '../lib/plan.ts';
import type { SkipStash } from './nextRunAfterSkip.ts';

export function request(ctx: Context<{ id: string }, SkipStash>): DynamoDBUpdateItemRequest {
  const current = ctx.stash.current;
  const following = ctx.stash.following;
  const set = following
    ? 'SET #version = #version + :one, #updatedAt = :now, #syncShard = :shard, #nextRunAt = :following'
    : 'SET #version = #version + :one, #updatedAt = :now, #syncShard = :shard REMOVE #nextRunAt';
  const values: Record<string, unknown> = {
    ':one': 1,
    ':now': util.time.nowISO8601(),
    ':shard': syncShardOf(current.planId),
  };
  if (following) {
    values[':following'] = following;
  }
  const expressionValues: Record<string, unknown> = {
    ...util.dynamodb.toMapValues(values),
    ':skipped': util.dynamodb.toStringSet([current.nextRunAt as string]),
  };
  return {
    operation: 'UpdateItem',
    key: planKey(current.userId, current.planId),
    update: {
      expression: `${set} ADD #skipSlots :skipped`,
      expressionNames: {
        '#version': 'version',
        '#updatedAt': 'updatedAt',
        '#nextRunAt': 'nextRunAt',
        '#skipSlots': 'skipSlots',
        '#syncShard': 'syncShard',
      },
      expressionValues,
    },
    condition: {
      expression: '#version = :version AND #nextRunAt = :seen',
      expressionNames: { '#version': 'version', '#nextRunAt': 'nextRunAt' },
      expressionValues: util.dynamodb.toMapValues({
        ':version': current.version,
        ':seen': current.nextRunAt,
      }),
    },
  };
}

export function response(ctx: Context<{ id: string }, SkipStash, object, object, PlanItem | null>) {
  if (ctx.error) {
    if (ctx.error.type !== CONDITION_FAILED) {
      return raise(ctx.error);
    }
    return ctx.result ? versionConflict(ctx.result.version) : planNotFound();
  }
  return toPlan(ctx.result as PlanItem);
}
