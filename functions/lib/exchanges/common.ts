/**
 * What the Coinbase and Kraken adapters share: one HTTP round trip with the port's error
 * discipline, paid for with one token of the request budget; exact parsing of the exchanges'
 * decimal strings into integer units with an explicit rounding; and a time-limited cache for
 * market rules.
 *
 * Error discipline (see `#domain/exchange.ts`): a request that surely did not reach the exchange
 * is "unavailable" (retry at will); one that may have placed an order is an "unknown outcome" (look
 * the order up by its client order id before sending anything again); a refusal is final.
 */
import { CURRENCY_DIGITS } from '#domain/currencies.ts';
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
} from '#domain/exchange.ts';
import { fromUnits } from '#domain/money.ts';
import { ExchangeCredentialsError } from './errors.ts';

/** How long one request may take, response body included, unless the adapter is told otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** How long market rules (minimums, increments, fee rate) are reused before being read again. */
export const DEFAULT_METADATA_TTL_MS = 5 * 60_000;

/** ISO 4217 digits of a currency a stack may enable; anything else is refused before sending. */
export function digitsOf(currency: string): number {
  const digits = Object.hasOwn(CURRENCY_DIGITS, currency) ? CURRENCY_DIGITS[currency] : undefined;
  if (digits === undefined)
    throw new ExchangeRejectedError('REJECTED', `${currency} is not a supported currency.`);
  return digits;
}

/** Whether a currency code is one a stack may enable. */
export function isSupportedCurrency(currency: string): boolean {
  return Object.hasOwn(CURRENCY_DIGITS, currency);
}

/** One request to an exchange. */
export interface ExchangeRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** What error messages name, e.g. "POST /0/private/AddOrder": never a secret. */
  readonly label: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whether this request may place an order: decides "unavailable" versus "unknown outcome". */
  readonly places: boolean;
  /** A deadline shorter than the adapter's own, for this request only (a bounded look-up's). */
  readonly timeoutMs?: number;
}

/**
 * Permission to send one HTTP request to an exchange: in the cloud the request budget shared by
 * every execution (`SharedRateLimiter`, `functions/lib/exchange-guard.ts`); in unit tests none.
 * Adapters take one right before each request they send, so the budget counts HTTP requests, not
 * port calls (a Kraken market read is up to three requests, a Coinbase look-up one per page).
 */
export interface RequestBudget {
  /**
   * Resolves when one request may be sent, after waiting its turn; rejects with an
   * `ExchangeUnavailableError` (rate limited, or the shared state unreachable) when it may not,
   * in which case nothing is sent.
   */
  take(): Promise<void>;
}

/** No budget: every request goes at once (unit tests and the adapters' default). */
export const UNLIMITED: RequestBudget = { take: () => Promise.resolve() };

/** How an adapter sends: its fetch, its per-request deadline and the budget it draws from. */
export interface Transport {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly budget: RequestBudget;
}

/** What came back, before any exchange-specific reading. */
export interface ExchangeResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body as JSON, or undefined when it is not JSON (an HTML error page, say). */
  readonly json: unknown;
}

/**
 * Error codes (on `error.cause`, as undici reports them) that mean the connection was never made,
 * so no byte of the request reached the exchange.
 */
const NEVER_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function codeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null
    ? (value as { code?: unknown }).code
    : undefined;
}

function neverConnected(error: unknown): boolean {
  const cause = typeof error === 'object' && error !== null ? (error as Error).cause : undefined;
  const code = codeOf(cause);
  if (typeof code === 'string') return NEVER_CONNECTED.has(code);
  // Happy eyeballs: one error per address tried, all of them refusals.
  const errors = (cause as { errors?: unknown } | undefined)?.errors;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((each) => NEVER_CONNECTED.has(String(codeOf(each))))
  );
}

function failure(request: ExchangeRequest, error: unknown, timeoutMs: number): Error {
  const what =
    (error as Error).name === 'TimeoutError'
      ? `timed out after ${timeoutMs} ms`
      : `failed: ${(error as Error).message}`;
  const message = `${request.label} ${what}`;
  // A timeout or a broken connection may come after the exchange took the order; a refused
  // connection cannot. Anything not known to be harmless counts as possibly taken.
  if (request.places && !neverConnected(error))
    return new ExchangeUnknownOutcomeError(message, { cause: error });
  return new ExchangeUnavailableError(message, { cause: error });
}

/**
 * Sends one request: takes a token from the budget first, then builds the request (after the
 * wait, so that what is signed with the time, a JWT or a Kraken nonce, is fresh when it leaves),
 * and sends it with a deadline covering the whole exchange (headers and body). Answers the
 * response whatever its status. A budget refusal or a failure to build is thrown as is (nothing
 * was sent); network failures are mapped here; statuses by the caller.
 */
export async function send(
  transport: Transport,
  build: () => ExchangeRequest | Promise<ExchangeRequest>,
): Promise<{ request: ExchangeRequest; response: ExchangeResponse }> {
  await transport.budget.take();
  const request = await build();
  const timeoutMs = Math.min(request.timeoutMs ?? transport.timeoutMs, transport.timeoutMs);
  try {
    const response = await transport.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text.length === 0 ? undefined : (JSON.parse(text) as unknown);
    } catch {
      json = undefined;
    }
    return {
      request,
      response: { status: response.status, headers: response.headers, text, json },
    };
  } catch (error) {
    throw failure(request, error, timeoutMs);
  }
}

