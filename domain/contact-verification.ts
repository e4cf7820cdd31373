/**
 * One-time codes that prove a person owns the email address or phone number they set as a
 * contact point, before the platform sends it anything else.
 *
 * A code is six random digits, valid for {@link CODE_TTL_SECONDS}, and kept only as a hash: an
 * HMAC-SHA-256 of the code keyed with a per-code random salt and bound to the user, the channel
 * and the destination. A stolen record does not give the code back, and a hash cannot be replayed
 * for another user or another address. A code takes {@link MAX_ATTEMPTS} wrong guesses and is then
 * dead: a new code must be requested. New codes are limited to {@link MAX_CODES_PER_HOUR} per
 * contact in any hour. With a million codes and five guesses each, a guesser wins one time in
 * 200,000 per code, and at most that many times an hour.
 *
 * Pure apart from the randomness it is given: no clock (times come in), no I/O.
 */
import { createHmac, randomInt, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StoredCode } from '#shared/contacts.ts';
import type { NotificationChannel } from './notifications.ts';

/** How long a code is valid: 10 minutes. */
export const CODE_TTL_SECONDS = 10 * 60;

/** Wrong guesses a code takes; the next guess finds it dead. */
export const MAX_ATTEMPTS = 5;

/** New codes one contact may be sent in any 60 minutes (the first included). */
export const MAX_CODES_PER_HOUR = 3;

const HOUR_MS = 60 * 60 * 1000;

/**
 * What is stored for a contact point's pending code (`ContactState.code`): the hash of the code
 * (see {@link hashCode}), its salt, when it expires and the wrong guesses so far. When codes were
 * sent is kept beside it (`ContactState.codesSentAt`), since it outlives each code.
 */
export type PendingCode = StoredCode;

/** Whose contact point a code proves. */
export interface CodeSubject {
  readonly userId: string;
  readonly channel: NotificationChannel;
  /** The address or E.164 number the code was sent to. */
  readonly destination: string;
}

/** Where randomness comes from: the platform's CSPRNG, or a fixed source in tests. */
export interface Randomness {
  /** A uniformly random integer from 0 to `max - 1`. */
  readonly integer: (max: number) => number;
  /** `size` random bytes. */
  readonly bytes: (size: number) => Buffer;
}

export const CRYPTO_RANDOMNESS: Randomness = {
  integer: (max) => randomInt(max),
  bytes: (size) => randomBytes(size),
};

/** Thrown when a code may not be sent now; the message says when it may. */
export class TooManyCodesError extends Error {
  /** ISO-8601 instant from which a new code may be requested. */
  readonly retryAt: string;

  constructor(retryAt: string) {
    super(
      `${MAX_CODES_PER_HOUR} codes were sent to this contact within the last hour; ask for a new one after ${retryAt}`,
    );
    this.name = 'TooManyCodesError';
    this.retryAt = retryAt;
  }
}

/** The code for `subject`, hashed with `salt` (hex); what {@link PendingCode} `hash` holds. */
export function hashCode(code: string, salt: string, subject: CodeSubject): string {
  return createHmac('sha256', Buffer.from(salt, 'hex'))
    .update([subject.userId, subject.channel, subject.destination, code].join('\u0000'))
    .digest('hex');
}

/** The sending times of `sentAt` that are within the hour before `now`. */
function withinHour(sentAt: readonly string[], now: Date): string[] {
  return sentAt.filter((sent) => Date.parse(sent) > now.getTime() - HOUR_MS);
}

/**
 * When a new code may be sent for a contact whose codes went out at `sentAt`: null when one may
 * be sent at `now`, otherwise an hour after the oldest of the last {@link MAX_CODES_PER_HOUR}.
 */
export function nextCodeAllowedAt(sentAt: readonly string[], now: Date): string | null {
  const recent = withinHour(sentAt, now);
  if (recent.length < MAX_CODES_PER_HOUR) return null;
  const oldest = Math.min(...recent.map((sent) => Date.parse(sent)));
  return new Date(oldest + HOUR_MS).toISOString();
}

