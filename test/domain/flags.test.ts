/** The operational feature flags: what a flags document may say, and what the maximum means. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FLAGS, exceedsMaximum, FlagsError, parseFlags } from '#domain/flags.ts';

describe('parseFlags', () => {
  it('gives every omitted flag its default: purchases on, no maximum', () => {
    expect(parseFlags({})).toEqual({ purchasesEnabled: true, maxAmountPerRun: null });
    expect(DEFAULT_FLAGS).toEqual({ purchasesEnabled: true, maxAmountPerRun: null });
  });

  it('reads both flags', () => {
    expect(parseFlags({ purchasesEnabled: false, maxAmountPerRun: '500.00' })).toEqual({
      purchasesEnabled: false,
      maxAmountPerRun: '500.00',
    });
  });

  it('accepts null as "no maximum"', () => {
    expect(parseFlags({ maxAmountPerRun: null })).toEqual(DEFAULT_FLAGS);
  });

  it.each([
    [
      null,
      'flags must be a JSON object such as {"purchasesEnabled": false, "maxAmountPerRun": "500.00"}',
    ],
    [
      [],
      'flags must be a JSON object such as {"purchasesEnabled": false, "maxAmountPerRun": "500.00"}',
    ],
    [{ purchasesEnabled: 'no' }, 'purchasesEnabled must be true or false'],
    [
      { maxAmountPerRun: 500 },
      'maxAmountPerRun must be a positive decimal string such as "500.00", or null',
    ],
    [
      { maxAmountPerRun: '0.00' },
      'maxAmountPerRun must be a positive decimal string such as "500.00", or null',
    ],
    [
      { maxAmountPerRun: '-5' },
      'maxAmountPerRun must be a positive decimal string such as "500.00", or null',
    ],
    [
      { maxAmountPerRun: '1e3' },
      'maxAmountPerRun must be a positive decimal string such as "500.00", or null',
    ],
    [{ killSwitch: true, extra: 1 }, 'unknown flag(s): killSwitch, extra'],
  ])('refuses %j', (document, message) => {
    expect(() => parseFlags(document)).toThrow(new FlagsError(message));
  });
});

describe('exceedsMaximum', () => {
  const limit = { purchasesEnabled: true, maxAmountPerRun: '500.00' };

  it.each([
    ['500.01', true],
    ['500.00', false],
    ['500', false],
    ['499.99', false],
    ['1000', true],
  ])('says %s exceeds 500.00: %s', (amount, expected) => {
    expect(exceedsMaximum(limit, amount)).toBe(expected);
  });

  it('never exceeds when there is no maximum', () => {
    expect(exceedsMaximum(DEFAULT_FLAGS, '1000000.00')).toBe(false);
  });
});
