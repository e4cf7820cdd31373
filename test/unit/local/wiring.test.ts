/**
 * The local stack's wiring is read from `shared/topology.ts`: its queues, event sources and jobs
 * have exactly the topology's settings, and the retry queue's event source never runs more
 * dispatchers at once than its maximum concurrency.
 */
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { WorkInFlight } from '#local/clock-driver.ts';
import { LocalSqs } from '#local/services/sqs.ts';
import type { LocalSqsEventSource } from '#local/services/sqs-event-source.ts';
import { LocalStreamMapping } from '#local/services/streams.ts';
import { createEventSources, createQueues, jobScheduleRequests } from '#local/wiring.ts';
import type { FunctionName } from '#shared/functions.ts';
import { topology } from '#shared/topology.ts';

const REGION = 'eu-central-1';
const ACCOUNT = '000000000000';
const START = Date.parse('2027-03-01T10:00:00Z');
const local = topology(
  { prefix: 'wired', region: REGION, accountId: ACCOUNT },
  { coalesceSeconds: 45 },
);
const arn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:wired-${name}`;

function wiredStack(invoke: (name: FunctionName, event: unknown) => Promise<unknown>) {
  let now = START;
  const sqs = new LocalSqs({
    now: () => now,
    region: REGION,
    accountId: ACCOUNT,
    baseUrl: () => 'http://127.0.0.1:4000',
  });
  const queues = createQueues(sqs, local);
  const sources = createEventSources(local, {
    sqs,
    queues,
    lambda: (name) => ({ invoke: (event) => invoke(name, event) }),
    work: new WorkInFlight(),
    now: () => now,
    dynamodbEndpoint: 'http://127.0.0.1:1',
    onStreamFailure: () => undefined,
    streamPollIntervalMs: 200,
    log: () => undefined,
  });
  return { sqs, queues, sources, advance: (ms: number) => (now += ms) };
}

describe('the local wiring', () => {
  it('creates every queue of the topology with its retention, visibility and redrive', () => {
    const created: [string, Record<string, string>][] = [];
    const sqs = {
      createQueue: (name: string, attributes: Record<string, string>) => {
        created.push([name, attributes]);
        return `http://127.0.0.1:4000/_aws/sqs/${ACCOUNT}/${name}`;
      },
      queueArnOf: (url: string) => arn(url.slice(url.lastIndexOf('/') + 'wired-'.length + 1)),
    } as unknown as LocalSqs;
    createQueues(sqs, local);
    const twoWeeks = String(14 * 24 * 3600);
    expect(created).toEqual([
      ['wired-purchase-retries-dlq', { MessageRetentionPeriod: twoWeeks }],
      ['wired-plan-stream-failures-dlq', { MessageRetentionPeriod: twoWeeks }],
      ['wired-notifications-dlq', { MessageRetentionPeriod: twoWeeks }],
      ['wired-plans-dlq', { MessageRetentionPeriod: twoWeeks }],
      ['wired-audit-dlq', { MessageRetentionPeriod: twoWeeks }],
      ['wired-slot-outcomes-dlq', { MessageRetentionPeriod: twoWeeks }],
      ['wired-email-feedback-dlq', { MessageRetentionPeriod: twoWeeks }],
      ['wired-block-orders-dlq', { MessageRetentionPeriod: twoWeeks }],
      [
        'wired-purchase-retries',
        {
          MessageRetentionPeriod: String(2 * 24 * 3600),
          VisibilityTimeout: '180',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('purchase-retries-dlq'),
            maxReceiveCount: 10,
          }),
        },
      ],
      [
        'wired-plan-stream-failures',
        {
          MessageRetentionPeriod: twoWeeks,
          VisibilityTimeout: '360',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('plan-stream-failures-dlq'),
            maxReceiveCount: 5,
          }),
        },
      ],
      [
        'wired-notifications',
        {
          MessageRetentionPeriod: String(4 * 24 * 3600),
          VisibilityTimeout: '180',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('notifications-dlq'),
            maxReceiveCount: 5,
          }),
        },
      ],
      [
        'wired-plan-change-notifications',
        {
          MessageRetentionPeriod: String(4 * 24 * 3600),
          // The stack's coalesceSeconds: a burst of plan changes settles before it is read.
          DelaySeconds: '45',
          VisibilityTimeout: '180',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('notifications-dlq'),
            maxReceiveCount: 5,
          }),
        },
      ],
      [
        'wired-slot-outcomes',
        {
          MessageRetentionPeriod: String(4 * 24 * 3600),
          VisibilityTimeout: '180',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('slot-outcomes-dlq'),
            maxReceiveCount: 5,
          }),
        },
      ],
      [
        'wired-email-feedback',
        {
          MessageRetentionPeriod: String(4 * 24 * 3600),
          VisibilityTimeout: '180',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('email-feedback-dlq'),
            maxReceiveCount: 5,
          }),
        },
      ],
      [
        'wired-block-orders',
        {
          MessageRetentionPeriod: String(2 * 24 * 3600),
          // Two block-worker timeouts (900 s each).
          VisibilityTimeout: '1800',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: arn('block-orders-dlq'),
            maxReceiveCount: 10,
          }),
        },
      ],
    ]);
  });

  it("gives every event source exactly its topology entry's settings", () => {
    const { sources } = wiredStack(async () => undefined);
    const settings = Object.fromEntries(
      Object.entries(sources.byKey).map(([key, source]) => [key, source.settings]),
    );
    expect(settings).toEqual({
      'plan-sync-stream': {
        batchSize: 100,
        maximumBatchingWindowSeconds: 1,
        maximumRetryAttempts: 5,
        maximumRecordAgeSeconds: 21600,
        bisectBatchOnFunctionError: true,
      },
      'plan-stream-failures-resync': {
        batchSize: 1,
        maximumConcurrency: 2,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: true,
      },
      'purchase-retries-dispatch': {
        batchSize: 10,
        maximumConcurrency: 5,
        maximumBatchingWindowSeconds: 5,
        reportBatchItemFailures: true,
      },
      'notifications-notify': {
        batchSize: 10,
        maximumConcurrency: 8,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
      },
      'plan-change-notifications-notify': {
        batchSize: 10,
        maximumConcurrency: 2,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
      },
      'slot-outcomes-count': {
        batchSize: 10,
        maximumConcurrency: 2,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
      },
      'email-feedback-handle': {
        batchSize: 10,
        maximumConcurrency: 2,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
      },
      'block-orders-work': {
        batchSize: 1,
        maximumConcurrency: 2,
        maximumBatchingWindowSeconds: 0,
        reportBatchItemFailures: true,
      },
    });
    expect(sources.streams).toEqual([sources.byKey['plan-sync-stream']]);
    expect(sources.streams[0]).toBeInstanceOf(LocalStreamMapping);
  });

  it('runs at most five retry dispatchers at once, each with a full batch', async () => {
    let running = 0;
    let most = 0;
    const batches: number[] = [];
    const { sqs, queues, sources } = wiredStack(async (name, event) => {
      if (name !== 'retry-dispatcher') return undefined;
      running += 1;
      most = Math.max(most, running);
      batches.push((event as SQSEvent).Records.length);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      return undefined;
    });
    for (let index = 0; index < 100; index += 1)
      sqs.send(queues['purchase-retries'].url, `slot-${index}`);
    const retries = sources.byKey['purchase-retries-dispatch'] as LocalSqsEventSource;
    await retries.drain();
    expect({ most, batches }).toEqual({ most: 5, batches: Array.from({ length: 10 }, () => 10) });
    expect(sqs.messages('wired-purchase-retries')).toEqual([]);
  });

  it('gathers retries for the batching window before it invokes the dispatcher', async () => {
    const batches: string[][] = [];
    const { sqs, queues, sources, advance } = wiredStack(async (name, event) => {
      if (name === 'retry-dispatcher') {
        batches.push((event as SQSEvent).Records.map((record) => record.body));
      }
      return undefined;
    });
    const retries = sources.byKey['purchase-retries-dispatch'] as LocalSqsEventSource;
    sqs.send(queues['purchase-retries'].url, 'first');
    expect(retries.nextVisibleAt()).toBe(START + 5000);
    advance(3000);
    sqs.send(queues['purchase-retries'].url, 'second');
    await retries.drain();
    expect(batches).toEqual([]);
    advance(2000);
    await retries.drain();
    expect(batches).toEqual([['first', 'second']]);
  });

  it("creates the topology's jobs with their rate, target, input, retries and dead-letter queue", () => {
    // Locally the frequent jobs start one interval in; the daily ones just after midnight UTC.
    const firstRuns = [
      '2027-03-01T10:05:00Z',
      '2027-03-01T10:10:00Z',
      '2027-03-02T00:15:00Z',
      '2027-03-02T01:05:00Z',
      '2027-03-02T02:05:00Z',
    ];
    expect(jobScheduleRequests(local, START).map((job) => [job.name, job.body])).toEqual(
      (['sweeper', 'completer', 'reconcile', 'audit-digest', 'audit-report'] as const).map(
        (job, index) => [
          `wired-${job}`,
          {
            ClientToken: `wired-${job}`,
            GroupName: 'wired-plans',
            ScheduleExpression: local.jobs[job].expression,
            Description: local.jobs[job].description,
            StartDate: Date.parse(firstRuns[index] ?? '') / 1000,
            FlexibleTimeWindow: { Mode: 'OFF' },
            Target: {
              Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:wired-${job}`,
              RoleArn: `arn:aws:iam::${ACCOUNT}:role/wired-plans-jobs-scheduler`,
              Input: '{}',
              RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
              DeadLetterConfig: { Arn: arn('plans-dlq') },
            },
          },
        ],
      ),
    );
  });
});
