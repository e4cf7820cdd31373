/**
 * The paper exchange: a simulated BTC market that speaks HTTP like a real exchange, with a
 * settable price per currency, fee rate, minimum order and increments. Market buys fill at once
 * at the current price. A client order id it has seen answers the existing order instead of
 * buying again (Coinbase's behaviour), or, with `clientIdUniqueness: "open-orders"`, only while
 * the order is open, which a market order never is for long: a repeat buys again (Kraken's).
 *
 * Faults (`POST /_local/faults {"exchange": {...}}`, see {@link parseExchangeFaults}) make it
 * misbehave the ways real exchanges do: errors, timeouts after taking an order, latency, outages,
 * rate limits and refusals. Random faults draw from a seeded generator, so a run can be replayed.
 *
 * With a journal (the stack's data folder) it keeps what a real exchange keeps across a restart
 * of the local stack: every order, written before the order is answered, and the markets'
 * settings. Faults and their counters are the local stack's test harness, not the exchange's
 * state: they start cleared after a restart, as they do at a fresh start.
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
import { BadRequestError, type Handler, type Reply } from '../http.ts';
import { Journal } from './journal.ts';

/** One entry of the exchange's journal: an order it took, or its settings. */
export type ExchangeRecord =
  | { readonly kind: 'order'; readonly order: PaperOrder }
  | { readonly kind: 'settings'; readonly settings: PaperSettings };

export { DEFAULT_PAPER_SETTINGS, type PaperMarket, type PaperOrder, type PaperSettings };

/** Faults the exchange injects; every field optional in `POST /_local/faults`. */
export interface ExchangeFaults {
  /** Share of requests (0..1) answered 500 without being processed. */
  readonly errorRate: number;
  /**
   * Share of order requests (0..1) answered 500 without being processed, reads unharmed: an
   * outage of order entry that leaves runs SUBMITTED (their outcome unknown to the client).
   */
  readonly orderErrorRate: number;
  /** Share of orders (0..1) taken and then never answered: the client times out. */
  readonly timeoutAfterAcceptRate: number;
  /** Added to every answer, in milliseconds. */
  readonly latencyMs: number;
  /** Every request answered 503 (an outage). */
  readonly down: boolean;
  /** Requests per second (local clock) beyond which the exchange answers 429; null: no limit. */
  readonly rateLimitPerSecond: number | null;
  /** "all" (Coinbase): a known client order id answers its order; "open-orders" (Kraken): only while open. */
  readonly clientIdUniqueness: 'all' | 'open-orders';
  /** Every order refused with INSUFFICIENT_FUNDS. */
  readonly rejectInsufficientFunds: boolean;
  /** Seed of the generator behind the rates (replays a run). */
  readonly seed: number;
}

export const NO_EXCHANGE_FAULTS: ExchangeFaults = {
  errorRate: 0,
  orderErrorRate: 0,
  timeoutAfterAcceptRate: 0,
  latencyMs: 0,
  down: false,
  rateLimitPerSecond: null,
  clientIdUniqueness: 'all',
  rejectInsufficientFunds: false,
  seed: 1,
};

/** What the exchange went through, for tests and benchmarks. */
export interface ExchangeStats {
  requests: number;
  orders: number;
  rateLimited: number;
  errors: number;
  timeouts: number;
  unavailable: number;
  refused: number;
  /** Orders filled for a client order id that already had one (a double buy). */
  duplicateFills: number;
}

const rate = (value: unknown, name: string): number => {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new BadRequestError(`exchange.${name} must be a number from 0 to 1`);
  }
  return value;
};

