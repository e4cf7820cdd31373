/**
 * The exchange port over the paper exchange's HTTP API (see `local/paper-exchange.ts`), with the
 * error discipline of a real adapter: a request that surely did not reach the exchange is
 * "unavailable" (retry at will), one that may have reached it is an "unknown outcome" (look the
 * order up before sending anything again), a refusal is final. Every request takes one token of
 * the request budget right before it is sent, as the real adapters' requests do.
 */
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type Exchange,
  type ExchangeOrder,
  type Market,
  type MarketBuy,
  type RejectionCode,
} from '#domain/exchange.ts';
import { BTC_DIGITS, CURRENCY_DIGITS } from '#domain/currencies.ts';
import { fromUnits, toUnits } from '#domain/money.ts';
import { UNLIMITED, type RequestBudget } from './common.ts';

interface PaperOrderBody {
  orderId: string;
  clientOrderId: string;
  currency: string;
  status: ExchangeOrder['status'];
  quote: string;
  filledSize: string;
  spent: string;
  fee: string;
  averagePrice: string;
  createdAt: string;
}

const REJECTIONS: readonly RejectionCode[] = ['INSUFFICIENT_FUNDS', 'BELOW_MINIMUM', 'REJECTED'];

/** Network errors that mean no connection was made, so nothing was sent. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function digitsOf(currency: string): number {
  const digits = Object.hasOwn(CURRENCY_DIGITS, currency) ? CURRENCY_DIGITS[currency] : undefined;
  if (digits === undefined)
    throw new ExchangeRejectedError('REJECTED', `${currency} is not a supported currency.`);
  return digits;
}

function toOrder(body: PaperOrderBody): ExchangeOrder {
  const digits = digitsOf(body.currency);
  return {
    exchangeOrderId: body.orderId,
    clientOrderId: body.clientOrderId,
    currency: body.currency,
    status: body.status,
    quoteMinor: toUnits(body.quote, digits),
    filledSats: toUnits(body.filledSize, BTC_DIGITS),
    spentMinor: toUnits(body.spent, digits),
    feeMinor: toUnits(body.fee, digits),
    averagePriceMinor: toUnits(body.averagePrice, digits),
    createdAt: body.createdAt,
  };
}

export class PaperExchangeClient implements Exchange {
  readonly name = 'paper';
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #budget: RequestBudget;

  /** `budget`: one token per HTTP request; default none (unit tests). */
  constructor(baseUrl: string, timeoutMs = 10_000, budget: RequestBudget = UNLIMITED) {
    this.#baseUrl = baseUrl.replace(/\/$/, '');
    this.#timeoutMs = timeoutMs;
    this.#budget = budget;
  }

  async #request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    // A refusal here (rate limited, shared state unreachable) is thrown as is: nothing was sent.
    await this.#budget.take();
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      // Only a connection that was never made proves the exchange did not get the order; a
      // timeout or a connection dropped after sending may come after it took the order.
      const code = ((error as { cause?: { code?: string } }).cause ?? {}).code ?? '';
      const neverSent = NOT_CONNECTED.has(code);
      if (method === 'POST' && !neverSent) {
        throw new ExchangeUnknownOutcomeError(
          (error as Error).name === 'TimeoutError'
            ? `${method} ${path} timed out after ${this.#timeoutMs} ms`
            : `${method} ${path} failed after sending: ${(error as Error).message}`,
          { cause: error },
        );
      }
      throw new ExchangeUnavailableError(`${method} ${path} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text.length === 0 ? null : (JSON.parse(text) as unknown);
    } catch {
      json = { message: text };
    }
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
      throw new ExchangeRateLimitedError(
        `${method} ${path} was rate limited`,
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    }
    if (response.status === 503) {
      throw new ExchangeUnavailableError(`${method} ${path} answered ${response.status}`);
    }
    if (response.status >= 500) {
      const error = `${method} ${path} answered ${response.status}`;
      if (method === 'POST') throw new ExchangeUnknownOutcomeError(error);
      throw new ExchangeUnavailableError(error);
    }
    return { status: response.status, json };
  }

  async market(currency: string): Promise<Market> {
    const { status, json } = await this.#request('GET', `/markets/${encodeURIComponent(currency)}`);
    if (status !== 200)
      throw new ExchangeRejectedError('REJECTED', `The exchange has no BTC-${currency} market.`);
    const body = json as Record<string, string>;
    const digits = digitsOf(currency);
    return {
      currency,
      priceMinor: toUnits(body.price ?? '', digits),
      feeRate: body.feeRate ?? '0',
      minQuoteMinor: toUnits(body.minQuote ?? '', digits),
      minBaseSats: toUnits(body.minBase ?? '', BTC_DIGITS),
      quoteIncrementMinor: toUnits(body.quoteIncrement ?? '', digits),
      baseIncrementSats: toUnits(body.baseIncrement ?? '', BTC_DIGITS),
    };
  }

  async placeMarketBuy(order: MarketBuy): Promise<ExchangeOrder> {
    const { status, json } = await this.#request('POST', '/orders', {
      clientOrderId: order.clientOrderId,
      currency: order.currency,
      quote: fromUnits(order.quoteMinor, digitsOf(order.currency)),
    });
    if (status === 200) return toOrder(json as PaperOrderBody);
    const { code, message } = (json ?? {}) as { code?: string; message?: string };
    const rejection = REJECTIONS.find((known) => known === code) ?? 'REJECTED';
    throw new ExchangeRejectedError(
      rejection,
      message ?? `The exchange refused the order (${status}).`,
    );
  }

  async ordersBetween(since: string, until: string): Promise<ExchangeOrder[]> {
    const { status, json } = await this.#request(
      'GET',
      `/orders?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`,
    );
    if (status !== 200) throw new ExchangeUnavailableError(`order listing answered ${status}`);
    return (json as PaperOrderBody[]).map((order) => toOrder(order));
  }

  /** The paper exchange keeps every order by client order id: one request, no window needed. */
  async findOrder(
    clientOrderId: string,
    _currency: string,
    _notBefore: string,
  ): Promise<ExchangeOrder | null> {
    const { status, json } = await this.#request(
      'GET',
      `/orders?clientOrderId=${encodeURIComponent(clientOrderId)}`,
    );
    if (status === 404) return null;
    if (status !== 200) throw new ExchangeUnavailableError(`order lookup answered ${status}`);
    return toOrder(json as PaperOrderBody);
  }
}
