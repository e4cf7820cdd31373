/**
 * Pipeline step after loadPlan: deletes the plan at the version just read and lowers the user's
 * plan count, in one transaction.
 */
import { util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { USER_META_ID } from '#shared/tables.ts';
import { isConditionFailure, planNotFound, raise, versionConflict } from '../lib/errors.ts';
import { planKey, toPlan, type PlanItem } from '../lib/plan.ts';
import { settings } from '../lib/settings.ts';
import type { LoadPlanStash } from './loadPlan.ts';

type TransactionResult = {
  cancellationReasons?: { type?: string; item?: PlanItem | null }[] | null;
};

export function request(
  ctx: Context<{ id: string }, LoadPlanStash>,
): DynamoDBTransactWriteItemsRequest {
  const current = ctx.stash.current;
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table: settings.plansTable,
        operation: 'DeleteItem',
        key: planKey(current.userId, current.planId),
        condition: {
          expression: '#version = :version',
          expressionNames: { '#version': 'version' },
          expressionValues: util.dynamodb.toMapValues({ ':version': current.version }),
          returnValuesOnConditionCheckFailure: true,
        },
      },
      {
        table: settings.plansTable,
        operation: 'UpdateItem',
        key: planKey(current.userId, USER_META_ID),
        update: {
          expression: 'SET #count = if_not_exists(#count, :one) - :one, #updatedAt = :now',
          expressionNames: { '#count': 'planCount', '#updatedAt': 'updatedAt' },
          expressionValues: util.dynamodb.toMapValues({
            ':one': 1,
            ':now': util.time.nowISO8601(),
          }),
        },
      },
    ],
  };
}

export function response(
  ctx: Context<{ id: string }, LoadPlanStash, object, object, TransactionResult>,
) {
  if (ctx.error) {
    const reasons = ctx.result ? ctx.result.cancellationReasons : null;
    const reason = reasons ? reasons[0] : null;
    if (reason && isConditionFailure(reason)) {
      return reason.item ? versionConflict(reason.item.version) : planNotFound();
    }
    return raise(ctx.error);
  }
  return toPlan(ctx.stash.current);
}
