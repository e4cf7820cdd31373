/**
 * What stands between every execution and an exchange: a circuit breaker and a request budget,
 * both shared through DynamoDB (`exchangeStateTable`) so that a thousand concurrent executions
 * behave as one careful client.
 *
 * - The breaker (rules in `domain/circuit-breaker.ts`) stops calling an exchange that is failing,
 *   fails fast while open ({@link ExchangeCircuitOpenError}) and lets one probe through at a time.
 * - The budget hands out at most `limitPerSecond` requests per second across all executions and
 *   paces them evenly within the second, so bursts queue in front of the exchange instead of
 *   turning into 429s. A caller that finds no room within `maxWaitSeconds` gets
 *   {@link ExchangeRateLimitedError} without anything being sent: the workflow retries it later.
 *
 * One item per exchange holds the breaker: every call reads it and writes its count. The budget
 * caps calls at the exchange's own rate limit (tens per second), far below a DynamoDB item's
 * 1,000 writes per second.
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

/** The breaker is open: nothing was sent to the exchange. */
export class ExchangeCircuitOpenError extends ExchangeUnavailableError {
  readonly retryAfterSeconds: number;

  constructor(exchange: string, retryAfter: number) {
    super(`${exchange} is failing; calls are paused for ${retryAfter} s (circuit open)`);
    this.name = 'ExchangeCircuitOpenError';
    this.retryAfterSeconds = retryAfter;
  }
}

type Outcome = 'success' | 'failure' | 'neutral';

