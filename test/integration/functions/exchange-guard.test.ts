/**
 * The shared circuit breaker and request budget, against DynamoDB Local: what every execution
 * sees is one state per exchange, whichever environment wrote it. Time is a fake clock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';
import { DEFAULT_BREAKER } from '#domain/circuit-breaker.ts';
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type Exchange,
  type ExchangeOrder,
} from '#domain/exchange.ts';
import { ensureTables, LOCAL_AWS } from '#local/services/dynamodb.ts';
import { exchangeStateTable } from '#shared/tables.ts';
import {
  BREAKER_STATE_MAX_AGE_MS,
  breakerOutcome,
  ExchangeCircuitOpenError,
  ExchangeStateUnavailableError,
  GuardedExchange,
  RequestBudgetExhaustedError,
  SharedCircuitBreaker,
  SharedNonceCounter,
  SharedRateLimiter,
} from '../../../functions/lib/exchange-guard.ts';
import {
  ExchangeAuthenticationError,
  ExchangeCredentialsError,
  ExchangeCredentialsUnavailableError,
  ExchangeLookupIncompleteError,
  ExchangeNonceError,
} from '../../../functions/lib/exchanges/errors.ts';
import {
  KRAKEN_URL,
  KrakenExchange,
  parseKrakenCredentials,
} from '../../../functions/lib/exchanges/kraken.ts';
import { MarketCache } from '../../../functions/lib/market-cache.ts';
import {
  described,
  fakeFetch,
  fixture,
  rejectionOf,
  type SentRequest,
} from '../../fixtures/fake-fetch.ts';

const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: sharedDynamoDbEndpoint() });
const dynamodb = DynamoDBDocumentClient.from(client);
const tableName = `t${randomUUID().slice(0, 8)}-exchange-state`;
const START = Date.parse('2027-01-04T09:00:00.000Z');
const SLOT = '2027-01-04T09:00:00.000Z';

const krakenCredentials = parseKrakenCredentials({
  apiKey: 'public-key',
  apiSecret: randomBytes(64).toString('base64'),
});
const ASSET_PAIRS = 'GET /0/public/AssetPairs';
const TICKER = 'GET /0/public/Ticker';
const TRADE_VOLUME = 'POST /0/private/TradeVolume';
const ADD_ORDER = 'POST /0/private/AddOrder';
const QUERY_ORDERS = 'POST /0/private/QueryOrders';
const OPEN_ORDERS = 'POST /0/private/OpenOrders';

let now = START;
let exchange: string;
const options = () => ({
  dynamodb,
  tableName,
  now: () => now,
  sleep: async (ms: number) => {
    now += ms;
  },
});

beforeAll(async () => {
  await ensureTables(client, [{ table: exchangeStateTable, name: tableName }]);
});

afterAll(() => client.destroy());

beforeEach(() => {
  now = START;
  // Each test its own exchange name: its own breaker and counters.
  exchange = `x-${randomUUID().slice(0, 8)}`;
});

describe('SharedCircuitBreaker', () => {
  it('lets calls through while closed', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    expect(await breaker.admit()).toBe('CALL');
    expect(await breaker.read()).toMatchObject({ state: 'CLOSED' });
  });

  it('opens when a window holds at least 5 failures that are at least half its calls', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'success');
    for (let call = 0; call < 4; call += 1) await breaker.record('CALL', 'failure');
    expect((await breaker.read()).state).toBe('CLOSED');
    await breaker.record('CALL', 'failure');
    expect(await breaker.read()).toEqual({
      pk: `breaker#${exchange}`,
      state: 'OPEN',
      windowStart: Math.floor(START / 30_000) * 30_000,
      calls: 10,
      failures: 5,
      openUntil: START + DEFAULT_BREAKER.openSeconds * 1000,
      probeUntil: 0,
    });
  });

  it('does not open on a few failures among many calls', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 20; call += 1) await breaker.record('CALL', 'success');
    for (let call = 0; call < 8; call += 1) await breaker.record('CALL', 'failure');
    expect((await breaker.read()).state).toBe('CLOSED');
  });

  it('counts each window on its own', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 4; call += 1) await breaker.record('CALL', 'failure');
    now += DEFAULT_BREAKER.windowSeconds * 1000;
    for (let call = 0; call < 4; call += 1) await breaker.record('CALL', 'failure');
    expect(await breaker.read()).toMatchObject({ state: 'CLOSED', calls: 4, failures: 4 });
  });

  it('fails fast while open, telling how long to wait, for every environment', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'failure');
    now += 10_000;
    const another = new SharedCircuitBreaker(exchange, options());
    const error = await another.admit().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExchangeCircuitOpenError);
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(error).toMatchObject({
      name: 'ExchangeCircuitOpenError',
      message: `${exchange} is failing; calls are paused for 20 s (circuit open)`,
      retryAfterSeconds: 20,
    });
  });

  it('lets exactly one probe through after the open period, and closes when it succeeds', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'failure');
    now += DEFAULT_BREAKER.openSeconds * 1000;
    const admitted = await Promise.allSettled([breaker.admit(), breaker.admit(), breaker.admit()]);
    expect(admitted.filter((result) => result.status === 'fulfilled')).toEqual([
      { status: 'fulfilled', value: 'PROBE' },
    ]);
    await breaker.record('PROBE', 'success');
    expect(await breaker.read()).toMatchObject({ state: 'CLOSED', calls: 0, failures: 0 });
    expect(await breaker.admit()).toBe('CALL');
  });

  it('opens for another period when the probe fails', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'failure');
    now += DEFAULT_BREAKER.openSeconds * 1000;
    expect(await breaker.admit()).toBe('PROBE');
    await breaker.record('PROBE', 'failure');
    expect(await breaker.read()).toMatchObject({
      state: 'OPEN',
      openUntil: now + DEFAULT_BREAKER.openSeconds * 1000,
      probeUntil: 0,
    });
    await expect(breaker.admit()).rejects.toThrow(ExchangeCircuitOpenError);
  });

  it('lets another probe through when one dies with its lease', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'failure');
    now += DEFAULT_BREAKER.openSeconds * 1000;
    expect(await breaker.admit()).toBe('PROBE');
    await expect(breaker.admit()).rejects.toThrow(ExchangeCircuitOpenError);
    now += DEFAULT_BREAKER.probeLeaseSeconds * 1000;
    expect(await breaker.admit()).toBe('PROBE');
  });

  it.each([
    [undefined, 'success'],
    [new ExchangeRejectedError('INSUFFICIENT_FUNDS', 'no money'), 'success'],
    [new ExchangeRateLimitedError('slow down'), 'neutral'],
    [new RequestBudgetExhaustedError('budget taken', 8), 'neutral'],
    [new ExchangeNonceError('EAPI:Invalid nonce on POST /0/private/AddOrder'), 'neutral'],
    [new ExchangeLookupIncompleteError('stopped at 10 pages'), 'neutral'],
    [new ExchangeStateUnavailableError('reading', new Error('throttled')), 'neutral'],
    [new ExchangeCredentialsUnavailableError('kraken', new Error('throttled')), 'neutral'],
    [new ExchangeAuthenticationError('kraken', 'EAPI:Invalid key'), 'failure'],
    [new ExchangeCredentialsError('Kraken credentials: the secret is not JSON'), 'failure'],
    [new ExchangeUnavailableError('down'), 'failure'],
    [new ExchangeUnknownOutcomeError('timed out'), 'failure'],
    [new Error('bug'), 'failure'],
  ])('counts %s as a %s', (error, outcome) => {
    expect(breakerOutcome(error)).toBe(outcome);
  });
});

/** A document client that counts the requests it sends, by command. */
function countingClient() {
  const sent: string[] = [];
  const counting = {
    send: (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return dynamodb.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { counting, sent };
}

describe('SharedCircuitBreaker, each environment keeping the state it saw for a second', () => {
  it('stops every environment within a second of another one opening the circuit', async () => {
    const calling = new SharedCircuitBreaker(exchange, options());
    expect(await calling.admit()).toBe('CALL');
    const failing = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await failing.record('CALL', 'failure');
    expect((await failing.read()).state).toBe('OPEN');
    now += BREAKER_STATE_MAX_AGE_MS - 1;
    expect(await calling.admit()).toBe('CALL');
    now += 1;
    await expect(calling.admit()).rejects.toThrow(ExchangeCircuitOpenError);
  });

  it('stops an environment at its own next failure, before the second is over', async () => {
    const calling = new SharedCircuitBreaker(exchange, options());
    expect(await calling.admit()).toBe('CALL');
    const failing = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await failing.record('CALL', 'failure');
    await calling.record('CALL', 'failure');
    await expect(calling.admit()).rejects.toThrow(ExchangeCircuitOpenError);
  });

  it('sends one request a second while calling: the refresh adds the successes kept since', async () => {
    const { counting, sent } = countingClient();
    const breaker = new SharedCircuitBreaker(exchange, { ...options(), dynamodb: counting });
    for (let call = 0; call < 10; call += 1) {
      expect(await breaker.admit()).toBe('CALL');
      await breaker.record('CALL', 'success');
      now += 90;
    }
    expect(sent).toEqual(['GetCommand']);
    now += 100;
    expect(await breaker.admit()).toBe('CALL');
    // One refresh; the first count of a window also starts it (its ADD finds no window): two.
    expect(sent).toEqual(['GetCommand', 'UpdateCommand', 'UpdateCommand']);
    now += BREAKER_STATE_MAX_AGE_MS;
    await breaker.record('CALL', 'success');
    expect(await breaker.admit()).toBe('CALL');
    expect(sent).toEqual(['GetCommand', 'UpdateCommand', 'UpdateCommand', 'UpdateCommand']);
    expect(await new SharedCircuitBreaker(exchange, options()).read()).toMatchObject({
      state: 'CLOSED',
      calls: 11,
      failures: 0,
    });
  });

  it('writes a failure at once, with the successes kept, and opens on the exact share', async () => {
    const { counting, sent } = countingClient();
    const breaker = new SharedCircuitBreaker(exchange, { ...options(), dynamodb: counting });
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'success');
    await breaker.record('CALL', 'failure');
    expect(sent).toEqual(['UpdateCommand', 'UpdateCommand']);
    expect(await breaker.read()).toMatchObject({ state: 'CLOSED', calls: 6, failures: 1 });
    for (let call = 0; call < 4; call += 1) await breaker.record('CALL', 'failure');
    expect(await breaker.read()).toMatchObject({ state: 'OPEN', calls: 10, failures: 5 });
  });

  it('does not open on a few failures among many calls made by other environments', async () => {
    const healthy = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 20; call += 1) {
      await healthy.admit();
      await healthy.record('CALL', 'success');
    }
    now += BREAKER_STATE_MAX_AGE_MS;
    await healthy.admit();
    const failing = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 8; call += 1) await failing.record('CALL', 'failure');
    expect(await failing.read()).toMatchObject({ state: 'CLOSED', calls: 28, failures: 8 });
  });

  it('drops successes kept from a window that has ended', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'success');
    now += DEFAULT_BREAKER.windowSeconds * 1000;
    await breaker.record('CALL', 'failure');
    expect(await breaker.read()).toMatchObject({ calls: 1, failures: 1 });
  });

  it('admits a call at once when the probe it found due was already closed by another', async () => {
    const breaker = new SharedCircuitBreaker(exchange, options());
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'failure');
    now += DEFAULT_BREAKER.openSeconds * 1000;
    const prober = new SharedCircuitBreaker(exchange, options());
    expect(await prober.admit()).toBe('PROBE');
    await prober.record('PROBE', 'success');
    // `breaker` still holds the OPEN state it wrote: the lease fails, the fresh read says CLOSED.
    expect(await breaker.admit()).toBe('CALL');
  });
});

