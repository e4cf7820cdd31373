/**
 * Pipeline step after loadPreferences: validates the change against the preferences in force and
 * writes the whole item, conditional on the version read, so of two concurrent changes the later
 * one fails with ConflictError instead of silently undoing the other (the contacts and
 * email-feedback functions write the item the same way). A new email or phone starts PENDING; the
 * next step has its code sent.
 */
import { util, type Context, type DynamoDBPutItemRequest } from '@aws-appsync/utils';
import { CONDITION_FAILED, hasProblems, raise, rejectInput, type Problems } from '../lib/errors.ts';
import { nextState, signIn } from '../lib/contacts.ts';
import { callerId } from '../lib/plan.ts';
import {
  PREFERENCES_KEY,
  applyInput,
  toPreferences,
  type PreferencesInput,
  type PreferencesItem,
} from '../lib/preferences.ts';
import type { PhoneCountryStash } from './checkPhoneCountry.ts';

export type UpdatePreferencesArgs = { input: PreferencesInput };
export type SavePreferencesStash = PhoneCountryStash & { saved: PreferencesItem };

/** Attributes this step sets; any other attribute of the stored item is kept as it is. */
const OWN_ATTRIBUTES = [
  'userId',
  'sk',
  'email',
  'phone',
  'rules',
  'version',
  'updatedAt',
  'emailContact',
  'phoneContact',
];

export function request(
  ctx: Context<UpdatePreferencesArgs, SavePreferencesStash>,
): DynamoDBPutItemRequest {
  const userId = callerId(ctx);
  const stored = ctx.stash.stored;
  const who = signIn(ctx);
  const now = util.time.nowISO8601();
  const problems: Problems = {};
  const next = applyInput(
    toPreferences(stored, who, util.time.nowEpochMilliSeconds()),
    stored,
    ctx.args.input,
    ctx.stash.phoneProblem,
    problems,
  );
  if (hasProblems(problems)) {
    return rejectInput(problems);
  }
  const item: Record<string, unknown> = {};
  if (stored) {
    Object.keys(stored)
      .filter((key) => OWN_ATTRIBUTES.indexOf(key) < 0)
      .forEach((key) => {
        item[key] = (stored as unknown as Record<string, unknown>)[key];
      });
  }
  item.rules = next.rules;
  item.version = stored ? stored.version + 1 : 1;
  item.updatedAt = now;
  if (next.email) {
    item.email = next.email;
  }
  if (next.phone) {
    item.phone = next.phone;
  }
  const emailContact = nextState(
    stored ? stored.emailContact : null,
    stored && stored.email ? stored.email : null,
    next.email,
    who.email,
    now,
  );
  if (emailContact) {
    item.emailContact = emailContact;
  }
  const phoneContact = nextState(
    stored ? stored.phoneContact : null,
    stored && stored.phone ? stored.phone : null,
    next.phone,
    null,
    now,
  );
  if (phoneContact) {
    item.phoneContact = phoneContact;
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
  ctx: Context<UpdatePreferencesArgs, SavePreferencesStash, object, object, PreferencesItem>,
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
  ctx.stash.saved = ctx.result;
  return toPreferences(ctx.result, signIn(ctx), util.time.nowEpochMilliSeconds());
}
