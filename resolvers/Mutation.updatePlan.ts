/**
 * Pipeline: loadPlan, checkOpenRuns, checkSchedule, then updatePlanItem. The plan is read first
 * because a new currency re-validates the stored amount and an omitted startDate keeps the plan's
 * own; a new currency is refused while a run of the plan is open.
 */
import type { Context } from '@aws-appsync/utils';
import { hasProblems, planNotFound, rejectInput, type Problems } from './lib/errors.ts';
import { callerId, isPlanId } from './lib/plan.ts';
import { isPresent } from './lib/validate.ts';
import type { LoadPlanStash } from './pipeline/loadPlan.ts';
import type { UpdatePlanArgs } from './pipeline/updatePlanItem.ts';

export function request(ctx: Context<UpdatePlanArgs, LoadPlanStash>) {
  callerId(ctx);
  const input = ctx.args.input;
  if (!isPlanId(input.id)) {
    return planNotFound();
  }
  const problems: Problems = {};
  if (input.expectedVersion < 1) {
    problems.expectedVersion = 'must be 1 or more';
  }
  if (!isPresent(input.amount) && !isPresent(input.currency) && !isPresent(input.schedule)) {
    problems.input = 'must change at least one of amount, currency or schedule';
  }
  if (hasProblems(problems)) {
    return rejectInput(problems);
  }
  ctx.stash.planId = input.id;
  return {};
}

export function response(ctx: Context<UpdatePlanArgs>) {
  return ctx.prev.result;
}
