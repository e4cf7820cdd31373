/**
 * What stands between every execution and an exchange, shared through DynamoDB
 * (`exchangeStateTable`) so that a thousand concurrent executions behave as one careful client:
 *
 * - The circuit breaker (rules in `domain/circuit-breaker.ts`), per port call
 *   ({@link GuardedExchange}): stops calling an exchange that is failing, fails fast while open
 *   ({@link ExchangeCircuitOpenError}) and lets one probe through at a time.
 * - The request budget ({@link SharedRateLimiter}), per HTTP request: the adapters take a token
 *   right before each request they send (`RequestBudget` in `exchanges/common.ts`). It hands out
 *   at most `limitPerSecond` requests per second across all executions and paces them evenly
 *   within the second, so bursts queue in front of the exchange instead of turning into 429s. A
 *   request that finds no room within `maxWaitSeconds` is not sent: the call fails with
 *   {@link RequestBudgetExhaustedError} (an `ExchangeRateLimitedError`) and the workflow retries.
 * - Kraken's nonces ({@link SharedNonceCounter}): one counter per API key, so that requests from
 *   different Lambda environments never carry the same nonce.
 *
 * A DynamoDB error on this shared state before a request is sent (reading the breaker, taking a
 * token, drawing a nonce) is thrown as {@link ExchangeStateUnavailableError}, an
 * `ExchangeUnavailableError`: nothing was sent, so the run can safely go back to PENDING.
 *
 * One item per exchange holds the breaker: each environment reads it at most once a second while
 * it calls, adding its successes with that refresh, and writes failures and probes at once
 * ({@link SharedCircuitBreaker}). The budget caps requests at the exchange's own rate limit (tens
 * per second), far below a DynamoDB item's 1,000 writes per second; the nonce counter takes one
 * write per Kraken private request, two when two environments draw within the same millisecond.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  admission,
  CLOSED,
  DEFAULT_BREAKER,
  retryAfterSeconds,
  tripped,
  windowOf,
  type BreakerSettings,
  type BreakerState,
} from '#domain/circuit-breaker.ts';
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  type Exchange,
  type ExchangeOrder,
  type Market,
  type MarketBuy,
} from '#domain/exchange.ts';
import type { RequestBudget } from './exchanges/common.ts';
import {
  ExchangeCredentialsUnavailableError,
  ExchangeLookupIncompleteError,
  ExchangeNonceError,
} from './exchanges/errors.ts';
import type { NonceSource } from './exchanges/kraken.ts';

/** The breaker is open: nothing was sent to the exchange. */
export class ExchangeCircuitOpenError extends ExchangeUnavailableError {
  readonly retryAfterSeconds: number;

  constructor(exchange: string, retryAfter: number) {
    super(`${exchange} is failing; calls are paused for ${retryAfter} s (circuit open)`);
    this.name = 'ExchangeCircuitOpenError';
    this.retryAfterSeconds = retryAfter;
  }
}

/**
 * The exchange's shared state (breaker, request budget, nonce counter) could not be read or
 * written before a request was sent (DynamoDB throttling, an outage, a permission): nothing was
 * sent. The message names the error's class; the original is the `cause`.
 */
export class ExchangeStateUnavailableError extends ExchangeUnavailableError {
  constructor(what: string, cause: unknown) {
    super(
      `the shared exchange state could not be used (${what}: ${(cause as Error | undefined)?.name ?? 'unknown error'}); nothing was sent`,
      { cause },
    );
    this.name = 'ExchangeStateUnavailableError';
  }
}

/**
 * The shared request budget had no free request within its wait: nothing was sent. Named
 * `ExchangeRateLimitedError`, as the exchange's own 429 is, because the workflow treats both
 * alike (it retries them by that name); the class tells the breaker that the exchange was not
 * asked.
 */
export class RequestBudgetExhaustedError extends ExchangeRateLimitedError {}

type Outcome = 'success' | 'failure' | 'neutral';

/**
 * How a call's outcome counts for the breaker: an answer, even a refusal, is a success; a
 * failure of the exchange (unreachable, 5xx, unknown outcome, refused key) a failure; and what
 * says nothing about the exchange's health is neutral: rate limits (ours or the exchange's), a
 * refused Kraken nonce (a race between our own requests), a look-up stopped at its bounds, our
 * shared state or credentials secret being unreachable.
 */
