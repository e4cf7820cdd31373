/**
 * Choosing the exchange from the configuration: real exchanges take their API key from a secret,
 * read when first needed and again after it changes, and never at cold start.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Exchange, ExchangeOrder } from '#domain/exchange.ts';
import {
  ExchangeConfigurationError,
  exchangeAdapter,
  SecretKeyedExchange,
} from '../../functions/lib/exchanges.ts';
import { ExchangeCredentialsError } from '../../functions/lib/exchanges/errors.ts';

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
    expect(String((error as Error).message)).not.toContain('not base64 at all!');
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
    expect((await exchange.findOrder('c', 'EUR'))?.clientOrderId).toBe('one');
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
