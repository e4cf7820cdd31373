/**
 * Pipeline step after savePreferencesItem: has the contacts function send a code to each new
 * email or phone (PENDING, never sent a code), and answers the preferences after it. With none
 * waiting it does not call the function, so a change of rules costs no invocation.
 */
import { runtime, util, type Context, type LambdaRequest } from '@aws-appsync/utils';
import {
  awaitsFirstCode,
  contactsItem,
  invokeContacts,
  signIn,
  stateFor,
  type ContactsResult,
} from '../lib/contacts.ts';
import { toPreferences, type PreferencesItem } from '../lib/preferences.ts';
import type { SavePreferencesStash, UpdatePreferencesArgs } from './savePreferencesItem.ts';

export function request(ctx: Context<UpdatePreferencesArgs, SavePreferencesStash>): LambdaRequest {
  const saved = ctx.stash.saved;
  const nowMs = util.time.nowEpochMilliSeconds();
  const email = saved.email ? saved.email : signIn(ctx).email;
  const waiting =
    (email !== null && awaitsFirstCode(stateFor(saved.emailContact, email), nowMs)) ||
    (!!saved.phone && awaitsFirstCode(stateFor(saved.phoneContact, saved.phone), nowMs));
  if (!waiting) {
    return runtime.earlyReturn(ctx.prev.result);
  }
  return invokeContacts(ctx, 'issueCodes', {});
}

export function response(
  ctx: Context<
    UpdatePreferencesArgs,
    SavePreferencesStash,
    object,
    object,
    ContactsResult<PreferencesItem>
  >,
) {
  const item = contactsItem(ctx.error, ctx.result);
  return toPreferences(
    item ? item : ctx.stash.saved,
    signIn(ctx),
    util.time.nowEpochMilliSeconds(),
  );
}
