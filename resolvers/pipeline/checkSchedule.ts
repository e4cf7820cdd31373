/**
 * Pipeline step before createPlanItem and updatePlanItem: normalises `input.schedule` into
 * `ctx.stash.schedule` and leaves its problems in `ctx.stash.scheduleProblems` without raising,
 * so the write step still names every invalid field of the input in one ValidationError, in the
 * order it always has (amount and currency first, then the schedule). An update without a new
 * schedule stashes none.
 *
 * It is a step of its own so that the IANA zone list and the schedule rules are bundled here
 * alone: AppSync accepts at most 32 KiB of code per resolver or function, and the write steps
 * with them were close to it. It never calls its data source (it returns early), so the
 * manifest grants it no action.
 */
import { runtime, type Context } from '@aws-appsync/utils';
import type { ScheduleSpec } from '#domain/plan.ts';
import type { Problems } from '../lib/errors.ts';
import { isPresent, normalizeSchedule, type ScheduleInput } from '../lib/validate.ts';
import type { LoadPlanStash } from './loadPlan.ts';

export type ScheduleStash = {
  /** The schedule as it will be stored; null when the input has none or it is invalid. */
  schedule: ScheduleSpec | null;
  /** Problems with `input.schedule`, keyed `schedule.<field>`; empty when it is valid. */
  scheduleProblems: Problems;
};

type Args = { input: { schedule?: ScheduleInput | null } };

export function request(ctx: Context<Args, Partial<LoadPlanStash> & ScheduleStash>): never {
  const input = ctx.args.input.schedule;
  const problems: Problems = {};
  // An update keeps the plan's anchor when the new schedule names no startDate.
  const current = ctx.stash.current;
  ctx.stash.schedule = isPresent(input)
    ? normalizeSchedule(
        input as ScheduleInput,
        problems,
        'schedule',
        current ? current.schedule.startDate : null,
      )
    : null;
  ctx.stash.scheduleProblems = problems;
  return runtime.earlyReturn(ctx.prev.result);
}

export function response(ctx: Context<Args>) {
  return ctx.prev.result;
}