describe('SharedRateLimiter', () => {
  it('hands out at most the budget per second, paced evenly across it', async () => {
    const limiter = new SharedRateLimiter(exchange, 4, options());
    const starts: number[] = [];
    for (let call = 0; call < 10; call += 1) {
      await limiter.acquire();
      starts.push(now - START);
    }
    expect(starts).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250]);
  });

  it('shares the budget between environments', async () => {
    const one = new SharedRateLimiter(exchange, 2, options());
    const two = new SharedRateLimiter(exchange, 2, options());
    await one.acquire();
    await two.acquire();
    expect(now).toBe(START + 500);
    await one.acquire();
    expect(now).toBe(START + 1000);
  });

  it('refuses, without waiting, when the budget is taken for its whole wait', async () => {
    const limiter = new SharedRateLimiter(exchange, 1, options(), 2);
    for (let call = 0; call < 3; call += 1) await limiter.acquire();
    now = START;
    const error = await limiter.acquire().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestBudgetExhaustedError);
    expect(error).toBeInstanceOf(ExchangeRateLimitedError);
    // The workflow retries it by this name, as it does the exchange's own 429.
    expect(error).toMatchObject({
      name: 'ExchangeRateLimitedError',
      message: `${exchange}: the request budget of 1/s is taken for the next 2 s`,
      retryAfterSeconds: 2,
    });
    expect(now).toBe(START);
  });

  it('refuses a budget that is not a positive whole number', () => {
    expect(() => new SharedRateLimiter(exchange, 0, options())).toThrow(
      'the request budget must be a positive integer per second, not 0',
    );
  });
});

