/**
 * The paper exchange: a simulated BTC market that speaks HTTP like a real exchange, with a
 * settable price per currency, fee rate, minimum order and increments. Market buys fill at once
 * at the current price. A client order id it has seen answers the existing order instead of
 * buying again (Coinbase's behaviour).
 *
 *   GET  <base>/markets/<currency>            market rules and price
 *   POST <base>/orders {clientOrderId, currency, quote}   market buy spending `quote` (fee included)
 *   GET  <base>/orders?clientOrderId=...      the order with that client order id, or 404
 */
import { randomUUID } from 'node:crypto';
import { fromUnits, marketBuyFill, toUnits } from '#domain/money.ts';
import { BTC_DIGITS, CURRENCY_DIGITS } from '#domain/currencies.ts';
import { BadRequestError, type Handler, type Reply } from './http.ts';

/** A market's settings, as decimal strings. */
export interface PaperMarket {
  price: string;
  minQuote: string;
  quoteIncrement: string;
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
  status: 'FILLED';
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

function digitsOf(currency: string): number {
  const digits = Object.hasOwn(CURRENCY_DIGITS, currency) ? CURRENCY_DIGITS[currency] : undefined;
  if (digits === undefined) throw new BadRequestError(`unknown currency ${currency}`);
  return digits;
}

/** A market opened by `configure`: minimum one whole unit, increments of the smallest unit. */
function newMarket(digits: number): PaperMarket {
  const one = fromUnits(10n ** BigInt(digits), digits);
  return { price: one, minQuote: one, quoteIncrement: fromUnits(1n, digits) };
}

function rejection(status: number, code: string, message: string): Reply {
  return { status, body: { code, message } };
}

export class PaperExchange {
  readonly #now: () => number;
  #settings: PaperSettings;
  readonly #orders: PaperOrder[] = [];
  readonly #byClientId = new Map<string, PaperOrder>();

  constructor(now: () => number, settings: PaperSettings = DEFAULT_PAPER_SETTINGS) {
    this.#now = now;
    this.#settings = structuredClone(settings);
  }

  /** Settings and every order received, for `GET /_local/exchange`. */
  state() {
    return { ...structuredClone(this.#settings), orders: [...this.#orders] };
  }

  /**
   * Applies `POST /_local/exchange`: `{"prices": {"USD": "50000.00"}, "feeRate": "0.006",
   * "minQuote": {"USD": "1.00"}, "minBase": "0.00001"}`; every field optional and checked.
   */
  configure(body: unknown) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestError(
        'send a JSON object such as {"prices": {"USD": "50000.00"}, "feeRate": "0.006"}',
      );
    }
    const { prices, feeRate, minQuote, minBase } = body as Record<string, unknown>;
    const next = structuredClone(this.#settings);
    const decimals = (value: unknown, scale: number, what: string) => {
      if (typeof value !== 'string') throw new BadRequestError(`${what} must be a decimal string`);
      try {
        if (toUnits(value, scale) <= 0n && what !== 'feeRate') throw new Error('not positive');
      } catch {
        throw new BadRequestError(
          `${what} must be a positive decimal string with at most ${scale} decimals`,
        );
      }
      return value;
    };
    const perCurrency = (
      value: unknown,
      what: string,
      apply: (market: PaperMarket, amount: string) => void,
    ) => {
      if (value === undefined) return;
      if (value === null || typeof value !== 'object')
        throw new BadRequestError(`${what} must be a map of currency to amount`);
      for (const [currency, amount] of Object.entries(value)) {
        const market = next.markets[currency] ?? newMarket(digitsOf(currency));
        apply(market, decimals(amount, digitsOf(currency), `${what}.${currency}`));
        next.markets[currency] = market;
      }
    };
    perCurrency(prices, 'prices', (market, amount) => (market.price = amount));
    perCurrency(minQuote, 'minQuote', (market, amount) => (market.minQuote = amount));
    if (feeRate !== undefined) {
      next.feeRate = decimals(feeRate, 8, 'feeRate');
      if (toUnits(next.feeRate, 8) >= 100_000_000n)
        throw new BadRequestError('feeRate must be below 1');
    }
    if (minBase !== undefined) next.minBase = decimals(minBase, BTC_DIGITS, 'minBase');
    this.#settings = next;
    return this.state();
  }

  #market(currency: string): PaperMarket | undefined {
    return Object.hasOwn(this.#settings.markets, currency)
      ? this.#settings.markets[currency]
      : undefined;
  }

  #marketReply(currency: string): Reply {
    const market = this.#market(currency);
    if (market === undefined) return rejection(404, 'UNKNOWN_MARKET', `no BTC-${currency} market`);
    return {
      status: 200,
      body: {
        currency,
        price: market.price,
        feeRate: this.#settings.feeRate,
        minQuote: market.minQuote,
        quoteIncrement: market.quoteIncrement,
        minBase: this.#settings.minBase,
        baseIncrement: this.#settings.baseIncrement,
      },
    };
  }

