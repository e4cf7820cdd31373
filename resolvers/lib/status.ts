/**
 * Pausing and resuming: one conditional UpdateItem each. When the condition fails AppSync hands
 * the response the item as it is now (`ctx.result`), which tells "already there" (return it
 * unchanged) from "gone" (NotFoundError) and "ended" (ValidationError) without a second read.
 */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { CONDITION_FAILED, planNotFound, raise, rejectInput, versionConflict } from './errors.ts';
import { syncShardOf } from '#shared/tables.ts';
import type { PlanStatus } from '#domain/plan.ts';
import { callerId, isPlanId, planKey, toPlan, type PlanItem } from './plan.ts';

export type StatusArgs = { id: string };

export function statusChangeRequest(
  ctx: Context<StatusArgs>,
  from: PlanStatus,
  to: PlanStatus,
): DynamoDBUpdateItemRequest {
  const userId = callerId(ctx);
  if (!isPlanId(ctx.args.id)) {
    return planNotFound();
  }
  return {
    operation: 'UpdateItem',
    key: planKey(userId, ctx.args.id),
    update: {
      // A paused plan has no armed schedule; the scheduler sets nextRunAt again on resume, and
      // removes syncShard when it has.
      expression:
        'SET #status = :to, #version = #version + :one, #updatedAt = :now, #syncShard = :shard REMOVE #nextRunAt',
      expressionNames: {
        '#status': 'status',
        '#version': 'version',
        '#updatedAt': 'updatedAt',
        '#nextRunAt': 'nextRunAt',
        '#syncShard': 'syncShard',
      },
      expressionValues: util.dynamodb.toMapValues({
        ':to': to,
        ':one': 1,
        ':now': util.time.nowISO8601(),
        ':shard': syncShardOf(ctx.args.id),
      }),
    },
    condition: {
      expression: '#status = :from',
      expressionNames: { '#status': 'status' },
      expressionValues: util.dynamodb.toMapValues({ ':from': from }),
    },
  };
}

export function statusChangeResponse(
  ctx: Context<StatusArgs, object, object, object, PlanItem | null>,
  to: PlanStatus,
) {
  if (ctx.error) {
    if (ctx.error.type !== CONDITION_FAILED) {
      return raise(ctx.error);
    }
    const current = ctx.result;
    if (!current) {
      return planNotFound();
    }
    if (current.status === to) {
      return toPlan(current);
    }
    if (current.status === 'ENDED') {
      return rejectInput({ id: 'names a plan that has ended; it can no longer be changed' });
    }
    return versionConflict(current.version);
  }
  return toPlan(ctx.result as PlanItem);
}
