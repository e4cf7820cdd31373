/**
 * The paper exchange's market: a simulated BTC market with a price per currency, a fee rate,
 * minimum orders and increments, where market buys fill at once at the current price. Pure: the
 * local exchange (HTTP, in memory) and the cloud one (orders in DynamoDB) both fill with it.
 */
import { BTC_DIGITS, CURRENCY_DIGITS } from './currencies.ts';
import { fromUnits, marketBuyFill, toUnits } from './money.ts';

/** A market's settings, as decimal strings. */
export interface PaperMarket {
  price: string;
  minQuote: string;
  quoteIncrement: string;
  /**
   * The most one market buy can fill, fee included (the book's depth); a larger order fills that
   * much and the rest is cancelled (PARTIALLY_FILLED). Absent: unlimited.
   */
  liquidity?: string;
}

export interface PaperSettings {
  /** Fee as a fraction of the quote, e.g. "0.006". */
  feeRate: string;
  /** Smallest order size in BTC, e.g. "0.00001". */
  minBase: string;
  baseIncrement: string;
  markets: Record<string, PaperMarket>;
}

/** An order as the paper exchange stores and answers it (decimal strings, like real APIs). */
export interface PaperOrder {
  orderId: string;
  clientOrderId: string;
  currency: string;
  /** PARTIALLY_FILLED: the market's liquidity ran out; the rest of the quote was not spent. */
  status: 'FILLED' | 'PARTIALLY_FILLED';
  quote: string;
  filledSize: string;
  spent: string;
  fee: string;
  averagePrice: string;
  createdAt: string;
}

export const DEFAULT_PAPER_SETTINGS: PaperSettings = {
  feeRate: '0.006',
  minBase: '0.00001',
  baseIncrement: '0.00000001',
  markets: {
    USD: { price: '50000.00', minQuote: '1.00', quoteIncrement: '0.01' },
    EUR: { price: '46000.00', minQuote: '1.00', quoteIncrement: '0.01' },
    GBP: { price: '40000.00', minQuote: '1.00', quoteIncrement: '0.01' },
  },
};

/** Digits of a currency the paper exchange can trade, or undefined. */
export function paperDigits(currency: string): number | undefined {
  return Object.hasOwn(CURRENCY_DIGITS, currency) ? CURRENCY_DIGITS[currency] : undefined;
}

/** A market opened by `configure`: minimum one whole unit, increments of the smallest unit. */
export function newMarket(digits: number): PaperMarket {
  const one = fromUnits(10n ** BigInt(digits), digits);
  return { price: one, minQuote: one, quoteIncrement: fromUnits(1n, digits) };
}

/** Settings with the default rules and the given prices (fiat per BTC, by currency). */
export function paperSettingsWithPrices(prices: Readonly<Record<string, string>>): PaperSettings {
  const markets: Record<string, PaperMarket> = {};
  for (const [currency, price] of Object.entries(prices)) {
    const digits = paperDigits(currency);
    if (digits === undefined) throw new Error(`the paper exchange cannot trade ${currency}`);
    markets[currency] = {
      ...(DEFAULT_PAPER_SETTINGS.markets[currency] ?? newMarket(digits)),
      price,
    };
  }
  return { ...DEFAULT_PAPER_SETTINGS, markets };
}

/** A market buy as the paper exchange receives it. */
export interface PaperOrderRequest {
  readonly clientOrderId: unknown;
  readonly currency: unknown;
  readonly quote: unknown;
}

export type PaperFill =
  | { readonly ok: true; readonly order: PaperOrder }
  | {
      readonly ok: false;
      readonly code: 'INVALID' | 'UNKNOWN_MARKET' | 'BELOW_MINIMUM';
      readonly message: string;
    };

/** Fills a market buy at the current price, or says why the exchange refuses it. */
export function fillPaperOrder(
  settings: PaperSettings,
  request: PaperOrderRequest,
  orderId: string,
  createdAt: string,
): PaperFill {
  const { clientOrderId, currency, quote } = request;
  if (
    typeof clientOrderId !== 'string' ||
    clientOrderId.length === 0 ||
    typeof currency !== 'string' ||
    typeof quote !== 'string'
  ) {
    return {
      ok: false,
      code: 'INVALID',
      message: 'clientOrderId, currency and quote are required strings',
    };
  }
  const market = Object.hasOwn(settings.markets, currency) ? settings.markets[currency] : undefined;
  const digits = paperDigits(currency);
  if (market === undefined || digits === undefined) {
    return { ok: false, code: 'UNKNOWN_MARKET', message: `no BTC-${currency} market` };
  }
  let quoteMinor: bigint;
  try {
    quoteMinor = toUnits(quote, digits);
  } catch {
    return {
      ok: false,
      code: 'INVALID',
      message: `quote must be a decimal string with at most ${digits} decimals`,
    };
  }
  const increment = toUnits(market.quoteIncrement, digits);
  if (quoteMinor % increment !== 0n) {
    return {
      ok: false,
      code: 'INVALID',
      message: `quote must be a multiple of ${market.quoteIncrement}`,
    };
  }
  if (quoteMinor < toUnits(market.minQuote, digits)) {
    return {
      ok: false,
      code: 'BELOW_MINIMUM',
      message: `The order is below the minimum of ${market.minQuote} ${currency}.`,
    };
  }
  const liquidity = market.liquidity === undefined ? null : toUnits(market.liquidity, digits);
  const fillable = liquidity !== null && liquidity < quoteMinor ? liquidity : quoteMinor;
  const fill = marketBuyFill({
    quoteMinor: fillable,
    priceMinor: toUnits(market.price, digits),
    feeRate: settings.feeRate,
    baseIncrementSats: toUnits(settings.baseIncrement, BTC_DIGITS),
  });
  if (fill.sats < toUnits(settings.minBase, BTC_DIGITS)) {
    return {
      ok: false,
      code: 'BELOW_MINIMUM',
      message: `The order buys less than the minimum of ${settings.minBase} BTC.`,
    };
  }
  return {
    ok: true,
    order: {
      orderId,
      clientOrderId,
      currency,
      status: fillable < quoteMinor ? 'PARTIALLY_FILLED' : 'FILLED',
      quote,
      filledSize: fromUnits(fill.sats, BTC_DIGITS),
      spent: fromUnits(fill.spentMinor, digits),
      fee: fromUnits(fill.feeMinor, digits),
      averagePrice: fromUnits(fill.averagePriceMinor, digits),
      createdAt,
    },
  };
}
