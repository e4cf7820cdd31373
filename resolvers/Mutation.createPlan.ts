/**
 * Pipeline: checkSchedule, then createPlanItem. The schedule is checked in a step of its own so
 * that no bundle carries both the zone list and the write (see checkSchedule); every invalid
 * field is still reported together, by createPlanItem.
 */
import type { Context } from '@aws-appsync/utils';
import { callerId } from './lib/plan.ts';
import type { CreatePlanArgs } from './pipeline/createPlanItem.ts';

export function request(ctx: Context<CreatePlanArgs>) {
  callerId(ctx);
  return {};
}

export function response(ctx: Context<CreatePlanArgs>) {
  return ctx.prev.result;
}