export function breakerOutcome(error: unknown): Outcome {
  if (error === undefined || error instanceof ExchangeRejectedError) return 'success';
  if (
    error instanceof ExchangeRateLimitedError ||
    error instanceof ExchangeNonceError ||
    error instanceof ExchangeLookupIncompleteError ||
    error instanceof ExchangeStateUnavailableError ||
    error instanceof ExchangeCredentialsUnavailableError
  )
    return 'neutral';
  return 'failure';
}

/** Our own guard stopped the call before the exchange could be asked anything conclusive. */
function refusedByGuard(error: unknown): boolean {
  return (
    error instanceof RequestBudgetExhaustedError ||
    error instanceof ExchangeStateUnavailableError ||
    error instanceof ExchangeCredentialsUnavailableError
  );
}

export interface GuardOptions {
  readonly dynamodb: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Epoch milliseconds; the Lambdas' clock. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string }).name === 'ConditionalCheckFailedException'
  );
}

/**
 * One UpdateItem on an item of the shared state: its attributes as `returnValues` asks, or null
 * when `condition` failed. Any other error is thrown as DynamoDB gave it.
 */
async function updateState(
  options: GuardOptions,
  key: { pk: string },
  update: {
    readonly expression: string;
    readonly values: Record<string, unknown>;
    readonly condition?: string;
    readonly names?: Record<string, string>;
    readonly returnValues: 'ALL_NEW' | 'UPDATED_NEW';
  },
): Promise<Record<string, unknown> | null> {
  try {
    const { Attributes } = await options.dynamodb.send(
      new UpdateCommand({
        TableName: options.tableName,
        Key: key,
        UpdateExpression: update.expression,
        ...(update.condition === undefined ? {} : { ConditionExpression: update.condition }),
        ...(update.names === undefined ? {} : { ExpressionAttributeNames: update.names }),
        ExpressionAttributeValues: update.values,
        ReturnValues: update.returnValues,
      }),
    );
    return Attributes ?? {};
  } catch (error) {
    if (isConditionFailure(error)) return null;
    throw error;
  }
}

/**
 * How long an environment admits calls on the breaker state it last saw (read, or answered by
 * one of its own writes) before it reads the shared item again: a circuit another environment
 * opens stops this one's calls within this time, or at this environment's own next failure,
 * whichever comes first (a failure is written at once and answers the state).
 */
export const BREAKER_STATE_MAX_AGE_MS = 1000;

/**
 * The circuit breaker, shared through one item per exchange. Per call an environment costs, in
 * steady state, no request: it admits on the state it saw within {@link BREAKER_STATE_MAX_AGE_MS},
 * and keeps its successes in memory until it next refreshes that state, when one UpdateItem adds
 * them and answers the state (instead of a read). A failure, a probe and opening write at once.
 * The shared count of calls therefore lags each environment's successes by at most that age (the
 * last second of an environment that goes quiet is not counted at all): the failure share a
 * window opens at is, if anything, reached a little earlier, never later.
 */
export class SharedCircuitBreaker {
  readonly #options: GuardOptions;
  readonly #exchange: string;
  readonly #settings: BreakerSettings;
  readonly #key: { pk: string };
  readonly #maxAgeMs: number;
  /** The state this environment last saw, and when. */
  #seen: { state: BreakerState; at: number } | undefined;
  /** Successes this environment has not added to the shared count yet, and their window. */
  #pending = { window: 0, calls: 0 };

  constructor(
    exchange: string,
    options: GuardOptions,
    settings: BreakerSettings = DEFAULT_BREAKER,
    maxAgeMs: number = BREAKER_STATE_MAX_AGE_MS,
  ) {
    this.#options = options;
    this.#exchange = exchange;
    this.#settings = settings;
    this.#key = { pk: `breaker#${exchange}` };
    this.#maxAgeMs = maxAgeMs;
  }

