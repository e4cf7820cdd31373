import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { signIn } from './lib/contacts.ts';
import { raise } from './lib/errors.ts';
import { callerId } from './lib/plan.ts';
import { preferencesKey, toPreferences, type PreferencesItem } from './lib/preferences.ts';

export function request(ctx: Context): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: preferencesKey(callerId(ctx)) };
}

/**
 * The stored preferences over the defaults (email from the sign-in, SMS off), with each contact's
 * verification state.
 */
export function response(ctx: Context<object, object, object, object, PreferencesItem | null>) {
  if (ctx.error) {
    return raise(ctx.error);
  }
  return toPreferences(ctx.result, signIn(ctx), util.time.nowEpochMilliSeconds());
}
