import { describe, expect, it } from 'vitest';
import {
  CODE_TTL_SECONDS,
  MAX_ATTEMPTS,
  TooManyCodesError,
  checkCode,
  codeCheckMessage,
  hashCode,
  isLive,
  issueCode,
  nextCodeAllowedAt,
  type CodeSubject,
  type Randomness,
} from '#domain/contact-verification.ts';

const ADA: CodeSubject = { userId: 'user-ada', channel: 'SMS', destination: '+4915112345678' };
const NOW = new Date('2027-01-04T09:00:00.000Z');
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

/** Randomness that gives `integer` and a fixed salt. */
function fixed(integer: number): Randomness {
  return { integer: () => integer, bytes: (size) => Buffer.alloc(size, 7) };
}

function issued(code = 42) {
  return issueCode(ADA, [], NOW, fixed(code));
}

describe('issuing a verification code', () => {
  it('sends six digits, keeps only their salted hash, valid for 10 minutes', () => {
    const { code, pending, sentAt } = issued(42);
    expect(code).toBe('000042');
    expect(pending).toEqual({
      hash: hashCode('000042', '07'.repeat(16), ADA),
      salt: '07'.repeat(16),
      expiresAt: '2027-01-04T09:10:00.000Z',
      attempts: 0,
    });
    expect(sentAt).toEqual(['2027-01-04T09:00:00.000Z']);
    expect(JSON.stringify(pending)).not.toContain('000042');
    expect(CODE_TTL_SECONDS).toBe(600);
  });

  it('draws from the whole six-digit range with the platform CSPRNG', () => {
    const codes = new Set(Array.from({ length: 50 }, () => issueCode(ADA, [], NOW).code));
    expect([...codes].every((code) => /^\d{6}$/.test(code))).toBe(true);
    expect(codes.size).toBeGreaterThan(45);
  });

  it('binds the hash to the user, the channel and the destination', () => {
    const salt = '07'.repeat(16);
    const hash = hashCode('123456', salt, ADA);
    expect(hashCode('123456', salt, { ...ADA, userId: 'user-eve' })).not.toBe(hash);
    expect(hashCode('123456', salt, { ...ADA, channel: 'EMAIL' })).not.toBe(hash);
    expect(hashCode('123456', salt, { ...ADA, destination: '+4915100000000' })).not.toBe(hash);
  });

  it('sends at most three codes in any hour, and says when the next may be asked for', () => {
    let sentAt: readonly string[] = [];
    for (const minute of [0, 10, 20]) {
      expect(nextCodeAllowedAt(sentAt, at(minute))).toBeNull();
      sentAt = issueCode(ADA, sentAt, at(minute), fixed(minute)).sentAt;
    }
    expect(nextCodeAllowedAt(sentAt, at(59))).toBe('2027-01-04T10:00:00.000Z');
    expect(() => issueCode(ADA, sentAt, at(59), fixed(1))).toThrow(TooManyCodesError);
    expect(() => issueCode(ADA, sentAt, at(59), fixed(1))).toThrow(
      '3 codes were sent to this contact within the last hour; ask for a new one after 2027-01-04T10:00:00.000Z',
    );
    // An hour after the first, one more may go; the record forgets what is over an hour old.
    const later = issueCode(ADA, sentAt, at(61), fixed(1)).sentAt;
    expect(later).toEqual([
      '2027-01-04T09:10:00.000Z',
      '2027-01-04T09:20:00.000Z',
      '2027-01-04T10:01:00.000Z',
    ]);
  });

  it('a new code replaces the old one: the old code stops working', () => {
    const first = issued(111111);
    const second = issueCode(ADA, first.sentAt, at(1), fixed(222222));
    expect(checkCode(ADA, second.pending, '111111', at(2))).toMatchObject({ outcome: 'WRONG' });
    expect(checkCode(ADA, second.pending, '222222', at(2))).toEqual({ outcome: 'VERIFIED' });
  });
});

describe('a live code', () => {
  it('takes guesses until it expires or was guessed wrong five times', () => {
    const { pending } = issued();
    expect(isLive(pending, at(9))).toBe(true);
    expect(isLive(pending, at(10))).toBe(false);
    expect(isLive({ ...pending, attempts: MAX_ATTEMPTS - 1 }, at(1))).toBe(true);
    expect(isLive({ ...pending, attempts: MAX_ATTEMPTS }, at(1))).toBe(false);
    expect(isLive(undefined, at(1))).toBe(false);
  });
});

describe('checking a guess', () => {
  it('verifies the right code before it expires', () => {
    const { code, pending } = issued(987654);
    expect(checkCode(ADA, pending, code, at(9))).toEqual({ outcome: 'VERIFIED' });
  });

  it('refuses the right code once expired, and the code of another user', () => {
    const { code, pending } = issued(987654);
    expect(checkCode(ADA, pending, code, at(10))).toEqual({ outcome: 'EXPIRED' });
    expect(checkCode({ ...ADA, userId: 'user-eve' }, pending, code, at(1))).toMatchObject({
      outcome: 'WRONG',
    });
  });

  it('counts wrong guesses and locks the code after five, even for the right code', () => {
    const { code } = issued(555555);
    let pending = issued(555555).pending;
    const left: number[] = [];
    for (let guess = 0; guess < MAX_ATTEMPTS; guess += 1) {
      const check = checkCode(ADA, pending, '000000', at(1));
      if (check.outcome !== 'WRONG') throw new Error(`expected WRONG, got ${check.outcome}`);
      left.push(check.attemptsLeft);
      pending = check.pending;
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    expect(checkCode(ADA, pending, code, at(2))).toEqual({ outcome: 'LOCKED' });
  });

  it('does not count a guess that is not six digits', () => {
    const { pending } = issued();
    expect(checkCode(ADA, pending, '12345', at(1))).toEqual({ outcome: 'MALFORMED' });
    expect(checkCode(ADA, pending, '12345a', at(1))).toEqual({ outcome: 'MALFORMED' });
    expect(checkCode(ADA, null, '123456', at(1))).toEqual({ outcome: 'NO_CODE' });
  });

  it('tells the person what happened in plain words', () => {
    const { pending } = issued();
    expect(
      [
        { outcome: 'MALFORMED' as const },
        { outcome: 'NO_CODE' as const },
        { outcome: 'LOCKED' as const },
        { outcome: 'EXPIRED' as const },
        { outcome: 'WRONG' as const, pending, attemptsLeft: 1 },
        { outcome: 'WRONG' as const, pending, attemptsLeft: 0 },
      ].map(codeCheckMessage),
    ).toEqual([
      'the code is the six digits we sent',
      'no code was sent to this contact; ask for one',
      'the code was guessed wrong 5 times and no longer works; ask for a new one',
      'the code has expired (codes are valid for 10 minutes); ask for a new one',
      'wrong code; 1 attempt left',
      'wrong code; it no longer works, ask for a new one',
    ]);
  });
});
