/** The operational feature flags: what a flags document may say, and what the maximum means. */
import { describe, expect, it } from 'vitest';
import { CURRENCY_DIGITS } from '#domain/currencies.ts';
import {
  DEFAULT_FLAGS,
  exceedsMaximum,
  FLAGS_JSON_SCHEMA,
  FlagsError,
  maximumFor,
  parseFlags,
  type Flags,
} from '#domain/flags.ts';

describe('parseFlags', () => {
  it('gives every omitted flag its default: purchases on for every user, no maximum in any currency', () => {
    const defaults = {
      purchasesEnabled: true,
      purchasesEnabledPercent: '100',
      maxAmountPerRun: null,
      maxAmountPerRunByCurrency: {},
    };
    expect(parseFlags({})).toEqual(defaults);
    expect(DEFAULT_FLAGS).toEqual(defaults);
  });

  it('reads every flag', () => {
    expect(
      parseFlags({
        purchasesEnabled: false,
        purchasesEnabledPercent: '12.5',
        maxAmountPerRun: '500.00',
        maxAmountPerRunByCurrency: { EUR: '400.00', JPY: '60000' },
      }),
    ).toEqual({
      purchasesEnabled: false,
      purchasesEnabledPercent: '12.5',
      maxAmountPerRun: '500.00',
      maxAmountPerRunByCurrency: { EUR: '400.00', JPY: '60000' },
    });
  });

  it('accepts null as "no maximum"', () => {
    expect(parseFlags({ maxAmountPerRun: null })).toEqual(DEFAULT_FLAGS);
  });

  it('accepts an empty per-currency map: every currency takes the global maximum', () => {
    expect(parseFlags({ maxAmountPerRunByCurrency: {} })).toEqual(DEFAULT_FLAGS);
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
    [
      { maxAmountPerRunByCurrency: null },
      'maxAmountPerRunByCurrency must be an object such as {"EUR": "500.00", "GBP": "400.00"}',
    ],
    [
      { maxAmountPerRunByCurrency: ['EUR'] },
      'maxAmountPerRunByCurrency must be an object such as {"EUR": "500.00", "GBP": "400.00"}',
    ],
    [
      { maxAmountPerRunByCurrency: { eur: '500.00' } },
      'maxAmountPerRunByCurrency: eur is not a supported currency code (AUD, CAD, CHF, EUR, GBP, JPY, USD)',
    ],
    [
      { maxAmountPerRunByCurrency: { XBT: '1' } },
      'maxAmountPerRunByCurrency: XBT is not a supported currency code (AUD, CAD, CHF, EUR, GBP, JPY, USD)',
    ],
    [
      { maxAmountPerRunByCurrency: { EUR: '500.001' } },
      'maxAmountPerRunByCurrency.EUR must be a positive decimal string with at most 2 decimal places',
    ],
    [
      { maxAmountPerRunByCurrency: { JPY: '500.5' } },
      'maxAmountPerRunByCurrency.JPY must be a positive decimal string with at most 0 decimal places',
    ],
    [
      { maxAmountPerRunByCurrency: { GBP: '0.00' } },
      'maxAmountPerRunByCurrency.GBP must be a positive decimal string with at most 2 decimal places',
    ],
    [
      { maxAmountPerRunByCurrency: { USD: 500 } },
      'maxAmountPerRunByCurrency.USD must be a positive decimal string with at most 2 decimal places',
    ],
    [
      { purchasesEnabledPercent: 50 },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '101' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '100.01' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '12.345' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '-1' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '05' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '.5' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '1e2' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: null },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [{ killSwitch: true, extra: 1 }, 'unknown flag(s): killSwitch, extra'],
  ])('refuses %j', (document, message) => {
    expect(() => parseFlags(document)).toThrow(new FlagsError(message));
  });
});

