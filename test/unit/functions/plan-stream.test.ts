/**
 * What the plans stream's consumer sends per record: a purchase's bookkeeping costs one write (the
 * next slot armed, from the record's own image), the consumer's own write back costs nothing, and
 * the consumer that reads records back late reads the plan first. No network: the clients record
 * what they are sent.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { PlanRecord } from '#shared/plan-record.ts';
import { planRecordHandler, type PlanSource } from '../../../functions/lib/plan-stream.ts';

const NOW = Date.parse('2027-03-02T08:00:30.000Z');

/** A daily plan armed for 2 March, 09:00 in Berlin, that had bought on 1 March. */
const ARMED: PlanRecord = {
  userId: 'user-1',
  planId: '01JPLAN0000000000000000001',
  status: 'ACTIVE',
  amount: '25.00',
  currency: 'EUR',
  asset: 'BTC',
  schedule: {
    frequency: 'DAILY',
    timeOfDay: '09:00',
    timezone: 'Europe/Berlin',
    startDate: '2027-03-01',
  },
  version: 3,
  createdAt: '2027-02-28T10:00:00.000Z',
  updatedAt: '2027-02-28T10:00:00.000Z',
  armedSlot: '2027-03-02T08:00:00Z',
  armedVersion: 3,
  nextRunAt: '2027-03-02T08:00:00Z',
  dueShard: 'due#1',
  lastSlotAt: '2027-03-01T08:00:00Z',
  lastRunAt: '2027-03-01T08:00:00Z',
  executionCount: 1,
};

/** The workflow recorded the 2 March purchase. */
const RAN: PlanRecord = {
  ...ARMED,
  lastSlotAt: '2027-03-02T08:00:00Z',
  lastRunAt: '2027-03-02T08:00:00Z',
  executionCount: 2,
};

/** The consumer's write back: 3 March armed. */
const REARMED: PlanRecord = {
  ...RAN,
  armedSlot: '2027-03-03T08:00:00Z',
  nextRunAt: '2027-03-03T08:00:00Z',
};

function record(before: PlanRecord | undefined, after: PlanRecord | undefined): DynamoDBRecord {
  const image = (plan: PlanRecord | undefined) =>
    plan === undefined ? undefined : (marshall(plan) as never);
  return {
    eventName: before === undefined ? 'INSERT' : after === undefined ? 'REMOVE' : 'MODIFY',
    dynamodb: {
      Keys: { userId: { S: ARMED.userId }, planId: { S: ARMED.planId } },
      ...(before === undefined ? {} : { OldImage: image(before) }),
      ...(after === undefined ? {} : { NewImage: image(after) }),
    },
  };
}

/** The handler with clients that record each request as `<client> <command> <detail>`. */
function consumer(source: PlanSource, stored: PlanRecord | undefined = REARMED) {
  const sent: string[] = [];
  const dynamodb = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = command.constructor.name;
      if (name === 'GetCommand') {
        sent.push('dynamodb GetCommand');
        return { Item: stored };
      }
      const values = command.input.ExpressionAttributeValues as Record<string, unknown>;
      sent.push(`dynamodb ${name} ${String(values[':fire'] ?? values[':ended'])}`);
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  const scheduler = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push(
        `scheduler ${command.constructor.name} ${String(command.input.ScheduleExpression ?? '')}`.trim(),
      );
      return {};
    },
  } as unknown as SchedulerClient;
  const handle = planRecordHandler(
    {
      scheduling: {
        dynamodb,
        scheduler,
        now: () => NOW,
        settings: {
          plansTable: 'plans',
          scheduleGroup: 'plans',
          stateMachineArn: 'arn:aws:states:eu-central-1:123456789012:stateMachine:purchase',
          schedulerRoleArn: 'arn:aws:iam::123456789012:role/scheduler',
          deadLetterQueueArn: 'arn:aws:sqs:eu-central-1:123456789012:scheduler-dlq',
          kmsKeyArn: 'arn:aws:kms:eu-central-1:123456789012:key/k',
        },
      },
      events: {
        send: async () => {
          sent.push('events PutEventsCommand');
          return {};
        },
      } as unknown as EventBridgeClient,
      eventBusName: 'bus',
      logger: { debug: () => undefined } as unknown as Logger,
      metrics: { addMetric: () => undefined } as unknown as Metrics,
    },
    source,
  );
  return { handle, sent };
}

