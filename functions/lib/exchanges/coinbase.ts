/**
 * The exchange port over Coinbase Advanced Trade, REST API v3
 * (https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/rest-api/introduction).
 *
 * - Auth: every request carries a CDP API key JWT (ES256, 120 s, bound to "METHOD host/path").
 * - Orders: a market IOC buy sized in the quote currency. For such buys Coinbase takes the fee out
 *   of `quote_size` (`size_inclusive_of_fees: true`), so the quote sent is the most the order
 *   spends; it is the requested amount rounded down to the product's `quote_increment`.
 * - Idempotency: `POST orders` answers the existing order when a `client_order_id` is sent again
 *   (see DOMAIN.md). `findOrder` must not place, so it lists orders and matches the id: List Orders
 *   (`GET orders/historical/batch`) filters by order ids, products, side, status, type, time in
 *   force and creation dates, but not by client order id. The look-up asks for the product's buys
 *   created from the slot's time less {@link CLOCK_SKEW_MS}, newest first, `findOrderPageSize`
 *   (100) a page, and is bounded: at most `findOrderMaxPages` (10) pages, so 1,000 orders, and
 *   `findOrderTimeMs` (10 s, budget waits included, each request's deadline cut to what is left;
 *   at most 8 s more for a last budget wait), well inside the place-order Lambda's 30 s.
 *   A look-up that reaches a bound without finding the id throws ExchangeLookupIncompleteError
 *   (an ExchangeUnavailableError), never null: "no order" would allow a second buy.
 * - Request budget: one token per HTTP request, taken in `send` right before the request leaves
 *   (a market read is two requests, one with the fee tier cached; an order two or three; a
 *   look-up one per page).
 * - Market rules: the product (price, trading status, minimums, increments) is read on every
 *   `market()` call, because the price must be current; the fee tier (Get Transaction Summary) is
 *   cached for `metadataTtlMs`, and `placeMarketBuy` reuses the cached product increments.
 * - Rounding of what Coinbase reports (it sends up to 16 decimals): filled BTC and money spent
 *   round down, fees round up (never more than what was spent), prices round down.
 */
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { BTC_DIGITS } from '#domain/currencies.ts';
import {
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type Exchange,
  type ExchangeOrder,
  type Market,
  type MarketBuy,
  type OrderStatus,
  type RejectionCode,
} from '#domain/exchange.ts';
import { floorTo, fromUnits, parseRate } from '#domain/money.ts';
import {
  DEFAULT_METADATA_TTL_MS,
  DEFAULT_TIMEOUT_MS,
  TtlCache,
  decimalSumUnits,
  decimalUnits,
  digitsOf,
  instantMs,
  isSupportedCurrency,
  rateLimited,
  secretObject,
  send,
  serverError,
  stepUnits,
  unexpected,
  UNLIMITED,
  type ExchangeRequest,
  type ExchangeResponse,
  type RequestBudget,
  type Transport,
} from './common.ts';
import {
  ExchangeAuthenticationError,
  ExchangeCredentialsError,
  ExchangeLookupIncompleteError,
} from './errors.ts';
import { signEs256Jwt } from './es256-jwt.ts';

/** Production REST host. */
export const COINBASE_URL = 'https://api.coinbase.com';
/** Sandbox REST host (static responses, no real orders). */
export const COINBASE_SANDBOX_URL = 'https://api-sandbox.coinbase.com';

const API = '/api/v3/brokerage';
/** CDP JWTs live two minutes (https://docs.cdp.coinbase.com/coinbase-app/authentication-authorization/api-key-authentication). */
const JWT_LIFETIME_SECONDS = 120;
/**
 * How much earlier than the caller's `notBefore` a look-up starts: the Lambdas' clocks and
 * Coinbase's may disagree, and an order stamped a little before the slot must still be found.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** Clients commonly ask for 100 a page; Coinbase documents no maximum, so stay at a safe size. */
const DEFAULT_FIND_ORDER_PAGE_SIZE = 100;
const DEFAULT_FIND_ORDER_MAX_PAGES = 10;
const DEFAULT_FIND_ORDER_TIME_MS = 10_000;
/** Orders per List Orders page for reconciliation: fewer pages, fewer budget tokens. */
const LIST_PAGE_SIZE = 100;