describe('the AppConfig JSON schema', () => {
  /** What a string schema of the flags document accepts: its pattern and not its `not` pattern. */
  const accepts = (schema: { pattern: string; not: { pattern: string } }, text: string) =>
    new RegExp(schema.pattern).test(text) && !new RegExp(schema.not.pattern).test(text);
  const parses = (document: unknown) => {
    try {
      parseFlags(document);
      return true;
    } catch (error) {
      if (error instanceof FlagsError) return false;
      throw error;
    }
  };
  const CANDIDATES = [
    '1',
    '500',
    '500.0',
    '500.00',
    '500.001',
    '0.01',
    '0.00000001',
    '0.000000001',
    '0',
    '0.00',
    '00.5',
    '.5',
    '5.',
    '-5',
    '1e3',
    ' 5',
  ];

  it('lists exactly the flags parseFlags reads, and nothing else', () => {
    expect(FLAGS_JSON_SCHEMA.additionalProperties).toBe(false);
    expect(Object.keys(FLAGS_JSON_SCHEMA.properties)).toEqual([
      'purchasesEnabled',
      'purchasesEnabledPercent',
      'maxAmountPerRun',
      'maxAmountPerRunByCurrency',
    ]);
    expect(FLAGS_JSON_SCHEMA.properties.maxAmountPerRunByCurrency.additionalProperties).toBe(false);
    expect(Object.keys(FLAGS_JSON_SCHEMA.properties.maxAmountPerRunByCurrency.properties)).toEqual(
      Object.keys(CURRENCY_DIGITS),
    );
  });

  it.each(CANDIDATES)('agrees with parseFlags on a global maximum of %j', (text) => {
    const [nullable, decimal] = FLAGS_JSON_SCHEMA.properties.maxAmountPerRun.oneOf;
    expect(nullable).toEqual({ type: 'null' });
    expect(accepts(decimal, text)).toBe(parses({ maxAmountPerRun: text }));
  });

  it.each([
    '0',
    '0.5',
    '1',
    '10',
    '12.5',
    '99.99',
    '100',
    '100.00',
    '100.01',
    '101',
    '00',
    '5.',
    '.5',
    '1.234',
    ' 5',
    '-1',
  ])('agrees with parseFlags on a share of %j', (text) => {
    const schema = FLAGS_JSON_SCHEMA.properties.purchasesEnabledPercent;
    expect(schema.type).toBe('string');
    expect(new RegExp(schema.pattern).test(text)).toBe(parses({ purchasesEnabledPercent: text }));
  });

  it.each(Object.keys(CURRENCY_DIGITS))(
    'agrees with parseFlags on every %s maximum',
    (currency) => {
      const schema = FLAGS_JSON_SCHEMA.properties.maxAmountPerRunByCurrency.properties[currency];
      if (schema === undefined) throw new Error(`no schema for ${currency}`);
      for (const text of CANDIDATES) {
        expect(accepts(schema, text), text).toBe(
          parses({ maxAmountPerRunByCurrency: { [currency]: text } }),
        );
      }
    },
  );
});

describe('maximumFor', () => {
  const flags: Flags = {
    ...DEFAULT_FLAGS,
    maxAmountPerRun: '100.00',
    maxAmountPerRunByCurrency: { EUR: '5.00' },
  };

  it("answers a currency's own maximum when it is the lower", () => {
    expect(maximumFor(flags, 'EUR')).toBe('5.00');
  });

  it("answers the global maximum when it is lower than a currency's own", () => {
    expect(maximumFor({ ...flags, maxAmountPerRun: '2.50' }, 'EUR')).toBe('2.50');
  });

  it('answers the global maximum for a currency without its own', () => {
    expect(maximumFor(flags, 'GBP')).toBe('100.00');
  });

  it('answers null when neither is set', () => {
    expect(maximumFor(DEFAULT_FLAGS, 'GBP')).toBeNull();
  });
});

describe('exceedsMaximum', () => {
  const limit: Flags = { ...DEFAULT_FLAGS, maxAmountPerRun: '500.00' };

  it.each([
    ['500.01', true],
    ['500.00', false],
    ['500', false],
    ['499.99', false],
    ['1000', true],
  ])('says %s EUR exceeds a global 500.00: %s', (amount, expected) => {
    expect(exceedsMaximum(limit, amount, 'EUR')).toBe(expected);
  });

  it('never exceeds when there is no maximum', () => {
    expect(exceedsMaximum(DEFAULT_FLAGS, '1000000.00', 'EUR')).toBe(false);
  });

  it('holds a currency to its own maximum, lower than the global one', () => {
    const flags = { ...limit, maxAmountPerRunByCurrency: { EUR: '5.00' } };
    expect(exceedsMaximum(flags, '25.00', 'EUR')).toBe(true);
    expect(exceedsMaximum(flags, '5.00', 'EUR')).toBe(false);
    expect(exceedsMaximum(flags, '25.00', 'GBP')).toBe(false);
  });

  it('holds every currency to a global maximum lower than its own: lowering either one holds', () => {
    const flags = { ...limit, maxAmountPerRunByCurrency: { USD: '1000.00' } };
    expect(exceedsMaximum(flags, '800.00', 'USD')).toBe(true);
    expect(exceedsMaximum(flags, '500.00', 'USD')).toBe(false);
    expect(exceedsMaximum(flags, '800.00', 'EUR')).toBe(true);
  });

  it('limits only the listed currency when there is no global maximum', () => {
    const flags = { ...DEFAULT_FLAGS, maxAmountPerRunByCurrency: { JPY: '60000' } };
    expect(exceedsMaximum(flags, '60001', 'JPY')).toBe(true);
    expect(exceedsMaximum(flags, '1000000.00', 'EUR')).toBe(false);
  });
});