/** How a call's outcome counts for the breaker. */
export function breakerOutcome(error: unknown): Outcome {
  if (error === undefined || error instanceof ExchangeRejectedError) return 'success';
  if (error instanceof ExchangeRateLimitedError) return 'neutral';
  return 'failure';
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

export class SharedCircuitBreaker {
  readonly #options: GuardOptions;
  readonly #exchange: string;
  readonly #settings: BreakerSettings;
  readonly #key: { pk: string };

  constructor(
    exchange: string,
    options: GuardOptions,
    settings: BreakerSettings = DEFAULT_BREAKER,
  ) {
    this.#options = options;
    this.#exchange = exchange;
    this.#settings = settings;
    this.#key = { pk: `breaker#${exchange}` };
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  async #update(
    update: string,
    values: Record<string, unknown>,
    condition?: string,
  ): Promise<BreakerState | null> {
    try {
      const { Attributes } = await this.#options.dynamodb.send(
        new UpdateCommand({
          TableName: this.#options.tableName,
          Key: this.#key,
          UpdateExpression: update,
          ...(condition === undefined ? {} : { ConditionExpression: condition }),
          // DynamoDB refuses names an expression does not use.
          ...(`${update} ${condition ?? ''}`.includes('#state')
            ? { ExpressionAttributeNames: { '#state': 'state' } }
            : {}),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { ...CLOSED, ...(Attributes as Partial<BreakerState>) };
    } catch (error) {
      if (isConditionFailure(error)) return null;
      throw error;
    }
  }

  /** The shared state (strongly consistent: a fresh OPEN must stop the next call). */
  async read(): Promise<BreakerState> {
    const { Item } = await this.#options.dynamodb.send(
      new GetCommand({ TableName: this.#options.tableName, Key: this.#key, ConsistentRead: true }),
    );
    return { ...CLOSED, ...(Item as Partial<BreakerState> | undefined) };
  }

  /** Lets a call through ('CALL' or, while open, the one 'PROBE'), or throws when open. */
  async admit(): Promise<'CALL' | 'PROBE'> {
    const state = await this.read();
    const now = this.#now();
    const decision = admission(state, now);
    if (decision === 'CALL') return 'CALL';
    if (decision === 'PROBE') {
      const leased = await this.#update(
        'SET probeUntil = :lease',
        {
          ':open': 'OPEN',
          ':now': now,
          ':lease': now + this.#settings.probeLeaseSeconds * 1000,
        },
        '#state = :open AND probeUntil <= :now',
      );
      if (leased !== null) return 'PROBE';
    }
    throw new ExchangeCircuitOpenError(this.#exchange, retryAfterSeconds(state, now));
  }

  /** Counts a call's outcome; a probe's outcome closes or re-opens the circuit. */
  async record(admitted: 'CALL' | 'PROBE', outcome: Outcome): Promise<void> {
    const now = this.#now();
    if (admitted === 'PROBE') {
      if (outcome === 'failure') {
        await this.#update(
          'SET openUntil = :until, probeUntil = :zero',
          { ':open': 'OPEN', ':until': now + this.#settings.openSeconds * 1000, ':zero': 0 },
          '#state = :open',
        );
      } else {
        await this.#update(
          'SET #state = :closed, windowStart = :window, calls = :zero, failures = :zero, openUntil = :zero, probeUntil = :zero',
          {
            ':open': 'OPEN',
            ':closed': 'CLOSED',
            ':window': windowOf(now, this.#settings),
            ':zero': 0,
          },
          '#state = :open',
        );
      }
      return;
    }
    if (outcome === 'neutral') return;
    const window = windowOf(now, this.#settings);
    const failed = outcome === 'failure' ? 1 : 0;
    const count = () =>
      this.#update(
        'ADD calls :one, failures :failed',
        { ':window': window, ':one': 1, ':failed': failed },
        'windowStart = :window',
      );
    // The first call of a window starts it; a concurrent starter makes us count in its window.
    const state =
      (await count()) ??
      (await this.#update(
        'SET windowStart = :window, calls = :one, failures = :failed, #state = if_not_exists(#state, :closed), openUntil = if_not_exists(openUntil, :zero), probeUntil = if_not_exists(probeUntil, :zero)',
        { ':window': window, ':one': 1, ':failed': failed, ':closed': 'CLOSED', ':zero': 0 },
        'attribute_not_exists(windowStart) OR windowStart < :window',
      )) ??
      (await count());
    if (
      failed === 1 &&
      state !== null &&
      state.state === 'CLOSED' &&
      tripped(state.calls, state.failures, this.#settings)
    ) {
      await this.#update(
        'SET #state = :open, openUntil = :until, probeUntil = :zero',
        {
          ':open': 'OPEN',
          ':closed': 'CLOSED',
          ':until': now + this.#settings.openSeconds * 1000,
          ':zero': 0,
        },
        '#state = :closed',
      );
    }
  }

  /** Gives a probe lease back unused (the call was never made). */
  async release(): Promise<void> {
    await this.#update('SET probeUntil = :zero', { ':open': 'OPEN', ':zero': 0 }, '#state = :open');
  }
}

/** How long a budget counter is kept after its second (TTL deletes it some time later). */
const COUNTER_TTL_SECONDS = 300;

export class SharedRateLimiter {
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

  /** Takes one request from the budget, waiting for its turn; throws when none is free soon. */
  async acquire(): Promise<void> {
    const nowSecond = Math.floor(this.#now() / 1000);
    const last = nowSecond + this.#maxWaitSeconds;
    for (let second = Math.max(nowSecond, this.#hint); second <= last; second += 1) {
      let used: number;
      try {
        const { Attributes } = await this.#options.dynamodb.send(
          new UpdateCommand({
            TableName: this.#options.tableName,
            Key: { pk: `rate#${this.#exchange}#${second}` },
            UpdateExpression: 'ADD used :one SET expiresAt = :expires',
            ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
            ExpressionAttributeValues: {
              ':one': 1,
              ':limit': this.#limit,
              ':expires': second + COUNTER_TTL_SECONDS,
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        used = (Attributes?.used as number | undefined) ?? 1;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        this.#hint = second + 1;
        continue;
      }
      // Spread the second's requests evenly over it rather than all at its start.
      const at = second * 1000 + Math.floor(((used - 1) * 1000) / this.#limit);
      const wait = at - this.#now();
      if (wait > 0) await (this.#options.sleep ?? sleep)(wait);
      return;
    }
    throw new ExchangeRateLimitedError(
      `${this.#exchange}: the request budget of ${this.#limit}/s is taken for the next ${this.#maxWaitSeconds} s`,
      this.#maxWaitSeconds,
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An exchange whose every call goes through the shared breaker and request budget. */
export class GuardedExchange implements Exchange {
  readonly name: string;
  readonly #inner: Exchange;
  readonly #breaker: SharedCircuitBreaker;
  readonly #limiter: SharedRateLimiter;
  readonly #onStateError: (error: unknown) => void;

  constructor(
    inner: Exchange,
    breaker: SharedCircuitBreaker,
    limiter: SharedRateLimiter,
    onStateError: (error: unknown) => void = () => undefined,
  ) {
    this.name = inner.name;
    this.#inner = inner;
    this.#breaker = breaker;
    this.#limiter = limiter;
    this.#onStateError = onStateError;
  }

  async #call<T>(call: () => Promise<T>): Promise<T> {
    const admitted = await this.#breaker.admit();
    try {
      await this.#limiter.acquire();
    } catch (error) {
      if (admitted === 'PROBE') await this.#breaker.release().catch(this.#onStateError);
      throw error;
    }
    let result: T;
    try {
      result = await call();
    } catch (error) {
      await this.#breaker.record(admitted, breakerOutcome(error)).catch(this.#onStateError);
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

  findOrder(clientOrderId: string, currency: string): Promise<ExchangeOrder | null> {
    return this.#call(() => this.#inner.findOrder(clientOrderId, currency));
  }

  ordersBetween(since: string, until: string): Promise<ExchangeOrder[]> {
    return this.#call(() => this.#inner.ordersBetween(since, until));
  }
}
