/**
 * Pipeline: loadPlan, nextRunAfterSkip (the calendar Lambda finds the run after the skipped one),
 * skipNextRunItem. The schedule still fires for the skipped slot, so the workflow records it as
 * SKIPPED; `nextRunAt` moves on at once.
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
