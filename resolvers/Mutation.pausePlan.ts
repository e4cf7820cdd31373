import type { Context } from '@aws-appsync/utils';
import type { PlanItem } from './lib/plan.ts';
import { statusChangeRequest, statusChangeResponse, type StatusArgs } from './lib/status.ts';

export function request(ctx: Context<StatusArgs>) {
  return statusChangeRequest(ctx, 'ACTIVE', 'PAUSED');
}

export function response(ctx: Context<StatusArgs, object, object, object, PlanItem | null>) {
  return statusChangeResponse(ctx, 'PAUSED');
}
