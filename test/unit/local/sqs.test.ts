/** The SQS stand-in, driven by the real SDK client over loopback and by a fake local clock. */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  BatchEntryIdsNotDistinct,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  InvalidBatchEntryId,
  InvalidMessageContents,
  ListQueuesCommand,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  SQSServiceException,
  TooManyEntriesInBatchRequest,
  UnsupportedOperation,
  type Message,
  type ReceiveMessageCommandInput,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJsonServer, createRoutes } from '#local/http.ts';
import { LocalSqs, md5OfMessageAttributes, SqsApiError } from '#local/services/sqs.ts';

const REGION = 'eu-central-1';
const ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const START = Date.parse('2026-12-07T07:00:00Z');
const SECOND = 1000;

const routes = createRoutes();
const server = createJsonServer(routes, () => undefined);
let origin: string;
let client: SQSClient;

let now: number;
let sqs: LocalSqs;
let requests: string[];
/** Rewrites a reply on its way out, to show what the SDK checks. */
let tamper: (body: unknown) => unknown;

beforeAll(async () => {
  const route = (label: string) => async (request: Parameters<LocalSqs['handler']>[0]) => {
    requests.push(`${label} ${request.url.pathname} ${request.headers['x-amz-target'] ?? ''}`);
    const reply = await sqs.handler(request);
    return { ...reply, body: tamper(reply.body) };
  };
  routes.prefixes.set('/_aws/sqs', route('prefix'));
  routes.exact.set('POST /', route('root'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new SQSClient({
    region: REGION,
    credentials: CREDENTIALS,
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

beforeEach(() => {
  now = START;
  requests = [];
  tamper = (body) => body;
  sqs = new LocalSqs({ now: () => now, region: REGION, accountId: ACCOUNT, baseUrl: () => origin });
});

const urlOf = (name: string) => `${origin}/_aws/sqs/${ACCOUNT}/${name}`;
const arnOf = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

async function createQueue(name: string, attributes?: Record<string, string>): Promise<string> {
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (QueueUrl === undefined) throw new Error('CreateQueue answered no QueueUrl');
  return QueueUrl;
}

async function send(queueUrl: string, body: string, delaySeconds?: number): Promise<string> {
  const { MessageId } = await client.send(
    new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, DelaySeconds: delaySeconds }),
  );
  return MessageId ?? '';
}

async function receive(
  queueUrl: string,
  input: Partial<ReceiveMessageCommandInput> = {},
): Promise<Message[]> {
  const { Messages } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
      ...input,
    }),
  );
  return Messages ?? [];
}

async function counts(queueUrl: string): Promise<Record<string, string> | undefined> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Attributes;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** What the SDK makes of an SQS error: its name, query code, message and status. */
async function failure(promise: Promise<unknown>) {
  const error = await rejection(promise);
  if (!(error instanceof SQSServiceException)) throw error;
  return {
    name: error.name,
    code: (error as SQSServiceException & { Code?: string }).Code,
    message: error.message,
    status: error.$metadata.httpStatusCode,
  };
}

describe('the SQS API', () => {
  it('is reached by the SDK under its endpoint, and names queues by URL under the same prefix', async () => {
    const queueUrl = await createQueue('orders');
    expect(queueUrl).toBe(urlOf('orders'));
    expect(await client.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).toMatchObject({
      QueueUrl: urlOf('orders'),
    });
    await send(queueUrl, 'hello');
    expect(requests).toEqual([
      'prefix /_aws/sqs/ AmazonSQS.CreateQueue',
      'prefix /_aws/sqs/ AmazonSQS.GetQueueUrl',
      'prefix /_aws/sqs/ AmazonSQS.SendMessage',
    ]);
  });

  it('is reached by a client without an endpoint at the origin of the queue URL, POST /', async () => {
    const queueUrl = await createQueue('orders');
    const warnings: string[] = [];
    const noEndpoint = new SQSClient({
      region: REGION,
      credentials: CREDENTIALS,
      maxAttempts: 1,
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (line: string) => warnings.push(line),
        error: () => undefined,
      },
    });
    requests = [];
    try {
      await noEndpoint.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'hello' }));
    } finally {
      noEndpoint.destroy();
    }
    expect(requests).toEqual(['root / AmazonSQS.SendMessage']);
    expect(warnings).toEqual([
      `QueueUrl=${queueUrl} differs from SQSClient resolved endpoint=https://sqs.${REGION}.amazonaws.com/, using QueueUrl host as endpoint.\nSet [endpoint=string] or [useQueueUrlAsEndpoint=false] on the SQSClient.`,
    ]);
    expect(sqs.messages('orders').map((message) => message.body)).toEqual(['hello']);
  });

  it('answers the attributes of a queue, with the defaults of those it was not given', async () => {
    await createQueue('orders-dlq');
    now += 5 * SECOND;
    const queueUrl = await createQueue('orders', {
      VisibilityTimeout: '60',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: arnOf('orders-dlq'),
        maxReceiveCount: '3',
      }),
    });
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes).toEqual({
      QueueArn: arnOf('orders'),
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      CreatedTimestamp: String((START + 5 * SECOND) / SECOND),
      LastModifiedTimestamp: String((START + 5 * SECOND) / SECOND),
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '0',
      VisibilityTimeout: '60',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: arnOf('orders-dlq'),
        maxReceiveCount: 3,
      }),
      SqsManagedSseEnabled: 'true',
    });
  });

  it('keeps a KMS key instead of SQS-managed encryption', async () => {
    const queueUrl = await createQueue('orders', { KmsMasterKeyId: 'alias/savings' });
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled'],
      }),
    );
    expect(Attributes).toEqual({
      KmsMasterKeyId: 'alias/savings',
      KmsDataKeyReusePeriodSeconds: '300',
      SqsManagedSseEnabled: 'false',
    });
  });

  it('answers the existing queue to a CreateQueue that agrees with it, and QueueNameExists to one that does not', async () => {
    const queueUrl = await createQueue('orders', { VisibilityTimeout: '60' });
    expect(await createQueue('orders', { VisibilityTimeout: '60', DelaySeconds: '0' })).toBe(
      queueUrl,
    );
    const error = await rejection(createQueue('orders', { VisibilityTimeout: '30' }));
    expect(error).toBeInstanceOf(QueueNameExists);
    expect(await failure(createQueue('orders', { VisibilityTimeout: '30' }))).toEqual({
      name: 'QueueNameExists',
      code: 'QueueAlreadyExists',
      message:
        'A queue already exists with the same name and a different value for attribute VisibilityTimeout',
      status: 400,
    });
  });

  it('refuses FIFO queues, which the local SQS does not implement', async () => {
    for (const create of [
      () => createQueue('orders.fifo', { FifoQueue: 'true' }),
      () => createQueue('orders', { FifoQueue: 'true' }),
    ]) {
      const error = await rejection(create());
      expect(error).toBeInstanceOf(UnsupportedOperation);
    }
    expect(await failure(createQueue('orders', { FifoQueue: 'true' }))).toEqual({
      name: 'UnsupportedOperation',
      code: 'AWS.SimpleQueueService.UnsupportedOperation',
      message: 'The local SQS has standard queues only: FifoQueue is a FIFO queue attribute.',
      status: 400,
    });
  });

  it('refuses an unknown attribute, a value out of range and a malformed name', async () => {
    expect(await rejection(createQueue('orders', { Colour: 'blue' }))).toBeInstanceOf(
      InvalidAttributeName,
    );
    expect(await failure(createQueue('orders', { VisibilityTimeout: '43201' }))).toEqual({
      name: 'InvalidAttributeValue',
      code: 'InvalidAttributeValue',
      message: 'Invalid value for the parameter VisibilityTimeout.',
      status: 400,
    });
    expect(await rejection(createQueue('orders', { DelaySeconds: '1.5' }))).toBeInstanceOf(
      InvalidAttributeValue,
    );
    expect(await failure(createQueue('orders/1'))).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      message:
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      status: 400,
    });
  });

  it('refuses a redrive policy whose dead-letter queue does not exist or whose count is out of range', async () => {
    const policy = { deadLetterTargetArn: arnOf('missing'), maxReceiveCount: 3 };
    expect(await failure(createQueue('orders', { RedrivePolicy: JSON.stringify(policy) }))).toEqual(
      {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        message: `Value ${JSON.stringify(policy)} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
        status: 400,
      },
    );
    await createQueue('orders-dlq');
    const zero = JSON.stringify({ deadLetterTargetArn: arnOf('orders-dlq'), maxReceiveCount: 0 });
    expect(await failure(createQueue('orders', { RedrivePolicy: zero }))).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      message: `Value ${zero} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.`,
      status: 400,
    });
  });

  it('answers QueueDoesNotExist for a queue that does not exist', async () => {
    const calls = [
      () => client.send(new GetQueueUrlCommand({ QueueName: 'missing' })),
      () => send(urlOf('missing'), 'hello'),
      () => receive(urlOf('missing')),
      () => send(`${origin}/_aws/sqs/999999999999/missing`, 'hello'),
    ];
    for (const call of calls) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(QueueDoesNotExist);
      expect(await failure(call())).toEqual({
        name: 'QueueDoesNotExist',
        code: 'AWS.SimpleQueueService.NonExistentQueue',
        message: 'The specified queue does not exist.',
        status: 400,
      });
    }
  });

  it('lists queues by name prefix, a page at a time', async () => {
    for (const name of ['orders-3', 'orders-1', 'refunds', 'orders-2']) await createQueue(name);
    expect(await client.send(new ListQueuesCommand({ QueueNamePrefix: 'orders' }))).toMatchObject({
      QueueUrls: [urlOf('orders-1'), urlOf('orders-2'), urlOf('orders-3')],
    });
    const first = await client.send(
      new ListQueuesCommand({ QueueNamePrefix: 'orders', MaxResults: 2 }),
    );
    expect(first.QueueUrls).toEqual([urlOf('orders-1'), urlOf('orders-2')]);
    const second = await client.send(
      new ListQueuesCommand({
        QueueNamePrefix: 'orders',
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.QueueUrls).toEqual([urlOf('orders-3')]);
    expect(second.NextToken).toBeUndefined();
  });

  it('answers UnsupportedOperation for an SQS operation the local SQS does not implement', async () => {
    const response = await fetch(`${origin}/_aws/sqs/`, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonSQS.DeleteQueue',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: JSON.stringify({ QueueUrl: urlOf('orders') }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-query-error')).toBe(
      'AWS.SimpleQueueService.UnsupportedOperation;Sender',
    );
    expect(await response.json()).toEqual({
      __type: 'com.amazonaws.sqs#UnsupportedOperation',
      message: 'The local SQS does not implement DeleteQueue.',
    });
  });
});

describe('sending and receiving', () => {
  it('answers the MD5 digests of the body and of the attributes, and hands the message out as sent', async () => {
    const queueUrl = await createQueue('orders');
    const attributes = {
      planId: { DataType: 'String', StringValue: 'plan-1' },
      amount: { DataType: 'Number.cents', StringValue: '2500' },
      signature: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
    };
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"planId":"plan-1","amount":"25.00 €"}',
        MessageAttributes: attributes,
      }),
    );
    const digest = md5OfMessageAttributes({
      planId: { DataType: 'String', StringValue: 'plan-1' },
      amount: { DataType: 'Number.cents', StringValue: '2500' },
      signature: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
    });
    expect(sent.MD5OfMessageBody).toBe(md5('{"planId":"plan-1","amount":"25.00 €"}'));
    expect(sent.MD5OfMessageAttributes).toBe(digest);

    const [message] = await receive(queueUrl, { MessageAttributeNames: ['All'] });
    expect(message).toEqual({
      MessageId: sent.MessageId,
      ReceiptHandle: message?.ReceiptHandle,
      MD5OfBody: md5('{"planId":"plan-1","amount":"25.00 €"}'),
      Body: '{"planId":"plan-1","amount":"25.00 €"}',
      Attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(START),
        SenderId: ACCOUNT,
        ApproximateFirstReceiveTimestamp: String(START),
      },
      MD5OfMessageAttributes: digest,
      MessageAttributes: attributes,
    });
  });

  it('computes the MD5 of message attributes as SQS documents it', () => {
    expect(
      md5OfMessageAttributes({
        ordinal: { DataType: 'Number', StringValue: '1' },
        category: { DataType: 'String', StringValue: 'test' },
      }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f');
    expect(
      md5OfMessageAttributes({ SellerName: { DataType: 'String', StringValue: 'Example Store' } }),
    ).toBe('cd28f3b68aeee4b2eac9c66f2f694b58');
  });

  it('is checked by the SDK, which refuses a body digest that does not match', async () => {
    const queueUrl = await createQueue('orders');
    tamper = (body) => ({ ...(body as object), MD5OfMessageBody: md5('something else') });
    expect(await rejection(send(queueUrl, 'hello'))).toEqual(new Error('InvalidChecksumError'));
  });

  it('answers only the attributes asked for, with the digest of those', async () => {
    const queueUrl = await createQueue('orders');
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'hello',
        MessageAttributes: {
          'plan.id': { DataType: 'String', StringValue: 'plan-1' },
          'plan.owner': { DataType: 'String', StringValue: 'alice' },
          trace: { DataType: 'String', StringValue: 't-1' },
        },
      }),
    );
    const [message] = await receive(queueUrl, {
      MessageSystemAttributeNames: ['SentTimestamp'],
      MessageAttributeNames: ['plan.*'],
    });
    const expected = {
      'plan.id': { DataType: 'String', StringValue: 'plan-1' },
      'plan.owner': { DataType: 'String', StringValue: 'alice' },
    };
    expect(message?.Attributes).toEqual({ SentTimestamp: String(START) });
    expect(message?.MessageAttributes).toEqual(expected);
    expect(message?.MD5OfMessageAttributes).toBe(md5OfMessageAttributes(expected));
  });

  it("delays a message by the queue's DelaySeconds, or by its own DelaySeconds, which overrides it", async () => {
    const queueUrl = await createQueue('orders', { DelaySeconds: '60', VisibilityTimeout: '600' });
    await send(queueUrl, 'queue delay');
    await send(queueUrl, 'no delay', 0);
    await send(queueUrl, 'own delay', 120);
    expect(await counts(queueUrl)).toEqual({
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '2',
    });
    expect((await receive(queueUrl)).map((message) => message.Body)).toEqual(['no delay']);

    now = START + 60 * SECOND - 1;
    expect(await receive(queueUrl)).toEqual([]);
    now = START + 60 * SECOND;
    expect((await receive(queueUrl)).map((message) => message.Body)).toEqual(['queue delay']);
    now = START + 120 * SECOND;
    expect((await receive(queueUrl)).map((message) => message.Body)).toEqual(['own delay']);
  });

  it('refuses a DelaySeconds above 900', async () => {
    const queueUrl = await createQueue('orders');
    expect(await failure(send(queueUrl, 'hello', 901))).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      message:
        'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.',
      status: 400,
    });
    expect(sqs.messages('orders')).toEqual([]);
  });

  it('hides a received message for the visibility timeout, then hands it out again with its receive count', async () => {
    const queueUrl = await createQueue('orders', { VisibilityTimeout: '30' });
    await send(queueUrl, 'hello');
    const [first] = await receive(queueUrl);
    expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(await counts(queueUrl)).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '0',
    });
    now = START + 30 * SECOND - 1;
    expect(await receive(queueUrl)).toEqual([]);
    now = START + 30 * SECOND;
    const [second] = await receive(queueUrl, { VisibilityTimeout: 5 });
    expect(second?.Attributes).toEqual({
      ApproximateReceiveCount: '2',
      SentTimestamp: String(START),
      SenderId: ACCOUNT,
      ApproximateFirstReceiveTimestamp: String(START),
    });
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    now += 5 * SECOND;
    expect((await receive(queueUrl)).map((message) => message.Body)).toEqual(['hello']);
  });

  it('moves a message received more than maxReceiveCount times to the dead-letter queue on the next receive', async () => {
    const dlqUrl = await createQueue('orders-dlq');
    const queueUrl = await createQueue('orders', {
      VisibilityTimeout: '30',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: arnOf('orders-dlq'),
        maxReceiveCount: 2,
      }),
    });
    const messageId = await send(queueUrl, 'poison');
    for (let receives = 1; receives <= 2; receives += 1) {
      const [message] = await receive(queueUrl);
      expect(message?.Attributes?.ApproximateReceiveCount).toBe(String(receives));
      now += 30 * SECOND;
    }
    expect(await receive(queueUrl)).toEqual([]);
    expect(sqs.messages('orders')).toEqual([]);

    const [moved] = await receive(dlqUrl);
    expect(moved?.MessageId).toBe(messageId);
    expect(moved?.Attributes).toEqual({
      ApproximateReceiveCount: '3',
      SentTimestamp: String(START),
      SenderId: ACCOUNT,
      ApproximateFirstReceiveTimestamp: String(START),
      DeadLetterQueueSourceArn: arnOf('orders'),
    });
  });

  it('deletes a message by its receipt handle, and takes the handle of a deleted message again', async () => {
    const queueUrl = await createQueue('orders', { VisibilityTimeout: '0' });
    await send(queueUrl, 'hello');
    const [message] = await receive(queueUrl);
    const receiptHandle = message?.ReceiptHandle;
    await client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }),
    );
    await client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }),
    );
    expect(await receive(queueUrl)).toEqual([]);
  });

  it('refuses a receipt handle that was not given by the queue', async () => {
    const queueUrl = await createQueue('orders');
    const otherUrl = await createQueue('refunds');
    await send(otherUrl, 'hello');
    const [other] = await receive(otherUrl);
    for (const handle of ['bogus', other?.ReceiptHandle ?? '']) {
      const call = () =>
        client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: handle }));
      expect(await rejection(call())).toBeInstanceOf(ReceiptHandleIsInvalid);
      expect(await failure(call())).toEqual({
        name: 'ReceiptHandleIsInvalid',
        code: 'ReceiptHandleIsInvalid',
        message: `The input receipt handle "${handle}" is not a valid receipt handle.`,
        status: 404,
      });
    }
  });

  it('changes the visibility of a message in flight, counting from now, up to 12 hours after its receive', async () => {
    const queueUrl = await createQueue('orders', { VisibilityTimeout: '30' });
    await send(queueUrl, 'hello');
    const [message] = await receive(queueUrl);
    const change = (seconds: number) =>
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message?.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    now += 20 * SECOND;
    await change(120);
    now += 120 * SECOND - 1;
    expect(await receive(queueUrl)).toEqual([]);
    await change(0);
    expect(sqs.messages('orders').map((view) => view.state)).toEqual(['visible']);
    expect(await failure(change(10))).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      message: `Value ${message?.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      status: 400,
    });

    const [again] = await receive(queueUrl, { VisibilityTimeout: 7200 });
    now += 3600 * SECOND;
    expect(
      await failure(
        client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: again?.ReceiptHandle,
            VisibilityTimeout: 43_200 - 3600 + 1,
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      message:
        'Value 39601 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
      status: 400,
    });
  });

  it('sends a batch and reports each entry that fails on its own', async () => {
    const queueUrl = await createQueue('orders');
    const result = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'first', MessageBody: 'one' },
          { Id: 'late', MessageBody: 'two', DelaySeconds: 901 },
          { Id: 'empty', MessageBody: '' },
          { Id: 'last', MessageBody: 'three' },
        ],
      }),
    );
    const ids = sqs.messages('orders').map((message) => message.messageId);
    expect(result.Successful).toEqual([
      { Id: 'first', MessageId: ids[0], MD5OfMessageBody: md5('one') },
      { Id: 'last', MessageId: ids[1], MD5OfMessageBody: md5('three') },
    ]);
    expect(result.Failed).toEqual([
      {
        Id: 'late',
        SenderFault: true,
        Code: 'InvalidParameterValue',
        Message:
          'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.',
      },
      {
        Id: 'empty',
        SenderFault: true,
        Code: 'MissingParameter',
        Message: 'The request must contain the parameter MessageBody.',
      },
    ]);
  });

  it('refuses an empty batch, more than ten entries, repeated ids and malformed ids', async () => {
    const queueUrl = await createQueue('orders');
    const batch = (entries: { Id: string; MessageBody: string }[]) =>
      client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    const entry = (id: string) => ({ Id: id, MessageBody: 'hello' });
    expect(await rejection(batch([]))).toBeInstanceOf(EmptyBatchRequest);
    const many = Array.from({ length: 11 }, (_, index) => entry(`m${index}`));
    expect(await rejection(batch(many))).toBeInstanceOf(TooManyEntriesInBatchRequest);
    expect(await failure(batch(many))).toEqual({
      name: 'TooManyEntriesInBatchRequest',
      code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      message: 'Maximum number of entries per request are 10. You have sent 11.',
      status: 400,
    });
    expect(await rejection(batch([entry('a'), entry('a')]))).toBeInstanceOf(
      BatchEntryIdsNotDistinct,
    );
    expect(await rejection(batch([entry('a b')]))).toBeInstanceOf(InvalidBatchEntryId);
    expect(sqs.messages('orders')).toEqual([]);
  });

  it('deletes and changes visibility in batches, reporting each invalid receipt handle', async () => {
    const queueUrl = await createQueue('orders');
    await send(queueUrl, 'one');
    await send(queueUrl, 'two');
    const [one, two] = await receive(queueUrl);
    const changed = await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'one', ReceiptHandle: one?.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'bogus', ReceiptHandle: 'bogus', VisibilityTimeout: 0 },
        ],
      }),
    );
    expect(changed.Successful).toEqual([{ Id: 'one' }]);
    expect(changed.Failed).toEqual([
      {
        Id: 'bogus',
        SenderFault: true,
        Code: 'ReceiptHandleIsInvalid',
        Message: 'The input receipt handle "bogus" is not a valid receipt handle.',
      },
    ]);
    expect(sqs.messages('orders').map((view) => view.state)).toEqual(['visible', 'in-flight']);

    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'one', ReceiptHandle: one?.ReceiptHandle },
          { Id: 'two', ReceiptHandle: two?.ReceiptHandle },
          { Id: 'bogus', ReceiptHandle: 'bogus' },
        ],
      }),
    );
    expect(deleted.Successful).toEqual([{ Id: 'one' }, { Id: 'two' }]);
    expect(deleted.Failed).toEqual([
      {
        Id: 'bogus',
        SenderFault: true,
        Code: 'ReceiptHandleIsInvalid',
        Message: 'The input receipt handle "bogus" is not a valid receipt handle.',
      },
    ]);
    expect(sqs.messages('orders')).toEqual([]);
  });

  it("refuses a message larger than the queue's MaximumMessageSize, counting its attributes", async () => {
    const queueUrl = await createQueue('orders', { MaximumMessageSize: '1024' });
    await send(queueUrl, 'x'.repeat(1024));
    expect(await failure(send(queueUrl, 'x'.repeat(1025)))).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      message:
        'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
      status: 400,
    });
    // 1016 + "k" + "String" + "v" = 1024 bytes; two-byte characters count twice.
    await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'x'.repeat(1016),
        MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
      }),
    );
    expect(await rejection(send(queueUrl, 'é'.repeat(513)))).toBeInstanceOf(SQSServiceException);
    expect(sqs.messages('orders')).toHaveLength(2);
  });

  it('refuses a message over 1 MiB, the default and largest MaximumMessageSize', async () => {
    // Sent in process: a message this size is quicker to build than to send over HTTP.
    sqs.createQueue('orders');
    sqs.send(arnOf('orders'), 'x'.repeat(1_048_576));
    expect(() => sqs.send(arnOf('orders'), 'x'.repeat(1_048_577))).toThrow(
      new SqsApiError(
        'InvalidParameterValue',
        'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
      ),
    );
    expect(await failure(createQueue('big', { MaximumMessageSize: '1048577' }))).toMatchObject({
      name: 'InvalidAttributeValue',
    });
  });

  it('refuses characters that a message may not contain', async () => {
    const queueUrl = await createQueue('orders');
    expect(await rejection(send(queueUrl, 'a\u0000b'))).toBeInstanceOf(InvalidMessageContents);
    expect(await failure(send(queueUrl, 'a\u0000b'))).toMatchObject({
      code: 'InvalidMessageContents',
      message:
        "Invalid binary character '#x0' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
    });
  });

  it('returns at most MaxNumberOfMessages, in send order, and refuses a number outside 1 to 10', async () => {
    const queueUrl = await createQueue('orders');
    for (const body of ['1', '2', '3']) await send(queueUrl, body);
    expect((await receive(queueUrl, { MaxNumberOfMessages: 2 })).map((m) => m.Body)).toEqual([
      '1',
      '2',
    ]);
    expect(
      (await receive(queueUrl, { MaxNumberOfMessages: undefined })).map((m) => m.Body),
    ).toEqual(['3']);
    expect(await failure(receive(queueUrl, { MaxNumberOfMessages: 11 }))).toEqual({
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      message:
        'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.',
      status: 400,
    });
  });

  it('answers a long poll at once instead of waiting', async () => {
    const queueUrl = await createQueue('orders');
    const started = Date.now();
    expect(await receive(queueUrl, { WaitTimeSeconds: 20 })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await failure(receive(queueUrl, { WaitTimeSeconds: 21 }))).toMatchObject({
      message:
        'Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.',
    });
  });

  it('drops messages once they are older than the retention period', async () => {
    const queueUrl = await createQueue('orders', { MessageRetentionPeriod: '60' });
    await send(queueUrl, 'old');
    now += 30 * SECOND;
    await send(queueUrl, 'new');
    now = START + 60 * SECOND;
    expect((await receive(queueUrl)).map((message) => message.Body)).toEqual(['new']);
  });

  it('purges a queue, at most once a minute', async () => {
    const queueUrl = await createQueue('orders');
    await send(queueUrl, 'hello');
    await receive(queueUrl);
    await send(queueUrl, 'again');
    await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    expect(sqs.messages('orders')).toEqual([]);
    now += 59 * SECOND;
    const error = await rejection(client.send(new PurgeQueueCommand({ QueueUrl: queueUrl })));
    expect(error).toBeInstanceOf(PurgeQueueInProgress);
    expect(error).toMatchObject({
      message: 'Only one PurgeQueue operation on orders is allowed every 60 seconds.',
      $metadata: { httpStatusCode: 403 },
    });
    now += SECOND;
    await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  });
});

