/**
 * The order Lambda's business metrics, as the alarms read them (`APP_METRICS['place-order']`):
 * the handler runs in-process against DynamoDB Local and an exchange that answers over HTTP as
 * the paper exchange does (here: as the test tells it), and its EMF output is read back. An order
 * refused as overspend counts `OverspendBlocked`, on a fresh order and on a read-back alike; a
 * call the open circuit refuses counts `BreakerRejections`; a normal fill counts neither.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOrderIdFor } from '#domain/ids.ts';
import { ensureTables, LOCAL_AWS } from '#local/services/dynamodb.ts';
import { BREAKER_STATE_MAX_AGE_MS } from '../../../functions/lib/exchange-guard.ts';
import { EXECUTION_STATUS } from '#shared/executions.ts';
import { APP_METRICS } from '#shared/monitoring/alarms.ts';
import {
  exchangeStateTable,
  executionsTable,
  idempotencyTable,
  ownerPlanKey,
} from '#shared/tables.ts';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';
import { emfEnvironment, lambdaContext, withEmf } from '../../support/emf.ts';

const SERVICE = 'savings-plan-buy-dev-place-order';
const prefix = `t${randomUUID().slice(0, 8)}`;
const endpoint = sharedDynamoDbEndpoint();
const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
const dynamodb = DynamoDBDocumentClient.from(client);

/** How much the exchange says each order spent, as a decimal string (the test decides). */
let spends = (quote: string) => quote;
const orders = new Map<string, Record<string, string>>();

/** The paper exchange's HTTP API, as far as the order Lambda uses it. */
const exchange: Server = createServer((request, response) => {
  const answer = (status: number, body?: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body === undefined ? '' : JSON.stringify(body));
  };
  const url = new URL(request.url ?? '/', 'http://exchange');
  if (request.method === 'GET' && url.pathname === '/markets/EUR') {
    answer(200, {
      price: '46000.00',
      feeRate: '0.006',
      minQuote: '1.00',
      minBase: '0.00001',
      quoteIncrement: '0.01',
      baseIncrement: '0.00000001',
    });
    return;
  }
  if (request.method === 'GET' && url.pathname === '/orders') {
    const order = orders.get(url.searchParams.get('clientOrderId') ?? '');
    answer(order === undefined ? 404 : 200, order);
    return;
  }
  if (request.method === 'POST' && url.pathname === '/orders') {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const { clientOrderId, quote } = JSON.parse(text) as { clientOrderId: string; quote: string };
      const order = {
        orderId: `order-${orders.size + 1}`,
        clientOrderId,
        currency: 'EUR',
        status: 'FILLED',
        quote,
        filledSize: '0.00054000',
        spent: spends(quote),
        fee: '0.15',
        averagePrice: '46000.00',
        createdAt: new Date().toISOString(),
      };
      orders.set(clientOrderId, order);
      answer(200, order);
    });
    return;
  }
  answer(404, { message: `no route ${request.method} ${url.pathname}` });
});
await new Promise<void>((resolve) => exchange.listen(0, '127.0.0.1', resolve));

Object.assign(process.env, {
  EXECUTIONS_TABLE: `${prefix}-executions`,
  IDEMPOTENCY_TABLE: `${prefix}-idempotency`,
  EXCHANGE_STATE_TABLE: `${prefix}-exchange-state`,
  PURCHASE_WINDOW_SECONDS: String(24 * 60 * 60),
  EXCHANGE: 'paper-http',
  PAPER_EXCHANGE_URL: `http://127.0.0.1:${(exchange.address() as AddressInfo).port}`,
  EXCHANGE_RATE_LIMIT_PER_SECOND: '100',
  AWS_REGION: LOCAL_AWS.region,
  AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
});
emfEnvironment(SERVICE);
const { handler } = await import('../../../functions/place-order/handler.ts');

beforeAll(async () => {
  await ensureTables(client, [
    { table: executionsTable, name: `${prefix}-executions` },
    { table: idempotencyTable, name: `${prefix}-idempotency` },
    { table: exchangeStateTable, name: `${prefix}-exchange-state` },
  ]);
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => exchange.close(resolve));
});