/** A CDP API key, read from its Secrets Manager secret by {@link parseCoinbaseCredentials}. */
export interface CoinbaseCredentials {
  /** "organizations/{org_id}/apiKeys/{key_id}": the JWT's `kid` and `sub`. */
  readonly keyName: string;
  /** The P-256 signing key. A KeyObject never serializes its key material (JSON gives "{}"). */
  readonly privateKey: KeyObject;
}

export interface CoinbaseExchangeConfig {
  /** {@link COINBASE_URL} or {@link COINBASE_SANDBOX_URL}. */
  readonly baseUrl: string;
  readonly credentials: CoinbaseCredentials;
  /** For tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Per request, response body included; default 10 s. */
  readonly timeoutMs?: number;
  /** Epoch milliseconds; for tests. */
  readonly now?: () => number;
  /** How long the fee tier and product rules are reused; default 5 minutes. */
  readonly metadataTtlMs?: number;
  /** One token per HTTP request; default none (unit tests). */
  readonly budget?: RequestBudget;
  /** Orders per List Orders page in `findOrder`; default 100. */
  readonly findOrderPageSize?: number;
  /** Most List Orders pages one `findOrder` reads; default 10. */
  readonly findOrderMaxPages?: number;
  /** Most time one `findOrder` takes, budget waits included; default 10 s. */
  readonly findOrderTimeMs?: number;
}

const KEY_NAME = /^organizations\/[^/\s]+\/apiKeys\/[^/\s]+$/;

/**
 * Reads the Coinbase secret `{"keyName": "organizations/.../apiKeys/...", "privateKey": "-----BEGIN
 * EC PRIVATE KEY-----..."}` (`name` is accepted for `keyName`, as in the key file the CDP portal
 * downloads). The key may be SEC1 ("EC PRIVATE KEY") or PKCS#8 ("PRIVATE KEY") PEM, with real or
 * escaped ("\n") newlines; it must be an unencrypted ECDSA P-256 key. Errors never quote the values.
 */
