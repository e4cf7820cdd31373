/** Cloud paper trading: the paper market's fills, with orders in a DynamoDB (Local) table. */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';
import { ExchangeRejectedError } from '#domain/exchange.ts';
import { paperSettingsWithPrices } from '#domain/paper-market.ts';
import { ensureTables, LOCAL_AWS } from '#local/services/dynamodb.ts';
import { exchangeStateTable, paperOrdersTable } from '#shared/tables.ts';
import { exchangeAdapter, exchangeFromEnvironment } from '../../../functions/lib/exchanges.ts';
import { MarketCache } from '../../../functions/lib/market-cache.ts';
import { PaperExchangeClient } from '../../../functions/lib/exchanges/paper-http.ts';
import { PaperTableExchange } from '../../../functions/lib/exchanges/paper-table.ts';

const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: sharedDynamoDbEndpoint() });
const tableName = `t${randomUUID().slice(0, 8)}-paper-orders`;
const stateTableName = `t${randomUUID().slice(0, 8)}-exchange-state`;
let exchange: PaperTableExchange;

beforeAll(async () => {
  await ensureTables(client, [
    { table: paperOrdersTable, name: tableName },
    { table: exchangeStateTable, name: stateTableName },
  ]);
  exchange = new PaperTableExchange(
    DynamoDBDocumentClient.from(client),
    tableName,
    paperSettingsWithPrices({ EUR: '46000.00', USD: '50000.00' }),
  );
});

afterAll(() => client.destroy());

describe('PaperTableExchange', () => {
  it('answers the market rules with the configured price', async () => {
    expect(await exchange.market('EUR')).toEqual({
      currency: 'EUR',
      priceMinor: 4_600_000n,
      feeRate: '0.006',
      minQuoteMinor: 100n,
      minBaseSats: 1000n,
      quoteIncrementMinor: 1n,
      baseIncrementSats: 1n,
    });
  });

  it('fills a market buy at the configured price and stores it', async () => {
    const order = await exchange.placeMarketBuy({
      clientOrderId: 'c-1',
      currency: 'EUR',
      quoteMinor: 2500n,
    });
    expect(order).toMatchObject({
      clientOrderId: 'c-1',
      currency: 'EUR',
      status: 'FILLED',
      quoteMinor: 2500n,
      filledSats: 54021n,
      spentMinor: 2500n,
      feeMinor: 15n,
      averagePriceMinor: 4_600_062n,
    });
    expect(await exchange.findOrder('c-1', 'EUR', '2027-01-04T09:00:00.000Z')).toEqual(order);
  });

  it('answers the first order again for a repeated client order id, without a second one', async () => {
    const first = await exchange.placeMarketBuy({
      clientOrderId: 'c-2',
      currency: 'USD',
      quoteMinor: 1000n,
    });
    const again = await exchange.placeMarketBuy({
      clientOrderId: 'c-2',
      currency: 'USD',
      quoteMinor: 1000n,
    });
    expect(again).toEqual(first);
  });

  it('refuses an order under the minimum and knows no order it never took', async () => {
    await expect(
      exchange.placeMarketBuy({ clientOrderId: 'c-3', currency: 'EUR', quoteMinor: 50n }),
    ).rejects.toEqual(
      new ExchangeRejectedError('BELOW_MINIMUM', 'The order is below the minimum of 1.00 EUR.'),
    );
    expect(await exchange.findOrder('c-3', 'EUR', '2027-01-04T09:00:00.000Z')).toBeNull();
    await expect(exchange.market('GBP')).rejects.toThrow('The exchange has no BTC-GBP market.');
  });
});

