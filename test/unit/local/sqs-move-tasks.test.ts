/**
 * The local SQS's message move tasks (dead-letter queue redrive), driven by the real SDK client
 * over loopback and by a fake local clock.
 */
import type { AddressInfo } from 'node:net';
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  ResourceNotFoundException,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJsonServer, createRoutes } from '#local/http.ts';
import { LocalSqs } from '#local/services/sqs.ts';

const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
const START = Date.parse('2026-12-07T07:00:00Z');
const SECOND = 1000;

const routes = createRoutes();
const server = createJsonServer(routes, () => undefined);
let origin: string;
let client: SQSClient;
let now: number;
let sqs: LocalSqs;

beforeAll(async () => {
  routes.prefixes.set('/_aws/sqs', (request) => sqs.handler(request));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new SQSClient({
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: `${origin}/_aws/sqs`,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

const arnOf = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const urlOf = (name: string) => `${origin}/_aws/sqs/${ACCOUNT}/${name}`;

/** `work` with `work-dlq` as its dead-letter queue after one receive, and a spare queue. */
beforeEach(async () => {
  now = START;
  sqs = new LocalSqs({ now: () => now, region: REGION, accountId: ACCOUNT, baseUrl: () => origin });
  await client.send(new CreateQueueCommand({ QueueName: 'work-dlq' }));
  await client.send(new CreateQueueCommand({ QueueName: 'spare' }));
  await client.send(
    new CreateQueueCommand({
      QueueName: 'work',
      Attributes: {
        VisibilityTimeout: '0',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: arnOf('work-dlq'),
          maxReceiveCount: 1,
        }),
      },
    }),
  );
});

/** Sends `bodies` to `work` and lets each fail its one receive, so they land in `work-dlq`. */
async function deadLetter(...bodies: string[]): Promise<void> {
  for (const body of bodies) {
    await client.send(new SendMessageCommand({ QueueUrl: urlOf('work'), MessageBody: body }));
  }
  await client.send(
    new ReceiveMessageCommand({ QueueUrl: urlOf('work'), MaxNumberOfMessages: 10 }),
  );
  // The next receive moves them (maxReceiveCount 1) and finds nothing left.
  await client.send(
    new ReceiveMessageCommand({ QueueUrl: urlOf('work'), MaxNumberOfMessages: 10 }),
  );
  expect(sqs.messages('work-dlq').map((message) => message.body)).toEqual(bodies);
}

async function tasks(maxResults?: number) {
  const { Results } = await client.send(
    new ListMessageMoveTasksCommand({ SourceArn: arnOf('work-dlq'), MaxResults: maxResults }),
  );
  return Results;
}

async function failure(command: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await command;
  } catch (error) {
    if (!(error instanceof SQSServiceException)) throw error;
    return { name: error.name, message: error.message, status: error.$metadata.httpStatusCode };
  }
  throw new Error('the request succeeded');
}

describe('StartMessageMoveTask', () => {
  it('moves every dead letter back to the queue it came from, as new messages, and completes', async () => {
    await deadLetter('slot-1', 'slot-2');
    const { TaskHandle } = await client.send(
      new StartMessageMoveTaskCommand({ SourceArn: arnOf('work-dlq') }),
    );
    expect(typeof TaskHandle).toBe('string');

    expect(await tasks()).toEqual([
      {
        Status: 'COMPLETED',
        SourceArn: arnOf('work-dlq'),
        ApproximateNumberOfMessagesMoved: 2,
        ApproximateNumberOfMessagesToMove: 2,
        StartedTimestamp: START,
      },
    ]);
    expect(sqs.messages('work-dlq')).toEqual([]);
    expect(
      sqs.messages('work').map(({ body, receiveCount, sentAt, deadLetterSourceArn }) => ({
        body,
        receiveCount,
        sentAt,
        deadLetterSourceArn,
      })),
    ).toEqual([
      { body: 'slot-1', receiveCount: 0, sentAt: START, deadLetterSourceArn: null },
      { body: 'slot-2', receiveCount: 0, sentAt: START, deadLetterSourceArn: null },
    ]);
  });

  it('moves to the DestinationArn when one is given, messages sent to the DLQ directly included', async () => {
    await deadLetter('slot-1');
    await client.send(
      new SendMessageCommand({ QueueUrl: urlOf('work-dlq'), MessageBody: 'event-from-a-rule' }),
    );
    await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: arnOf('work-dlq'),
        DestinationArn: arnOf('spare'),
      }),
    );
    expect((await tasks())?.map((task) => [task.Status, task.DestinationArn])).toEqual([
      ['COMPLETED', arnOf('spare')],
    ]);
    expect(sqs.messages('spare').map((message) => message.body)).toEqual([
      'slot-1',
      'event-from-a-rule',
    ]);
  });

  it('fails a task without a destination on a message that has no original source queue', async () => {
    await client.send(
      new SendMessageCommand({ QueueUrl: urlOf('work-dlq'), MessageBody: 'event-from-a-rule' }),
    );
    await client.send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('work-dlq') }));
    const [task] = (await tasks()) ?? [];
    expect(task?.Status).toBe('FAILED');
    expect(task?.FailureReason).toMatch(
      /^Message [\w-]+ has no original source queue: start the task with a DestinationArn\.$/,
    );
    expect(sqs.messages('work-dlq').map((message) => message.body)).toEqual(['event-from-a-rule']);
  });

  it('moves at most MaxNumberOfMessagesPerSecond a second on the local clock', async () => {
    await deadLetter('a', 'b', 'c', 'd', 'e');
    const { TaskHandle } = await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: arnOf('work-dlq'),
        MaxNumberOfMessagesPerSecond: 2,
      }),
    );
    const progress = async () => {
      const [task] = (await tasks()) ?? [];
      return [task?.Status, task?.ApproximateNumberOfMessagesMoved, task?.TaskHandle];
    };
    expect(await progress()).toEqual(['RUNNING', 0, TaskHandle]);
    now += SECOND;
    expect(await progress()).toEqual(['RUNNING', 2, TaskHandle]);
    now += 2 * SECOND;
    expect(await progress()).toEqual(['COMPLETED', 5, undefined]);
    expect(sqs.messages('work').map((message) => message.body)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('refuses a queue that is no dead-letter queue, an unknown queue, the source as destination and a rate above 500', async () => {
    expect(
      await failure(client.send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('spare') }))),
    ).toEqual({
      name: 'InvalidParameterValue',
      message: `Value ${arnOf('spare')} for parameter SourceArn is invalid. Reason: Source queue must be configured as a Dead Letter Queue.`,
      status: 400,
    });
    const missing = await failure(
      client.send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('nowhere') })),
    );
    expect(missing).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The resource that you specified for the SourceArn parameter does not exist.',
      status: 404,
    });
    expect(
      await failure(
        client.send(
          new StartMessageMoveTaskCommand({
            SourceArn: arnOf('work-dlq'),
            DestinationArn: arnOf('work-dlq'),
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      message: `Value ${arnOf('work-dlq')} for parameter DestinationArn is invalid. Reason: Source queue arn and destination queue arn cannot be the same.`,
      status: 400,
    });
    expect(
      await failure(
        client.send(
          new StartMessageMoveTaskCommand({
            SourceArn: arnOf('work-dlq'),
            MaxNumberOfMessagesPerSecond: 501,
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      message:
        'Value 501 for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: MaxNumberOfMessagesPerSecond must be between 1 and 500.',
      status: 400,
    });
  });

  it('allows one running task per source queue', async () => {
    await deadLetter('a', 'b');
    await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: arnOf('work-dlq'),
        MaxNumberOfMessagesPerSecond: 1,
      }),
    );
    expect(
      await failure(client.send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('work-dlq') }))),
    ).toEqual({
      name: 'InvalidParameterValue',
      message:
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      status: 400,
    });
  });
});

