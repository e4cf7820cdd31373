/**
 * The step of verifyContact: the contacts function checks the code (its hash needs an HMAC) and,
 * when it matches, marks the contact VERIFIED. A guess that is not six digits is refused here,
 * without an invocation.
 */
import { util, type Context, type LambdaRequest } from '@aws-appsync/utils';
import { contactsItem, invokeContacts, signIn, type ContactsResult } from '../lib/contacts.ts';
import { rejectInput } from '../lib/errors.ts';
import { toPreferences, type PreferencesItem } from '../lib/preferences.ts';

export type VerifyContactArgs = { channel: 'EMAIL' | 'SMS'; code: string };

export function request(ctx: Context<VerifyContactArgs>): LambdaRequest {
  if (!util.matches('[0-9]{6}', ctx.args.code)) {
    return rejectInput({ code: 'must be the six digits we sent' });
  }
  return invokeContacts(ctx, 'verifyContact', { channel: ctx.args.channel, code: ctx.args.code });
}

export function response(
  ctx: Context<VerifyContactArgs, object, object, object, ContactsResult<PreferencesItem>>,
) {
  return toPreferences(
    contactsItem(ctx.error, ctx.result),
    signIn(ctx),
    util.time.nowEpochMilliSeconds(),
  );
}
