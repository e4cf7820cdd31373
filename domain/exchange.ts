/**
 * The exchange port: what the purchase workflow needs from an exchange, whichever it is (the
 * paper exchange locally and in tests; Coinbase or Kraken in the cloud). Amounts are integers:
 * fiat minor units and satoshis.
 *
 * What an error proves (every adapter and every wrapper around one keeps this contract):
 * - {@link ExchangeUnknownOutcomeError} is the only error after which `placeMarketBuy` may have
 *   placed an order: look it up with `findOrder` before anything is sent again.
 * - Every {@link ExchangeUnavailableError} (and each of its subclasses: rate limited, circuit
 *   open, credentials refused or unreadable, shared state unreachable, nonce refused) proves that
 *   this call placed nothing: it failed before the order request was sent, or the exchange
 *   refused the request without processing it. Retrying it can never buy twice.
 * - {@link ExchangeRejectedError} is a final refusal of the order: nothing was bought and sending
 *   it again would be refused again.
 */
import type { RejectionCode } from '#shared/executions.ts';

/** Order rules of a market, from the exchange. */
export interface Market {
  readonly currency: string;
  /** Current price: fiat minor units per BTC. */
  readonly priceMinor: bigint;
  /** Fee as a fraction of the quote, e.g. "0.006". */
  readonly feeRate: string;
  readonly minQuoteMinor: bigint;
  readonly minBaseSats: bigint;
  readonly quoteIncrementMinor: bigint;
  readonly baseIncrementSats: bigint;
  /**
   * The most one market buy may spend, fee included, when the exchange has such a limit (absent:
   * none known). Aggregated execution splits a block into parts so that no order exceeds it.
   */
  readonly maxQuoteMinor?: bigint;
}

export type OrderStatus = 'FILLED' | 'PARTIALLY_FILLED' | 'OPEN' | 'CANCELLED' | 'REJECTED';

/** An order as the exchange reports it. */
export interface ExchangeOrder {
  readonly exchangeOrderId: string;
  readonly clientOrderId: string;
  readonly currency: string;
  readonly status: OrderStatus;
  /** Fiat the order may spend, fee included. */
  readonly quoteMinor: bigint;
  readonly filledSats: bigint;
  readonly spentMinor: bigint;
  readonly feeMinor: bigint;
  readonly averagePriceMinor: bigint;
  readonly createdAt: string;
}

export interface MarketBuy {
  /** Deterministic per plan and slot; every retry and duplicate sends the same one. */
  readonly clientOrderId: string;
  readonly currency: string;
  /** Fiat to spend, fee included. */
  readonly quoteMinor: bigint;
}

export interface Exchange {
  /** Which exchange this is ("paper", "coinbase", "kraken"), for logs, metrics and the breaker. */
  readonly name: string;
  market(currency: string): Promise<Market>;
  /**
   * Places a market buy; an exchange that knows the client order id may answer the existing order.
   * Throws {@link ExchangeUnknownOutcomeError} when an order may exist, any
   * {@link ExchangeUnavailableError} when none was placed by this call, and
   * {@link ExchangeRejectedError} when the exchange refused it for good.
   */
  placeMarketBuy(order: MarketBuy): Promise<ExchangeOrder>;
  /**
   * The order with this client order id, or null when the exchange has none. Never places.
   *
   * `notBefore` is an ISO instant before which the order cannot have been placed (the slot's
   * scheduled time): adapters that must list orders to find one start their search there, less a
   * clock-skew margin of their own. A lookup that cannot search the whole window within its bounds
   * throws an {@link ExchangeUnavailableError}: null always means "searched, and there is none",
   * which allows sending the order again. Any error from a look-up leaves the order's state as
   * unknown as it was: an earlier call may still have placed it.
   */
  findOrder(
    clientOrderId: string,
    currency: string,
    notBefore: string,
  ): Promise<ExchangeOrder | null>;
  /** Orders placed from `since` (inclusive) to `until` (exclusive), ISO instants: for reconciliation. */
  ordersBetween(since: string, until: string): Promise<ExchangeOrder[]>;
}

/** Why an exchange refused an order, in codes the ledger and the API expose. */
export type { RejectionCode };

/** The exchange refused the order: a final outcome, not worth retrying. */
export class ExchangeRejectedError extends Error {
  readonly code: RejectionCode;

  constructor(code: RejectionCode, message: string) {
    super(message);
    this.name = 'ExchangeRejectedError';
    this.code = code;
  }
}

/**
 * Nothing was placed by this call: the exchange could not be reached, refused the request without
 * processing it, or the call stopped before its order request was sent. Safe to retry.
 */
export class ExchangeUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExchangeUnavailableError';
  }
}

/** The exchange refused the request for its rate limit (HTTP 429): not taken, retry later. */
export class ExchangeRateLimitedError extends ExchangeUnavailableError {
  /** Seconds the exchange asked to wait, when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'ExchangeRateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The request may or may not have reached the exchange (a timeout after sending, a 5xx): the
 * order must be looked up by its client order id before anything is sent again.
 */
export class ExchangeUnknownOutcomeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExchangeUnknownOutcomeError';
  }
}
