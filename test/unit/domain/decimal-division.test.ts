/**
 * Long division (rounded down and half up), addition and subtraction on digit strings (the APPSYNC_JS-safe arithmetic behind average
 * prices), checked against hand-worked tables and against BigInt over digit strings of up to 40
 * digits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addUnits, divideUnits, divideUnitsHalfUp, subtractUnits } from '#domain/decimal.ts';

/** Digit strings without leading zeros ("0" for zero), up to 40 digits. */
const units = fc
  .oneof(
    fc.bigInt({ min: 0n, max: 1000n }),
    fc.bigInt({ min: 0n, max: 10n ** 20n }),
    fc.bigInt({ min: 0n, max: 10n ** 40n - 1n }),
  )
  .map((value) => value.toString());

const positiveUnits = units.filter((value) => value !== '0');

describe('divideUnits', () => {
  const cases: [string, string, string][] = [
    ['248500000000', '4600000', '54021'],
    ['248500000000', '54021', '4600062'],
    ['10', '3', '3'],
    ['9', '3', '3'],
    ['2', '3', '0'],
    ['0', '7', '0'],
    ['7', '1', '7'],
    ['100', '100', '1'],
    ['99', '100', '0'],
    ['1000000000000000000000000000000000000000', '1', '1000000000000000000000000000000000000000'],
    ['9999999999999999999999999999999999999999', '99999999999999999999', '100000000000000000001'],
    ['123456789012345678901234567890', '987654321', '124999998873437499901'],
    ['100', '007', '14'],
  ];

  it.each(cases)('divides %s by %s as %s, rounded down', (numerator, denominator, quotient) => {
    expect(divideUnits(numerator, denominator)).toEqual(quotient);
  });

  it.each([
    ['25', '0'],
    ['0', '0'],
    ['25', '000'],
  ])('answers "0" for %s divided by the zero denominator %j', (numerator, denominator) => {
    expect(divideUnits(numerator, denominator)).toEqual('0');
  });

  it('answers the BigInt quotient for any numerator and non-zero denominator', () => {
    fc.assert(
      fc.property(units, positiveUnits, (numerator, denominator) => {
        expect(divideUnits(numerator, denominator)).toEqual(
          (BigInt(numerator) / BigInt(denominator)).toString(),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('answers "0" for any numerator divided by zero', () => {
    fc.assert(
      fc.property(units, (numerator) => {
        expect(divideUnits(numerator, '0')).toEqual('0');
      }),
    );
  });

  it('answers a quotient q with q * d <= n < (q + 1) * d', () => {
    fc.assert(
      fc.property(units, positiveUnits, (numerator, denominator) => {
        const q = BigInt(divideUnits(numerator, denominator));
        const n = BigInt(numerator);
        const d = BigInt(denominator);
        expect([q * d <= n, n < (q + 1n) * d]).toEqual([true, true]);
      }),
    );
  });
});

describe('subtractUnits', () => {
  const cases: [string, string, string][] = [
    ['2500', '15', '2485'],
    ['1000', '1', '999'],
    ['100', '100', '0'],
    ['0', '0', '0'],
    ['7', '0', '7'],
    ['1000000000000000000000000000000000000000', '1', '999999999999999999999999999999999999999'],
    ['9999999999999999999999999999999999999999', '9999999999999999999999999999999999999998', '1'],
    ['1000000000000000000000', '999999999999999999999', '1'],
  ];

  it.each(cases)('subtracts %s - %s as %s', (a, b, difference) => {
    expect(subtractUnits(a, b)).toEqual(difference);
  });

  it('answers the BigInt difference whenever the first is at least the second', () => {
    fc.assert(
      fc.property(units, units, (x, y) => {
        const [a, b] = BigInt(x) >= BigInt(y) ? [x, y] : [y, x];
        expect(subtractUnits(a, b)).toEqual((BigInt(a) - BigInt(b)).toString());
      }),
      { numRuns: 500 },
    );
  });

  it('subtracting a number from itself answers "0"', () => {
    fc.assert(
      fc.property(units, (a) => {
        expect(subtractUnits(a, a)).toEqual('0');
      }),
    );
  });
});

describe('divideUnitsHalfUp', () => {
  const cases: [string, string, string][] = [
    ['10', '4', '3'],
    ['10', '3', '3'],
    ['11', '6', '2'],
    ['5', '10', '1'],
    ['4', '10', '0'],
    ['0', '7', '0'],
    ['248500000000', '54021', '4600063'],
    ['99999999999999999999', '2', '50000000000000000000'],
    ['9999999999999999999999999999999999999999', '10', '1000000000000000000000000000000000000000'],
  ];

  it.each(cases)(
    'divides %s by %s as %s, a half rounded up',
    (numerator, denominator, quotient) => {
      expect(divideUnitsHalfUp(numerator, denominator)).toEqual(quotient);
    },
  );

  it('answers "0" for a zero denominator', () => {
    expect(divideUnitsHalfUp('25', '0')).toEqual('0');
  });

  it('answers floor((2n + d) / 2d), the BigInt quotient rounded half up', () => {
    fc.assert(
      fc.property(units, positiveUnits, (numerator, denominator) => {
        const n = BigInt(numerator);
        const d = BigInt(denominator);
        expect(divideUnitsHalfUp(numerator, denominator)).toEqual(
          ((2n * n + d) / (2n * d)).toString(),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('addUnits', () => {
  it.each([
    ['0', '0', '0'],
    ['999', '1', '1000'],
    ['1', '999', '1000'],
    ['2485', '15', '2500'],
  ])('adds %s + %s as %s', (a, b, sum) => {
    expect(addUnits(a, b)).toEqual(sum);
  });

  it('answers the BigInt sum', () => {
    fc.assert(
      fc.property(units, units, (a, b) => {
        expect(addUnits(a, b)).toEqual((BigInt(a) + BigInt(b)).toString());
      }),
      { numRuns: 500 },
    );
  });
});
