/**
 * Pipeline: resendContactCode. Beyond the hourly limit, LimitExceededError says when a code may
 * be asked for again.
 */
import type { Context } from '@aws-appsync/utils';
import { callerId } from './lib/plan.ts';
import type { ResendVerificationArgs } from './pipeline/resendContactCode.ts';

export function request(ctx: Context<ResendVerificationArgs>) {
  callerId(ctx);
  return {};
}

export function response(ctx: Context<ResendVerificationArgs>) {
  return ctx.prev.result;
}