const ORDER: ExchangeOrder = {
  exchangeOrderId: 'x-1',
  clientOrderId: 'c-1',
  currency: 'EUR',
  status: 'FILLED',
  quoteMinor: 2500n,
  filledSats: 54_021n,
  spentMinor: 2500n,
  feeMinor: 15n,
  averagePriceMinor: 4_600_000n,
  createdAt: '2027-01-04T09:00:00.000Z',
};

/** An exchange whose calls fail with `failure` while it is set, and count themselves. */
function fakeExchange() {
  const state = { calls: 0, failure: null as Error | null };
  const call = async <T>(value: T): Promise<T> => {
    state.calls += 1;
    if (state.failure !== null) throw state.failure;
    return value;
  };
  const inner: Exchange = {
    name: exchange,
    market: (currency) =>
      call({
        currency,
        priceMinor: 4_600_000n,
        feeRate: '0.006',
        minQuoteMinor: 100n,
        minBaseSats: 1000n,
        quoteIncrementMinor: 1n,
        baseIncrementSats: 1n,
      }),
    placeMarketBuy: () => call(ORDER),
    findOrder: () => call(ORDER),
    ordersBetween: () => call([ORDER]),
  };
  return { inner, state };
}

describe('GuardedExchange', () => {
  it('stops calling an exchange that keeps failing, and calls it again after a good probe', async () => {
    const { inner, state } = fakeExchange();
    const guarded = new GuardedExchange(inner, new SharedCircuitBreaker(exchange, options()));
    state.failure = new ExchangeUnavailableError('down');
    for (let call = 0; call < 5; call += 1) {
      await expect(
        guarded.placeMarketBuy({ clientOrderId: 'c', currency: 'EUR', quoteMinor: 1n }),
      ).rejects.toThrow('down');
    }
    await expect(guarded.findOrder('c', 'EUR', SLOT)).rejects.toThrow(ExchangeCircuitOpenError);
    expect(state.calls).toBe(5);
    now += DEFAULT_BREAKER.openSeconds * 1000;
    state.failure = null;
    expect(await guarded.findOrder('c', 'EUR', SLOT)).toEqual(ORDER);
    expect(await guarded.ordersBetween('a', 'b')).toEqual([ORDER]);
    expect(state.calls).toBe(7);
  });

  it('counts refusals as answers from a healthy exchange', async () => {
    const { inner, state } = fakeExchange();
    const breaker = new SharedCircuitBreaker(exchange, options());
    const guarded = new GuardedExchange(inner, breaker);
    state.failure = new ExchangeRejectedError('INSUFFICIENT_FUNDS', 'no money');
    for (let call = 0; call < 10; call += 1) {
      await expect(guarded.market('EUR')).rejects.toThrow('no money');
    }
    // Successes are added to the shared count when the environment next refreshes its state.
    now += BREAKER_STATE_MAX_AGE_MS;
    expect(await breaker.admit()).toBe('CALL');
    expect(await breaker.read()).toMatchObject({ state: 'CLOSED', calls: 10, failures: 0 });
  });
});

