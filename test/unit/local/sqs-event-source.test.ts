/** The Lambda SQS event source mapping stand-in, on a local SQS queue and a fake clock. */
import { createHash } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { WorkInFlight } from '#local/clock-driver.ts';
import { LocalSqsEventSource } from '#local/services/sqs-event-source.ts';
import { LocalSqs, md5OfMessageAttributes } from '#local/services/sqs.ts';

const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
const START = Date.parse('2026-12-07T07:00:00Z');
const SECOND = 1000;
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:purchases`;
const DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:purchases-dlq`;

let now: number;
let sqs: LocalSqs;
let events: SQSEvent[];
/** What the function does with an event: its answer, or a rejection. */
let handle: (event: SQSEvent) => Promise<unknown>;

beforeEach(() => {
  now = START;
  events = [];
  handle = async () => undefined;
  sqs = new LocalSqs({
    now: () => now,
    region: REGION,
    accountId: ACCOUNT,
    baseUrl: () => 'http://127.0.0.1:4000',
  });
  sqs.createQueue('purchases-dlq');
  sqs.createQueue('purchases', {
    VisibilityTimeout: '30',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ, maxReceiveCount: 3 }),
  });
});

function eventSource(
  options: Partial<ConstructorParameters<typeof LocalSqsEventSource>[0]> = {},
): LocalSqsEventSource {
  return new LocalSqsEventSource({
    sqs,
    queueArn: QUEUE,
    reportBatchItemFailures: true,
    invoke: async (event) => {
      events.push(event);
      return handle(event);
    },
    ...options,
  });
}

const bodies = (queue: string) => sqs.messages(queue).map((message) => message.body);
const delivered = () => events.map((event) => event.Records.map((record) => record.body));
const idOf = (event: SQSEvent | undefined, body: string) =>
  event?.Records.find((record) => record.body === body)?.messageId ?? '';