  #placeOrder(body: unknown): Reply {
    const { clientOrderId, currency, quote } = (body ?? {}) as Record<string, unknown>;
    if (
      typeof clientOrderId !== 'string' ||
      clientOrderId.length === 0 ||
      typeof currency !== 'string' ||
      typeof quote !== 'string'
    ) {
      return rejection(400, 'INVALID', 'clientOrderId, currency and quote are required strings');
    }
    const existing = this.#byClientId.get(clientOrderId);
    if (existing !== undefined) return { status: 200, body: existing };
    const market = this.#market(currency);
    if (market === undefined) return rejection(400, 'UNKNOWN_MARKET', `no BTC-${currency} market`);
    const digits = digitsOf(currency);
    let quoteMinor: bigint;
    try {
      quoteMinor = toUnits(quote, digits);
    } catch {
      return rejection(
        400,
        'INVALID',
        `quote must be a decimal string with at most ${digits} decimals`,
      );
    }
    const increment = toUnits(market.quoteIncrement, digits);
    if (quoteMinor % increment !== 0n) {
      return rejection(400, 'INVALID', `quote must be a multiple of ${market.quoteIncrement}`);
    }
    if (quoteMinor < toUnits(market.minQuote, digits)) {
      return rejection(
        400,
        'BELOW_MINIMUM',
        `The order is below the minimum of ${market.minQuote} ${currency}.`,
      );
    }
    const fill = marketBuyFill({
      quoteMinor,
      priceMinor: toUnits(market.price, digits),
      feeRate: this.#settings.feeRate,
      baseIncrementSats: toUnits(this.#settings.baseIncrement, BTC_DIGITS),
    });
    if (fill.sats < toUnits(this.#settings.minBase, BTC_DIGITS)) {
      return rejection(
        400,
        'BELOW_MINIMUM',
        `The order buys less than the minimum of ${this.#settings.minBase} BTC.`,
      );
    }
    const order: PaperOrder = {
      orderId: randomUUID(),
      clientOrderId,
      currency,
      status: 'FILLED',
      quote,
      filledSize: fromUnits(fill.sats, BTC_DIGITS),
      spent: fromUnits(fill.spentMinor, digits),
      fee: fromUnits(fill.feeMinor, digits),
      averagePrice: fromUnits(fill.averagePriceMinor, digits),
      createdAt: new Date(this.#now()).toISOString(),
    };
    this.#orders.push(order);
    this.#byClientId.set(clientOrderId, order);
    return { status: 200, body: order };
  }

  /** The exchange's HTTP API, to mount under a prefix such as `/_local/exchange/api`. */
  handler(prefix: string): Handler {
    return (request) => {
      const path = request.url.pathname.slice(prefix.length);
      let body: unknown;
      try {
        body = request.rawBody.length === 0 ? undefined : (JSON.parse(request.rawBody) as unknown);
      } catch {
        return rejection(400, 'INVALID', 'the body is not JSON');
      }
      const market = /^\/markets\/([A-Z]{3})$/.exec(path);
      if (request.method === 'GET' && market?.[1] !== undefined)
        return this.#marketReply(market[1]);
      if (request.method === 'POST' && path === '/orders') return this.#placeOrder(body);
      if (request.method === 'GET' && path === '/orders') {
        const clientOrderId = request.url.searchParams.get('clientOrderId') ?? '';
        const order = this.#byClientId.get(clientOrderId);
        return order === undefined
          ? rejection(404, 'NOT_FOUND', 'no such order')
          : { status: 200, body: order };
      }
      return rejection(404, 'NOT_FOUND', `no route ${request.method} ${path}`);
    };
  }
}