describe('MarketCache', () => {
  it('asks the exchange for a market once per five minutes, and again after a failure', async () => {
    const { inner, state } = fakeExchange();
    const cache = new MarketCache(inner, 300_000, () => now);
    await cache.market('EUR');
    await cache.market('EUR');
    expect(state.calls).toBe(1);
    await cache.market('USD');
    expect(state.calls).toBe(2);
    now += 300_000;
    await cache.market('EUR');
    expect(state.calls).toBe(3);
    now += 300_000;
    state.failure = new ExchangeUnavailableError('down');
    await expect(cache.market('EUR')).rejects.toThrow('down');
    state.failure = null;
    await cache.market('EUR');
    expect(state.calls).toBe(5);
  });

  it('passes orders, lookups and listings straight through', async () => {
    const { inner, state } = fakeExchange();
    const cache = new MarketCache(inner, 300_000, () => now);
    await cache.placeMarketBuy({ clientOrderId: 'c', currency: 'EUR', quoteMinor: 1n });
    await cache.findOrder('c', 'EUR', SLOT);
    await cache.ordersBetween('a', 'b');
    expect(state.calls).toBe(3);
    expect(cache.name).toBe(exchange);
  });
});

describe('GuardedExchange and what proves nothing about the exchange', () => {
  it('gives a probe lease back when its own request budget stops it, so the circuit stays open', async () => {
    const { inner, state } = fakeExchange();
    const breaker = new SharedCircuitBreaker(exchange, options());
    const guarded = new GuardedExchange(inner, breaker);
    for (let call = 0; call < 5; call += 1) await breaker.record('CALL', 'failure');
    now += DEFAULT_BREAKER.openSeconds * 1000;
    state.failure = new RequestBudgetExhaustedError('budget taken', 8);
    await expect(guarded.market('EUR')).rejects.toThrow('budget taken');
    expect(await breaker.read()).toMatchObject({ state: 'OPEN', probeUntil: 0 });
    // The lease is free again at once: the next caller probes without waiting for it to lapse.
    expect(await breaker.admit()).toBe('PROBE');
  });

  it('keeps the circuit closed through refused nonces and budget waits, and opens it on refused keys', async () => {
    const { inner, state } = fakeExchange();
    const breaker = new SharedCircuitBreaker(exchange, options());
    const guarded = new GuardedExchange(inner, breaker);
    for (const failure of [
      new ExchangeNonceError('EAPI:Invalid nonce on POST /0/private/AddOrder'),
      new RequestBudgetExhaustedError('budget taken', 8),
    ]) {
      state.failure = failure;
      for (let call = 0; call < 10; call += 1) {
        await expect(
          guarded.placeMarketBuy({ clientOrderId: 'c', currency: 'EUR', quoteMinor: 1n }),
        ).rejects.toThrow(failure.message);
      }
    }
    expect((await breaker.read()).state).toBe('CLOSED');
    state.failure = new ExchangeAuthenticationError('kraken', 'EAPI:Invalid key');
    for (let call = 0; call < 5; call += 1) {
      await expect(guarded.findOrder('c', 'EUR', SLOT)).rejects.toThrow('EAPI:Invalid key');
    }
    expect((await breaker.read()).state).toBe('OPEN');
  });
});

