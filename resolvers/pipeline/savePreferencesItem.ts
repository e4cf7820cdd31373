/**
 * Pipeline step after loadPreferences: validates the change against the preferences in force and
 * writes the whole item, conditional on the version read, so of two concurrent changes the later
 * one fails with ConflictError instead of silently undoing the other.
 */
import { util, type Context, type DynamoDBPutItemRequest } from '@aws-appsync/utils';
import { CONDITION_FAILED, hasProblems, raise, rejectInput, type Problems } from '../lib/errors.ts';
import { callerId } from '../lib/plan.ts';
import {
  PREFERENCES_KEY,
  applyInput,
  signInEmail,
  toPreferences,
  type PreferencesInput,
  type PreferencesItem,
} from '../lib/preferences.ts';
import type { LoadPreferencesStash } from './loadPreferences.ts';

export type UpdatePreferencesArgs = { input: PreferencesInput };

export function request(
  ctx: Context<UpdatePreferencesArgs, LoadPreferencesStash>,
): DynamoDBPutItemRequest {
  const userId = callerId(ctx);
  const stored = ctx.stash.stored;
  const problems: Problems = {};
  const next = applyInput(
    toPreferences(stored, signInEmail(ctx)),
    stored,
    ctx.args.input,
    problems,
  );
  if (hasProblems(problems)) {
    return rejectInput(problems);
  }
  const item: Record<string, unknown> = {
    rules: next.rules,
    version: stored ? stored.version + 1 : 1,
    updatedAt: util.time.nowISO8601(),
  };
  if (next.email) {
    item.email = next.email;
  }
  if (next.phone) {
    item.phone = next.phone;
  }
  return {
    operation: 'PutItem',
    key: util.dynamodb.toMapValues({ userId, sk: PREFERENCES_KEY }),
    attributeValues: util.dynamodb.toMapValues(item),
    condition: stored
      ? {
          expression: '#version = :version',
          expressionNames: { '#version': 'version' },
          expressionValues: util.dynamodb.toMapValues({ ':version': stored.version }),
        }
      : { expression: 'attribute_not_exists(userId)' },
  };
}

export function response(
  ctx: Context<UpdatePreferencesArgs, LoadPreferencesStash, object, object, PreferencesItem>,
) {
  if (ctx.error) {
    if (ctx.error.type === CONDITION_FAILED) {
      return util.error(
        'Your notification preferences were changed in the meantime; reload them and try again.',
        'ConflictError',
      );
    }
    return raise(ctx.error);
  }
  return toPreferences(ctx.result, signInEmail(ctx));
}