/** Checks the `exchange` part of `POST /_local/faults`; `{}` means no faults. */
export function parseExchangeFaults(body: unknown): ExchangeFaults {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(
      'exchange must be an object such as {"errorRate": 0.3, "latencyMs": 800}, or {}',
    );
  }
  const {
    errorRate,
    orderErrorRate,
    timeoutAfterAcceptRate,
    latencyMs,
    down,
    rateLimitPerSecond,
    clientIdUniqueness,
    rejectInsufficientFunds,
    seed,
    ...unknown
  } = body as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new BadRequestError(`unknown exchange fault(s): ${extra.join(', ')}`);
  const faults = { ...NO_EXCHANGE_FAULTS };
  if (errorRate !== undefined) faults.errorRate = rate(errorRate, 'errorRate');
  if (orderErrorRate !== undefined) faults.orderErrorRate = rate(orderErrorRate, 'orderErrorRate');
  if (timeoutAfterAcceptRate !== undefined)
    faults.timeoutAfterAcceptRate = rate(timeoutAfterAcceptRate, 'timeoutAfterAcceptRate');
  if (latencyMs !== undefined) {
    if (!Number.isInteger(latencyMs) || (latencyMs as number) < 0 || (latencyMs as number) > 30_000)
      throw new BadRequestError('exchange.latencyMs must be an integer from 0 to 30000');
    faults.latencyMs = latencyMs as number;
  }
  for (const [name, value] of [
    ['down', down],
    ['rejectInsufficientFunds', rejectInsufficientFunds],
  ] as const) {
    if (value !== undefined && typeof value !== 'boolean')
      throw new BadRequestError(`exchange.${name} must be true or false`);
  }
  if (down !== undefined) faults.down = down as boolean;
  if (rejectInsufficientFunds !== undefined)
    faults.rejectInsufficientFunds = rejectInsufficientFunds as boolean;
  if (rateLimitPerSecond !== undefined && rateLimitPerSecond !== null) {
    if (
      !Number.isInteger(rateLimitPerSecond) ||
      (rateLimitPerSecond as number) < 1 ||
      (rateLimitPerSecond as number) > 100_000
    )
      throw new BadRequestError(
        'exchange.rateLimitPerSecond must be an integer from 1 to 100000, or null',
      );
    faults.rateLimitPerSecond = rateLimitPerSecond as number;
  }
  if (clientIdUniqueness !== undefined) {
    if (clientIdUniqueness !== 'all' && clientIdUniqueness !== 'open-orders')
      throw new BadRequestError('exchange.clientIdUniqueness must be "all" or "open-orders"');
    faults.clientIdUniqueness = clientIdUniqueness;
  }
  if (seed !== undefined) {
    if (!Number.isInteger(seed)) throw new BadRequestError('exchange.seed must be an integer');
    faults.seed = seed as number;
  }
  return faults;
}

/** A small seeded generator (mulberry32): uniform in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** How long an order that "times out" is held before the exchange gives up on the connection. */
const HANG_MS = 30_000;

