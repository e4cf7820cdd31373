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
import { BTC_DIGITS } from '#domain/currencies.ts';
import { toUnits } from '#domain/money.ts';
import {
  DEFAULT_PAPER_SETTINGS,
  fillPaperOrder,
  newMarket,
  paperDigits,
  type PaperMarket,
  type PaperOrder,
  type PaperOrderRequest,
  type PaperSettings,
} from '#domain/paper-market.ts';
import { BadRequestError, type Handler, type Reply } from './http.ts';

export { DEFAULT_PAPER_SETTINGS, type PaperMarket, type PaperOrder, type PaperSettings };

function digitsOf(currency: string): number {
  const digits = paperDigits(currency);
  if (digits === undefined) throw new BadRequestError(`unknown currency ${currency}`);
  return digits;
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
    const request = (body ?? {}) as PaperOrderRequest;
    const existing =
      typeof request.clientOrderId === 'string'
        ? this.#byClientId.get(request.clientOrderId)
        : undefined;
    if (existing !== undefined) return { status: 200, body: existing };
    const fill = fillPaperOrder(
      this.#settings,
      request,
      randomUUID(),
      new Date(this.#now()).toISOString(),
    );
    if (!fill.ok) return rejection(400, fill.code, fill.message);
    this.#orders.push(fill.order);
    this.#byClientId.set(fill.order.clientOrderId, fill.order);
    return { status: 200, body: fill.order };
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
      if (
        request.method === 'GET' &&
        path === '/orders' &&
        !request.url.searchParams.has('clientOrderId')
      ) {
        const since = request.url.searchParams.get('since') ?? '';
        const until = request.url.searchParams.get('until') ?? '\uffff';
        return {
          status: 200,
          body: this.#orders.filter((order) => order.createdAt >= since && order.createdAt < until),
        };
      }
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
