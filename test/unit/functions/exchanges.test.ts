/**
 * Choosing the exchange from the configuration: real exchanges take their API key from a secret,
 * read when first needed and again after it changes, and never at cold start.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExchangeUnavailableError, type Exchange, type ExchangeOrder } from '#domain/exchange.ts';
import {
  ExchangeConfigurationError,
  exchangeAdapter,
  SecretKeyedExchange,
} from '../../../functions/lib/exchanges.ts';
import { ExchangeCredentialsError } from '../../../functions/lib/exchanges/errors.ts';
import {
  countingBudget,
  described,
  fakeFetch,
  fixture,
  rejectionOf,
} from '../../fixtures/fake-fetch.ts';

const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1' }));
const SECRET_ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:spb/exchange-AbCdEf';

const coinbaseSecret = () => ({
  keyName: 'organizations/org-1/apiKeys/key-1',
  privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'sec1', format: 'pem' })
    .toString(),
});
const krakenSecret = () => ({
  apiKey: 'public-key',
  apiSecret: randomBytes(64).toString('base64'),
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('exchangeAdapter for real exchanges', () => {
  it.each([
    ['coinbase', coinbaseSecret()],
    ['kraken', krakenSecret()],
  ])(
    'builds %s from its secret, reading the secret only when a call needs it',
    async (kind, secret) => {
      const reads: string[] = [];
      const exchange = exchangeAdapter(
        dynamodb,
        { EXCHANGE: kind, EXCHANGE_SECRET_ARN: SECRET_ARN },
        async (arn) => {
          reads.push(arn);
          return secret;
        },
      );
      expect(exchange).toBeInstanceOf(SecretKeyedExchange);
      expect(exchange.name).toBe(kind);
      expect(reads).toEqual([]);
    },
  );

  it('requires the secret ARN', () => {
    expect(() => exchangeAdapter(dynamodb, { EXCHANGE: 'kraken' })).toThrow(
      'missing environment variables: EXCHANGE_SECRET_ARN',
    );
  });

  it('refuses an exchange it does not know', () => {
    expect(() => exchangeAdapter(dynamodb, { EXCHANGE: 'binance' })).toThrow(
      new ExchangeConfigurationError(
        'EXCHANGE must be paper, paper-http, coinbase or kraken, not binance',
      ),
    );
  });

  it('fails the call, not the cold start, on a malformed secret, without quoting it', async () => {
    const exchange = exchangeAdapter(
      dynamodb,
      { EXCHANGE: 'kraken', EXCHANGE_SECRET_ARN: SECRET_ARN },
      async () => ({ apiKey: 'public-key', apiSecret: 'not base64 at all!' }),
    );
    const error = await exchange.market('EUR').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExchangeCredentialsError);
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(String((error as Error).message)).not.toContain('not base64 at all!');
  });

  it('fails the call with ExchangeCredentialsUnavailableError when the secret cannot be read', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform GetSecretValue'), {
      name: 'AccessDeniedException',
    });
    const fake = fakeFetch({});
    vi.stubGlobal('fetch', fake.fetch);
    const exchange = exchangeAdapter(
      dynamodb,
      { EXCHANGE: 'coinbase', EXCHANGE_SECRET_ARN: SECRET_ARN },
      () => Promise.reject(denied),
    );
    const error = await rejectionOf(
      exchange.placeMarketBuy({ clientOrderId: 'c', currency: 'EUR', quoteMinor: 2500n }),
    );
    expect(fake.requests).toEqual([]);
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeCredentialsUnavailableError',
      message:
        'coinbase credentials: the secret could not be read (AccessDeniedException); nothing was sent',
    });
    expect((error as Error).cause).toBe(denied);
  });
});

describe('exchangeAdapter with the shared state', () => {
  it('gives Kraken the request budget and the nonce counter of its API key', async () => {
    const secret = krakenSecret();
    const fake = fakeFetch({
      'POST /0/private/OpenOrders': fixture('kraken', 'open-orders-empty'),
      'POST /0/private/ClosedOrders': fixture('kraken', 'closed-orders-empty'),
    });
    vi.stubGlobal('fetch', fake.fetch);
    const budget = countingBudget(() => fake.requests.length);
    const digests: string[] = [];
    let nonce = 1_000;
    const exchange = exchangeAdapter(
      dynamodb,
      { EXCHANGE: 'kraken', EXCHANGE_SECRET_ARN: SECRET_ARN },
      async () => secret,
      {
        budget: budget.budget,
        krakenNonces: (digest) => {
          digests.push(digest);
          return { next: async () => (nonce += 1) };
        },
      },
    );
    expect(await exchange.findOrder('c', 'EUR', '2027-01-04T09:00:00.000Z')).toEqual(null);
    expect(budget.takes).toEqual([0, 1]);
    expect(fake.requests.map((request) => new URLSearchParams(request.body).get('nonce'))).toEqual([
      '1001',
      '1002',
    ]);
    expect(digests).toEqual([
      createHash('sha256').update(secret.apiKey).digest('hex').slice(0, 16),
    ]);
  });

  it('gives Coinbase the request budget', async () => {
    const fake = fakeFetch({
      'GET /api/v3/brokerage/orders/historical/batch': fixture('coinbase', 'list-orders-empty'),
    });
    vi.stubGlobal('fetch', fake.fetch);
    const budget = countingBudget(() => fake.requests.length);
    const exchange = exchangeAdapter(
      dynamodb,
      { EXCHANGE: 'coinbase', EXCHANGE_SECRET_ARN: SECRET_ARN },
      async () => coinbaseSecret(),
      {
        budget: budget.budget,
        krakenNonces: () => ({ next: () => Promise.reject(new Error('no')) }),
      },
    );
    expect(await exchange.findOrder('c', 'EUR', '2027-01-04T09:00:00.000Z')).toEqual(null);
    expect([budget.takes, fake.requests.length]).toEqual([[0], 1]);
  });
});

describe('exchangeAdapter with the view-only key', () => {
  const READONLY_ARN =
    'arn:aws:secretsmanager:eu-central-1:123456789012:secret:spb/exchange/read-only-GhIjKl';

  it('reads the secret EXCHANGE_READONLY_SECRET_ARN names, never the trading key', async () => {
    const reads: string[] = [];
    const exchange = exchangeAdapter(
      dynamodb,
      {
        EXCHANGE: 'kraken',
        EXCHANGE_SECRET_ARN: SECRET_ARN,
        EXCHANGE_READONLY_SECRET_ARN: READONLY_ARN,
      },
      async (arn) => {
        reads.push(arn);
        // Not a usable key: the call stops before it reaches the network.
        return { apiKey: 'public-key', apiSecret: 'not base64 at all!' };
      },
      undefined,
      'EXCHANGE_READONLY_SECRET_ARN',
    );
    await expect(
      exchange.ordersBetween('2027-01-01T00:00:00Z', '2027-01-02T00:00:00Z'),
    ).rejects.toThrow(ExchangeCredentialsError);
    expect(reads).toEqual([READONLY_ARN]);
  });

  it('requires EXCHANGE_READONLY_SECRET_ARN, even where the trading key is set', () => {
    expect(() =>
      exchangeAdapter(
        dynamodb,
        { EXCHANGE: 'coinbase', EXCHANGE_SECRET_ARN: SECRET_ARN },
        async () => coinbaseSecret(),
        undefined,
        'EXCHANGE_READONLY_SECRET_ARN',
      ),
    ).toThrow('missing environment variables: EXCHANGE_READONLY_SECRET_ARN');
  });
});

describe('SecretKeyedExchange', () => {
  const order = { exchangeOrderId: 'x-1' } as ExchangeOrder;
  const fake = (label: string): Exchange => ({
    name: label,
    market: async () => {
      throw new Error(label);
    },
    placeMarketBuy: async () => ({ ...order, clientOrderId: label }),
    findOrder: async () => ({ ...order, clientOrderId: label }),
    ordersBetween: async () => [{ ...order, clientOrderId: label }],
  });

  it('builds the adapter once per key, and again when the key is rotated', async () => {
    let secret: unknown = { key: 'one' };
    const built: unknown[] = [];
    const exchange = new SecretKeyedExchange(
      'kraken',
      async () => secret,
      (value) => {
        built.push(value);
        return fake(String((value as { key: string }).key));
      },
    );
    expect((await exchange.findOrder('c', 'EUR', '2027-01-04T09:00:00.000Z'))?.clientOrderId).toBe(
      'one',
    );
    expect((await exchange.ordersBetween('a', 'b'))[0]?.clientOrderId).toBe('one');
    secret = { key: 'two' };
    expect(
      (await exchange.placeMarketBuy({ clientOrderId: 'c', currency: 'EUR', quoteMinor: 1n }))
        .clientOrderId,
    ).toBe('two');
    await expect(exchange.market('EUR')).rejects.toThrow('two');
    expect(built).toEqual([{ key: 'one' }, { key: 'two' }]);
  });
});