describe('the plans stream consumer (plans from the records)', () => {
  it('arms the next slot after a purchase with one write and no read', async () => {
    const { handle, sent } = consumer('image');
    await handle(record(ARMED, RAN));
    expect(sent).toEqual([
      'scheduler UpdateScheduleCommand at(2027-03-03T08:00:00)',
      'dynamodb UpdateCommand 2027-03-03T08:00:00Z',
    ]);
  });

  it('sends nothing for its own write back, nor for purchase totals alone', async () => {
    const { handle, sent } = consumer('image');
    await handle(record(RAN, REARMED));
    await handle(record(REARMED, { ...REARMED, executionCount: 3, totalSats: 54_021 }));
    expect(sent).toEqual([]);
  });

  it('ends a plan after its last slot with one write, and then only deletes its schedule', async () => {
    const last: PlanRecord = {
      ...ARMED,
      schedule: { ...ARMED.schedule, endDate: '2027-03-02' },
    };
    const ran: PlanRecord = { ...last, lastSlotAt: RAN.lastSlotAt, lastRunAt: RAN.lastRunAt };
    // The consumer's ending write: a new version, ENDED, the arming removed.
    const ended: PlanRecord = {
      userId: ran.userId,
      planId: ran.planId,
      status: 'ENDED',
      amount: ran.amount,
      currency: ran.currency,
      asset: ran.asset,
      schedule: ran.schedule,
      version: 4,
      createdAt: ran.createdAt,
      updatedAt: '2027-03-02T08:00:30.000Z',
      lastSlotAt: ran.lastSlotAt,
      lastRunAt: ran.lastRunAt,
      executionCount: ran.executionCount,
    };
    const { handle, sent } = consumer('image');
    await handle(record(last, ran));
    await handle(record(ran, ended));
    expect(sent).toEqual([
      'dynamodb UpdateCommand ENDED',
      'scheduler DeleteScheduleCommand',
      // The system's own ending is published (ENDED), as before.
      'scheduler DeleteScheduleCommand',
      'events PutEventsCommand',
    ]);
  });

  it("syncs a plan's records of one batch in stream order, each from its own image", async () => {
    const { handle, sent } = consumer('image');
    const paused: PlanRecord = { ...RAN, status: 'PAUSED', version: 4 };
    await Promise.all([handle(record(ARMED, RAN)), handle(record(RAN, paused))]);
    expect(sent).toEqual([
      'scheduler UpdateScheduleCommand at(2027-03-03T08:00:00)',
      'dynamodb UpdateCommand 2027-03-03T08:00:00Z',
      'scheduler DeleteScheduleCommand',
      'dynamodb UpdateCommand undefined',
      'events PutEventsCommand',
    ]);
  });
});

describe('the consumer of records read back late (plans from the table)', () => {
  it('reads the plan as it is now, once per plan and batch, and skips what cannot move it', async () => {
    const { handle, sent } = consumer('table', RAN);
    await Promise.all([
      handle(record(ARMED, RAN)),
      handle(record(RAN, { ...RAN, totalSats: 54_021 })),
      handle(record(RAN, REARMED)),
    ]);
    expect(sent).toEqual([
      'dynamodb GetCommand',
      'scheduler UpdateScheduleCommand at(2027-03-03T08:00:00)',
      'dynamodb UpdateCommand 2027-03-03T08:00:00Z',
    ]);
  });
});
