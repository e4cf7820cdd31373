/**
 * Pipeline: loadPreferences, then savePreferencesItem. Omitted fields stay as they are; each rule
 * given replaces the rule for its event only; bad input gets ValidationError and changes nothing.
 */
import type { Context } from '@aws-appsync/utils';
import { callerId } from './lib/plan.ts';
import type { LoadPreferencesStash } from './pipeline/loadPreferences.ts';
import type { UpdatePreferencesArgs } from './pipeline/savePreferencesItem.ts';

export function request(ctx: Context<UpdatePreferencesArgs, LoadPreferencesStash>) {
  callerId(ctx);
  return {};
}

export function response(ctx: Context<UpdatePreferencesArgs>) {
  return ctx.prev.result;
}
