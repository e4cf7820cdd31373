/**
 * Exact money amounts as digit strings: which texts parseDecimal accepts and refuses, and the
 * laws that tie parseDecimal, formatUnits, compareUnits and stripLeadingZeros together.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUnits, formatUnits, parseDecimal, stripLeadingZeros } from '#domain/decimal.ts';

const PLAIN = 'must be a plain decimal number such as 25.00';
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const digitString = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...DIGITS), minLength, maxLength });

/** Digit strings without leading zeros ("0" for zero), as compareUnits expects. */
const units = fc
  .oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 10n ** 40n }))
  .map((value) => value.toString());

/** A decimal text parseDecimal accepts at `scale`, with its whole and fraction parts. */
const decimalAtScale = fc.integer({ min: 0, max: 18 }).chain((scale) =>
  fc.record({
    scale: fc.constant(scale),
    whole: fc.oneof(
      fc.constant('0'),
      fc
        .tuple(fc.constantFrom(...DIGITS.slice(1)), digitString(0, 19))
        .map(([head, tail]) => head + tail),
    ),
    fraction: digitString(0, scale),
  }),
);

describe('parseDecimal', () => {
  const accepted: [string, number, string][] = [
    ['25', 2, '2500'],
    ['25.5', 2, '2550'],
    ['25.00', 2, '2500'],
    ['0.5', 2, '50'],
    ['0.01', 2, '1'],
    ['0', 2, '0'],
    ['0.00', 2, '0'],
    ['10000', 2, '1000000'],
    ['25', 0, '25'],
    ['0', 0, '0'],
    ['0.00000001', 8, '1'],
    ['1.5', 8, '150000000'],
    ['1'.repeat(40), 0, '1'.repeat(40)],
  ];

  it.each(accepted)('accepts %j at scale %i as %j smallest units', (text, scale, expected) => {
    expect(parseDecimal(text, scale)).toEqual({ ok: true, units: expected });
  });

  const refused: [string, string, number, string][] = [
    ['more decimals than the currency has', '10.001', 2, 'must have at most 2 decimal places'],
    ['more decimals than bitcoin has', '0.000000001', 8, 'must have at most 8 decimal places'],
    ['decimals in a currency without them', '25.5', 0, 'must be a whole number in this currency'],
    [
      'zero decimals in a currency without them',
      '25.0',
      0,
      'must be a whole number in this currency',
    ],
    ['a leading zero', '025', 2, PLAIN],
    ['a doubled zero', '00', 2, PLAIN],
    ['a leading zero before the point', '00.5', 2, PLAIN],
    ['a bare decimal point', '.5', 2, PLAIN],
    ['a trailing decimal point', '25.', 2, PLAIN],
    ['two decimal points', '1.2.3', 2, PLAIN],
    ['an exponent', '1e3', 2, PLAIN],
    ['a minus sign', '-1', 2, PLAIN],
    ['a plus sign', '+1', 2, PLAIN],
    ['a leading space', ' 1', 2, PLAIN],
    ['a trailing space', '1 ', 2, PLAIN],
    ['a decimal comma', '1,00', 2, PLAIN],
    ['a thousands separator', '1,000.00', 2, PLAIN],
    ['letters', 'abc', 2, PLAIN],
    ['non-ASCII digits', '\u0661\u0662', 2, PLAIN],
    ['Infinity', 'Infinity', 2, PLAIN],
    ['an empty text', '', 2, PLAIN],
    ['a text of 41 characters', '1'.repeat(41), 0, PLAIN],
  ];

  it.each(refused)('refuses %s (%j at scale %i)', (_rule, text, scale, reason) => {
    expect(parseDecimal(text, scale)).toEqual({ ok: false, reason });
  });

  it('refuses a value that is not a string', () => {
    expect(parseDecimal(25 as unknown as string, 2)).toEqual({ ok: false, reason: PLAIN });
  });

  it('reads every decimal text with at most scale decimals back as the same amount', () => {
    fc.assert(
      fc.property(decimalAtScale, ({ scale, whole, fraction }) => {
        const text = fraction.length === 0 ? whole : `${whole}.${fraction}`;
        const parsed = parseDecimal(text, scale);
        const expected =
          scale === 0 ? whole : `${whole}.${fraction}${'0'.repeat(scale - fraction.length)}`;
        expect(parsed.ok && formatUnits(parsed.units, scale)).toEqual(expected);
      }),
    );
  });

  it('parses what formatUnits prints back to the same units without leading zeros', () => {
    fc.assert(
      fc.property(digitString(1, 21), fc.integer({ min: 0, max: 18 }), (digits, scale) => {
        expect(parseDecimal(formatUnits(digits, scale), scale)).toEqual({
          ok: true,
          units: stripLeadingZeros(digits),
        });
      }),
    );
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.anything()),
        fc.integer({ min: 0, max: 18 }),
        (text, scale) => {
          const parsed = parseDecimal(text as string, scale);
          expect(typeof parsed.ok).toEqual('boolean');
        },
      ),
    );
  });
});

describe('formatUnits', () => {
  const cases: [string, number, string][] = [
    ['2500', 2, '25.00'],
    ['2550', 2, '25.50'],
    ['1', 2, '0.01'],
    ['0', 2, '0.00'],
    ['50', 2, '0.50'],
    ['000125', 2, '1.25'],
    ['25', 0, '25'],
    ['0', 0, '0'],
    ['1', 8, '0.00000001'],
    ['100000000', 8, '1.00000000'],
    ['1', 18, '0.000000000000000001'],
  ];

  it.each(cases)('formats %j smallest units at scale %i as %j', (value, scale, expected) => {
    expect(formatUnits(value, scale)).toEqual(expected);
  });
});

describe('compareUnits', () => {
  const cases: [string, string, number][] = [
    ['0', '0', 0],
    ['2500', '2500', 0],
    ['99', '100', -1],
    ['100', '99', 1],
    ['1000000', '999999', 1],
    ['123', '124', -1],
    ['124', '123', 1],
  ];

  it.each(cases)('compares %j with %j as %i', (a, b, expected) => {
    expect(compareUnits(a, b)).toEqual(expected);
  });

  it('agrees with comparing the amounts as integers', () => {
    fc.assert(
      fc.property(units, units, (a, b) => {
        const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        expect(compareUnits(a, b)).toEqual(expected);
      }),
    );
  });

  it('finds every amount equal to itself', () => {
    fc.assert(
      fc.property(units, (a) => {
        expect(compareUnits(a, a)).toEqual(0);
      }),
    );
  });
});

describe('stripLeadingZeros', () => {
  const cases: [string, string][] = [
    ['0', '0'],
    ['000', '0'],
    ['007', '7'],
    ['100', '100'],
    ['0100', '100'],
    ['', '0'],
  ];

  it.each(cases)('turns %j into %j', (digits, expected) => {
    expect(stripLeadingZeros(digits)).toEqual(expected);
  });
});
