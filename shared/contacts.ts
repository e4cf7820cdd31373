/**
 * Contact points and what may be sent to them: the verification state kept on the preferences
 * item, why a notification is held back, and the counters that limit sending. One contract for
 * the resolvers (APPSYNC_JS: types and plain constants only from here), the contacts function
 * (codes), the notifier (sending) and the email-feedback function (bounces and complaints).
 *
 * The rule the notifier applies before anything but a code goes out: a contact is usable when its
 * state says VERIFIED for exactly that destination, or, for the sign-in email with no state of
 * its own, when the identity provider verified it (`email_verified`, kept on the user's meta item
 * in the plans table as `signInEmailVerified` by createPlan). An UNDELIVERABLE state for the
 * destination always wins.
 */
import type { ContactChannel } from './notification-settings.ts';

/** Where a contact point stands (GraphQL `ContactStatus`). */
export type ContactStatus = 'PENDING' | 'VERIFIED' | 'UNDELIVERABLE';

/** The code waiting to be entered for a pending contact (see `domain/contact-verification.ts`). */
export interface StoredCode {
  /** Hex HMAC-SHA-256 of the code, salted, bound to user, channel and destination. */
  readonly hash: string;
  readonly salt: string;
  /** ISO-8601; the code is dead after it. */
  readonly expiresAt: string;
  /** Wrong guesses so far; at MAX_ATTEMPTS the code is dead. */
  readonly attempts: number;
}

/**
 * One contact point's state, on the preferences item as `emailContact` / `phoneContact`. It is
 * bound to `destination`: when the email or phone changes, the old state no longer applies (the
 * new destination starts PENDING).
 */
export interface ContactState {
  /** The address or E.164 number this state is about. */
  readonly destination: string;
  readonly status: ContactStatus;
  /** ISO-8601: when the status was last set. */
  readonly since: string;
  /** ISO-8601: when its owner proved it (VERIFIED). */
  readonly verifiedAt?: string;
  /** Why nothing more is sent to it (UNDELIVERABLE). */
  readonly undeliverable?: {
    readonly reason: 'BOUNCE' | 'COMPLAINT';
    readonly at: string;
    /** SES's words, e.g. `Permanent/General` or the complaint's feedback type. */
    readonly detail: string;
  };
  /** The live code, absent when none was sent or it was used up. */
  readonly code?: StoredCode;
  /** ISO-8601 instants codes were sent for this contact within the last hour (at most 3). */
  readonly codesSentAt: readonly string[];
}

/** The fields the preferences item (`#preferences`, notifications table) gains. */
export interface ContactFields {
  readonly emailContact?: ContactState;
  readonly phoneContact?: ContactState;
}

/** The preferences item attribute that holds a channel's contact state. */
export const CONTACT_ATTRIBUTE: Readonly<Record<ContactChannel, 'emailContact' | 'phoneContact'>> =
  {
    EMAIL: 'emailContact',
    SMS: 'phoneContact',
  };

/**
 * Why a notification was not sent. Recorded on the notification's item in the user's history
 * (status HELD_BACK, `reason`), never dropped silently:
 * - NOT_VERIFIED: the contact is still PENDING (or the sign-in email is not verified);
 * - UNDELIVERABLE: the address bounced or its owner complained;
 * - DAILY_LIMIT: the user's messages on this channel today reached `dailyLimits`;
 * - DESTINATION_LIMIT: this phone number or address reached `dailyLimits` today, across accounts;
 * - COALESCED: a later change of the same plan, within `coalesceSeconds`, is sent instead;
 * - COUNTRY_NOT_ALLOWED: the phone's country is not in `sms.countries` (checked again at sending);
 * - SMS_BUDGET: the platform's SMS spend this month reached `budgetPercent` of the limit.
 */
export type HeldBackReason =
  | 'NOT_VERIFIED'
  | 'UNDELIVERABLE'
  | 'DAILY_LIMIT'
  | 'DESTINATION_LIMIT'
  | 'COALESCED'
  | 'COUNTRY_NOT_ALLOWED'
  | 'SMS_BUDGET';

/** Every {@link HeldBackReason}. */
export const HELD_BACK_REASONS: readonly HeldBackReason[] = [
  'NOT_VERIFIED',
  'UNDELIVERABLE',
  'DAILY_LIMIT',
  'DESTINATION_LIMIT',
  'COALESCED',
  'COUNTRY_NOT_ALLOWED',
  'SMS_BUDGET',
];

/** A notification's status in the history (GraphQL `Notification.status`). */
export type NotificationStatus = 'SENDING' | 'SENT' | 'FAILED' | 'UNCONFIRMED' | 'HELD_BACK';

// ---------------------------------------------------------------------------------------------
// Counters. All live in the notifications table, each with `expiresAt` (TTL) two days after its
// window, and are raised with a conditional `ADD` so that concurrent senders never pass a limit.

/** The partition of a destination's counters: `#destination#<channel>#<hex SHA-256 of it>`. */
export const DESTINATION_PARTITION_PREFIX = '#destination#';

/** The partition of the platform's counters. */
export const PLATFORM_PARTITION = '#platform';

/**
 * Sort key of a day's message count on a channel, in a user's partition or a destination's:
 * `#sent#SMS#2026-12-07` (UTC day). Codes count too.
 */
export function sentCounterKey(channel: ContactChannel, day: string): string {
  return `#sent#${channel}#${day}`;
}

/** Sort key of an hour's code count in a destination's partition: `#codes#SMS#2026-12-07T09`. */
export function codeCounterKey(channel: ContactChannel, hour: string): string {
  return `#codes#${channel}#${hour}`;
}

/** Sort key of the month's counted SMS spend (micro-USD) in the platform's partition. */
export function smsSpendKey(month: string): string {
  return `#sms-spend#${month}`;
}
