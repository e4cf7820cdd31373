/**
 * A flag turned on for a share of users, stable per user: the same user gets the same answer for
 * as long as the share stays the same, and raising the share only ever adds users (nobody who was
 * in drops out). An operator uses it to turn purchases back on gradually after an incident.
 *
 * Each user has a fixed bucket per flag, 0 to 9999: the first 32 bits of
 * SHA-256(`<flag>:<userId>`), big-endian, modulo 10000. A user is in a share of `p` percent when
 * their bucket is below `p` in basis points (hundredths of a percent), so share 0 holds nobody,
 * share 100 everybody, and a share of 20 holds the users whose buckets are 0 to 1999. Hashing the
 * flag's name with the user keeps the shares of two flags independent of each other. Integers
 * only: the share is a decimal string read to basis points, never a float.
 *
 * This is the same idea as AppConfig's own `split` operator (a consistent hash of a context
 * value), kept in the domain so the Lambdas, the local stack and the tests compute the one answer:
 * https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-creating-multi-variant-feature-flags-rules-operators.html
 */
import { createHash } from 'node:crypto';

/** How many buckets users fall into: one per basis point. */
export const SHARE_BUCKETS = 10_000;

/**
 * A share as the flags write it: "0" to "100", at most two decimal places ("12.5", "0.25"). Also
 * the flags' JSON Schema pattern, so AppConfig refuses what {@link shareBasisPoints} would.
 */
export const SHARE_PATTERN = '^(100(\\.0{1,2})?|[1-9]?[0-9](\\.[0-9]{1,2})?)$';
const SHARE = new RegExp(SHARE_PATTERN);

/** Thrown for a share that is not a percentage from "0" to "100" with at most two decimals. */
export class UserShareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserShareError';
  }
}

/** True when `value` is a share {@link shareBasisPoints} accepts. */
export function isShare(value: unknown): value is string {
  return typeof value === 'string' && SHARE.test(value);
}

/** A share ("12.5") in basis points (1250); throws {@link UserShareError} for anything else. */
export function shareBasisPoints(share: string): number {
  if (!isShare(share)) {
    throw new UserShareError(
      `a share must be a percentage from "0" to "100" as a string with at most two decimal places, such as "12.5"; got ${JSON.stringify(share)}`,
    );
  }
  const [whole = '0', fraction = ''] = share.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** The user's fixed bucket for `flag`, 0 to {@link SHARE_BUCKETS} - 1. */
export function userBucket(flag: string, userId: string): number {
  if (flag === '' || userId === '') {
    throw new UserShareError('a user bucket needs a flag name and a user id');
  }
  const digest = createHash('sha256').update(`${flag}:${userId}`, 'utf8').digest();
  // 2^32 is not a multiple of 10000: the low 7296 buckets get one value more out of 429497,
  // a bias of 0.0002 %, far below anything a rollout percentage means.
  return digest.readUInt32BE(0) % SHARE_BUCKETS;
}

/** Whether `userId` is in the `share` percent of users that `flag` is turned on for. */
export function inShare(flag: string, userId: string, share: string): boolean {
  return userBucket(flag, userId) < shareBasisPoints(share);
}
