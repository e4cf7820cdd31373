/**
 * The pre-traffic hook's harmless requests (`PRE_TRAFFIC_REQUESTS` in `shared/release.ts`) are
 * harmless: each released function's real handler, the bundle as deployed, running in the local
 * stack on DynamoDB Local with the stand-ins for everything else, answers its request exactly as
 * the hook expects, and afterwards no table, bus, queue, schedule, workflow, message or exchange
 * order has changed, and the exchange has not even been asked. The stack reaches DynamoDB Local
 * through a proxy that counts requests by operation, so that a write undone before the end (an
 * idempotency record taken and given back) shows too: no request writes at all.
 *
 * Once per execution mode: every stack deploys and releases every function, aggregated mode's
 * `join-block` and `block-worker` included, so each request must be harmless (and answered) in
 * a per-slot stack and in an aggregated one, the latter with a slot in a block whose order is
 * still to be placed.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import { startCountingProxy } from '#local/services/counting-proxy.ts';
import { LOCAL_AWS } from '#local/services/dynamodb.ts';
import { devStackConfig, type LocalStack } from '#local/stack.ts';
import type { ExecutionSettings } from '#shared/execution-settings.ts';
import { CANARY_FUNCTIONS } from '#shared/functions.ts';
import { PRE_TRAFFIC_REQUESTS } from '#shared/release.ts';
import { topology as deploymentTopology, type QueueKey } from '#shared/topology.ts';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

/** The stack's DynamoDB, through a proxy counting requests by operation since the stack started. */
const proxy = await startCountingProxy(sharedDynamoDbEndpoint());

const WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];

/** How many write requests DynamoDB has had so far. */
function writes(): number {
  return WRITES.reduce(
    (sum, operation) => sum + (proxy.counts.get(`DynamoDB_20120810.${operation}`) ?? 0),
    0,
  );
}

async function items(stack: LocalStack, table: string): Promise<unknown[]> {
  const found: unknown[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await stack.dynamodb.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    found.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start !== undefined);
  return found.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Everything a side effect could change, as the stand-ins hold it. */
async function everything(stack: LocalStack, topology: ReturnType<typeof deploymentTopology>) {
  const tables = await Promise.all(
    Object.entries(stack.tableNames).map(
      async ([key, name]) => [key, await items(stack, name)] as const,
    ),
  );
  return {
    tables: Object.fromEntries(tables),
    events: stack.eventBus.events(),
    // Without the visibility state, which the clock moves on its own.
    queues: Object.fromEntries(
      (Object.keys(topology.queues) as QueueKey[]).map((key) => [
        key,
        stack.sqs
          .messages(topology.queues[key].name)
          .map(({ messageId, body, receiveCount, sentAt }) => ({
            messageId,
            body,
            receiveCount,
            sentAt,
          })),
      ]),
    ),
    schedules: stack.scheduler.list(),
    deadLetters: stack.scheduler.deadLetters(),
    executions: stack.stateMachine.history(),
    outbox: stack.outbox.messages(),
    exchange: stack.exchange.state(),
  };
}

const SETTINGS: readonly ExecutionSettings[] = [
  { mode: 'per-slot' },
  { mode: 'aggregated', windowSeconds: 60, maxOrderMinor: {} },
];

describe.each(SETTINGS)('the pre-traffic requests, $mode', (execution) => {
  const prefix = `t${crypto.randomUUID().slice(0, 8)}`;
  const topology = deploymentTopology({
    prefix,
    region: LOCAL_AWS.region,
    accountId: '000000000000',
  });
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack({
      dynamodbEndpoint: proxy.url,
      prefix,
      clock: new LocalClock(new Date('2027-10-04T06:00:00Z')),
      config: { ...devStackConfig(), execution },
    });
    // A stack with something in it: a plan, its schedule, its change on the bus and its
    // notification, so that a request that touched any of them would show.
    const ada = await signIn(stack, 'ada');
    await createDailyPlans(ada, 1, {
      timeOfDay: '09:00',
      startDate: '2027-10-04',
      endDate: '2027-12-31',
    });
    await stack.settle();
    // Plan changes are told once coalesceSeconds (60 s on dev) are over.
    await stack.advanceTo(stack.clock.now() + 61_000);
    if (execution.mode === 'aggregated') {
      // The 09:00 slot joins its block; the block's order waits for the window to be sealed
      // (09:01:05), after this test's last step.
      await stack.advanceTo(Date.parse('2027-10-04T09:00:20Z'));
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('the stack they run on holds a plan, its schedule, its change and its notification (aggregated: a slot in a block)', async () => {
    const before = await everything(stack, topology);
    // The plan and its user's record.
    expect(before.tables.plans?.length).toBe(2);
    expect(before.schedules.filter((schedule) => schedule.name.startsWith('plan-')).length).toBe(1);
    expect(before.events.map((event) => event.detailType)).toEqual([
      'PlanChanged',
      'NotificationSent',
    ]);
    expect(before.outbox.length).toBe(1);
    // The notification, and the day's email counters of its user and of its address.
    expect(before.tables.notifications?.length).toBe(3);
    // The proxy sees the stack's writes (the plan, its sync, the notification).
    expect(writes()).toBeGreaterThan(0);
    if (execution.mode === 'aggregated') {
      // The slot's run joined its block, whose message waits for the window to be sealed.
      expect(before.executions.map((run) => run.path.at(-1))).toEqual(['JoinedBlock']);
      expect(before.queues['block-orders']?.map((message) => message.body)).toEqual([
        JSON.stringify({ blockId: 'EUR#2027-10-04T09:00:00.000Z' }),
      ]);
    } else {
      expect(before.executions).toEqual([]);
    }
  });

  it.each(CANARY_FUNCTIONS)(
    '%s answers its harmless request as the hook expects, and changes nothing',
    async (name) => {
      const lambda = stack.lambdas.get(name);
      if (lambda === undefined) throw new Error(`no local function ${name}`);
      const before = await everything(stack, topology);
      const invocations = lambda.invocations;
      const written = writes();
      const answer = await lambda.invoke(PRE_TRAFFIC_REQUESTS[name].event);
      await stack.settle();
      expect(answer).toEqual(PRE_TRAFFIC_REQUESTS[name].expect);
      // The real handler ran (a cold start at least), not a stand-in.
      expect(lambda.invocations).toBe(invocations + 1);
      expect(await everything(stack, topology)).toEqual(before);
      expect(writes()).toBe(written);
    },
  );
});

afterAll(async () => {
  await proxy.close();
});
