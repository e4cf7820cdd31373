/** Pipeline step: asks the calendar Lambda where `nextRunAt` goes once the next run is skipped. */
import { util, type Context, type LambdaRequest } from '@aws-appsync/utils';
import { raise, rejectInput } from '../lib/errors.ts';
import type { LoadPlanStash } from './loadPlan.ts';

export type SkipStash = LoadPlanStash & { following: string | null };

export function request(ctx: Context<{ id: string }, SkipStash>): LambdaRequest {
  const current = ctx.stash.current;
  if (current.status !== 'ACTIVE') {
    return rejectInput({ id: 'names a plan that is not active, so it has no run to skip' });
  }
  if (!current.nextRunAt) {
    return rejectInput({
      id: 'names a plan whose next run is not scheduled yet; try again in a moment',
    });
  }
  return {
    operation: 'Invoke',
    payload: {
      operation: 'nextRunAfterSkip',
      schedule: current.schedule,
      now: util.time.nowISO8601(),
      skip: (current.skipSlots ?? []).concat([current.nextRunAt]),
      lastSlotAt: current.lastSlotAt ?? null,
      lastRunAt: current.lastRunAt ?? null,
    },
  };
}

export function response(
  ctx: Context<{ id: string }, SkipStash, object, object, { nextRunAt: string | null }>,
) {
  if (ctx.error) {
    return raise(ctx.error);
  }
  ctx.stash.following = ctx.result.nextRunAt;
  return ctx.result;
}
