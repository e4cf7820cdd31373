/**
 * The step of resendVerification: the contacts function sends a new code to the channel's
 * contact (the first one for the sign-in email, a fresh one for an undeliverable email), within
 * the hourly limits, which it enforces per contact and per destination.
 */
import { util, type Context, type LambdaRequest } from '@aws-appsync/utils';
import { contactsItem, invokeContacts, signIn, type ContactsResult } from '../lib/contacts.ts';
import { toPreferences, type PreferencesItem } from '../lib/preferences.ts';

export type ResendVerificationArgs = { channel: 'EMAIL' | 'SMS' };

export function request(ctx: Context<ResendVerificationArgs>): LambdaRequest {
  return invokeContacts(ctx, 'resendVerification', { channel: ctx.args.channel });
}

export function response(
  ctx: Context<ResendVerificationArgs, object, object, object, ContactsResult<PreferencesItem>>,
) {
  return toPreferences(
    contactsItem(ctx.error, ctx.result),
    signIn(ctx),
    util.time.nowEpochMilliSeconds(),
  );
}
