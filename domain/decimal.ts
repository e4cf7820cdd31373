/**
 * Exact decimal strings for money, with no floating point anywhere.
 *
 * An amount is held as a count of the currency's smallest units (cents, satoshis) written as a
 * digit string ("2500" for 25.00 at two decimals), so arbitrarily long input is compared and
 * formatted exactly. Callers that do arithmetic convert the digit string to a `bigint`.
 *
 * This module also runs inside AppSync resolvers (APPSYNC_JS), so it keeps to that runtime's
 * subset: no regular expressions, no classic `for`/`while`, no `padStart`/`repeat`, no exceptions.
 */

const DIGITS = '0123456789';
/** Enough zeros for any scale this module accepts (input is at most 40 characters). */
const ZEROS = '0000000000000000000000000000000000000000';

/** The outcome of {@link parseDecimal}: the amount in smallest units, or why the text was refused. */
export type DecimalParse = { ok: true; units: string } | { ok: false; reason: string };

function isDigit(char: string): boolean {
  return char.length === 1 && DIGITS.indexOf(char) >= 0;
}

function allDigits(text: string): boolean {
  return text.length > 0 && text.split('').every((char) => isDigit(char));
}

/** Removes leading zeros from a digit string, keeping a single "0" for zero. */
export function stripLeadingZeros(digits: string): string {
  const chars = digits.split('');
  const first = chars.findIndex((char) => char !== '0');
  return first < 0 ? '0' : digits.slice(first);
}

/**
 * Parses a plain decimal string ("25", "25.5", "25.00") into smallest units at `scale` decimals.
 * Refuses signs, exponents, separators, spaces, leading zeros ("025"), a bare or trailing point
 * (".5", "25.") and more decimals than `scale`.
 */
export function parseDecimal(text: string, scale: number): DecimalParse {
  const plain = { ok: false as const, reason: 'must be a plain decimal number such as 25.00' };
  if (typeof text !== 'string' || text.length === 0 || text.length > 40) {
    return plain;
  }
  const parts = text.split('.');
  const whole = parts[0] ?? '';
  const fraction = parts.length === 2 ? (parts[1] ?? '') : '';
  if (parts.length > 2 || !allDigits(whole) || (parts.length === 2 && !allDigits(fraction))) {
    return plain;
  }
  if (whole.length > 1 && whole.slice(0, 1) === '0') {
    return plain;
  }
  if (fraction.length > scale) {
    return {
      ok: false,
      reason:
        scale === 0
          ? 'must be a whole number in this currency'
          : `must have at most ${scale} decimal places`,
    };
  }
  const padded = fraction + ZEROS.slice(0, scale - fraction.length);
  return { ok: true, units: stripLeadingZeros(whole + padded) };
}

/** Compares two digit strings without leading zeros as integers: -1, 0 or 1. */
export function compareUnits(a: string, b: string): number {
  if (a.length !== b.length) {
    return a.length < b.length ? -1 : 1;
  }
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/** Formats smallest units as a decimal string with exactly `scale` decimals: ("2500", 2) -> "25.00". */
export function formatUnits(units: string, scale: number): string {
  const digits = stripLeadingZeros(units);
  if (scale === 0) {
    return digits;
  }
  const padded =
    digits.length > scale ? digits : ZEROS.slice(0, scale + 1 - digits.length) + digits;
  const cut = padded.length - scale;
  return `${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

/** `a - b` for digit strings without leading zeros, `a >= b`. */
export function subtractUnits(a: string, b: string): string {
  const top = a.split('').reverse();
  const bottom = b.split('').reverse();
  let borrow = 0;
  const digits: string[] = [];
  top.forEach((char, index) => {
    const lower = index < bottom.length ? DIGITS.indexOf(bottom[index] ?? '0') : 0;
    let value = DIGITS.indexOf(char) - lower - borrow;
    borrow = 0;
    if (value < 0) {
      value = value + 10;
      borrow = 1;
    }
    digits.push(DIGITS.charAt(value));
  });
  return stripLeadingZeros(digits.reverse().join(''));
}

const QUOTIENT_DIGITS = [9, 8, 7, 6, 5, 4, 3, 2, 1];

/**
 * The integer quotient `floor(numerator / denominator)` of two digit strings (schoolbook long
 * division, exact at any length). A zero denominator answers "0".
 */
export function divideUnits(numerator: string, denominator: string): string {
  const divisor = stripLeadingZeros(denominator);
  if (divisor === '0') {
    return '0';
  }
  let remainder = '0';
  const quotient: string[] = [];
  numerator.split('').forEach((char) => {
    remainder = stripLeadingZeros(remainder + char);
    // The largest digit q with q * divisor <= remainder: at most nine subtractions.
    let digit = 0;
    QUOTIENT_DIGITS.forEach((candidate) => {
      if (digit === 0 && compareUnits(multiplyByDigit(divisor, candidate), remainder) <= 0) {
        digit = candidate;
      }
    });
    if (digit > 0) {
      remainder = subtractUnits(remainder, multiplyByDigit(divisor, digit));
    }
    quotient.push(DIGITS.charAt(digit));
  });
  return stripLeadingZeros(quotient.join(''));
}

/**
 * The quotient `numerator / denominator` of two digit strings rounded half up (a half goes away
 * from zero), exact at any length: the digit after the integer quotient decides. A zero
 * denominator answers "0".
 */
export function divideUnitsHalfUp(numerator: string, denominator: string): string {
  const tenfold = divideUnits(`${numerator}0`, denominator);
  const quotient = tenfold.length > 1 ? tenfold.slice(0, -1) : '0';
  return DIGITS.indexOf(tenfold.charAt(tenfold.length - 1)) >= 5
    ? addUnits(quotient, '1')
    : quotient;
}

/** `a + b` for digit strings. */
export function addUnits(a: string, b: string): string {
  const left = a.split('').reverse();
  const right = b.split('').reverse();
  const longer = left.length >= right.length ? left : right;
  let carry = 0;
  const digits: string[] = [];
  longer.forEach((_, index) => {
    const value = DIGITS.indexOf(left[index] ?? '0') + DIGITS.indexOf(right[index] ?? '0') + carry;
    digits.push(DIGITS.charAt(value % 10));
    carry = value >= 10 ? 1 : 0;
  });
  if (carry > 0) {
    digits.push('1');
  }
  return stripLeadingZeros(digits.reverse().join(''));
}

/** A digit string times a single digit. */
function multiplyByDigit(units: string, digit: number): string {
  let carry = 0;
  const digits: string[] = [];
  units
    .split('')
    .reverse()
    .forEach((char) => {
      const value = DIGITS.indexOf(char) * digit + carry;
      digits.push(DIGITS.charAt(value % 10));
      carry = Math.floor(value / 10);
    });
  if (carry > 0) {
    digits.push(DIGITS.charAt(carry));
  }
  return stripLeadingZeros(digits.reverse().join(''));
}
