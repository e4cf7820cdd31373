/**
 * Money in integers: decimal strings to and from units, fee rates as exact fractions, and the
 * market buy fill, whose roundings must never spend more than the quote nor buy more bitcoin than
 * the net amount pays for. Table values are worked out by hand from the paper exchange defaults
 * (46000.00 EUR per BTC, fee rate 0.006, base increment 1 satoshi).
 */
import fc from 'fast-check';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ceilDiv,
  type Fill,
  floorTo,
  formatBtc,
  fromUnits,
  marketBuyFill,
  MoneyError,
  parseRate,
  SATS_PER_BTC,
  toUnits,
} from '#domain/money.ts';

/** The error `action` throws, for exact assertions on its class and message. */
function thrownBy(action: () => unknown): unknown {
  let result: unknown;
  try {
    result = action();
  } catch (error) {
    return error;
  }
  throw new Error(`expected the call to throw, but it returned ${inspect(result)}`);
}

function expectMoneyError(action: () => unknown, message: string): void {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(MoneyError);
  expect({ name: (error as Error).name, message: (error as Error).message }).toEqual({
    name: 'MoneyError',
    message,
  });
}

describe('toUnits', () => {
  const cases: [string, number, bigint][] = [
    ['25.00', 2, 2500n],
    ['25', 2, 2500n],
    ['25.5', 2, 2550n],
    ['0.01', 2, 1n],
    ['0', 2, 0n],
    ['46000.00', 2, 4600000n],
    ['7000000', 0, 7000000n],
    ['0.00000001', 8, 1n],
    ['0.00001', 8, 1000n],
    ['1', 8, 100_000_000n],
  ];

  it.each(cases)('reads %j at scale %i as %s units', (text, scale, expected) => {
    expect(toUnits(text, scale)).toEqual(expected);
  });

  const refused: [string, string, number, string][] = [
    ['more decimals than the scale', '25.001', 2, "'25.001' must have at most 2 decimal places"],
    ['decimals at scale 0', '25.5', 0, "'25.5' must be a whole number in this currency"],
    ['a negative amount', '-1.00', 2, "'-1.00' must be a plain decimal number such as 25.00"],
    ['an exponent', '1e3', 2, "'1e3' must be a plain decimal number such as 25.00"],
    ['an empty string', '', 2, "'' must be a plain decimal number such as 25.00"],
    ['a leading zero', '025.00', 2, "'025.00' must be a plain decimal number such as 25.00"],
  ];

  it.each(refused)('throws MoneyError for %s', (_case, text, scale, message) => {
    expectMoneyError(() => toUnits(text, scale), message);
  });
});

describe('fromUnits', () => {
  const cases: [bigint, number, string][] = [
    [2500n, 2, '25.00'],
    [1n, 2, '0.01'],
    [0n, 2, '0.00'],
    [7000000n, 0, '7000000'],
    [4600062n, 2, '46000.62'],
    [-1n, 2, '-0.01'],
    [-2500n, 2, '-25.00'],
    [-15n, 0, '-15'],
    [-54021n, 8, '-0.00054021'],
  ];

  it.each(cases)('writes %s units at scale %i as %j', (units, scale, expected) => {
    expect(fromUnits(units, scale)).toEqual(expected);
  });

  it('is undone by toUnits for every non-negative amount', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.integer({ min: 0, max: 8 }),
        (units, scale) => {
          expect(toUnits(fromUnits(units, scale), scale)).toEqual(units);
        },
      ),
    );
  });

  it('writes a negative amount as its absolute value with a minus sign', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.integer({ min: 0, max: 8 }),
        (units, scale) => {
          expect(fromUnits(-units, scale)).toEqual(`-${fromUnits(units, scale)}`);
        },
      ),
    );
  });
});

describe('formatBtc', () => {
  const cases: [bigint, string][] = [
    [31250n, '0.00031250'],
    [54021n, '0.00054021'],
    [1n, '0.00000001'],
    [0n, '0.00000000'],
    [100_000_000n, '1.00000000'],
    [2_100_000_000_000_000n, '21000000.00000000'],
  ];

  it.each(cases)('writes %s sats as %j BTC with 8 decimals', (sats, expected) => {
    expect(formatBtc(sats)).toEqual(expected);
  });
});