  #remember(state: BreakerState | null): BreakerState | null {
    if (state !== null) this.#seen = { state, at: this.#now() };
    return state;
  }

  /** The successes kept for `window` (those of an earlier window no longer count), taken out. */
  #takePending(window: number): number {
    const calls = this.#pending.window === window ? this.#pending.calls : 0;
    this.#pending = { window, calls: 0 };
    return calls;
  }

  /**
   * Adds calls and failures to `window`'s count and answers the state: the first write of a window
   * starts it; a concurrent starter makes us count in its window.
   */
  async #count(window: number, calls: number, failures: number): Promise<BreakerState | null> {
    const add = () =>
      this.#update(
        'ADD calls :calls, failures :failures',
        { ':window': window, ':calls': calls, ':failures': failures },
        'windowStart = :window',
      );
    return (
      (await add()) ??
      (await this.#update(
        'SET windowStart = :window, calls = :calls, failures = :failures, #state = if_not_exists(#state, :closed), openUntil = if_not_exists(openUntil, :zero), probeUntil = if_not_exists(probeUntil, :zero)',
        {
          ':window': window,
          ':calls': calls,
          ':failures': failures,
          ':closed': 'CLOSED',
          ':zero': 0,
        },
        'attribute_not_exists(windowStart) OR windowStart < :window',
      )) ??
      (await add())
    );
  }

  /**
   * The state to admit on: the one last seen while it is fresh; otherwise the shared item, read
   * strongly consistent, or, with successes kept, updated with them (one request either way).
   */
  async #current(): Promise<BreakerState> {
    const now = this.#now();
    if (this.#seen !== undefined && now - this.#seen.at < this.#maxAgeMs) return this.#seen.state;
    const window = windowOf(now, this.#settings);
    const calls = this.#takePending(window);
    if (calls === 0) return this.read();
    try {
      const state = this.#remember(await this.#count(window, calls, 0));
      if (state !== null) return state;
    } catch (error) {
      this.#pending = { window, calls: this.#pending.calls + calls };
      throw new ExchangeStateUnavailableError(
        `reading the ${this.#exchange} circuit breaker`,
        error,
      );
    }
    return this.read();
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  async #update(
    update: string,
    values: Record<string, unknown>,
    condition?: string,
  ): Promise<BreakerState | null> {
    const attributes = await updateState(this.#options, this.#key, {
      expression: update,
      values,
      condition,
      // DynamoDB refuses names an expression does not use.
      names: `${update} ${condition ?? ''}`.includes('#state') ? { '#state': 'state' } : undefined,
      returnValues: 'ALL_NEW',
    });
    return attributes === null ? null : { ...CLOSED, ...(attributes as Partial<BreakerState>) };
  }

  /**
   * The shared state (strongly consistent: a fresh OPEN must stop the next call). Throws
   * {@link ExchangeStateUnavailableError} when DynamoDB cannot answer.
   */
  async read(): Promise<BreakerState> {
    try {
      const { Item } = await this.#options.dynamodb.send(
        new GetCommand({
          TableName: this.#options.tableName,
          Key: this.#key,
          ConsistentRead: true,
        }),
      );
      const state: BreakerState = { ...CLOSED, ...(Item as Partial<BreakerState> | undefined) };
      this.#remember(state);
      return state;
    } catch (error) {
      throw new ExchangeStateUnavailableError(
        `reading the ${this.#exchange} circuit breaker`,
        error,
      );
    }
  }

  /**
   * Lets a call through ('CALL' or, while open, the one 'PROBE'), or throws when open
   * ({@link ExchangeCircuitOpenError}) or when the shared state cannot be used
   * ({@link ExchangeStateUnavailableError}).
   */
  async admit(): Promise<'CALL' | 'PROBE'> {
    let state = await this.#current();
    const now = this.#now();
    const decision = admission(state, now);
    if (decision === 'CALL') return 'CALL';
    if (decision === 'PROBE') {
      let leased: BreakerState | null;
      try {
        leased = this.#remember(
          await this.#update(
            'SET probeUntil = :lease',
            {
              ':open': 'OPEN',
              ':now': now,
              ':lease': now + this.#settings.probeLeaseSeconds * 1000,
            },
            '#state = :open AND probeUntil <= :now',
          ),
        );
      } catch (error) {
        throw new ExchangeStateUnavailableError(`leasing the ${this.#exchange} probe`, error);
      }
      if (leased !== null) return 'PROBE';
      // Another probe has the lease, or has already closed the circuit: see which.
      state = await this.read();
      if (admission(state, now) === 'CALL') return 'CALL';
    }
    throw new ExchangeCircuitOpenError(this.#exchange, retryAfterSeconds(state, now));
  }

  /**
   * Counts a call's outcome; a probe's outcome closes or re-opens the circuit. A success is kept
   * in memory until this environment next refreshes the state; a failure is written at once, with
   * the successes kept, and may open the circuit.
   */
  async record(admitted: 'CALL' | 'PROBE', outcome: Outcome): Promise<void> {
    const now = this.#now();
    if (admitted === 'PROBE') {
      if (outcome === 'failure') {
        this.#remember(
          await this.#update(
            'SET openUntil = :until, probeUntil = :zero',
            { ':open': 'OPEN', ':until': now + this.#settings.openSeconds * 1000, ':zero': 0 },
            '#state = :open',
          ),
        );
      } else {
        this.#remember(
          await this.#update(
            'SET #state = :closed, windowStart = :window, calls = :zero, failures = :zero, openUntil = :zero, probeUntil = :zero',
            {
              ':open': 'OPEN',
              ':closed': 'CLOSED',
              ':window': windowOf(now, this.#settings),
              ':zero': 0,
            },
            '#state = :open',
          ),
        );
      }
      return;
    }
    if (outcome === 'neutral') return;
    const window = windowOf(now, this.#settings);
    const kept = this.#takePending(window);
    if (outcome === 'success') {
      this.#pending = { window, calls: kept + 1 };
      return;
    }
    let state: BreakerState | null;
    try {
      state = this.#remember(await this.#count(window, kept + 1, 1));
    } catch (error) {
      this.#pending = { window, calls: this.#pending.calls + kept };
      throw error;
    }
    if (
      state !== null &&
      state.state === 'CLOSED' &&
      tripped(state.calls, state.failures, this.#settings)
    ) {
      this.#remember(
        await this.#update(
          'SET #state = :open, openUntil = :until, probeUntil = :zero',
          {
            ':open': 'OPEN',
            ':closed': 'CLOSED',
            ':until': now + this.#settings.openSeconds * 1000,
            ':zero': 0,
          },
          '#state = :closed',
        ),
      );
    }
  }

  /** Gives a probe lease back unused (the call was never made). */
  async release(): Promise<void> {
    this.#remember(
      await this.#update(
        'SET probeUntil = :zero',
        { ':open': 'OPEN', ':zero': 0 },
        '#state = :open',
      ),
    );
  }
}

