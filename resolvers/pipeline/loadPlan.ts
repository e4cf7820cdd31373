/**
 * Pipeline step: reads the caller's plan named by `ctx.stash.planId` (strongly consistent) into
 * `ctx.stash.current`, or ends the pipeline with NotFoundError.
 */
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { planNotFound, raise } from '../lib/errors.ts';
import { callerId, planKey, type PlanItem } from '../lib/plan.ts';

export type LoadPlanStash = { planId: string; current: PlanItem };

export function request(ctx: Context<unknown, LoadPlanStash>): DynamoDBGetItemRequest {
  return {
    operation: 'GetItem',
    key: planKey(callerId(ctx), ctx.stash.planId),
    consistentRead: true,
  };
}

export function response(ctx: Context<unknown, LoadPlanStash, object, object, PlanItem | null>) {
  if (ctx.error) {
    return raise(ctx.error);
  }
  if (!ctx.result) {
    return planNotFound();
  }
  ctx.stash.current = ctx.result;
  return ctx.result;
}