describe('parseRate', () => {
  const cases: [string, bigint, bigint][] = [
    ['0.006', 6n, 1000n],
    ['0.25', 25n, 100n],
    ['0', 0n, 1n],
    ['1', 1n, 1n],
    ['0.00000001', 1n, 100_000_000n],
    ['1.5', 15n, 10n],
  ];

  it.each(cases)('reads %j as %s / %s', (rate, numerator, denominator) => {
    expect(parseRate(rate)).toEqual({ numerator, denominator });
  });

  const refused: [string, string][] = [
    ['an empty string', ''],
    ['a bare point', '.'],
    ['a leading point', '.5'],
    ['a trailing point', '5.'],
    ['a sign', '-0.006'],
    ['an exponent', '6e-3'],
    ['a space', ' 0.006'],
    ['a percent sign', '0.6%'],
    ['two points', '0.0.6'],
    ['three parts', '1.2.3'],
  ];

  it.each(refused)('throws MoneyError for %s', (_case, rate) => {
    expectMoneyError(() => parseRate(rate), `'${rate}' is not a decimal rate`);
  });
});

describe('ceilDiv', () => {
  const cases: [bigint, bigint, bigint][] = [
    [15n, 1n, 15n],
    [15000n, 1000n, 15n],
    [15001n, 1000n, 16n],
    [14999n, 1000n, 15n],
    [600n, 1000n, 1n],
    [1n, 1000n, 1n],
    [0n, 1000n, 0n],
  ];

  it.each(cases)('rounds %s / %s up to %s', (a, b, expected) => {
    expect(ceilDiv(a, b)).toEqual(expected);
  });

  it('is the smallest integer q with q * b >= a', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        (a, b) => {
          const q = ceilDiv(a, b);
          expect([q * b >= a, (q - 1n) * b < a || q === 0n]).toEqual([true, true]);
        },
      ),
    );
  });
});

describe('floorTo', () => {
  const cases: [bigint, bigint, bigint][] = [
    [54021n, 1n, 54021n],
    [54021n, 10n, 54020n],
    [54021n, 1000n, 54000n],
    [999n, 1000n, 0n],
    [54000n, 1000n, 54000n],
    [54021n, 0n, 54021n],
  ];

  it.each(cases)('rounds %s down to a multiple of %s: %s', (value, increment, expected) => {
    expect(floorTo(value, increment)).toEqual(expected);
  });
});

