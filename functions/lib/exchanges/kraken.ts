/**
 * The exchange port over Kraken's Spot REST API (https://docs.kraken.com/api/docs/rest-api/add-order).
 *
 * - Auth: private calls are form-encoded POSTs with `API-Key` and
 *   `API-Sign = base64(HMAC-SHA512(base64decode(secret), path + SHA256(nonce + body)))`
 *   (https://docs.kraken.com/api/docs/guides/spot-rest-auth), signed with node:crypto.
 * - Nonces come from a {@link NonceSource}: in the cloud a counter shared through DynamoDB by every
 *   Lambda environment using the key (`SharedNonceCounter`, `functions/lib/exchange-guard.ts`), so
 *   no two requests ever carry the same nonce and each one issued is above the last; by default
 *   (tests, one process) milliseconds × 1000, strictly increasing per instance. Concurrent requests
 *   can still arrive out of order, so the key needs a nonce window (see the README); a refused
 *   nonce is {@link ExchangeNonceError}, retried, and neutral for the circuit breaker.
 * - Request budget: one token per HTTP request, taken before the nonce is drawn (so a request
 *   that waited its turn does not leave with a stale nonce): a market read is one request (Ticker)
 *   plus two (AssetPairs, TradeVolume) when the rules are not cached; an order adds AddOrder and
 *   QueryOrders; a look-up is OpenOrders, then ClosedOrders when no open order has the id.
 * - Client order ids: Kraken enforces `cl_ord_id` uniqueness among OPEN orders only. A market buy
 *   closes at once, so sending the same id again buys again: callers must always `findOrder`
 *   before re-sending (the place-order step does, whenever an earlier attempt's outcome is
 *   unknown). `findOrder` asks OpenOrders, then ClosedOrders, both filtered by `cl_ord_id`, the
 *   latter also from the slot's time less {@link CLOCK_SKEW_MS} (`start`): two requests at most.
 * - Orders: `ordertype=market`, `oflags=viqc` (volume in quote currency, still documented for buy
 *   market orders). Kraken charges a buy's fee on top of its cost, in the quote currency (`fciq`,
 *   the default for buys), so the volume sent is the largest amount whose cost plus fee at the
 *   account's taker rate fits in the requested quote. AddOrder also carries a `deadline` (now +
 *   the request timeout, 2 to 60 s), after which the matching engine refuses the order, so an
 *   order whose request timed out cannot fill later, behind the look-up that found nothing.
 * - Market rules: AssetPairs (minimums, decimals, status) and TradeVolume (taker fee) are cached
 *   for `metadataTtlMs`; the Ticker price is read on every `market()` call.
 * - Rounding of what Kraken reports: filled BTC and money spent round down, fees round up (never
 *   more than what was spent), prices round down, minimums round up.
 */
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { BTC_DIGITS } from '#domain/currencies.ts';
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type Exchange,
  type ExchangeOrder,
  type Market,
  type MarketBuy,
  type OrderStatus,
} from '#domain/exchange.ts';
import { ceilDiv, floorTo, fromUnits, parseRate } from '#domain/money.ts';
import {
  DEFAULT_METADATA_TTL_MS,
  DEFAULT_TIMEOUT_MS,
  TtlCache,
  decimalSumUnits,
  decimalUnits,
  digitsOf,
  instantMs,
  isSupportedCurrency,
  percentToFraction,
  rateLimited,
  secretObject,
  send,
  serverError,
  stepFromDecimals,
  unexpected,
  UNLIMITED,
  type ExchangeRequest,
  type RequestBudget,
  type Transport,
} from './common.ts';
import {
  ExchangeAuthenticationError,
  ExchangeCredentialsError,
  ExchangeNonceError,
} from './errors.ts';

/** Production REST host (Kraken has no spot sandbox). */
export const KRAKEN_URL = 'https://api.kraken.com';

const USER_AGENT = 'savings-plan-buy';

/** Kraken's bounds for AddOrder's `deadline`: now + 2 s to now + 60 s. */
const DEADLINE_MIN_MS = 2_000;
const DEADLINE_MAX_MS = 60_000;

