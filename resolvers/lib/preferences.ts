/**
 * Notification preferences as stored in the notifications table, their defaults and the rules
 * for changing them. APPSYNC_JS has no regular expressions of its own: addresses are checked
 * with `util.matches` (Java patterns, whole input).
 */
import { util } from '@aws-appsync/utils';
import type { ContactFields } from '#shared/contacts.ts';
import {
  stateFor,
  statusOnly,
  toVerification,
  type ContactVerification,
  type SignIn,
} from './contacts.ts';
import type { Problems } from './errors.ts';

export type Channel = 'EMAIL' | 'SMS';
export type NotificationEvent =
  'PURCHASE_SUCCEEDED' | 'PURCHASE_FAILED' | 'RUN_MISSED' | 'PLAN_CHANGED';

export const NOTIFICATION_EVENTS: NotificationEvent[] = [
  'PURCHASE_SUCCEEDED',
  'PURCHASE_FAILED',
  'RUN_MISSED',
  'PLAN_CHANGED',
];
const CHANNELS: Channel[] = ['EMAIL', 'SMS'];

/** The sort key of a user's preferences item (`shared/tables.ts` PREFERENCES_KEY). */
export const PREFERENCES_KEY = '#preferences';

export interface NotificationRule {
  event: NotificationEvent;
  channels: Channel[];
}

/**
 * The preferences item. `email` is absent while the sign-in email applies; `emailContact` and
 * `phoneContact` hold the contacts' verification states.
 */
export interface PreferencesItem extends ContactFields {
  userId: string;
  sk: string;
  email?: string;
  phone?: string;
  rules: NotificationRule[];
  version: number;
  updatedAt: string;
}

export interface Preferences {
  email: string | null;
  phone: string | null;
  rules: NotificationRule[];
  emailVerification: ContactVerification | null;
  phoneVerification: ContactVerification | null;
}

export interface PreferencesInput {
  email?: string | null;
  phone?: string | null;
  rules?: NotificationRule[] | null;
}

/** A practical subset of RFC 5322 addresses: what SES and people actually use. */
const EMAIL_PATTERN =
  "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.[A-Za-z]{2,63}";
/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
const PHONE_PATTERN = '\\+[1-9][0-9]{7,14}';
const MAX_EMAIL_LENGTH = 254;

export function preferencesKey(userId: string) {
  return util.dynamodb.toMapValues({ userId, sk: PREFERENCES_KEY });
}

/** Every event by email until the user says otherwise; SMS off until a phone is set. */
function defaultRules(): NotificationRule[] {
  return NOTIFICATION_EVENTS.map((event) => ({ event, channels: ['EMAIL'] as Channel[] }));
}

/**
 * The email's state: its own when it has one; else the sign-in email stands as its provider
 * verified it (PENDING, without a code, until resendVerification), and any other address (stored
 * before contacts had states) is PENDING.
 */
function emailVerification(
  item: PreferencesItem | null,
  email: string,
  who: SignIn,
  nowMs: number,
): ContactVerification {
  const state = stateFor(item ? item.emailContact : null, email);
  if (state) {
    return toVerification(state, nowMs);
  }
  return statusOnly(email === who.email && who.emailVerified ? 'VERIFIED' : 'PENDING');
}

/** The preferences in force at `nowMs`: the stored ones over the defaults. */
export function toPreferences(
  item: PreferencesItem | null,
  who: SignIn,
  nowMs: number,
): Preferences {
  const rules = defaultRules().map((rule) => {
    const stored = item
      ? item.rules.find((candidate) => candidate.event === rule.event)
      : undefined;
    return stored ? { event: rule.event, channels: stored.channels } : rule;
  });
  const email = item && item.email ? item.email : who.email;
  const phone = item && item.phone ? item.phone : null;
  const phoneState = phone ? stateFor(item ? item.phoneContact : null, phone) : null;
  return {
    email,
    phone,
    rules,
    emailVerification: email ? emailVerification(item, email, who, nowMs) : null,
    phoneVerification: phone
      ? phoneState
        ? toVerification(phoneState, nowMs)
        : statusOnly('PENDING')
      : null,
  };
}

/**
 * The preferences after `input`: omitted fields stay; each rule given replaces its event's rule.
 * `email: null` returns to the sign-in email; `phone: null` removes the phone and with it SMS.
 * A well-formed new phone is refused with `phoneProblem` (checkPhoneCountry: SMS does not go to
 * its country). Every problem is recorded under its field's path.
 */
export function applyInput(
  current: Preferences,
  stored: PreferencesItem | null,
  input: PreferencesInput,
  phoneProblem: string | null,
  problems: Problems,
): { email: string | null; phone: string | null; rules: NotificationRule[] } {
  let email: string | null = stored && stored.email ? stored.email : null;
  if (input.email !== undefined) {
    if (input.email === null) {
      email = null;
    } else if (input.email.length > MAX_EMAIL_LENGTH || !util.matches(EMAIL_PATTERN, input.email)) {
      problems.email = 'must be an email address such as name@example.com';
    } else {
      email = input.email;
    }
  }
  let phone = current.phone;
  if (input.phone !== undefined) {
    if (input.phone === null) {
      phone = null;
    } else if (!util.matches(PHONE_PATTERN, input.phone)) {
      problems.phone =
        'must be in E.164 format: a plus, the country code and the number, such as +4915123456789';
    } else if (phoneProblem) {
      problems.phone = phoneProblem;
    } else {
      phone = input.phone;
    }
  }
  let rules = current.rules;
  const given = input.rules ? input.rules : [];
  const seen: string[] = [];
  given.forEach((rule, index) => {
    const field = `rules[${index}]`;
    if (NOTIFICATION_EVENTS.indexOf(rule.event) < 0) {
      problems[`${field}.event`] = `must be one of ${NOTIFICATION_EVENTS.join(', ')}`;
      return;
    }
    if (seen.indexOf(rule.event) >= 0) {
      problems[`${field}.event`] = `${rule.event} is given more than once`;
      return;
    }
    seen.push(rule.event);
    if (!rule.channels.every((channel) => CHANNELS.indexOf(channel) >= 0)) {
      problems[`${field}.channels`] = `must be among ${CHANNELS.join(', ')}`;
      return;
    }
    if (rule.channels.indexOf('SMS') >= 0 && !phone) {
      problems[`${field}.channels`] =
        'SMS needs a phone number: set phone first or in the same change';
    }
  });
  rules = rules.map((rule) => {
    const replacement = given.find((candidate) => candidate.event === rule.event);
    const channels = replacement ? replacement.channels : rule.channels;
    const unique = CHANNELS.filter((channel) => channels.indexOf(channel) >= 0);
    return {
      event: rule.event,
      channels: phone ? unique : unique.filter((channel) => channel !== 'SMS'),
    };
  });
  return { email, phone, rules };
}
