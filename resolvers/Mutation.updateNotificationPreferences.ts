/**
 * Pipeline: loadPreferences, checkPhoneCountry, savePreferencesItem, issueContactCodes. Omitted
 * fields stay as they are; each rule given replaces the rule for its event only; bad input (a
 * phone SMS does not go to included) gets ValidationError and changes nothing; a new email or
 * phone is PENDING and sent a code.
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
