/**
 * The recurring jobs publish the business metrics the alarm catalog reads from them
 * (`APP_METRICS`: the sweeper's missed runs, the completer's stale runs, reconciliation's
 * breaks), under their own `service` dimension, zero included when nothing happened: each job
 * runs in-process against DynamoDB Local (and a stand-in for the exchange's order listing and the
 * bus), and its EMF output is read back. Reconciliation counts the breaks it found even when
 * their events cannot be published.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables, LOCAL_AWS } from '#local/services/dynamodb.ts';
import { APP_METRICS } from '#shared/monitoring/alarms.ts';
import { exchangeStateTable, executionsTable, plansTable } from '#shared/tables.ts';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';
import { emfEnvironment, lambdaContext, withEmf, type EmfRecord } from '../../support/emf.ts';

const P = `t${randomUUID().slice(0, 8)}`;
const endpoint = sharedDynamoDbEndpoint();
const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
const DAY = '2027-01-03';

/** The orders the exchange lists, and whether the bus takes events (the test decides). */
let listedOrders: unknown[] = [];
let busAccepts = true;

/** The paper exchange's order listing and EventBridge's PutEvents, on one port. */
const stand: Server = createServer((request, response) => {
  const answer = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  };
  request.resume();
  request.on('end', () => {
    if (request.headers['x-amz-target'] === 'AWSEvents.PutEvents') {
      if (busAccepts) answer(200, { FailedEntryCount: 0, Entries: [{ EventId: randomUUID() }] });
      else answer(500, { __type: 'InternalException', message: 'the bus is down' });
      return;
    }
    if (request.method === 'GET' && (request.url ?? '').startsWith('/orders?since=')) {
      answer(200, listedOrders);
      return;
    }
    answer(404, { message: 'no such route' });
  });
});
await new Promise<void>((resolve) => stand.listen(0, '127.0.0.1', resolve));
const standUrl = `http://127.0.0.1:${(stand.address() as AddressInfo).port}`;

Object.assign(process.env, {
  PLANS_TABLE: `${P}-plans`,
  EXECUTIONS_TABLE: `${P}-executions`,
  EXCHANGE_STATE_TABLE: `${P}-exchange-state`,
  SCHEDULE_GROUP: `${P}-plans`,
  PURCHASE_STATE_MACHINE_ARN: 'arn:aws:states:eu-central-1:000000000000:stateMachine:p',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/scheduler',
  SCHEDULE_DLQ_ARN: 'arn:aws:sqs:eu-central-1:000000000000:plans-dlq',
  KMS_KEY_ARN: 'arn:aws:kms:eu-central-1:000000000000:key/k',
  EVENT_BUS_NAME: `${P}-events`,
  SWEEP_GRACE_SECONDS: String(20 * 60),
  RETRY_QUEUE_URL: `${standUrl}/000000000000/retries`,
  BLOCK_ORDERS_QUEUE_URL: `${standUrl}/000000000000/block-orders`,
  COMPLETER_SLA_SECONDS: String(30 * 60),
  EXCHANGE: 'paper-http',
  PAPER_EXCHANGE_URL: standUrl,
  EXCHANGE_RATE_LIMIT_PER_SECOND: '100',
  AWS_REGION: LOCAL_AWS.region,
  AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: endpoint,
  AWS_ENDPOINT_URL_EVENTBRIDGE: standUrl,
  AWS_ENDPOINT_URL_SQS: standUrl,
  AWS_ENDPOINT_URL_SCHEDULER: standUrl,
  AWS_MAX_ATTEMPTS: '1',
});

type Job = 'sweeper' | 'completer' | 'reconcile';
const service = (job: Job) => `${P}-${job}`;

/** Each job's handler, imported with its own service name (Powertools reads it at import). */
const handlers = {} as Record<
  Job,
  (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>
>;
for (const job of ['sweeper', 'completer', 'reconcile'] as const) {
  emfEnvironment(service(job));
  handlers[job] = (
    (await import(`../../../functions/${job}/handler.ts`)) as { handler: (typeof handlers)[Job] }
  ).handler;
}

beforeAll(async () => {
  await ensureTables(client, [
    { table: plansTable, name: `${P}-plans` },
    { table: executionsTable, name: `${P}-executions` },
    { table: exchangeStateTable, name: `${P}-exchange-state` },
  ]);
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => stand.close(resolve));
});

const run = (job: Job, event: unknown = {}) =>
  withEmf(() => handlers[job](event, lambdaContext(service(job))));

const published = (job: Job, values: Record<string, number>): EmfRecord[] => [
  { namespace: 'SavingsPlanBuy', dimensions: { service: service(job) }, values },
];

describe('the business metrics of the recurring jobs', () => {
  it('the sweeper publishes MissedRuns, zero when no run was missed', async () => {
    const { error, emf } = await run('sweeper');
    expect(error).toBeUndefined();
    expect(APP_METRICS.sweeper).toEqual({ missedRuns: 'MissedRuns' });
    expect(emf).toEqual(
      published('sweeper', {
        SweepFailures: 0,
        OverduePlans: 0,
        MissedRuns: 0,
        PlanResyncFailures: 0,
        PlansResynced: 0,
      }),
    );
  });

  it('the completer publishes StaleRuns, zero when no run is stuck', async () => {
    const { error, emf } = await run('completer');
    expect(error).toBeUndefined();
    expect(APP_METRICS.completer).toEqual({ staleRuns: 'StaleRuns' });
    expect(emf).toEqual(published('completer', { StaleRuns: 0 }));
  });

  it('reconciliation publishes ReconciliationBreaks, zero for a day that matches', async () => {
    listedOrders = [];
    const { error, emf } = await run('reconcile', { day: DAY });
    expect(error).toBeUndefined();
    expect(APP_METRICS.reconcile).toEqual({ breaks: 'ReconciliationBreaks' });
    expect(emf).toEqual(published('reconcile', { ReconciliationBreaks: 0 }));
  });

  it('reconciliation counts the breaks it found even when the bus refuses their events', async () => {
    listedOrders = [
      {
        orderId: 'order-without-ledger',
        clientOrderId: randomUUID(),
        currency: 'EUR',
        status: 'FILLED',
        quote: '25.00',
        filledSize: '0.00054000',
        spent: '25.00',
        fee: '0.15',
        averagePrice: '46000.00',
        createdAt: `${DAY}T09:00:01Z`,
      },
    ];
    busAccepts = false;
    try {
      const { error, emf } = await run('reconcile', { day: DAY });
      expect((error as Error).message).toContain('the bus is down');
      expect(emf).toEqual(published('reconcile', { ReconciliationBreaks: 1 }));
    } finally {
      busAccepts = true;
      listedOrders = [];
    }
  });
});