/**
 * A new code for `subject` at `now`, unless {@link MAX_CODES_PER_HOUR} were already sent in the
 * last hour (`sentAt`, the contact's `codesSentAt`): the code to send (never stored), the record
 * to store in place of any earlier one, whose code stops working, and the sending times to keep
 * (those within the hour, this one included).
 */
export function issueCode(
  subject: CodeSubject,
  sentAt: readonly string[],
  now: Date,
  random: Randomness = CRYPTO_RANDOMNESS,
): { readonly code: string; readonly pending: PendingCode; readonly sentAt: readonly string[] } {
  const retryAt = nextCodeAllowedAt(sentAt, now);
  if (retryAt !== null) throw new TooManyCodesError(retryAt);
  const code = String(random.integer(1_000_000)).padStart(6, '0');
  const salt = random.bytes(16).toString('hex');
  return {
    code,
    pending: {
      hash: hashCode(code, salt, subject),
      salt,
      expiresAt: new Date(now.getTime() + CODE_TTL_SECONDS * 1000).toISOString(),
      attempts: 0,
    },
    sentAt: [...withinHour(sentAt, now), now.toISOString()],
  };
}

/** Whether `pending` still takes guesses at `now`: not expired and not guessed wrong too often. */
export function isLive(pending: PendingCode | null | undefined, now: Date): boolean {
  return (
    pending !== null &&
    pending !== undefined &&
    pending.attempts < MAX_ATTEMPTS &&
    now.getTime() < Date.parse(pending.expiresAt)
  );
}

/** What a guess comes to. */
export type CodeCheck =
  | { readonly outcome: 'VERIFIED' }
  | {
      readonly outcome: 'WRONG';
      /** The record with the guess counted. */
      readonly pending: PendingCode;
      readonly attemptsLeft: number;
    }
  | { readonly outcome: 'EXPIRED' | 'LOCKED' | 'NO_CODE' | 'MALFORMED' };

/**
 * Checks a guess at `now`. A malformed guess (not six digits) counts for nothing; an expired or
 * dead code is refused whatever the guess; a wrong guess counts and may kill the code.
 */
export function checkCode(
  subject: CodeSubject,
  pending: PendingCode | null,
  guess: string,
  now: Date,
): CodeCheck {
  if (!/^\d{6}$/.test(guess)) return { outcome: 'MALFORMED' };
  if (pending === null) return { outcome: 'NO_CODE' };
  if (pending.attempts >= MAX_ATTEMPTS) return { outcome: 'LOCKED' };
  if (now.getTime() >= Date.parse(pending.expiresAt)) return { outcome: 'EXPIRED' };
  const expected = Buffer.from(pending.hash, 'hex');
  const actual = Buffer.from(hashCode(guess, pending.salt, subject), 'hex');
  if (expected.length === actual.length && timingSafeEqual(expected, actual)) {
    return { outcome: 'VERIFIED' };
  }
  const attempts = pending.attempts + 1;
  return {
    outcome: 'WRONG',
    pending: { ...pending, attempts },
    attemptsLeft: MAX_ATTEMPTS - attempts,
  };
}

/** What a person reads for each refused guess. */
export function codeCheckMessage(check: Exclude<CodeCheck, { outcome: 'VERIFIED' }>): string {
  switch (check.outcome) {
    case 'MALFORMED':
      return 'the code is the six digits we sent';
    case 'NO_CODE':
      return 'no code was sent to this contact; ask for one';
    case 'LOCKED':
      return `the code was guessed wrong ${MAX_ATTEMPTS} times and no longer works; ask for a new one`;
    case 'EXPIRED':
      return `the code has expired (codes are valid for ${CODE_TTL_SECONDS / 60} minutes); ask for a new one`;
    case 'WRONG':
      return check.attemptsLeft === 0
        ? `wrong code; it no longer works, ask for a new one`
        : `wrong code; ${check.attemptsLeft} attempt${check.attemptsLeft === 1 ? '' : 's'} left`;
  }
}