/** A slot decided a minute ago, its run recorded with `status`; the order event for it. */
async function decidedRun(status: string = EXECUTION_STATUS.PENDING) {
  const planId = randomUUID();
  const userId = `user-${planId.slice(0, 8)}`;
  const scheduledFor = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await dynamodb.send(
    new PutCommand({
      TableName: `${prefix}-executions`,
      Item: {
        ownerPlan: ownerPlanKey(userId, planId),
        scheduledFor,
        status,
        amount: '25.00',
        currency: 'EUR',
      },
    }),
  );
  return {
    planId,
    userId,
    scheduledFor,
    clientOrderId: clientOrderIdFor(planId, scheduledFor),
    amount: '25.00',
    currency: 'EUR',
  };
}

const place = (event: Awaited<ReturnType<typeof decidedRun>>, readBack?: boolean) =>
  withEmf(() =>
    handler(readBack === true ? { ...event, readBack } : event, lambdaContext(SERVICE)),
  );

const published = (values: Record<string, number>) => [
  { namespace: 'SavingsPlanBuy', dimensions: { service: SERVICE }, values },
];

async function statusOf(event: { userId: string; planId: string; scheduledFor: string }) {
  const { Item } = await dynamodb.send(
    new GetCommand({
      TableName: `${prefix}-executions`,
      Key: {
        ownerPlan: ownerPlanKey(event.userId, event.planId),
        scheduledFor: event.scheduledFor,
      },
      ConsistentRead: true,
    }),
  );
  return Item?.status as string | undefined;
}

describe("the order Lambda's business metrics", () => {
  it('are the names the alarm catalog reads', () => {
    expect(APP_METRICS['place-order']).toEqual({
      overspend: 'OverspendBlocked',
      breakerOpen: 'BreakerRejections',
    });
  });

  it('count nothing but the fill for an order filled within the amount', async () => {
    const { result, emf } = await place(await decidedRun());
    expect(result).toMatchObject({ outcome: 'FILLED', spent: '2500' });
    expect(emf).toEqual(published({ Orders_FILLED: 1 }));
  });

  it('count OverspendBlocked once when the exchange reports spending more than the amount', async () => {
    spends = () => '25.01';
    try {
      const run = await decidedRun();
      const { error, emf } = await place(run);
      expect((error as Error).name).toBe('OverspendError');
      expect(emf).toEqual(published({ OverspendBlocked: 1 }));
    } finally {
      spends = (quote) => quote;
    }
  });

  it('count OverspendBlocked when a read-back finds an order that spent more than the amount', async () => {
    const run = await decidedRun(EXECUTION_STATUS.SUBMITTED);
    orders.set(run.clientOrderId, {
      orderId: 'order-overspent',
      clientOrderId: run.clientOrderId,
      currency: 'EUR',
      status: 'FILLED',
      quote: '25.00',
      filledSize: '0.00054000',
      spent: '26.00',
      fee: '0.15',
      averagePrice: '46000.00',
      createdAt: new Date().toISOString(),
    });
    const { error, emf } = await place(run, true);
    expect((error as Error).name).toBe('OverspendError');
    expect(emf).toEqual(published({ OrdersRecovered: 1, OverspendBlocked: 1 }));
  });

  it('count BreakerRejections when the open circuit refuses the call, and leave the run PENDING', async () => {
    const breaker = { pk: 'breaker#paper' };
    await dynamodb.send(
      new PutCommand({
        TableName: `${prefix}-exchange-state`,
        Item: {
          ...breaker,
          state: 'OPEN',
          windowStart: 0,
          calls: 0,
          failures: 0,
          openUntil: Date.now() + 10 * 60_000,
          probeUntil: 0,
        },
      }),
    );
    try {
      const run = await decidedRun();
      // An environment admits on the breaker state it saw within the last second: the circuit
      // opened elsewhere stops it once that second is over.
      await new Promise((resolve) => setTimeout(resolve, BREAKER_STATE_MAX_AGE_MS + 100));
      const ordersBefore = orders.size;
      const { error, emf } = await place(run);
      expect((error as Error).name).toBe('ExchangeCircuitOpenError');
      expect(emf).toEqual(published({ BreakerRejections: 1 }));
      expect(orders.size).toBe(ordersBefore);
      expect(await statusOf(run)).toBe(EXECUTION_STATUS.PENDING);
    } finally {
      await dynamodb.send(
        new DeleteCommand({ TableName: `${prefix}-exchange-state`, Key: breaker }),
      );
    }
  });
});
