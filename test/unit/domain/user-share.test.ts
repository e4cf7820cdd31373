/**
 * A flag on for a share of users: each user's answer is fixed while the share stays, raising the
 * share only adds users, 0 and 100 are exact, and the share holds about as many users as it says.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  inShare,
  isShare,
  SHARE_BUCKETS,
  shareBasisPoints,
  userBucket,
  UserShareError,
} from '#domain/user-share.ts';

const FLAG = 'purchasesEnabledPercent';
const users = (count: number) =>
  Array.from({ length: count }, (_, index) => `user-${String(index).padStart(5, '0')}`);
const USERS = users(20_000);

describe('shareBasisPoints', () => {
  it.each([
    ['0', 0],
    ['0.01', 1],
    ['0.5', 50],
    ['1', 100],
    ['12.5', 1250],
    ['12.50', 1250],
    ['99.99', 9999],
    ['100', 10_000],
    ['100.0', 10_000],
    ['100.00', 10_000],
  ])('reads %j as %i basis points', (share, points) => {
    expect(shareBasisPoints(share)).toBe(points);
  });

  it.each(['', '-1', '101', '100.01', '1000', '12.345', '05', '00', '.5', '5.', '1e2', ' 5', '5 '])(
    'refuses %j with a message that says what a share is',
    (share) => {
      expect(() => shareBasisPoints(share)).toThrow(
        new UserShareError(
          `a share must be a percentage from "0" to "100" as a string with at most two decimal places, such as "12.5"; got ${JSON.stringify(share)}`,
        ),
      );
    },
  );

  it('refuses a number: shares are decimal strings, never floats', () => {
    expect(isShare(12.5)).toBe(false);
    expect(() => shareBasisPoints(12.5 as unknown as string)).toThrow(UserShareError);
  });
});

describe('userBucket', () => {
  it('is the first 32 bits of SHA-256("<flag>:<userId>"), big-endian, modulo 10000', () => {
    const hex = createHash('sha256').update('purchasesEnabledPercent:alice').digest('hex');
    expect(hex.slice(0, 8)).toBe('270d2892');
    // 0x270d2892 = 655173778, and 655173778 mod 10000 = 3778: pinned, since changing the hash
    // would move every user in or out of every share in force.
    expect(userBucket(FLAG, 'alice')).toBe(3778);
  });

  it('gives a user the same bucket every time', () => {
    const first = USERS.slice(0, 500).map((user) => userBucket(FLAG, user));
    const again = USERS.slice(0, 500).map((user) => userBucket(FLAG, user));
    expect(again).toEqual(first);
  });

  it('stays within 0 to 9999 and uses most of them', () => {
    const buckets = USERS.map((user) => userBucket(FLAG, user));
    expect(
      buckets.every((bucket) => Number.isInteger(bucket) && bucket >= 0 && bucket < SHARE_BUCKETS),
    ).toBe(true);
    // 20000 draws over 10000 buckets leave about e^-2 (13.5 %) of them empty.
    expect(new Set(buckets).size).toBeGreaterThan(8_300);
  });

  it('salts with the flag: two flags put the same users in different buckets', () => {
    const sample = USERS.slice(0, 1_000);
    const same = sample.filter((user) => userBucket(FLAG, user) === userBucket('otherFlag', user));
    expect(same.length).toBeLessThan(5);
  });

  it('refuses an empty flag or user id', () => {
    expect(() => userBucket(FLAG, '')).toThrow(
      new UserShareError('a user bucket needs a flag name and a user id'),
    );
    expect(() => userBucket('', 'alice')).toThrow(UserShareError);
  });
});

describe('inShare', () => {
  it('holds nobody at share 0 and everybody at share 100', () => {
    expect(USERS.filter((user) => inShare(FLAG, user, '0'))).toEqual([]);
    expect(USERS.filter((user) => inShare(FLAG, user, '100'))).toEqual(USERS);
    expect(USERS.filter((user) => inShare(FLAG, user, '100.00'))).toEqual(USERS);
  });

  it('is exactly the users whose bucket is below the share in basis points', () => {
    for (const user of USERS.slice(0, 2_000)) {
      expect(inShare(FLAG, user, '37.25')).toBe(userBucket(FLAG, user) < 3725);
    }
  });

  it('gives each user the same answer while the share stays the same', () => {
    const first = USERS.map((user) => inShare(FLAG, user, '20'));
    expect(USERS.map((user) => inShare(FLAG, user, '20'))).toEqual(first);
  });

  it('only adds users as the share rises: nobody in a lower share is out of a higher one', () => {
    const steps = ['0', '0.01', '1', '5', '10', '12.5', '20', '50', '75', '99.99', '100'];
    let previous = new Set<string>();
    for (const share of steps) {
      const holding = new Set(USERS.filter((user) => inShare(FLAG, user, share)));
      expect([...previous].filter((user) => !holding.has(user))).toEqual([]);
      expect(holding.size).toBeGreaterThanOrEqual(previous.size);
      previous = holding;
    }
  });

  it.each([
    ['1', 0.01],
    ['10', 0.1],
    ['25', 0.25],
    ['50', 0.5],
    ['90', 0.9],
  ])('holds about %s %% of 20000 users (within 4 standard deviations)', (share, fraction) => {
    const holding = USERS.filter((user) => inShare(FLAG, user, share)).length;
    const expected = USERS.length * fraction;
    const deviation = Math.sqrt(USERS.length * fraction * (1 - fraction));
    expect(Math.abs(holding - expected)).toBeLessThan(4 * deviation);
  });

  it('refuses a share that is not one', () => {
    expect(() => inShare(FLAG, 'alice', '150')).toThrow(UserShareError);
  });
});