describe('exchangeAdapter', () => {
  const dynamodb = DynamoDBDocumentClient.from(client);

  it('picks the adapter the configuration names and checks its settings at cold start', () => {
    expect(
      exchangeAdapter(dynamodb, {
        EXCHANGE: 'paper-http',
        PAPER_EXCHANGE_URL: 'http://127.0.0.1:1/api',
      }),
    ).toBeInstanceOf(PaperExchangeClient);
    expect(
      exchangeAdapter(dynamodb, {
        EXCHANGE: 'paper',
        PAPER_ORDERS_TABLE: 'x-paper-orders',
        PAPER_SETTINGS: '{"prices":{"EUR":"46000.00"}}',
      }),
    ).toBeInstanceOf(PaperTableExchange);
    expect(() => exchangeAdapter(dynamodb, { EXCHANGE: 'paper' })).toThrow(
      'missing environment variables: PAPER_ORDERS_TABLE, PAPER_SETTINGS',
    );
    expect(() =>
      exchangeAdapter(dynamodb, {
        EXCHANGE: 'paper-http',
        PAPER_EXCHANGE_URL: 'http://127.0.0.1:1/api',
        PAPER_EXCHANGE_TIMEOUT_MS: 'soon',
      }),
    ).toThrow('PAPER_EXCHANGE_TIMEOUT_MS must be a positive whole number, not soon');
  });
});

describe('exchangeFromEnvironment', () => {
  it('puts the adapter behind the market cache, the breaker and the request budget', () => {
    const exchange = exchangeFromEnvironment(DynamoDBDocumentClient.from(client), undefined, {
      EXCHANGE: 'paper-http',
      PAPER_EXCHANGE_URL: 'http://127.0.0.1:1/api',
      EXCHANGE_STATE_TABLE: 'x-exchange-state',
      EXCHANGE_RATE_LIMIT_PER_SECOND: '25',
    });
    expect(exchange).toBeInstanceOf(MarketCache);
    expect(exchange.name).toBe('paper');
  });

  it('takes one token of the shared request budget per call on the paper table exchange', async () => {
    const dynamodb = DynamoDBDocumentClient.from(client);
    const paper = exchangeFromEnvironment(dynamodb, undefined, {
      EXCHANGE: 'paper',
      PAPER_ORDERS_TABLE: tableName,
      PAPER_SETTINGS: '{"prices":{"EUR":"46000.00"}}',
      EXCHANGE_STATE_TABLE: stateTableName,
      EXCHANGE_RATE_LIMIT_PER_SECOND: '1000',
    });
    await paper.market('EUR');
    // The market cache answers the second read: no call, no token.
    await paper.market('EUR');
    await paper.placeMarketBuy({ clientOrderId: 'c-budget', currency: 'EUR', quoteMinor: 2500n });
    await paper.findOrder('c-budget', 'EUR', '2027-01-04T09:00:00.000Z');
    const { Items } = await dynamodb.send(
      new ScanCommand({
        TableName: stateTableName,
        FilterExpression: 'begins_with(pk, :rate)',
        ExpressionAttributeValues: { ':rate': 'rate#paper#' },
      }),
    );
    expect((Items ?? []).reduce((sum, item) => sum + (item.used as number), 0)).toEqual(3);
  });

  it('requires the shared state table and a whole-number request budget', () => {
    const dynamodb = DynamoDBDocumentClient.from(client);
    const base = { EXCHANGE: 'paper-http', PAPER_EXCHANGE_URL: 'http://127.0.0.1:1/api' };
    expect(() => exchangeFromEnvironment(dynamodb, undefined, base)).toThrow(
      'missing environment variables: EXCHANGE_STATE_TABLE, EXCHANGE_RATE_LIMIT_PER_SECOND',
    );
    expect(() =>
      exchangeFromEnvironment(dynamodb, undefined, {
        ...base,
        EXCHANGE_STATE_TABLE: 'x',
        EXCHANGE_RATE_LIMIT_PER_SECOND: '2.5',
      }),
    ).toThrow('EXCHANGE_RATE_LIMIT_PER_SECOND must be a positive whole number, not 2.5');
  });
});