/** `EGeneral:Temporary lockout` lasts about 15 minutes (Kraken support, "API error messages"). */
const LOCKOUT_SECONDS = 900;

/**
 * How much earlier than the caller's `notBefore` a look-up starts: the Lambdas' clocks and
 * Kraken's may disagree, and an order opened a little before the slot must still be found.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Where private requests get their nonce. Each value must be unique for the API key and above
 * every value issued before it; a rejection means nothing was sent.
 */
export interface NonceSource {
  next(): Promise<number>;
}

/**
 * Milliseconds × 1000, and always above the last one, even within one millisecond or when the
 * clock steps back: enough for one process alone on a key.
 */
export function clockNonces(now: () => number = Date.now): NonceSource {
  let last = 0;
  return {
    next: () => {
      last = Math.max(Math.floor(now()) * 1000, last + 1);
      return Promise.resolve(last);
    },
  };
}

/** A Kraken API key pair, read from its Secrets Manager secret by {@link parseKrakenCredentials}. */
export interface KrakenCredentials {
  /** The public key, sent as `API-Key`. */
  readonly apiKey: string;
  /** The decoded private key; a KeyObject never serializes its bytes (JSON gives "{}"). */
  readonly secret: KeyObject;
}

export interface KrakenExchangeConfig {
  /** {@link KRAKEN_URL}. */
  readonly baseUrl: string;
  readonly credentials: KrakenCredentials;
  /** For tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Per request, response body included; default 10 s. Also AddOrder's deadline. */
  readonly timeoutMs?: number;
  /** Epoch milliseconds; for tests. */
  readonly now?: () => number;
  /** How long AssetPairs and the taker fee are reused; default 5 minutes. */
  readonly metadataTtlMs?: number;
  /** One token per HTTP request; default none (unit tests). */
  readonly budget?: RequestBudget;
  /** Default: {@link clockNonces}, for one process alone on the key. */
  readonly nonces?: NonceSource;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads the Kraken secret `{"apiKey": "...", "apiSecret": "<base64>"}`: the key pair exactly as
 * Kraken shows it when the key is created. Errors never quote the values.
 */
export function parseKrakenCredentials(json: unknown): KrakenCredentials {
  const secret = secretObject(json, 'Kraken');
  const { apiKey, apiSecret } = secret;
  if (typeof apiKey !== 'string' || apiKey.length === 0 || /\s/.test(apiKey)) {
    throw new ExchangeCredentialsError(
      'Kraken credentials: apiKey must be the public API key, a non-empty string without spaces',
    );
  }
  if (typeof apiSecret !== 'string' || !BASE64.test(apiSecret)) {
    throw new ExchangeCredentialsError(
      'Kraken credentials: apiSecret must be the private API key as Kraken shows it (base64)',
    );
  }
  const bytes = Buffer.from(apiSecret, 'base64');
  if (bytes.length < 32) {
    throw new ExchangeCredentialsError(
      'Kraken credentials: apiSecret is too short to be a Kraken private API key',
    );
  }
  return { apiKey, secret: createSecretKey(bytes) };
}

/**
 * Kraken's API-Sign: HMAC-SHA512, keyed with the decoded secret, of the URI path followed by the
 * SHA-256 of nonce + POST body; base64.
 */
export function krakenSignature(
  path: string,
  nonce: string,
  body: string,
  secret: KeyObject,
): string {
  const digest = createHash('sha256')
    .update(nonce + body)
    .digest();
  return createHmac('sha512', secret).update(path).update(digest).digest('base64');
}

/**
 * The largest quote volume, a multiple of `incrementMinor`, whose cost plus its fee (rounded up,
 * as Kraken rounds fees) fits in `quoteMinor`. Zero when nothing fits.
 */
export function viqcVolumeMinor(
  quoteMinor: bigint,
  feeRate: string,
  incrementMinor: bigint,
): bigint {
  const { numerator, denominator } = parseRate(feeRate);
  const fits = (volume: bigint): boolean =>
    volume + ceilDiv(volume * numerator, denominator) <= quoteMinor;
  // volume × (1 + rate) <= quote, then at most a step or two down for the fee's rounding.
  let volume = floorTo((quoteMinor * denominator) / (denominator + numerator), incrementMinor);
  while (volume > 0n && !fits(volume)) volume -= incrementMinor;
  return volume > 0n ? volume : 0n;
}

/** AssetPairs and TradeVolume, as one cached entry per currency. */
interface PairRules {
  /** Kraken's pair id ("XXBTZEUR"), used in requests and as the key of Ticker results. */
  readonly id: string;
  readonly status: string;
  readonly minQuoteMinor: bigint;
  readonly minBaseSats: bigint;
  readonly quoteIncrementMinor: bigint;
  readonly baseIncrementSats: bigint;
  readonly feeRate: string;
}

/** Order fields this adapter reads (OpenOrders, ClosedOrders, QueryOrders). */
interface KrakenOrder {
  cl_ord_id?: unknown;
  status?: unknown;
  opentm?: unknown;
  descr?: { pair?: unknown; type?: unknown; ordertype?: unknown };
  vol?: unknown;
  vol_exec?: unknown;
  cost?: unknown;
  fee?: unknown;
  price?: unknown;
  oflags?: unknown;
}

/** Error prefixes ("Category:Message") and what they mean. */
const RATE_LIMITS = [
  'EAPI:Rate limit exceeded',
  'EOrder:Rate limit exceeded',
  'EGeneral:Too many requests',
];
const AUTHENTICATION = [
  'EAPI:Invalid key',
  'EAPI:Invalid signature',
  'EGeneral:Permission denied',
  'ESession:Invalid session',
];
/**
 * Kraken could not say whether it processed the request. After AddOrder the order may exist:
 * ccxt treats these as "not available", but nothing in Kraken's documentation says the order was
 * not taken, so for AddOrder they are an unknown outcome (a look-up by client order id settles
 * it); for reads they are only unavailable.
 */
const AMBIGUOUS = [
  'EService:Unavailable',
  'EService:Busy',
  'EGeneral:Internal error',
  'EDatabase:Internal error',
];
const MARKET_CLOSED = [
  'EService:Market in cancel_only mode',
  'EService:Market in post_only mode',
  'EService:Market in limit_only mode',
  'EService:Market in reduce_only mode',
];
const BELOW_MINIMUM = ['EOrder:Order minimum not met', 'EOrder:Cost minimum not met'];

function matches(errors: readonly string[], prefixes: readonly string[]): boolean {
  return errors.some((error) => prefixes.some((prefix) => error.startsWith(prefix)));
}

/**
 * The port's error for Kraken error strings on one request (all of them are in the message).
 *
 * | Kraken | read | AddOrder |
 * | --- | --- | --- |
 * | EAPI/EOrder:Rate limit exceeded, EGeneral:Too many requests | rate limited | rate limited |
 * | EGeneral:Temporary lockout | rate limited (900 s) | rate limited (900 s) |
 * | EAPI:Invalid nonce | nonce (unavailable) | nonce (unavailable) |
 * | EAPI:Invalid key/signature, EGeneral:Permission denied | authentication | authentication |
 * | EService:Unavailable/Busy, EGeneral/EDatabase:Internal error | unavailable | unknown outcome |
 * | EService:Deadline elapsed | unavailable | unavailable (refused after the deadline) |
 * | EOrder:Insufficient funds | unavailable | INSUFFICIENT_FUNDS |
 * | EOrder:Order/Cost minimum not met | unavailable | BELOW_MINIMUM |
 * | EService:Market in cancel/post/limit/reduce_only mode | unavailable | MARKET_CLOSED |
 * | EQuery:Unknown asset pair | REJECTED | REJECTED |
 * | any other E… (EGeneral:Invalid arguments, …) | unavailable | REJECTED |
 */
export function krakenError(errors: readonly string[], request: ExchangeRequest): Error {
  const message = `${request.label} answered ${errors.join(', ')}`;
  if (matches(errors, RATE_LIMITS)) return new ExchangeRateLimitedError(message);
  if (matches(errors, ['EGeneral:Temporary lockout']))
    return new ExchangeRateLimitedError(message, LOCKOUT_SECONDS);
  // Checked before the key: Kraken refuses a nonce before it processes anything.
  if (matches(errors, ['EAPI:Invalid nonce']))
    return new ExchangeNonceError(`${errors.join(', ')} on ${request.label}`);
  if (matches(errors, AUTHENTICATION))
    return new ExchangeAuthenticationError('kraken', `${errors.join(', ')} on ${request.label}`);
  if (matches(errors, ['EService:Deadline elapsed'])) return new ExchangeUnavailableError(message);
  if (matches(errors, AMBIGUOUS)) {
    return request.places
      ? new ExchangeUnknownOutcomeError(message)
      : new ExchangeUnavailableError(message);
  }
  if (matches(errors, ['EQuery:Unknown asset pair']))
    return new ExchangeRejectedError(
      'REJECTED',
      `Kraken has no such market (${errors.join(', ')}).`,
    );
  if (!request.places) return new ExchangeUnavailableError(message);
  const refusal = `Kraken refused the order: ${errors.join(', ')}`;
  if (matches(errors, ['EOrder:Insufficient funds']))
    return new ExchangeRejectedError('INSUFFICIENT_FUNDS', refusal);
  if (matches(errors, BELOW_MINIMUM)) return new ExchangeRejectedError('BELOW_MINIMUM', refusal);
  if (matches(errors, MARKET_CLOSED)) return new ExchangeRejectedError('MARKET_CLOSED', refusal);
  return new ExchangeRejectedError('REJECTED', refusal);
}

function currencyOfPair(pair: unknown): string | undefined {
  if (typeof pair !== 'string') return undefined;
  const plain = pair.replace('/', '');
  for (const prefix of ['XXBTZ', 'XBT']) {
    if (plain.startsWith(prefix)) {
      const currency = plain.slice(prefix.length);
      if (isSupportedCurrency(currency)) return currency;
    }
  }
  return undefined;
}

function hasFlag(order: KrakenOrder, flag: string): boolean {
  return typeof order.oflags === 'string' && order.oflags.split(',').includes(flag);
}

function openedAtMs(order: KrakenOrder): number {
  return typeof order.opentm === 'number' ? Math.floor(order.opentm * 1000) : Number.NaN;
}

/**
 * A Kraken order as the port's. `vol` of a viqc order is in the quote currency: it is the
 * order's quote, fee excluded (Kraken adds the fee on top); for other orders the quote is what
 * was spent. `vol_exec` is in BTC, `cost` and `fee` in the quote currency.
 */
export function toExchangeOrder(orderId: string, raw: KrakenOrder): ExchangeOrder {
  const currency = currencyOfPair(raw.descr?.pair);
  if (currency === undefined)
    throw new ExchangeUnavailableError(
      `order ${orderId} on unexpected pair ${String(raw.descr?.pair)}`,
    );
  const digits = digitsOf(currency);
  const filledSats = decimalUnits(raw.vol_exec, BTC_DIGITS, 'down', 'vol_exec');
  const spentMinor = decimalSumUnits([raw.cost, raw.fee], digits, 'down', 'cost + fee');
  const fees = decimalUnits(raw.fee, digits, 'up', 'fee');
  let status: OrderStatus;
  switch (raw.status) {
    case 'pending':
    case 'open':
      status = 'OPEN';
      break;
    case 'closed':
      status = filledSats > 0n ? 'FILLED' : 'CANCELLED';
      break;
    case 'canceled':
    case 'expired':
      status = filledSats > 0n ? 'PARTIALLY_FILLED' : 'CANCELLED';
      break;
    default:
      throw new ExchangeUnavailableError(
        `order ${orderId} has unexpected status ${JSON.stringify(raw.status)}`,
      );
  }
  const openedAt = openedAtMs(raw);
  if (!Number.isFinite(openedAt))
    throw new ExchangeUnavailableError(`order ${orderId} has no opening time`);
  return {
    exchangeOrderId: orderId,
    clientOrderId: typeof raw.cl_ord_id === 'string' ? raw.cl_ord_id : '',
    currency,
    status,
    quoteMinor: hasFlag(raw, 'viqc') ? decimalUnits(raw.vol, digits, 'down', 'vol') : spentMinor,
    filledSats,
    spentMinor,
    feeMinor: fees > spentMinor ? spentMinor : fees,
    averagePriceMinor: decimalUnits(raw.price, digits, 'down', 'price'),
    createdAt: new Date(openedAt).toISOString(),
  };
}

function ordersOf(result: unknown, key: 'open' | 'closed'): [string, KrakenOrder][] {
  const orders = (result as Record<string, unknown> | undefined)?.[key];
  if (typeof orders !== 'object' || orders === null) return [];
  return Object.entries(orders as Record<string, KrakenOrder>);
}

/** The Kraken Spot adapter; create one per API key at module scope. */
export class KrakenExchange implements Exchange {
  readonly name = 'kraken';
  readonly #baseUrl: string;
  readonly #credentials: KrakenCredentials;
  readonly #transport: Transport;
  readonly #now: () => number;
  readonly #nonces: NonceSource;
  readonly #pairs: TtlCache<PairRules>;