/** How long a budget counter is kept after its second (TTL deletes it some time later). */
const COUNTER_TTL_SECONDS = 300;

/** The shared request budget: one token per HTTP request, across every execution environment. */
export class SharedRateLimiter implements RequestBudget {
  readonly #options: GuardOptions;
  readonly #exchange: string;
  readonly #limit: number;
  readonly #maxWaitSeconds: number;
  /** The first second this environment has not seen full: where the search starts. */
  #hint = 0;

  constructor(exchange: string, limitPerSecond: number, options: GuardOptions, maxWaitSeconds = 8) {
    if (!Number.isInteger(limitPerSecond) || limitPerSecond < 1) {
      throw new RangeError(
        `the request budget must be a positive integer per second, not ${limitPerSecond}`,
      );
    }
    this.#options = options;
    this.#exchange = exchange;
    this.#limit = limitPerSecond;
    this.#maxWaitSeconds = maxWaitSeconds;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** {@link acquire}, as the adapters call it before each request. */
  take(): Promise<void> {
    return this.acquire();
  }

  /**
   * Takes one request from the budget, waiting for its turn. Throws, with nothing to send,
   * {@link RequestBudgetExhaustedError} when none is free within `maxWaitSeconds` and
   * {@link ExchangeStateUnavailableError} when DynamoDB cannot answer.
   */
  async acquire(): Promise<void> {
    const nowSecond = Math.floor(this.#now() / 1000);
    const last = nowSecond + this.#maxWaitSeconds;
    for (let second = Math.max(nowSecond, this.#hint); second <= last; second += 1) {
      let taken: Record<string, unknown> | null;
      try {
        taken = await updateState(
          this.#options,
          { pk: `rate#${this.#exchange}#${second}` },
          {
            expression: 'ADD used :one SET expiresAt = :expires',
            condition: 'attribute_not_exists(used) OR used < :limit',
            values: {
              ':one': 1,
              ':limit': this.#limit,
              ':expires': second + COUNTER_TTL_SECONDS,
            },
            returnValues: 'UPDATED_NEW',
          },
        );
      } catch (error) {
        throw new ExchangeStateUnavailableError(
          `taking from the ${this.#exchange} request budget`,
          error,
        );
      }
      if (taken === null) {
        this.#hint = second + 1;
        continue;
      }
      const used = (taken.used as number | undefined) ?? 1;
      // Spread the second's requests evenly over it rather than all at its start.
      const at = second * 1000 + Math.floor(((used - 1) * 1000) / this.#limit);
      const wait = at - this.#now();
      if (wait > 0) await (this.#options.sleep ?? sleep)(wait);
      return;
    }
    throw new RequestBudgetExhaustedError(
      `${this.#exchange}: the request budget of ${this.#limit}/s is taken for the next ${this.#maxWaitSeconds} s`,
      this.#maxWaitSeconds,
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Kraken nonces from one counter item per API key (`nonce#<name>`), shared by every environment.
 * Each draw is one atomic update that leaves the counter strictly above its previous value and
 * answers the new value, so no two draws, from whatever environment, ever get the same nonce, and
 * each draw gets more than every draw DynamoDB applied before it.
 *
 * The value follows the clock (milliseconds × 1000, as a lone process's nonce) whenever the clock
 * is ahead of the counter, so it stays above nonces an earlier version sent with the same key;
 * otherwise (two draws within one millisecond, or a clock behind another environment's) it is the
 * counter plus one. Requests still reach Kraken in an order of their own: the key's nonce window
 * absorbs that (README, Exchanges).
 */
export class SharedNonceCounter implements NonceSource {
  readonly #options: GuardOptions;
  readonly #key: { pk: string };
  readonly #name: string;

  /** `name`: the exchange and a digest of the API key, e.g. "kraken#3f2a...". */
  constructor(name: string, options: GuardOptions) {
    this.#options = options;
    this.#name = name;
    this.#key = { pk: `nonce#${name}` };
  }

  async #update(
    update: string,
    values: Record<string, unknown>,
    condition?: string,
  ): Promise<number | null> {
    let attributes: Record<string, unknown> | null;
    try {
      attributes = await updateState(this.#options, this.#key, {
        expression: update,
        values,
        condition,
        returnValues: 'UPDATED_NEW',
      });
    } catch (error) {
      throw new ExchangeStateUnavailableError(`drawing a ${this.#name} nonce`, error);
    }
    if (attributes === null) return null;
    const value = attributes.n as unknown;
    if (typeof value !== 'number' || !Number.isSafeInteger(value))
      throw new ExchangeStateUnavailableError(
        `drawing a ${this.#name} nonce`,
        new TypeError(`the nonce counter holds ${String(value)}, not a safe integer`),
      );
    return value;
  }

  async next(): Promise<number> {
    const clock = Math.floor((this.#options.now ?? Date.now)()) * 1000;
    const followed = await this.#update(
      'SET n = :clock',
      { ':clock': clock },
      'attribute_not_exists(n) OR n < :clock',
    );
    if (followed !== null) return followed;
    // Another draw got this microsecond or a later one first: one above the counter. Without a
    // condition this update cannot be refused, so it always answers a value.
    return (await this.#update('SET n = if_not_exists(n, :clock) + :one', {
      ':clock': clock,
      ':one': 1,
    })) as number;
  }
}

/**
 * An exchange whose every port call goes through the shared circuit breaker. The request budget
 * is not here: the adapter takes it per HTTP request.
 */
export class GuardedExchange implements Exchange {
  readonly name: string;
  readonly #inner: Exchange;
  readonly #breaker: SharedCircuitBreaker;
  readonly #onStateError: (error: unknown) => void;

  constructor(
    inner: Exchange,
    breaker: SharedCircuitBreaker,
    onStateError: (error: unknown) => void = () => undefined,
  ) {
    this.name = inner.name;
    this.#inner = inner;
    this.#breaker = breaker;
    this.#onStateError = onStateError;
  }

  async #call<T>(call: () => Promise<T>): Promise<T> {
    const admitted = await this.#breaker.admit();
    let result: T;
    try {
      result = await call();
    } catch (error) {
      // A probe our own guard stopped proved nothing about the exchange: give the lease back.
      const settle =
        admitted === 'PROBE' && refusedByGuard(error)
          ? this.#breaker.release()
          : this.#breaker.record(admitted, breakerOutcome(error));
      await settle.catch(this.#onStateError);
      throw error;
    }
    await this.#breaker.record(admitted, 'success').catch(this.#onStateError);
    return result;
  }

  market(currency: string): Promise<Market> {
    return this.#call(() => this.#inner.market(currency));
  }

  placeMarketBuy(order: MarketBuy): Promise<ExchangeOrder> {
    return this.#call(() => this.#inner.placeMarketBuy(order));
  }

  findOrder(
    clientOrderId: string,
    currency: string,
    notBefore: string,
  ): Promise<ExchangeOrder | null> {
    return this.#call(() => this.#inner.findOrder(clientOrderId, currency, notBefore));
  }

  ordersBetween(since: string, until: string): Promise<ExchangeOrder[]> {
    return this.#call(() => this.#inner.ordersBetween(since, until));
  }
}
