/**
 * Pipeline step: reads the caller's preferences item (strongly consistent) into
 * `ctx.stash.stored` (null while the defaults apply).
 */
import type { Context, DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { raise } from '../lib/errors.ts';
import { callerId } from '../lib/plan.ts';
import { preferencesKey, type PreferencesItem } from '../lib/preferences.ts';

export type LoadPreferencesStash = { stored: PreferencesItem | null };

export function request(ctx: Context<unknown, LoadPreferencesStash>): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: preferencesKey(callerId(ctx)), consistentRead: true };
}

export function response(
  ctx: Context<unknown, LoadPreferencesStash, object, object, PreferencesItem | null>,
) {
  if (ctx.error) {
    return raise(ctx.error);
  }
  ctx.stash.stored = ctx.result ? ctx.result : null;
  return ctx.stash.stored;
}