  constructor(config: KrakenExchangeConfig) {
    this.#baseUrl = config.baseUrl.replace(/\/$/, '');
    this.#credentials = config.credentials;
    this.#transport = {
      fetch: config.fetch ?? fetch,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      budget: config.budget ?? UNLIMITED,
    };
    this.#now = config.now ?? Date.now;
    this.#nonces = config.nonces ?? clockNonces(this.#now);
    this.#pairs = new TtlCache(config.metadataTtlMs ?? DEFAULT_METADATA_TTL_MS);
  }

  /**
   * Sends one request (one budget token; `build` runs after the wait) and reads `{error,
   * result}`: HTTP statuses first, then Kraken's error strings (warnings pass).
   */
  async #exchange(build: () => ExchangeRequest | Promise<ExchangeRequest>): Promise<unknown> {
    const { request, response } = await send(this.#transport, build);
    if (response.status === 429) throw rateLimited(request, response, this.#now());
    if (response.status >= 500) throw serverError(request, response.status);
    if (response.status !== 200) {
      // Refused before Kraken's API processed it (Cloudflare, say): nothing was taken.
      throw new ExchangeUnavailableError(`${request.label} answered ${response.status}`);
    }
    const body = response.json as { error?: unknown; result?: unknown } | undefined;
    if (typeof body !== 'object' || body === null || !Array.isArray(body.error))
      throw unexpected(request, 'no error array');
    const errors = (body.error as unknown[]).filter(
      (error): error is string => typeof error === 'string' && error.startsWith('E'),
    );
    if (errors.length > 0) throw krakenError(errors, request);
    if (typeof body.result !== 'object' || body.result === null)
      throw unexpected(request, 'no result');
    return body.result;
  }

  #public(method: string, query: Record<string, string>): Promise<unknown> {
    const path = `/0/public/${method}`;
    return this.#exchange(() => ({
      method: 'GET',
      url: `${this.#baseUrl}${path}?${new URLSearchParams(query).toString()}`,
      label: `GET ${path}`,
      headers: { 'user-agent': USER_AGENT },
      places: false,
    }));
  }

  /** A signed private request; its nonce is drawn only once the budget has let it go. */
  #private(
    method: string,
    params: Record<string, string> | (() => Record<string, string>),
    places = false,
  ): Promise<unknown> {
    const path = `/0/private/${method}`;
    return this.#exchange(async () => {
      const nonce = String(await this.#nonces.next());
      const fields = typeof params === 'function' ? params() : params;
      const body = new URLSearchParams({ nonce, ...fields }).toString();
      return {
        method: 'POST',
        url: `${this.#baseUrl}${path}`,
        label: `POST ${path}`,
        headers: {
          'api-key': this.#credentials.apiKey,
          'api-sign': krakenSignature(path, nonce, body, this.#credentials.secret),
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': USER_AGENT,
        },
        body,
        places,
      };
    });
  }

  /** The BTC pair in `currency` with its rules and the account's taker fee, cached. */
  async #pair(currency: string): Promise<PairRules> {
    const cached = this.#pairs.get(currency, this.#now());
    if (cached !== undefined) return cached;
    const digits = digitsOf(currency);
    const altname = `XBT${currency}`;
    const pairs = Object.entries(
      (await this.#public('AssetPairs', { pair: altname })) as Record<
        string,
        Record<string, unknown>
      >,
    );
    const found =
      pairs.length === 1 ? pairs[0] : pairs.find(([, pair]) => pair.altname === altname);
    if (found === undefined)
      throw new ExchangeRejectedError('REJECTED', `Kraken has no ${altname} market.`);
    const [id, pair] = found;
    const volume = (await this.#private('TradeVolume', { pair: id })) as {
      fees?: Record<string, { fee?: unknown }>;
    };
    const fee = volume.fees?.[id] ?? volume.fees?.[altname];
    if (fee === undefined)
      throw new ExchangeUnavailableError(`POST /0/private/TradeVolume has no taker fee for ${id}`);
    const lotDecimals = pair.lot_decimals;
    const costDecimals = pair.cost_decimals;
    if (typeof lotDecimals !== 'number' || typeof costDecimals !== 'number')
      throw new ExchangeUnavailableError(`GET /0/public/AssetPairs has no decimals for ${id}`);
    const rules: PairRules = {
      id,
      status: typeof pair.status === 'string' ? pair.status : 'unknown',
      minQuoteMinor: decimalUnits(pair.costmin, digits, 'up', 'costmin'),
      minBaseSats: decimalUnits(pair.ordermin, BTC_DIGITS, 'up', 'ordermin'),
      quoteIncrementMinor: stepFromDecimals(costDecimals, digits),
      baseIncrementSats: stepFromDecimals(lotDecimals, BTC_DIGITS),
      feeRate: percentToFraction(fee.fee, 'taker fee'),
    };
    this.#pairs.set(currency, rules, this.#now());
    return rules;
  }

  /**
   * The BTC market in `currency`: cached rules and fee, the last trade price read now (rounded
   * down to minor units). A pair whose status is not "online" (cancel_only, post_only,
   * limit_only, reduce_only, delisted) is refused as MARKET_CLOSED; as the status is cached, a
   * market that reopens is seen within `metadataTtlMs`.
   */
  async market(currency: string): Promise<Market> {
    const digits = digitsOf(currency);
    const rules = await this.#pair(currency);
    if (rules.status !== 'online') {
      throw new ExchangeRejectedError(
        'MARKET_CLOSED',
        `Kraken is not trading XBT${currency} now (status ${rules.status}).`,
      );
    }
    const ticker = (await this.#public('Ticker', { pair: rules.id })) as Record<
      string,
      { c?: unknown[] }
    >;
    const last = ticker[rules.id]?.c?.[0];
    return {
      currency,
      priceMinor: decimalUnits(last, digits, 'down', 'last trade price'),
      feeRate: rules.feeRate,
      minQuoteMinor: rules.minQuoteMinor,
      minBaseSats: rules.minBaseSats,
      quoteIncrementMinor: rules.quoteIncrementMinor,
      baseIncrementSats: rules.baseIncrementSats,
    };
  }

  /**
   * Places a market buy spending at most `quoteMinor` including the fee and reads it back.
   *
   * Kraken does NOT answer the existing order when a client order id is sent again once that
   * order has closed: it buys again. Call {@link findOrder} first whenever an earlier attempt may
   * have reached Kraken. Refusals throw ExchangeRejectedError; an AddOrder that may have been
   * taken throws ExchangeUnknownOutcomeError.
   */
  async placeMarketBuy(order: MarketBuy): Promise<ExchangeOrder> {
    const digits = digitsOf(order.currency);
    const rules = await this.#pair(order.currency);
    const volume = viqcVolumeMinor(order.quoteMinor, rules.feeRate, rules.quoteIncrementMinor);
    if (volume <= 0n || volume < rules.minQuoteMinor) {
      throw new ExchangeRejectedError(
        'BELOW_MINIMUM',
        `${fromUnits(order.quoteMinor, digits)} ${order.currency} less Kraken's fee is below its minimum order of ${fromUnits(rules.minQuoteMinor, digits)} ${order.currency}.`,
      );
    }
    const deadlineMs = Math.min(
      Math.max(this.#transport.timeoutMs, DEADLINE_MIN_MS),
      DEADLINE_MAX_MS,
    );
    const result = (await this.#private(
      'AddOrder',
      // The deadline counts from when the request leaves, after its budget wait.
      () => ({
        ordertype: 'market',
        type: 'buy',
        volume: fromUnits(volume, digits),
        pair: rules.id,
        oflags: 'viqc',
        cl_ord_id: order.clientOrderId,
        deadline: new Date(this.#now() + deadlineMs).toISOString(),
      }),
      true,
    )) as { txid?: unknown };
    const orderId = Array.isArray(result.txid) ? result.txid[0] : undefined;
    if (typeof orderId !== 'string' || orderId === '') {
      throw new ExchangeUnknownOutcomeError(
        `POST /0/private/AddOrder answered no order id for client order id ${order.clientOrderId}`,
      );
    }
    try {
      const orders = (await this.#private('QueryOrders', { txid: orderId })) as Record<
        string,
        KrakenOrder
      >;
      const placed = orders[orderId];
      if (placed === undefined) throw new ExchangeUnavailableError('QueryOrders lacks the order');
      return toExchangeOrder(orderId, placed);
    } catch (error) {
      throw new ExchangeUnknownOutcomeError(
        `Kraken took order ${orderId} (client order id ${order.clientOrderId}) but it could not be read back: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * The order with this client order id, or null; never places. OpenOrders is asked first, then
   * ClosedOrders, opened after `notBefore` less {@link CLOCK_SKEW_MS}: an order that closes
   * between the two calls is still found in the second. Two requests at most: filtered by client
   * order id, ClosedOrders answers one order (two if a blind retry ever bought twice under one id;
   * then the earliest is answered, and ordersBetween lists both for reconciliation).
   */
  async findOrder(
    clientOrderId: string,
    _currency: string,
    notBefore: string,
  ): Promise<ExchangeOrder | null> {
    // Kraken's `start` is exclusive and in whole seconds: one second earlier includes the edge.
    const start = Math.floor((instantMs(notBefore, 'notBefore') - CLOCK_SKEW_MS) / 1000) - 1;
    const open = ordersOf(await this.#private('OpenOrders', { cl_ord_id: clientOrderId }), 'open');
    const closed =
      open.length > 0
        ? []
        : ordersOf(
            await this.#private('ClosedOrders', {
              cl_ord_id: clientOrderId,
              start: String(start),
            }),
            'closed',
          );
    const found = [...open, ...closed]
      .filter(([, raw]) => raw.cl_ord_id === clientOrderId)
      .sort(([, a], [, b]) => openedAtMs(a) - openedAtMs(b))[0];
    return found === undefined ? null : toExchangeOrder(found[0], found[1]);
  }

  /**
   * BTC buys in supported currencies opened from `since` (inclusive) to `until` (exclusive),
   * oldest first: ClosedOrders by opening time, page by page (`ofs`), plus the open ones.
   * Kraken's `start` is exclusive and `end` inclusive, in whole seconds, so the request window is
   * a second wider and the exact window is applied here.
   */
  async ordersBetween(since: string, until: string): Promise<ExchangeOrder[]> {
    const from = instantMs(since, 'since');
    const to = instantMs(until, 'until');
    const found = new Map<string, KrakenOrder>();
    for (const [id, raw] of ordersOf(await this.#private('OpenOrders', {}), 'open'))
      found.set(id, raw);
    let offset = 0;
    for (;;) {
      const result = await this.#private('ClosedOrders', {
        start: String(Math.floor(from / 1000) - 1),
        end: String(Math.ceil(to / 1000)),
        ofs: String(offset),
        closetime: 'open',
      });
      const page = ordersOf(result, 'closed');
      for (const [id, raw] of page) found.set(id, raw);
      offset += page.length;
      const count = (result as { count?: unknown }).count;
      if (page.length === 0 || typeof count !== 'number' || offset >= count) break;
    }
    const orders: ExchangeOrder[] = [];
    for (const [id, raw] of found) {
      const opened = openedAtMs(raw);
      if (raw.descr?.type !== 'buy' || currencyOfPair(raw.descr.pair) === undefined) continue;
      if (opened >= from && opened < to) orders.push(toExchangeOrder(id, raw));
    }
    return orders.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
