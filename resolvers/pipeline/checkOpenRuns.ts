/**
 * Pipeline step between loadPlan and updatePlanItem: a new currency is refused while any run of
 * the plan is open (PENDING or SUBMITTED), because an order in the old currency may be on its way
 * and its purchase is recorded against the plan's totals. It reads the executions table's sparse
 * `openByPlan` index, which holds only unfinished runs, one item at most. Any other change skips
 * the read.
 */
import { runtime, util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { raise, rejectInput } from '../lib/errors.ts';
import { callerId } from '../lib/plan.ts';
import type { LoadPlanStash } from './loadPlan.ts';
import type { UpdatePlanArgs } from './updatePlanItem.ts';

type QueryResult = { items: { scheduledFor?: string }[] };

export function request(ctx: Context<UpdatePlanArgs, LoadPlanStash>): DynamoDBQueryRequest {
  const currency = ctx.args.input.currency;
  if (!currency || currency === ctx.stash.current.currency) {
    return runtime.earlyReturn(ctx.prev.result);
  }
  return {
    operation: 'Query',
    index: 'openByPlan',
    query: {
      expression: '#ownerPlan = :ownerPlan',
      expressionNames: { '#ownerPlan': 'ownerPlan' },
      expressionValues: util.dynamodb.toMapValues({
        ':ownerPlan': `${callerId(ctx)}#${ctx.stash.planId}`,
      }),
    },
    limit: 1,
  };
}

export function response(
  ctx: Context<UpdatePlanArgs, LoadPlanStash, { result: unknown }, object, QueryResult>,
) {
  if (ctx.error) {
    return raise(ctx.error);
  }
  if (ctx.result.items.length > 0) {
    return rejectInput({
      currency:
        'cannot change while a purchase of this plan is in progress; try again once it has finished',
    });
  }
  return ctx.prev.result;
}