describe('ListMessageMoveTasks and CancelMessageMoveTask', () => {
  it('cancels a running task, keeping what it moved, and lists the newest task first', async () => {
    await deadLetter('a', 'b', 'c');
    const { TaskHandle } = await client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: arnOf('work-dlq'),
        MaxNumberOfMessagesPerSecond: 1,
      }),
    );
    now += SECOND;
    expect(await client.send(new CancelMessageMoveTaskCommand({ TaskHandle }))).toMatchObject({
      ApproximateNumberOfMessagesMoved: 1,
    });
    expect(sqs.messages('work-dlq').map((message) => message.body)).toEqual(['b', 'c']);
    await client.send(new StartMessageMoveTaskCommand({ SourceArn: arnOf('work-dlq') }));

    expect(await tasks(10)).toEqual([
      {
        Status: 'COMPLETED',
        SourceArn: arnOf('work-dlq'),
        ApproximateNumberOfMessagesMoved: 2,
        ApproximateNumberOfMessagesToMove: 2,
        StartedTimestamp: START + SECOND,
      },
      {
        Status: 'CANCELLED',
        SourceArn: arnOf('work-dlq'),
        MaxNumberOfMessagesPerSecond: 1,
        ApproximateNumberOfMessagesMoved: 1,
        ApproximateNumberOfMessagesToMove: 3,
        StartedTimestamp: START,
      },
    ]);
    expect(sqs.messages('work').map((message) => message.body)).toEqual(['a', 'b', 'c']);
  });

  it('refuses to cancel a task that is not running or does not exist', async () => {
    await deadLetter('a');
    const { TaskHandle } = await client.send(
      new StartMessageMoveTaskCommand({ SourceArn: arnOf('work-dlq') }),
    );
    await tasks();
    expect(await failure(client.send(new CancelMessageMoveTaskCommand({ TaskHandle })))).toEqual({
      name: 'InvalidParameterValue',
      message: `Value ${String(TaskHandle)} for parameter TaskHandle is invalid. Reason: Only a task with status RUNNING can be cancelled; this one is COMPLETED.`,
      status: 400,
    });
    const unknown = client.send(
      new CancelMessageMoveTaskCommand({ TaskHandle: 'bm8tc3VjaC10YXNr' }),
    );
    await expect(unknown).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
