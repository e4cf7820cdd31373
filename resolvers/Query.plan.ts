import { runtime, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { raise } from './lib/errors.ts';
import { callerId, isPlanId, planKey, toPlan, type PlanItem } from './lib/plan.ts';

export function request(ctx: Context<{ id: string }>): DynamoDBGetItemRequest {
  const userId = callerId(ctx);
  if (!isPlanId(ctx.args.id)) {
    return runtime.earlyReturn(null);
  }
  return { operation: 'GetItem', key: planKey(userId, ctx.args.id) };
}

export function response(ctx: Context<{ id: string }, object, object, object, PlanItem | null>) {
  if (ctx.error) {
    return raise(ctx.error);
  }
  return ctx.result ? toPlan(ctx.result) : null;
}