/** Seconds from a `Retry-After` header (delay in seconds or an HTTP date), when there is one. */
export function retryAfterSeconds(headers: Headers, nowMs: number): number | undefined {
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - nowMs) / 1000)) : undefined;
}

/** HTTP 429: the exchange refused the request for its rate limit, so nothing was taken. */
export function rateLimited(
  request: ExchangeRequest,
  response: ExchangeResponse,
  nowMs: number,
): ExchangeRateLimitedError {
  return new ExchangeRateLimitedError(
    `${request.label} was rate limited`,
    retryAfterSeconds(response.headers, nowMs),
  );
}

/**
 * A 5xx answer: for a request that may place an order the exchange may have taken it before
 * failing (unknown outcome); for a read it is only unavailable.
 */
export function serverError(request: ExchangeRequest, status: number): Error {
  const message = `${request.label} answered ${status}`;
  return request.places
    ? new ExchangeUnknownOutcomeError(message)
    : new ExchangeUnavailableError(message);
}

/**
 * A response body that is not what the exchange documents. After a request that may have placed
 * an order we cannot tell whether it did; after a read it is a (hopefully passing) fault.
 */
export function unexpected(request: ExchangeRequest, what: string): Error {
  const message = `${request.label} answered an unexpected body: ${what}`;
  return request.places
    ? new ExchangeUnknownOutcomeError(message)
    : new ExchangeUnavailableError(message);
}

/** Which way a value with more decimals than its unit has is brought to whole units. */
export type Rounding = 'down' | 'up';

const DECIMAL = /^\d{1,40}(\.\d{1,40})?$/;

interface Exact {
  readonly units: bigint;
  readonly scale: number;
}

function exact(text: unknown, field: string): Exact {
  if (typeof text !== 'string' || !DECIMAL.test(text)) {
    throw new ExchangeUnavailableError(
      `the exchange sent ${field} as ${JSON.stringify(text) ?? 'nothing'}, not a decimal number`,
    );
  }
  const [whole = '', fraction = ''] = text.split('.');
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

function rescale(value: Exact, scale: number, rounding: Rounding): bigint {
  if (value.scale <= scale) return value.units * 10n ** BigInt(scale - value.scale);
  const divisor = 10n ** BigInt(value.scale - scale);
  const quotient = value.units / divisor;
  return rounding === 'up' && quotient * divisor !== value.units ? quotient + 1n : quotient;
}

/**
 * An exchange's decimal string as a count of units at `scale` decimals. Exchanges send more
 * decimals than the unit has (Coinbase: "0.5770494951509377" BTC, "4.9603174603174603" EUR); the
 * extra digits are cut with the given rounding, in integer arithmetic.
 */
export function decimalUnits(
  text: unknown,
  scale: number,
  rounding: Rounding,
  field: string,
): bigint {
  return rescale(exact(text, field), scale, rounding);
}

/** The exact sum of decimal strings, then brought to `scale` decimals with the given rounding. */
export function decimalSumUnits(
  texts: readonly unknown[],
  scale: number,
  rounding: Rounding,
  field: string,
): bigint {
  const values = texts.map((text) => exact(text, field));
  const common = Math.max(0, ...values.map((value) => value.scale));
  const units = values.reduce(
    (sum, value) => sum + value.units * 10n ** BigInt(common - value.scale),
    0n,
  );
  return rescale({ units, scale: common }, scale, rounding);
}

/**
 * An increment or minimum step given as a decimal ("0.01", "0.00000001") in units of `scale`
 * decimals, at least one unit. A step finer than the unit (Kraken's 5-decimal cost for EUR) is
 * met by every whole number of units, as the exchanges' steps are powers of ten.
 */
export function stepUnits(text: unknown, scale: number, field: string): bigint {
  const units = decimalUnits(text, scale, 'up', field);
  return units < 1n ? 1n : units;
}

/** The unit step of an amount with `decimals` decimals, counted in units of `scale` decimals. */
export function stepFromDecimals(decimals: number, scale: number): bigint {
  return decimals >= scale ? 1n : 10n ** BigInt(scale - decimals);
}

/** A percentage ("0.2600", Kraken's fee) as the fraction the port uses ("0.0026"), exactly. */
export function percentToFraction(text: unknown, field: string): string {
  const value = exact(text, field);
  const fraction = fromUnits(value.units, value.scale + 2);
  return fraction.includes('.') ? fraction.replace(/\.?0+$/, '') : fraction;
}

/** An ISO 8601 instant of the port (`since`, `until`) as epoch milliseconds. */
export function instantMs(text: string, name: string): number {
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be an ISO 8601 instant`);
  return ms;
}

/** A value kept per key until it is `ttlMs` old. */
export class TtlCache<V> {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { value: V; storedAt: number }>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get(key: string, nowMs: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || nowMs - entry.storedAt >= this.#ttlMs) return undefined;
    return entry.value;
  }

  set(key: string, value: V, nowMs: number): void {
    this.#entries.set(key, { value, storedAt: nowMs });
  }
}

/** The secret's JSON (a SecretString, or the object Powertools parsed from it) as an object. */
export function secretObject(json: unknown, exchange: string): Record<string, unknown> {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      // The parser's message quotes the text: never pass it on.
      throw new ExchangeCredentialsError(`${exchange} credentials: the secret is not JSON`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ExchangeCredentialsError(`${exchange} credentials: the secret must be a JSON object`);
  return value as Record<string, unknown>;
}
