/**
 * Pipeline: verifyContactCode. A wrong code gets CodeMismatchError, an expired, used-up or absent
 * one ExpiredCodeError (the contacts function's errors, raised as they are).
 */
import type { Context } from '@aws-appsync/utils';
import { callerId } from './lib/plan.ts';
import type { VerifyContactArgs } from './pipeline/verifyContactCode.ts';

export function request(ctx: Context<VerifyContactArgs>) {
  callerId(ctx);
  return {};
}

export function response(ctx: Context<VerifyContactArgs>) {
  return ctx.prev.result;
}
