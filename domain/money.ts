/**
 * Money arithmetic for purchases, in integers only: fiat in minor units (cents), bitcoin in
 * satoshis, prices as fiat minor units per whole bitcoin, rates as exact decimal strings. Every
 * rounding goes against spending more than the plan's amount.
 */
import { BTC_DIGITS } from './currencies.ts';
import { formatUnits, parseDecimal } from './decimal.ts';

/** Satoshis in one bitcoin. */
export const SATS_PER_BTC = 100_000_000n;

/** Thrown for an amount, price or rate that is not an exact non-negative decimal. */
export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

/** A decimal string ("25.00") as an integer count of units at `scale` decimals (2500n). */
export function toUnits(text: string, scale: number): bigint {
  const parsed = parseDecimal(text, scale);
  if (!parsed.ok) throw new MoneyError(`'${text}' ${parsed.reason}`);
  return BigInt(parsed.units);
}

/** Units at `scale` decimals as a decimal string: (2500n, 2) -> "25.00". */
export function fromUnits(units: bigint, scale: number): string {
  if (units < 0n) return `-${formatUnits((-units).toString(), scale)}`;
  return formatUnits(units.toString(), scale);
}

/** Satoshis as a BTC decimal string with 8 decimals: 31250n -> "0.00031250". */
export function formatBtc(sats: bigint): string {
  return fromUnits(sats, BTC_DIGITS);
}

/** A rate ("0.006") as a fraction of two integers. */
export function parseRate(rate: string): { numerator: bigint; denominator: bigint } {
  if (typeof rate !== 'string' || !/^\d+(\.\d+)?$/.test(rate)) {
    throw new MoneyError(`'${rate}' is not a decimal rate`);
  }
  const [whole = '', fraction = ''] = rate.split('.');
  return { numerator: BigInt(whole + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/** `a / b` rounded up, for non-negative integers. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Rounds `value` down to a multiple of `increment`. */
export function floorTo(value: bigint, increment: bigint): bigint {
  return increment <= 1n ? value : (value / increment) * increment;
}

/** What a market buy of `quoteMinor` (fees included) yields at `priceMinor` per BTC. */
export interface Fill {
  /** Fiat taken from the customer, fee included: never more than the order's quote. */
  readonly spentMinor: bigint;
  readonly feeMinor: bigint;
  readonly sats: bigint;
  /** Fiat per BTC paid, fees excluded, in minor units, rounded down. */
  readonly averagePriceMinor: bigint;
}

/**
 * Fills a market buy that spends `quoteMinor` including a fee of `feeRate` of it (rounded up,
 * as exchanges round fees), buying whole `baseIncrementSats` at `priceMinor` per BTC.
 */
export function marketBuyFill(args: {
  quoteMinor: bigint;
  priceMinor: bigint;
  feeRate: string;
  baseIncrementSats: bigint;
}): Fill {
  const { quoteMinor, priceMinor, baseIncrementSats } = args;
  if (quoteMinor <= 0n || priceMinor <= 0n)
    throw new MoneyError('quote and price must be positive');
  const rate = parseRate(args.feeRate);
  if (rate.numerator >= rate.denominator)
    throw new MoneyError(`a fee rate of ${args.feeRate} takes the whole order`);
  const feeMinor = ceilDiv(quoteMinor * rate.numerator, rate.denominator);
  const netMinor = quoteMinor - feeMinor;
  const sats = floorTo((netMinor * SATS_PER_BTC) / priceMinor, baseIncrementSats);
  return {
    spentMinor: quoteMinor,
    feeMinor,
    sats,
    averagePriceMinor: sats === 0n ? 0n : (netMinor * SATS_PER_BTC) / sats,
  };
}