describe('the shared state failing before anything is sent', () => {
  const missing = () => ({ ...options(), tableName: `${tableName}-missing` });

  it('throws ExchangeStateUnavailableError from the breaker, and never calls the exchange', async () => {
    const { inner, state } = fakeExchange();
    const guarded = new GuardedExchange(inner, new SharedCircuitBreaker(exchange, missing()));
    const error = await rejectionOf(
      guarded.placeMarketBuy({ clientOrderId: 'c', currency: 'EUR', quoteMinor: 1n }),
    );
    expect(error).toBeInstanceOf(ExchangeStateUnavailableError);
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeStateUnavailableError',
      message: `the shared exchange state could not be used (reading the ${exchange} circuit breaker: ResourceNotFoundException); nothing was sent`,
    });
    expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(state.calls).toBe(0);
  });

  it('throws ExchangeStateUnavailableError when the breaker item is throttled', async () => {
    const throttled = Object.assign(new Error('Throughput exceeds the current capacity.'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const failing = {
      send: () => Promise.reject(throttled),
    } as unknown as DynamoDBDocumentClient;
    const breaker = new SharedCircuitBreaker(exchange, { ...options(), dynamodb: failing });
    const error = await rejectionOf(breaker.admit());
    expect(described(error)).toEqual({
      name: 'ExchangeStateUnavailableError',
      message: `the shared exchange state could not be used (reading the ${exchange} circuit breaker: ProvisionedThroughputExceededException); nothing was sent`,
    });
    expect((error as Error).cause).toBe(throttled);
  });

  it('throws ExchangeStateUnavailableError from the request budget, so the adapter sends nothing', async () => {
    const fake = fakeFetch({});
    const kraken = new KrakenExchange({
      baseUrl: KRAKEN_URL,
      credentials: krakenCredentials,
      fetch: fake.fetch,
      budget: new SharedRateLimiter(exchange, 25, missing()),
    });
    const error = await rejectionOf(
      kraken.placeMarketBuy({ clientOrderId: 'c', currency: 'EUR', quoteMinor: 2500n }),
    );
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeStateUnavailableError',
      message: `the shared exchange state could not be used (taking from the ${exchange} request budget: ResourceNotFoundException); nothing was sent`,
    });
    expect(fake.requests).toEqual([]);
  });

  it('throws ExchangeStateUnavailableError from the nonce counter, so Kraken is sent nothing', async () => {
    const fake = fakeFetch({ [OPEN_ORDERS]: fixture('kraken', 'open-orders-pending') });
    const kraken = new KrakenExchange({
      baseUrl: KRAKEN_URL,
      credentials: krakenCredentials,
      fetch: fake.fetch,
      nonces: new SharedNonceCounter(`kraken#${exchange}`, missing()),
    });
    const error = await rejectionOf(kraken.findOrder('c', 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeStateUnavailableError',
      message: `the shared exchange state could not be used (drawing a kraken#${exchange} nonce: ResourceNotFoundException); nothing was sent`,
    });
    expect(fake.requests).toEqual([]);
  });
});