export function parseCoinbaseCredentials(json: unknown): CoinbaseCredentials {
  const secret = secretObject(json, 'Coinbase');
  const keyName = secret.keyName ?? secret.name;
  if (typeof keyName !== 'string' || !KEY_NAME.test(keyName)) {
    throw new ExchangeCredentialsError(
      'Coinbase credentials: keyName must be the API key name, organizations/{org_id}/apiKeys/{key_id}',
    );
  }
  if (typeof secret.privateKey !== 'string' || !secret.privateKey.includes('-----BEGIN ')) {
    throw new ExchangeCredentialsError(
      'Coinbase credentials: privateKey must be a PEM private key ("-----BEGIN EC PRIVATE KEY-----")',
    );
  }
  const pem = secret.privateKey.replaceAll('\\n', '\n');
  if (pem.includes('ENCRYPTED')) {
    throw new ExchangeCredentialsError(
      'Coinbase credentials: privateKey is encrypted; store the unencrypted PEM in the secret',
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // OpenSSL's reason is dropped on purpose: the secret's text stays out of every message.
    throw new ExchangeCredentialsError(
      'Coinbase credentials: privateKey is not a readable SEC1 or PKCS#8 PEM private key',
    );
  }
  const type = privateKey.asymmetricKeyType;
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (type !== 'ec' || curve !== 'prime256v1') {
    throw new ExchangeCredentialsError(
      `Coinbase credentials: privateKey is a ${type === 'ec' ? `${String(curve)} EC` : String(type)} key; ` +
        'Advanced Trade signs with ES256 and needs an ECDSA P-256 key',
    );
  }
  return { keyName, privateKey };
}

/** Product fields this adapter reads (Get Product). */
interface CoinbaseProduct {
  product_id?: unknown;
  price?: unknown;
  base_increment?: unknown;
  quote_increment?: unknown;
  quote_min_size?: unknown;
  base_min_size?: unknown;
  status?: unknown;
  trading_disabled?: unknown;
  is_disabled?: unknown;
  cancel_only?: unknown;
  limit_only?: unknown;
  post_only?: unknown;
  view_only?: unknown;
}

/** Order fields this adapter reads (Get Order, List Orders). */
export interface CoinbaseOrder {
  order_id?: unknown;
  client_order_id?: unknown;
  product_id?: unknown;
  side?: unknown;
  status?: unknown;
  created_time?: unknown;
  filled_size?: unknown;
  filled_value?: unknown;
  total_fees?: unknown;
  average_filled_price?: unknown;
  reject_reason?: unknown;
  reject_message?: unknown;
  order_configuration?: unknown;
}

interface ProductRules {
  readonly minQuoteMinor: bigint;
  readonly minBaseSats: bigint;
  readonly quoteIncrementMinor: bigint;
  readonly baseIncrementSats: bigint;
}

/** Coinbase order statuses, as the port has them. CANCELLED and EXPIRED depend on the fill. */
const STATUSES: Readonly<Record<string, OrderStatus>> = {
  FILLED: 'FILLED',
  OPEN: 'OPEN',
  PENDING: 'OPEN',
  QUEUED: 'OPEN',
  CANCEL_QUEUED: 'OPEN',
  EDIT_QUEUED: 'OPEN',
  // Not final as far as we know: the caller looks again.
  UNKNOWN_ORDER_STATUS: 'OPEN',
  FAILED: 'REJECTED',
};

/**
 * Coinbase's refusal reasons (`error_response.error`, `preview_failure_reason`,
 * `new_order_failure_reason`, an order's `reject_reason`) that have a code of their own; any
 * other reason is REJECTED.
 */
const REFUSALS: Readonly<Record<string, RejectionCode>> = {
  INSUFFICIENT_FUND: 'INSUFFICIENT_FUNDS',
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  PREVIEW_INSUFFICIENT_FUND: 'INSUFFICIENT_FUNDS',
  PREVIEW_INSUFFICIENT_LEDGER_BALANCE: 'INSUFFICIENT_FUNDS',
  REJECT_REASON_INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL: 'BELOW_MINIMUM',
  PREVIEW_INVALID_BASE_SIZE_TOO_SMALL: 'BELOW_MINIMUM',
  ORDER_ENTRY_DISABLED: 'MARKET_CLOSED',
  INVALID_NO_LIQUIDITY: 'MARKET_CLOSED',
  PREVIEW_INVALID_NO_LIQUIDITY: 'MARKET_CLOSED',
};

function refusalCode(reasons: readonly unknown[]): RejectionCode {
  for (const reason of reasons) {
    if (typeof reason === 'string' && Object.hasOwn(REFUSALS, reason)) {
      return REFUSALS[reason] as RejectionCode;
    }
  }
  return 'REJECTED';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Coinbase sends "" for amounts of an order without fills. */
function amount(value: unknown): unknown {
  return value === '' || value === undefined || value === null ? '0' : value;
}

function currencyOfProduct(productId: unknown): string | undefined {
  if (typeof productId !== 'string' || !productId.startsWith('BTC-')) return undefined;
  const currency = productId.slice('BTC-'.length);
  return isSupportedCurrency(currency) ? currency : undefined;
}

function isoTime(value: unknown, field: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new ExchangeUnavailableError(`the exchange sent ${field} as ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

/** A Coinbase order as the port's, in integers (see the module comment for the rounding). */
export function toExchangeOrder(raw: CoinbaseOrder): ExchangeOrder {
  const currency = currencyOfProduct(raw.product_id);
  if (currency === undefined)
    throw new ExchangeUnavailableError(`order on unexpected product ${String(raw.product_id)}`);
  const digits = digitsOf(currency);
  const filledSats = decimalUnits(amount(raw.filled_size), BTC_DIGITS, 'down', 'filled_size');
  // filled_value excludes fees; for quote-sized buys their sum is total_value_after_fees.
  const spentMinor = decimalSumUnits(
    [amount(raw.filled_value), amount(raw.total_fees)],
    digits,
    'down',
    'filled_value + total_fees',
  );
  const fees = decimalUnits(amount(raw.total_fees), digits, 'up', 'total_fees');
  const status = typeof raw.status === 'string' ? raw.status : '';
  let mapped: OrderStatus | undefined = STATUSES[status];
  if (status === 'CANCELLED' || status === 'EXPIRED')
    mapped = filledSats > 0n ? 'PARTIALLY_FILLED' : 'CANCELLED';
  if (mapped === undefined)
    throw new ExchangeUnavailableError(`order with unexpected status ${JSON.stringify(status)}`);
  const quoteSize = (
    raw.order_configuration as { market_market_ioc?: { quote_size?: unknown } } | undefined
  )?.market_market_ioc?.quote_size;
  return {
    exchangeOrderId: text(raw.order_id),
    clientOrderId: text(raw.client_order_id),
    currency,
    status: mapped,
    quoteMinor:
      quoteSize === undefined || quoteSize === ''
        ? spentMinor
        : decimalUnits(quoteSize, digits, 'down', 'quote_size'),
    filledSats,
    spentMinor,
    feeMinor: fees > spentMinor ? spentMinor : fees,
    averagePriceMinor: decimalUnits(
      amount(raw.average_filled_price),
      digits,
      'down',
      'average_filled_price',
    ),
    createdAt: isoTime(raw.created_time, 'created_time'),
  };
}

/** The part of an error body worth quoting: Coinbase's code and message, never a header. */
function detail(json: unknown): string {
  if (typeof json !== 'object' || json === null) return '';
  const body = json as { error?: unknown; message?: unknown; error_details?: unknown };
  const parts = [body.error, body.message ?? body.error_details].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.length === 0 ? '' : `: ${parts.join(' ')}`;
}

/** The Coinbase Advanced Trade adapter; create one per API key at module scope. */
export class CoinbaseExchange implements Exchange {
  readonly name = 'coinbase';
  readonly #baseUrl: string;
  readonly #host: string;
  readonly #credentials: CoinbaseCredentials;
  readonly #transport: Transport;
  readonly #now: () => number;
  readonly #lookup: { pageSize: number; maxPages: number; timeMs: number };
  readonly #fees: TtlCache<string>;
  readonly #rules: TtlCache<ProductRules>;

  constructor(config: CoinbaseExchangeConfig) {
    this.#baseUrl = config.baseUrl.replace(/\/$/, '');
    this.#host = new URL(this.#baseUrl).host;
    this.#credentials = config.credentials;
    this.#transport = {
      fetch: config.fetch ?? fetch,
      timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      budget: config.budget ?? UNLIMITED,
    };
    this.#now = config.now ?? Date.now;
    this.#lookup = {
      pageSize: config.findOrderPageSize ?? DEFAULT_FIND_ORDER_PAGE_SIZE,
      maxPages: config.findOrderMaxPages ?? DEFAULT_FIND_ORDER_MAX_PAGES,
      timeMs: config.findOrderTimeMs ?? DEFAULT_FIND_ORDER_TIME_MS,
    };
    this.#fees = new TtlCache(config.metadataTtlMs ?? DEFAULT_METADATA_TTL_MS);
    this.#rules = new TtlCache(config.metadataTtlMs ?? DEFAULT_METADATA_TTL_MS);
  }

  /** A fresh JWT for one request: `uri` is "METHOD host/path", without the query string. */
  async #jwt(method: string, path: string): Promise<string> {
    const { keyName, privateKey } = this.#credentials;
    const nowSeconds = Math.floor(this.#now() / 1000);
    return signEs256Jwt(
      { alg: 'ES256', kid: keyName, nonce: randomBytes(16).toString('hex'), typ: 'JWT' },
      {
        sub: keyName,
        iss: 'cdp',
        nbf: nowSeconds,
        exp: nowSeconds + JWT_LIFETIME_SECONDS,
        uri: `${method} ${this.#host}${path}`,
      },
      privateKey,
    );
  }

  /**
   * One authenticated request, paid for with one budget token (the JWT is signed after the wait).
   * With a `deadline` (`at`, epoch ms) the request's own deadline is cut to what is left, and a
   * turn that comes after it is not used: `passed()` is thrown instead, nothing sent. Answers 2xx
   * and 4xx responses other than 401, 403 and 429 for the caller to read; maps everything else to
   * the port's errors.
   */
  async #call(
    method: 'GET' | 'POST',
    path: string,
    options: {
      query?: URLSearchParams;
      body?: unknown;
      places?: boolean;
      deadline?: { at: number; passed: () => Error };
    } = {},
  ): Promise<{ request: ExchangeRequest; response: ExchangeResponse }> {
    const query = options.query === undefined ? '' : `?${options.query.toString()}`;
    const { deadline } = options;
    const { request, response } = await send(this.#transport, async () => {
      let left: number | undefined;
      if (deadline !== undefined) {
        left = deadline.at - this.#now();
        if (left <= 0) throw deadline.passed();
      }
      const headers: Record<string, string> = {
        authorization: `Bearer ${await this.#jwt(method, `${API}${path}`)}`,
      };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      return {
        method,
        url: `${this.#baseUrl}${API}${path}${query}`,
        label: `${method} ${API}${path}`,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        places: options.places ?? false,
        ...(left === undefined ? {} : { timeoutMs: left }),
      };
    });
    if (response.status === 429) throw rateLimited(request, response, this.#now());
    if (response.status === 401 || response.status === 403) {
      throw new ExchangeAuthenticationError(
        'coinbase',
        `HTTP ${response.status}${detail(response.json)}`,
      );
    }
    if (response.status >= 500) throw serverError(request, response.status);
    return { request, response };
  }

  async #product(currency: string): Promise<{ product: CoinbaseProduct; rules: ProductRules }> {
    const digits = digitsOf(currency);
    const productId = `BTC-${currency}`;
    const { request, response } = await this.#call('GET', `/products/${productId}`);
    if (response.status === 404 || response.status === 400)
      throw new ExchangeRejectedError('REJECTED', `Coinbase has no ${productId} market.`);
    if (response.status !== 200)
      throw new ExchangeUnavailableError(`${request.label} answered ${response.status}`);
    if (typeof response.json !== 'object' || response.json === null)
      throw unexpected(request, 'not a product');
    const product = response.json as CoinbaseProduct;
    const rules: ProductRules = {
      minQuoteMinor: decimalUnits(product.quote_min_size, digits, 'up', 'quote_min_size'),
      minBaseSats: decimalUnits(product.base_min_size, BTC_DIGITS, 'up', 'base_min_size'),
      quoteIncrementMinor: stepUnits(product.quote_increment, digits, 'quote_increment'),
      baseIncrementSats: stepUnits(product.base_increment, BTC_DIGITS, 'base_increment'),
    };
    this.#rules.set(currency, rules, this.#now());
    return { product, rules };
  }

  /** The account's taker fee rate ("0.006"), cached: it changes with the 30-day volume tier. */
  async #takerFeeRate(): Promise<string> {
    const cached = this.#fees.get('SPOT', this.#now());
    if (cached !== undefined) return cached;
    const { request, response } = await this.#call('GET', '/transaction_summary', {
      query: new URLSearchParams({ product_type: 'SPOT' }),
    });
    if (response.status !== 200)
      throw new ExchangeUnavailableError(`${request.label} answered ${response.status}`);
    const rate = (response.json as { fee_tier?: { taker_fee_rate?: unknown } } | undefined)
      ?.fee_tier?.taker_fee_rate;
    try {
      parseRate(rate as string);
    } catch {
      throw unexpected(request, `taker_fee_rate ${JSON.stringify(rate)}`);
    }
    this.#fees.set('SPOT', rate as string, this.#now());
    return rate as string;
  }

  /**
   * The BTC market in `currency`: price (last trade, rounded down to minor units) and trading
   * status read now, fee rate from the cached fee tier. A product that is not trading (status
   * other than "online", trading disabled, cancel/limit/post/view only) is refused as
   * MARKET_CLOSED.
   */
  async market(currency: string): Promise<Market> {
    const digits = digitsOf(currency);
    const [{ product, rules }, feeRate] = await Promise.all([
      this.#product(currency),
      this.#takerFeeRate(),
    ]);
    const halted = (
      [
        'trading_disabled',
        'is_disabled',
        'cancel_only',
        'limit_only',
        'post_only',
        'view_only',
      ] as const
    ).filter((flag) => product[flag] === true);
    if (halted.length > 0 || (typeof product.status === 'string' && product.status !== 'online')) {
      throw new ExchangeRejectedError(
        'MARKET_CLOSED',
        `Coinbase is not trading BTC-${currency} now (${[`status ${String(product.status)}`, ...halted].join(', ')}).`,
      );
    }
    return {
      currency,
      priceMinor: decimalUnits(product.price, digits, 'down', 'price'),
      feeRate,
      ...rules,
    };
  }

  /**
   * Places a market IOC buy of `quoteMinor` (fee included), rounded down to the product's quote
   * increment, and reads the order back. Sending the same client order id again answers the
   * existing order. Refusals (insufficient funds, under the minimum, market closed, a FAILED
   * order) throw ExchangeRejectedError; a POST that may have been taken but gave no answer throws
   * ExchangeUnknownOutcomeError, after which the caller must `findOrder` before sending again.
   */
  async placeMarketBuy(order: MarketBuy): Promise<ExchangeOrder> {
    const digits = digitsOf(order.currency);
    const rules =
      this.#rules.get(order.currency, this.#now()) ?? (await this.#product(order.currency)).rules;
    const quoteMinor = floorTo(order.quoteMinor, rules.quoteIncrementMinor);
    if (quoteMinor <= 0n || quoteMinor < rules.minQuoteMinor) {
      throw new ExchangeRejectedError(
        'BELOW_MINIMUM',
        `${fromUnits(order.quoteMinor, digits)} ${order.currency} is below Coinbase's minimum order of ${fromUnits(rules.minQuoteMinor, digits)} ${order.currency}.`,
      );
    }
    const { request, response } = await this.#call('POST', '/orders', {
      places: true,
      body: {
        client_order_id: order.clientOrderId,
        product_id: `BTC-${order.currency}`,
        side: 'BUY',
        order_configuration: { market_market_ioc: { quote_size: fromUnits(quoteMinor, digits) } },
      },
    });
    const body = (response.json ?? {}) as {
      success?: unknown;
      success_response?: { order_id?: unknown };
      error_response?: {
        error?: unknown;
        message?: unknown;
        error_details?: unknown;
        preview_failure_reason?: unknown;
        new_order_failure_reason?: unknown;
      };
      error?: unknown;
      message?: unknown;
    };
    if (response.status === 200 && body.success === true) {
      const orderId = body.success_response?.order_id;
      if (typeof orderId !== 'string' || orderId === '')
        throw unexpected(request, 'success without an order id');
      return this.#readBack(orderId, order.clientOrderId);
    }
    if (response.status === 200 && body.success === false) {
      const refusal = body.error_response ?? {};
      const reasons = [
        refusal.preview_failure_reason,
        refusal.new_order_failure_reason,
        refusal.error,
      ];
      const named = [
        ...new Set(
          [refusal.error, refusal.preview_failure_reason, refusal.new_order_failure_reason].filter(
            (reason): reason is string =>
              typeof reason === 'string' && reason !== '' && !reason.startsWith('UNKNOWN_'),
          ),
        ),
      ];
      const said = [refusal.message, refusal.error_details].find(
        (part): part is string => typeof part === 'string' && part !== '',
      );
      throw new ExchangeRejectedError(
        refusalCode(reasons),
        `Coinbase refused the order (${named.join(', ') || 'no reason given'})${said === undefined ? '' : `: ${said}`}`,
      );
    }
    if (response.status >= 400) {
      // Coinbase answered, so it processed and refused the request (e.g. 400 INVALID_ARGUMENT).
      throw new ExchangeRejectedError(
        refusalCode([body.error]),
        `Coinbase refused the order (HTTP ${response.status}${detail(response.json)})`,
      );
    }
    throw unexpected(request, `HTTP ${response.status} without success`);
  }

  /** Reads a just-placed order; if that fails the order exists but its outcome is unknown to us. */
  async #readBack(orderId: string, clientOrderId: string): Promise<ExchangeOrder> {
    let raw: CoinbaseOrder;
    let placed: ExchangeOrder;
    try {
      raw = await this.#order(orderId);
      placed = toExchangeOrder(raw);
    } catch (error) {
      throw new ExchangeUnknownOutcomeError(
        `Coinbase took order ${orderId} (client order id ${clientOrderId}) but it could not be read back: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (placed.status === 'REJECTED') {
      throw new ExchangeRejectedError(
        refusalCode([raw.reject_reason]),
        `Coinbase rejected order ${orderId}: ${[raw.reject_reason, raw.reject_message]
          .filter((part) => typeof part === 'string' && part !== '')
          .join(' ')}`,
      );
    }
    return placed;
  }

  async #order(orderId: string): Promise<CoinbaseOrder> {
    const { request, response } = await this.#call(
      'GET',
      `/orders/historical/${encodeURIComponent(orderId)}`,
    );
    if (response.status !== 200)
      throw new ExchangeUnavailableError(`${request.label} answered ${response.status}`);
    const raw = (response.json as { order?: unknown } | undefined)?.order;
    if (typeof raw !== 'object' || raw === null) throw unexpected(request, 'no order');
    return raw as CoinbaseOrder;
  }

  /**
   * Every order of a List Orders query, following the cursor. With `bounds`, reading more than
   * `maxPages` pages, or a page after `deadline`, throws `incomplete()` instead.
   */
  async *#listOrders(
    query: Record<string, string>,
    bounds?: { maxPages: number; deadline: number; incomplete: (why: string) => Error },
  ): AsyncGenerator<CoinbaseOrder> {
    const seen = new Set<string>();
    let cursor = '';
    for (let pages = 0; ; pages += 1) {
      if (bounds !== undefined && pages >= bounds.maxPages)
        throw bounds.incomplete(`its bound of ${bounds.maxPages} pages`);
      const params = new URLSearchParams(query);
      if (cursor !== '') params.set('cursor', cursor);
      const { request, response } = await this.#call('GET', '/orders/historical/batch', {
        query: params,
        ...(bounds === undefined
          ? {}
          : {
              deadline: {
                at: bounds.deadline,
                passed: () => bounds.incomplete(`its time budget after ${pages} pages`),
              },
            }),
      });
      if (response.status !== 200)
        throw new ExchangeUnavailableError(`${request.label} answered ${response.status}`);
      const page = (response.json ?? {}) as {
        orders?: unknown;
        has_next?: unknown;
        cursor?: unknown;
      };
      if (!Array.isArray(page.orders)) throw unexpected(request, 'no orders array');
      for (const raw of page.orders as CoinbaseOrder[]) yield raw;
      if (page.has_next !== true) return;
      if (typeof page.cursor !== 'string' || page.cursor === '' || seen.has(page.cursor))
        throw unexpected(request, 'has_next without a new cursor');
      seen.add(page.cursor);
      cursor = page.cursor;
    }
  }

  /**
   * The buy with this client order id among the product's buys created from `notBefore` less
   * {@link CLOCK_SKEW_MS}, or null when the whole window was listed without it. Never places.
   * Bounded (see the module comment): a window it cannot list within its pages and time throws
   * ExchangeLookupIncompleteError, since the order may be on a page it did not read.
   */
  async findOrder(
    clientOrderId: string,
    currency: string,
    notBefore: string,
  ): Promise<ExchangeOrder | null> {
    digitsOf(currency);
    const since = new Date(instantMs(notBefore, 'notBefore') - CLOCK_SKEW_MS).toISOString();
    const { pageSize, maxPages, timeMs } = this.#lookup;
    let listed = 0;
    const incomplete = (why: string) =>
      new ExchangeLookupIncompleteError(
        `Coinbase: client order id ${clientOrderId} is not among the ${listed} BTC-${currency} buys ` +
          `listed since ${since}; the look-up stopped at ${why}, so whether the order exists is unknown`,
      );
    for await (const raw of this.#listOrders(
      {
        product_ids: `BTC-${currency}`,
        order_side: 'BUY',
        start_date: since,
        limit: String(pageSize),
      },
      { maxPages, deadline: this.#now() + timeMs, incomplete },
    )) {
      if (raw.client_order_id === clientOrderId) return toExchangeOrder(raw);
      listed += 1;
    }
    return null;
  }

  /**
   * BTC buys in supported currencies created from `since` (inclusive) to `until` (exclusive),
   * oldest first. The window is also applied here, whatever Coinbase's own bounds include.
   */
  async ordersBetween(since: string, until: string): Promise<ExchangeOrder[]> {
    const from = instantMs(since, 'since');
    const to = instantMs(until, 'until');
    const orders: ExchangeOrder[] = [];
    for await (const raw of this.#listOrders({
      order_side: 'BUY',
      start_date: new Date(from).toISOString(),
      end_date: new Date(to).toISOString(),
      limit: String(LIST_PAGE_SIZE),
    })) {
      if (currencyOfProduct(raw.product_id) === undefined) continue;
      const order = toExchangeOrder(raw);
      const created = Date.parse(order.createdAt);
      if (created >= from && created < to) orders.push(order);
    }
    return orders.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}
