/**
 * The next runs of a schedule, computed by the schedule-preview Lambda (APPSYNC_JS has no time
 * zones); the schedule is validated here first, with the same rules as createPlan.
 */
import { util, type Context, type LambdaRequest } from '@aws-appsync/utils';
import { hasProblems, raise, rejectInput, type Problems } from './lib/errors.ts';
import { callerId } from './lib/plan.ts';
import { normalizeSchedule, type ScheduleInput } from './lib/validate.ts';

type Args = { schedule: ScheduleInput; count?: number | null };

const DEFAULT_COUNT = 5;
const MAX_COUNT = 20;

export function request(ctx: Context<Args>): LambdaRequest {
  callerId(ctx);
  const problems: Problems = {};
  const count = ctx.args.count ?? DEFAULT_COUNT;
  if (count < 1 || count > MAX_COUNT) {
    problems.count = `must be from 1 to ${MAX_COUNT}`;
  }
  const schedule = normalizeSchedule(ctx.args.schedule, problems, 'schedule', null);
  if (hasProblems(problems) || !schedule) {
    return rejectInput(problems);
  }
  return {
    operation: 'Invoke',
    payload: { operation: 'preview', schedule, count, now: util.time.nowISO8601() },
  };
}

export function response(ctx: Context<Args, object, object, object, string[]>) {
  if (ctx.error) {
    return raise(ctx.error);
  }
  return ctx.result;
}