describe('the SQS event source', () => {
  it('invokes the function with the SQSEvent Lambda builds', async () => {
    const sent = sqs.send(QUEUE, '{"planId":"plan-1"}', undefined, {
      planId: { DataType: 'String', StringValue: 'plan-1' },
    });
    now += 2 * SECOND;
    expect(await eventSource().poll()).toBe(1);
    expect(events).toEqual([
      {
        Records: [
          {
            messageId: sent.messageId,
            receiptHandle: events[0]?.Records[0]?.receiptHandle,
            body: '{"planId":"plan-1"}',
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: String(START),
              SenderId: ACCOUNT,
              ApproximateFirstReceiveTimestamp: String(START + 2 * SECOND),
            },
            messageAttributes: {
              planId: {
                stringValue: 'plan-1',
                stringListValues: [],
                binaryListValues: [],
                dataType: 'String',
              },
            },
            md5OfBody: createHash('md5').update('{"planId":"plan-1"}').digest('hex'),
            md5OfMessageAttributes: md5OfMessageAttributes({
              planId: { DataType: 'String', StringValue: 'plan-1' },
            }),
            eventSource: 'aws:sqs',
            eventSourceARN: QUEUE,
            awsRegion: REGION,
          },
        ],
      },
    ]);
  });

  it('deletes the whole batch when the function succeeds', async () => {
    for (const body of ['a', 'b', 'c']) sqs.send(QUEUE, body);
    expect(await eventSource().poll()).toBe(3);
    expect(delivered()).toEqual([['a', 'b', 'c']]);
    expect(bodies('purchases')).toEqual([]);
  });

  it('keeps the whole batch when the function fails, and delivers it again once the visibility timeout passes', async () => {
    for (const body of ['a', 'b']) sqs.send(QUEUE, body);
    handle = async () => {
      throw new Error('exchange unavailable');
    };
    const source = eventSource();
    expect(await source.poll()).toBe(2);
    expect(await source.poll()).toBe(0);
    expect(source.nextVisibleAt()).toBe(START + 30 * SECOND);

    now = START + 30 * SECOND;
    handle = async () => undefined;
    expect(await source.poll()).toBe(2);
    expect(
      events.map((event) => event.Records.map((r) => r.attributes.ApproximateReceiveCount)),
    ).toEqual([
      ['1', '1'],
      ['2', '2'],
    ]);
    expect(bodies('purchases')).toEqual([]);
  });

  it('with ReportBatchItemFailures, deletes all but the messages the response names', async () => {
    for (const body of ['a', 'b', 'c']) sqs.send(QUEUE, body);
    handle = async (event) => ({
      batchItemFailures: [{ itemIdentifier: idOf(event, 'b') }],
    });
    const source = eventSource();
    await source.poll();
    expect(sqs.messages('purchases').map(({ body, state }) => ({ body, state }))).toEqual([
      { body: 'b', state: 'in-flight' },
    ]);

    now = START + 30 * SECOND;
    handle = async () => ({ batchItemFailures: [] });
    await source.poll();
    expect(delivered()).toEqual([['a', 'b', 'c'], ['b']]);
    expect(bodies('purchases')).toEqual([]);
  });

  it('takes a null or empty response, or an empty list of failures, as a complete success', async () => {
    for (const response of [
      undefined,
      null,
      {},
      { batchItemFailures: [] },
      { batchItemFailures: null },
    ]) {
      sqs.send(QUEUE, 'a');
      handle = async () => response;
      await eventSource().poll();
      expect(bodies('purchases'), JSON.stringify(response)).toEqual([]);
    }
  });

  it('fails the whole batch for a response Lambda cannot read', async () => {
    const unreadable: ((event: SQSEvent) => unknown)[] = [
      () => ({ batchItemFailures: [{ itemIdentifier: '' }] }),
      () => ({ batchItemFailures: [{ itemIdentifier: null }] }),
      () => ({ batchItemFailures: [{ id: 'x' }] }),
      () => ({ batchItemFailures: [{ itemIdentifier: 'not-a-message-of-the-batch' }] }),
      (event) => ({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.receiptHandle }] }),
      () => ({ batchItemFailures: 'all' }),
      () => 'done',
    ];
    for (const response of unreadable) {
      sqs.send(QUEUE, 'a');
      sqs.send(QUEUE, 'b');
      handle = async (event) => response(event);
      await eventSource().poll();
      expect(sqs.messages('purchases').map(({ body, state }) => ({ body, state }))).toEqual([
        { body: 'a', state: 'in-flight' },
        { body: 'b', state: 'in-flight' },
      ]);
      // Let the batch come back and be consumed before the next case.
      now += 30 * SECOND;
      handle = async () => undefined;
      await eventSource().drain();
    }
  });

  it('ignores the response when the mapping does not report batch item failures', async () => {
    sqs.send(QUEUE, 'a');
    handle = async (event) => ({ batchItemFailures: [{ itemIdentifier: idOf(event, 'a') }] });
    await eventSource({ reportBatchItemFailures: false }).poll();
    expect(bodies('purchases')).toEqual([]);
  });

  it('moves a message that keeps failing to the dead-letter queue once it was received maxReceiveCount times', async () => {
    sqs.send(QUEUE, 'poison');
    sqs.send(QUEUE, 'fine');
    handle = async (event) => ({
      batchItemFailures: [{ itemIdentifier: idOf(event, 'poison') }],
    });
    const source = eventSource();
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await source.drain();
      const at = source.nextVisibleAt();
      if (at !== null) now = Math.max(now, at);
    }
    await source.drain();
    expect(delivered()).toEqual([['poison', 'fine'], ['poison'], ['poison']]);
    expect(bodies('purchases')).toEqual([]);
    expect(
      sqs.messages('purchases-dlq').map(({ body, receiveCount, deadLetterSourceArn }) => ({
        body,
        receiveCount,
        deadLetterSourceArn,
      })),
    ).toEqual([{ body: 'poison', receiveCount: 3, deadLetterSourceArn: QUEUE }]);
    expect(source.nextVisibleAt()).toBeNull();
  });

  it('delivers at most batchSize messages per invocation, and drains the queue batch by batch', async () => {
    for (const body of ['1', '2', '3', '4', '5']) sqs.send(QUEUE, body);
    await eventSource({ batchSize: 2 }).drain();
    expect(delivered()).toEqual([['1', '2'], ['3', '4'], ['5']]);
  });

  it('delivers a message at most once per drain, even with a visibility timeout of 0', async () => {
    sqs.createQueue('instant', { VisibilityTimeout: '0' });
    const instant = `arn:aws:sqs:${REGION}:${ACCOUNT}:instant`;
    sqs.send(instant, 'a');
    handle = async () => {
      throw new Error('always fails');
    };
    await eventSource({ queueArn: instant }).drain();
    expect(delivered()).toEqual([['a'], ['a']]);
    expect(sqs.messages('instant').map(({ body, state }) => ({ body, state }))).toEqual([
      { body: 'a', state: 'visible' },
    ]);
  });

  it('registers each invocation with the work in flight', async () => {
    const work = new WorkInFlight();
    let finish: () => void = () => undefined;
    handle = () => new Promise((resolve) => (finish = () => resolve(undefined)));
    sqs.send(QUEUE, 'a');
    const polling = eventSource({ work }).poll();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(events).toHaveLength(1);
    let settled = false;
    const waiting = work.wait().then((waited) => {
      settled = true;
      return waited;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(settled).toBe(false);
    finish();
    expect(await waiting).toBe(true);
    expect(await polling).toBe(1);
  });

  it('refuses a batchSize outside 1 to 10,000 and a queue that does not exist', () => {
    expect(() => eventSource({ batchSize: 0 })).toThrow(
      new RangeError('batchSize must be an integer from 1 to 10000, not 0'),
    );
    expect(() => eventSource({ batchSize: 10_001 })).toThrow(RangeError);
    expect(() => eventSource({ queueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:missing` })).toThrow(
      'The specified queue does not exist.',
    );
  });
});
