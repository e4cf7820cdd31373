/**
 * Pipeline: loadPlan, then deletePlanItem. The plan is read first because the answer is the plan
 * as it was, and the delete and the plan count change together in one transaction.
 */
import type { Context } from '@aws-appsync/utils';
import { planNotFound } from './lib/errors.ts';
import { callerId, isPlanId } from './lib/plan.ts';
import type { LoadPlanStash } from './pipeline/loadPlan.ts';

export function request(ctx: Context<{ id: string }, LoadPlanStash>) {
  callerId(ctx);
  if (!isPlanId(ctx.args.id)) {
    return planNotFound();
  }
  ctx.stash.planId = ctx.args.id;
  return {};
}

export function response(ctx: Context<{ id: string }>) {
  return ctx.prev.result;
}