describe('the in-process API', () => {
  it('answers when a message of a queue, or of any queue, is next receivable', async () => {
    const ordersUrl = await createQueue('orders', { VisibilityTimeout: '30' });
    const refundsUrl = await createQueue('refunds');
    expect(sqs.nextVisibleAt()).toBeNull();

    await send(ordersUrl, 'later', 90);
    await send(refundsUrl, 'sooner', 45);
    expect(sqs.nextVisibleAt(arnOf('orders'))).toBe(START + 90 * SECOND);
    expect(sqs.nextVisibleAt(ordersUrl)).toBe(START + 90 * SECOND);
    expect(sqs.nextVisibleAt()).toBe(START + 45 * SECOND);

    await send(ordersUrl, 'now');
    expect(sqs.nextVisibleAt(arnOf('orders'))).toBe(START);
    now += 10 * SECOND;
    await receive(ordersUrl);
    expect(sqs.nextVisibleAt(arnOf('orders'))).toBe(START + 40 * SECOND);
    expect(() => sqs.nextVisibleAt(arnOf('missing'))).toThrow(SqsApiError);
  });

  it('does not count a message that expires before it becomes visible', async () => {
    sqs.createQueue('orders', { MessageRetentionPeriod: '60', VisibilityTimeout: '120' });
    sqs.send(arnOf('orders'), 'hello');
    sqs.receive(arnOf('orders'));
    expect(sqs.nextVisibleAt(arnOf('orders'))).toBeNull();
  });

  it('shows the messages of a queue with their state', async () => {
    const queueUrl = await createQueue('orders');
    const delayed = sqs.send(arnOf('orders'), 'delayed', 60);
    const inFlight = await send(queueUrl, 'in flight');
    await receive(queueUrl, { MaxNumberOfMessages: 1 });
    const visible = sqs.send(queueUrl, 'visible', undefined, {
      planId: { DataType: 'String', StringValue: 'plan-1' },
    });
    expect(sqs.messages('orders')).toEqual([
      {
        messageId: delayed.messageId,
        body: 'delayed',
        messageAttributes: {},
        receiveCount: 0,
        sentAt: START,
        state: 'delayed',
        visibleAt: START + 60 * SECOND,
        deadLetterSourceArn: null,
      },
      {
        messageId: inFlight,
        body: 'in flight',
        messageAttributes: {},
        receiveCount: 1,
        sentAt: START,
        state: 'in-flight',
        visibleAt: START + 30 * SECOND,
        deadLetterSourceArn: null,
      },
      {
        messageId: visible.messageId,
        body: 'visible',
        messageAttributes: { planId: { DataType: 'String', StringValue: 'plan-1' } },
        receiveCount: 0,
        sentAt: START,
        state: 'visible',
        visibleAt: START,
        deadLetterSourceArn: null,
      },
    ]);
    expect(visible).toEqual({
      messageId: visible.messageId,
      md5OfMessageBody: md5('visible'),
      md5OfMessageAttributes: md5OfMessageAttributes({
        planId: { DataType: 'String', StringValue: 'plan-1' },
      }),
    });
  });

  it('translates between queue URLs and ARNs, and refuses queues that do not exist', () => {
    const queueUrl = sqs.createQueue('orders');
    expect(queueUrl).toBe(urlOf('orders'));
    expect(sqs.queueArnOf(queueUrl)).toBe(arnOf('orders'));
    expect(sqs.queueUrlOf(arnOf('orders'))).toBe(queueUrl);
    expect(() => sqs.queueUrlOf(arnOf('missing'))).toThrow(
      new SqsApiError('QueueDoesNotExist', 'The specified queue does not exist.'),
    );
    expect(() => sqs.queueArnOf('not a url')).toThrow(
      new SqsApiError('InvalidAddress', 'The address not a url is not valid for this endpoint.'),
    );
    expect(() => sqs.send(arnOf('missing'), 'hello')).toThrow(SqsApiError);
  });
});