function emptyStats(): ExchangeStats {
  return {
    requests: 0,
    orders: 0,
    rateLimited: 0,
    errors: 0,
    timeouts: 0,
    unavailable: 0,
    refused: 0,
    duplicateFills: 0,
  };
}

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
  #faults: ExchangeFaults = NO_EXCHANGE_FAULTS;
  #random: () => number = seeded(NO_EXCHANGE_FAULTS.seed);
  #stats: ExchangeStats = emptyStats();
  #second = { at: -1, count: 0 };
  readonly #journal: Journal<ExchangeRecord>;

  /** `journal`: where orders and settings are kept across restarts; absent: in memory only. */
  constructor(
    now: () => number,
    settings: PaperSettings = DEFAULT_PAPER_SETTINGS,
    journal: Journal<ExchangeRecord> = new Journal(),
  ) {
    this.#now = now;
    this.#settings = structuredClone(settings);
    this.#journal = journal;
    for (const [, record] of journal.entries()) {
      if (record.kind === 'settings') this.#settings = record.settings;
      else this.#take(record.order);
    }
  }

  /** Adds an order to the book; the first order of a client order id is the one it answers. */
  #take(order: PaperOrder): void {
    this.#orders.push(order);
    if (!this.#byClientId.has(order.clientOrderId))
      this.#byClientId.set(order.clientOrderId, order);
  }

  /** Settings, faults, counters and every order received, for `GET /_local/exchange`. */
  state() {
    return {
      ...structuredClone(this.#settings),
      faults: this.#faults,
      stats: { ...this.#stats },
      orders: [...this.#orders],
    };
  }

  get faults(): ExchangeFaults {
    return this.#faults;
  }

  /** Replaces the faults (`{}`: none) and restarts their random sequence and the counters. */
  setFaults(faults: ExchangeFaults): void {
    this.#faults = faults;
    this.#random = seeded(faults.seed);
    this.#stats = emptyStats();
    this.#second = { at: -1, count: 0 };
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
    const { prices, feeRate, minQuote, minBase, liquidity } = body as Record<string, unknown>;
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
    perCurrency(liquidity, 'liquidity', (market, amount) => (market.liquidity = amount));
    if (feeRate !== undefined) {
      next.feeRate = decimals(feeRate, 8, 'feeRate');
      if (toUnits(next.feeRate, 8) >= 100_000_000n)
        throw new BadRequestError('feeRate must be below 1');
    }
    if (minBase !== undefined) next.minBase = decimals(minBase, BTC_DIGITS, 'minBase');
    this.#settings = next;
    this.#journal.put('settings', { kind: 'settings', settings: next });
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
    // Market orders close at once, so an exchange that only checks open orders buys again.
    if (existing !== undefined && this.#faults.clientIdUniqueness === 'all')
      return { status: 200, body: existing };
    if (this.#faults.rejectInsufficientFunds) {
      this.#stats.refused += 1;
      return rejection(
        400,
        'INSUFFICIENT_FUNDS',
        'Insufficient funds in the account for this order.',
      );
    }
    const fill = fillPaperOrder(
      this.#settings,
      request,
      randomUUID(),
      new Date(this.#now()).toISOString(),
    );
    if (!fill.ok) return rejection(400, fill.code, fill.message);
    // On disk before it is answered: an order the exchange took survives a crash of the stack.
    this.#journal.put(`order/${fill.order.orderId}`, { kind: 'order', order: fill.order });
    this.#take(fill.order);
    this.#stats.orders += 1;
    if (existing !== undefined) this.#stats.duplicateFills += 1;
    return { status: 200, body: fill.order };
  }

  /** Applies the faults in front of a request; answers the fault's reply, or null to serve it. */
  async #fault(method: string, path: string): Promise<Reply | null> {
    this.#stats.requests += 1;
    const faults = this.#faults;
    if (faults.down) {
      this.#stats.unavailable += 1;
      return rejection(503, 'UNAVAILABLE', 'The exchange is down for maintenance.');
    }
    if (faults.rateLimitPerSecond !== null) {
      const second = Math.floor(this.#now() / 1000);
      if (this.#second.at !== second) this.#second = { at: second, count: 0 };
      this.#second.count += 1;
      if (this.#second.count > faults.rateLimitPerSecond) {
        this.#stats.rateLimited += 1;
        return {
          status: 429,
          headers: { 'retry-after': '1' },
          body: { code: 'RATE_LIMITED', message: 'Too many requests.' },
        };
      }
    }
    const errorRate =
      method === 'POST' && path === '/orders'
        ? Math.max(faults.errorRate, faults.orderErrorRate)
        : faults.errorRate;
    if (errorRate > 0 && this.#random() < errorRate) {
      this.#stats.errors += 1;
      return rejection(500, 'INTERNAL', `Internal error on ${method} ${path}.`);
    }
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    return null;
  }

  async #serve(method: string, path: string, url: URL, body: unknown): Promise<Reply> {
    const fault = await this.#fault(method, path);
    if (fault !== null) return fault;
    const market = /^\/markets\/([A-Z]{3})$/.exec(path);
    if (method === 'GET' && market?.[1] !== undefined) return this.#marketReply(market[1]);
    if (method === 'POST' && path === '/orders') {
      const reply = this.#placeOrder(body);
      const taken = reply.status === 200;
      if (
        taken &&
        this.#faults.timeoutAfterAcceptRate > 0 &&
        this.#random() < this.#faults.timeoutAfterAcceptRate
      ) {
        // The order stands; the answer never comes in time.
        this.#stats.timeouts += 1;
        await delay(HANG_MS);
        return rejection(504, 'TIMEOUT', 'Gateway timeout.');
      }
      return reply;
    }
    if (method === 'GET' && path === '/orders' && !url.searchParams.has('clientOrderId')) {
      const since = url.searchParams.get('since') ?? '';
      const until = url.searchParams.get('until') ?? '\uffff';
      return {
        status: 200,
        body: this.#orders.filter((order) => order.createdAt >= since && order.createdAt < until),
      };
    }
    if (method === 'GET' && path === '/orders') {
      const order = this.#byClientId.get(url.searchParams.get('clientOrderId') ?? '');
      return order === undefined
        ? rejection(404, 'NOT_FOUND', 'no such order')
        : { status: 200, body: order };
    }
    return rejection(404, 'NOT_FOUND', `no route ${method} ${path}`);
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
      return this.#serve(request.method, path, request.url, body);
    };
  }
}