describe('marketBuyFill', () => {
  const cases: [string, bigint, bigint, string, bigint, Fill][] = [
    [
      '25.00 EUR at 46000.00 with the default fee',
      2500n,
      4600000n,
      '0.006',
      1n,
      { spentMinor: 2500n, feeMinor: 15n, sats: 54021n, averagePriceMinor: 4600062n },
    ],
    [
      'a fee of 0.6 cents rounded up to 1 cent',
      100n,
      4600000n,
      '0.006',
      1n,
      { spentMinor: 100n, feeMinor: 1n, sats: 2152n, averagePriceMinor: 4600371n },
    ],
    [
      'sats rounded down to a base increment of 1000',
      2500n,
      4600000n,
      '0.006',
      1000n,
      { spentMinor: 2500n, feeMinor: 15n, sats: 54000n, averagePriceMinor: 4601851n },
    ],
    [
      'no fee at an exact price',
      10000n,
      5000000n,
      '0',
      1n,
      { spentMinor: 10000n, feeMinor: 0n, sats: 200000n, averagePriceMinor: 5000000n },
    ],
    [
      'a fee that divides exactly',
      1000n,
      5000000n,
      '0.005',
      1n,
      { spentMinor: 1000n, feeMinor: 5n, sats: 19900n, averagePriceMinor: 5000000n },
    ],
    [
      'one cent that the fee eats entirely',
      1n,
      4600000n,
      '0.006',
      1n,
      { spentMinor: 1n, feeMinor: 1n, sats: 0n, averagePriceMinor: 0n },
    ],
  ];

  it.each(cases)('fills %s', (_case, quoteMinor, priceMinor, feeRate, baseIncrementSats, fill) => {
    expect(marketBuyFill({ quoteMinor, priceMinor, feeRate, baseIncrementSats })).toEqual(fill);
  });

  const refused: [string, bigint, bigint, string, string][] = [
    ['a zero quote', 0n, 4600000n, '0.006', 'quote and price must be positive'],
    ['a negative quote', -2500n, 4600000n, '0.006', 'quote and price must be positive'],
    ['a zero price', 2500n, 0n, '0.006', 'quote and price must be positive'],
    ['a negative price', 2500n, -4600000n, '0.006', 'quote and price must be positive'],
    ['a fee rate that is not a decimal', 2500n, 4600000n, '0.6%', "'0.6%' is not a decimal rate"],
  ];

  it.each(refused)(
    'throws MoneyError for %s',
    (_case, quoteMinor, priceMinor, feeRate, message) => {
      expectMoneyError(
        () => marketBuyFill({ quoteMinor, priceMinor, feeRate, baseIncrementSats: 1n }),
        message,
      );
    },
  );

  /** A fee rate below 1 with up to 8 decimals, as text and as the exact fraction it means. */
  const feeRate = fc.integer({ min: 0, max: 8 }).chain((scale) =>
    fc.bigInt({ min: 0n, max: 10n ** BigInt(scale) - 1n }).map((numerator) => ({
      text: scale === 0 ? '0' : `0.${numerator.toString().padStart(scale, '0')}`,
      numerator,
      denominator: 10n ** BigInt(scale),
    })),
  );

  const order = fc.record({
    quoteMinor: fc.oneof(
      fc.bigInt({ min: 1n, max: 10_000n }),
      fc.bigInt({ min: 1n, max: 10n ** 15n }),
    ),
    priceMinor: fc.oneof(
      fc.bigInt({ min: 1n, max: 10n ** 4n }),
      fc.bigInt({ min: 1_000_000n, max: 100_000_000n }),
      fc.bigInt({ min: 1n, max: 10n ** 15n }),
    ),
    rate: feeRate,
    baseIncrementSats: fc.oneof(
      fc.constantFrom(1n, 10n, 100n, 1000n),
      fc.bigInt({ min: 1n, max: 100_000n }),
    ),
  });

  const fillOf = (o: {
    quoteMinor: bigint;
    priceMinor: bigint;
    rate: { text: string };
    baseIncrementSats: bigint;
  }) =>
    marketBuyFill({
      quoteMinor: o.quoteMinor,
      priceMinor: o.priceMinor,
      feeRate: o.rate.text,
      baseIncrementSats: o.baseIncrementSats,
    });

  it('spends exactly the quote, never more', () => {
    fc.assert(
      fc.property(order, (o) => {
        expect(fillOf(o).spentMinor).toEqual(o.quoteMinor);
      }),
    );
  });

  it('never charges a fee larger than the quote', () => {
    fc.assert(
      fc.property(order, (o) => {
        const { feeMinor } = fillOf(o);
        expect([feeMinor >= 0n, feeMinor <= o.quoteMinor]).toEqual([true, true]);
      }),
    );
  });

  it('charges the fee as the ceiling of quote times rate', () => {
    fc.assert(
      fc.property(order, (o) => {
        const { feeMinor } = fillOf(o);
        const exact = o.quoteMinor * o.rate.numerator;
        expect([
          feeMinor * o.rate.denominator >= exact,
          (feeMinor - 1n) * o.rate.denominator < exact,
        ]).toEqual([true, true]);
      }),
    );
  });

  it('never buys more bitcoin than the net amount pays for', () => {
    fc.assert(
      fc.property(order, (o) => {
        const { feeMinor, sats } = fillOf(o);
        expect(sats * o.priceMinor <= (o.quoteMinor - feeMinor) * SATS_PER_BTC).toEqual(true);
      }),
    );
  });

  it('buys a whole number of base increments, and one increment less would be affordable too', () => {
    fc.assert(
      fc.property(order, (o) => {
        const { feeMinor, sats } = fillOf(o);
        const net = (o.quoteMinor - feeMinor) * SATS_PER_BTC;
        expect([
          sats >= 0n,
          sats % o.baseIncrementSats,
          (sats + o.baseIncrementSats) * o.priceMinor > net,
        ]).toEqual([true, 0n, true]);
      }),
    );
  });

  it('never reports an average price better than the market price', () => {
    fc.assert(
      fc.property(order, (o) => {
        const { sats, averagePriceMinor } = fillOf(o);
        fc.pre(sats > 0n);
        expect(averagePriceMinor >= o.priceMinor).toEqual(true);
      }),
    );
  });

  it('reports zero sats and an average price of zero when the quote cannot buy one satoshi', () => {
    const dust = fc.bigInt({ min: 1n, max: 1000n }).chain((quoteMinor) =>
      fc.record({
        quoteMinor: fc.constant(quoteMinor),
        priceMinor: fc.bigInt({ min: quoteMinor * SATS_PER_BTC + 1n, max: 10n ** 15n }),
        rate: feeRate,
      }),
    );
    fc.assert(
      fc.property(dust, (o) => {
        const { sats, averagePriceMinor } = fillOf({ ...o, baseIncrementSats: 1n });
        expect({ sats, averagePriceMinor }).toEqual({ sats: 0n, averagePriceMinor: 0n });
      }),
    );
  });
});