describe('the shared request budget, drawn by the adapters', () => {
  it('counts HTTP requests, not calls: a cold Kraken market read and an order take five tokens', async () => {
    const fake = fakeFetch({
      [ASSET_PAIRS]: fixture('kraken', 'asset-pairs-xbteur'),
      [TRADE_VOLUME]: fixture('kraken', 'trade-volume-xbteur'),
      [TICKER]: fixture('kraken', 'ticker-xbteur'),
      [ADD_ORDER]: fixture('kraken', 'add-order'),
      [QUERY_ORDERS]: fixture('kraken', 'query-orders-filled'),
    });
    const kraken = new GuardedExchange(
      new KrakenExchange({
        baseUrl: KRAKEN_URL,
        credentials: krakenCredentials,
        fetch: fake.fetch,
        now: () => now,
        budget: new SharedRateLimiter(exchange, 10, options()),
      }),
      new SharedCircuitBreaker(exchange, options()),
    );
    await kraken.market('EUR');
    await kraken.placeMarketBuy({ clientOrderId: 'c', currency: 'EUR', quoteMinor: 2500n });
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: { pk: `rate#${exchange}#${START / 1000}` } }),
    );
    expect([Item?.used, fake.requests.length]).toEqual([5, 5]);
    // Paced at 10 a second: the fifth request left 400 ms into the second.
    expect(now).toBe(START + 400);
  });
});

describe('SharedNonceCounter', () => {
  const nonceOf = (request: SentRequest) => Number(new URLSearchParams(request.body).get('nonce'));

  it('never gives two Lambda environments the same Kraken nonce, all drawing in one millisecond', async () => {
    const environments = Array.from({ length: 5 }, (_, index) => {
      const fake = fakeFetch({
        [OPEN_ORDERS]: Array.from({ length: 10 }, () => fixture('kraken', 'open-orders-pending')),
      });
      // Each environment its own adapter and counter client; three share one clock, two lag.
      const kraken = new KrakenExchange({
        baseUrl: KRAKEN_URL,
        credentials: krakenCredentials,
        fetch: fake.fetch,
        nonces: new SharedNonceCounter(`kraken#${exchange}`, {
          ...options(),
          now: () => (index % 2 === 0 ? START : START - 3),
        }),
      });
      return { kraken, fake };
    });
    await Promise.all(
      environments.flatMap(({ kraken }) =>
        Array.from({ length: 10 }, () => kraken.findOrder('c', 'EUR', SLOT)),
      ),
    );
    const nonces = environments.flatMap(({ fake }) => fake.requests.map(nonceOf));
    expect(nonces.length).toBe(50);
    expect(new Set(nonces).size).toBe(50);
    // At or above the slowest clock's nonce, and no higher than the fastest clock's plus the draws.
    expect(Math.min(...nonces)).toBeGreaterThanOrEqual((START - 3) * 1000);
    expect(Math.max(...nonces)).toBeLessThanOrEqual(START * 1000 + 49);
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: tableName, Key: { pk: `nonce#kraken#${exchange}` } }),
    );
    expect(Item).toEqual({ pk: `nonce#kraken#${exchange}`, n: Math.max(...nonces) });
  });

  it('issues each nonce above every nonce issued before it, whichever environment draws', async () => {
    const ahead = new SharedNonceCounter(`kraken#${exchange}`, { ...options(), now: () => now });
    const behind = new SharedNonceCounter(`kraken#${exchange}`, {
      ...options(),
      now: () => now - 5_000,
    });
    const drawn: number[] = [];
    for (let draw = 0; draw < 6; draw += 1) {
      drawn.push(await (draw % 2 === 0 ? ahead : behind).next());
      if (draw === 3) now += 1;
    }
    expect(drawn).toEqual([
      // The first draw starts at the clock: above what a single process sent before with the key.
      START * 1000,
      START * 1000 + 1,
      START * 1000 + 2,
      START * 1000 + 3,
      // A clock ahead of the counter is followed again.
      (START + 1) * 1000,
      (START + 1) * 1000 + 1,
    ]);
  });
});
