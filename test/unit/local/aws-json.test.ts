/**
 * The AWS JSON protocol kit of the emulated services: dispatch by `x-amz-target`, errors as each
 * protocol version and dialect sends them, and the field checks. No network: the handler is
 * called directly, and the real SDK clients reach it through an in-process request handler.
 */
import { GetPublicKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetQueueUrlCommand, QueueDoesNotExist, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { Handler, LocalRequest, Reply } from '#local/http.ts';
import {
  AwsJsonError,
  AwsJsonProtocol,
  checkBoolean,
  checkEnum,
  checkInteger,
  checkList,
  checkString,
  FieldReader,
  missingProblem,
  validationMessage,
  type AwsJsonServiceSpec,
  type FieldProblem,
  type JsonObject,
} from '#local/services/aws-json.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function request(
  target: string | undefined,
  rawBody: string,
  { method = 'POST', path = '/_aws/test/' }: { method?: string; path?: string } = {},
): LocalRequest {
  return {
    method,
    url: new URL(`http://127.0.0.1${path}`),
    headers: target === undefined ? {} : { 'x-amz-target': target },
    sourceIp: '127.0.0.1',
    body: undefined,
    rawBody,
    bytes: Buffer.from(rawBody),
  };
}

/** A reply with its request id checked and taken out, so the rest can be compared exactly. */
async function answer(handler: Handler, incoming: LocalRequest): Promise<Reply> {
  const reply = await handler(incoming);
  const { 'x-amzn-requestid': requestId, ...headers } = reply.headers ?? {};
  expect(requestId).toMatch(UUID);
  return { ...reply, headers };
}

const bare: AwsJsonServiceSpec = { service: 'Widgets', targetPrefix: 'Widgets', version: '1.1' };
const qualified: AwsJsonServiceSpec = {
  service: 'Gadgets',
  targetPrefix: 'GadgetService',
  version: '1.0',
  namespace: 'com.example.gadgets',
};

/** A service with one operation that echoes its input, and one that fails as told. */
function service(spec: AwsJsonServiceSpec, fail?: () => never) {
  const protocol = new AwsJsonProtocol(spec);
  const inputs: JsonObject[] = [];
  const handler = protocol.handler({
    path: '/_aws/test',
    notImplemented: ['DeleteWidget'],
    operations: {
      Echo: (input) => {
        inputs.push(input);
        return { Echoed: input };
      },
      Fail: async () => {
        await Promise.resolve();
        return fail?.() ?? {};
      },
    },
  });
  return { protocol, handler, inputs };
}

describe('dispatch', () => {
  it('runs the operation named by x-amz-target with the parsed body and answers its output', async () => {
    const { handler, inputs } = service(bare);
    expect(await answer(handler, request('Widgets.Echo', '{"Name":"a","Count":2}'))).toEqual({
      status: 200,
      contentType: 'application/x-amz-json-1.1',
      headers: {},
      body: { Echoed: { Name: 'a', Count: 2 } },
    });
    expect(inputs).toEqual([{ Name: 'a', Count: 2 }]);
  });

  it('answers with the content type of protocol version 1.0 for a 1.0 service', async () => {
    const { handler } = service(qualified);
    expect(await answer(handler, request('GadgetService.Echo', '{}'))).toEqual({
      status: 200,
      contentType: 'application/x-amz-json-1.0',
      headers: {},
      body: { Echoed: {} },
    });
  });

  it('takes an empty or blank body as an empty input, as AWS does', async () => {
    const { handler, inputs } = service(bare);
    await handler(request('Widgets.Echo', ''));
    await handler(request('Widgets.Echo', ' \n'));
    expect(inputs).toEqual([{}, {}]);
  });

  it('serves its path with or without the trailing slash, and any path when none is given', async () => {
    const { handler } = service(bare);
    expect((await handler(request('Widgets.Echo', '{}', { path: '/_aws/test' }))).status).toBe(200);
    expect((await handler(request('Widgets.Echo', '{}', { path: '/_aws/test/' }))).status).toBe(
      200,
    );
    const anywhere = new AwsJsonProtocol(bare).handler({ operations: { Echo: () => ({}) } });
    expect((await anywhere(request('Widgets.Echo', '{}', { path: '/' }))).status).toBe(200);
  });

  it('answers UnknownOperationException for an operation it does not have, naming those it has', async () => {
    const { handler, inputs } = service(bare);
    expect(await answer(handler, request('Widgets.ListWidgets', '{}'))).toEqual({
      status: 400,
      contentType: 'application/x-amz-json-1.1',
      headers: {},
      body: {
        __type: 'UnknownOperationException',
        message: 'The local Widgets supports only Echo, Fail, not Widgets.ListWidgets.',
      },
    });
    expect(inputs).toEqual([]);
  });

  it('answers UnknownOperationException for another prefix, another method, another path or no target', async () => {
    const { handler } = service(bare);
    const messages = await Promise.all(
      [
        request('Gizmos.Echo', '{}'),
        request('Widgets.Echo', '', { method: 'GET' }),
        request('Widgets.Echo', '{}', { path: '/_aws/test/elsewhere' }),
        request(undefined, '{}'),
        request('Widgets.toString', '{}'),
      ].map(async (incoming) => {
        const reply = await handler(incoming);
        return [
          reply.status,
          (reply.body as JsonObject).__type,
          (reply.body as JsonObject).message,
        ];
      }),
    );
    const refused = (what: string) => [
      400,
      'UnknownOperationException',
      `The local Widgets supports only Echo, Fail, not ${what}.`,
    ];
    expect(messages).toEqual([
      refused('Gizmos.Echo'),
      refused('Widgets.Echo'),
      refused('Widgets.Echo'),
      refused('POST /_aws/test/'),
      refused('Widgets.toString'),
    ]);
  });

  it('qualifies its own errors with the common namespace when the service qualifies its errors', async () => {
    const { handler } = service(qualified);
    expect((await handler(request('GadgetService.Nope', '{}'))).body).toEqual({
      __type: 'com.amazon.coral.service#UnknownOperationException',
      message: 'The local Gadgets supports only Echo, Fail, not GadgetService.Nope.',
    });
  });

  it('answers an operation of the real service that the local one leaves out with the service’s error', async () => {
    expect((await service(bare).handler(request('Widgets.DeleteWidget', '{}'))).body).toEqual({
      __type: 'UnknownOperationException',
      message: 'The local Widgets does not implement DeleteWidget.',
    });
    const own = service({
      ...bare,
      notImplemented: (operation) => new AwsJsonError('UnsupportedOperation', `No ${operation}.`),
    });
    expect((await own.handler(request('Widgets.DeleteWidget', '{}'))).body).toEqual({
      __type: 'UnsupportedOperation',
      message: 'No DeleteWidget.',
    });
  });

  it('answers SerializationException for a body that is not JSON or not a JSON object', async () => {
    const { handler, inputs } = service(qualified);
    expect(await answer(handler, request('GadgetService.Echo', '{"Name":'))).toEqual({
      status: 400,
      contentType: 'application/x-amz-json-1.0',
      headers: {},
      body: {
        __type: 'com.amazon.coral.service#SerializationException',
        message: 'The request body is not JSON.',
      },
    });
    expect((await handler(request('GadgetService.Echo', '[1]'))).body).toEqual({
      __type: 'com.amazon.coral.service#SerializationException',
      message: 'The request body is not a JSON object.',
    });
    expect((await handler(request('GadgetService.Echo', 'null'))).status).toBe(400);
    expect(inputs).toEqual([]);
  });

  it('answers the service’s own error for a malformed body when it has one', async () => {
    const { handler } = service({
      ...bare,
      malformedBody: (message) => new AwsJsonError('ValidationException', message),
    });
    expect((await handler(request('Widgets.Echo', 'nope'))).body).toEqual({
      __type: 'ValidationException',
      message: 'The request body is not JSON.',
    });
  });

  it('lets an error that is not an AWS error through, for the server to answer 500', async () => {
    const { handler } = service(bare, () => {
      throw new TypeError('a bug');
    });
    await expect(handler(request('Widgets.Fail', '{}'))).rejects.toThrow(new TypeError('a bug'));
  });
});

describe('errors', () => {
  it('are sent with a bare __type, the message and the status by a service with bare codes', async () => {
    const protocol = new AwsJsonProtocol(bare);
    const { handler } = service(bare, () => {
      throw protocol.error('WidgetBusy', 'Try later.', { status: 409 });
    });
    expect(await answer(handler, request('Widgets.Fail', '{}'))).toEqual({
      status: 409,
      contentType: 'application/x-amz-json-1.1',
      headers: {},
      body: { __type: 'WidgetBusy', message: 'Try later.' },
    });
  });

  it('are sent with the service’s namespace in __type by a service with qualified codes', async () => {
    const protocol = new AwsJsonProtocol(qualified);
    const error = protocol.error('GadgetMissing', 'No such gadget.');
    expect([error.type, error.name, error.status]).toEqual([
      'com.example.gadgets#GadgetMissing',
      'GadgetMissing',
      400,
    ]);
    expect(protocol.commonError('ThrottlingException', 'Slow down.').type).toBe(
      'com.amazon.coral.service#ThrottlingException',
    );
    expect(new AwsJsonProtocol(bare).commonError('ThrottlingException', 'Slow down.').type).toBe(
      'ThrottlingException',
    );
  });

  it('carry the members of the error shape, under the message member the service names', async () => {
    const spec: AwsJsonServiceSpec = { ...qualified, messageMember: 'Message' };
    const protocol = new AwsJsonProtocol(spec);
    const reply = protocol.errorReply(
      protocol.error('ValidationException', 'Bad.', { members: { Reason: 'OTHER', Fields: [] } }),
      'request-1',
    );
    expect(reply).toEqual({
      status: 400,
      contentType: 'application/x-amz-json-1.0',
      headers: { 'x-amzn-requestid': 'request-1' },
      body: {
        __type: 'com.example.gadgets#ValidationException',
        Message: 'Bad.',
        Reason: 'OTHER',
        Fields: [],
      },
    });
  });

  it('name their code in x-amzn-errortype when the service sends that header', () => {
    const protocol = new AwsJsonProtocol({ ...qualified, errorTypeHeader: true });
    expect(protocol.errorReply(protocol.error('GadgetMissing', 'No.'), 'r').headers).toEqual({
      'x-amzn-requestid': 'r',
      'x-amzn-errortype': 'GadgetMissing',
    });
  });

  it('carry the query code and the fault in x-amzn-query-error for a query-compatible service', () => {
    const protocol = new AwsJsonProtocol({ ...qualified, queryCompatible: true });
    const headers = (error: AwsJsonError) => protocol.errorReply(error, 'r').headers;
    expect(
      headers(protocol.error('GadgetMissing', 'No.', { queryCode: 'Gadget.Missing' })),
    ).toEqual({ 'x-amzn-requestid': 'r', 'x-amzn-query-error': 'Gadget.Missing;Sender' });
    expect(headers(protocol.error('GadgetMissing', 'No.'))).toEqual({
      'x-amzn-requestid': 'r',
      'x-amzn-query-error': 'GadgetMissing;Sender',
    });
    expect(headers(protocol.commonError('InternalFailure', 'Oops.', { status: 500 }))).toEqual({
      'x-amzn-requestid': 'r',
      'x-amzn-query-error': 'InternalFailure;Receiver',
    });
  });

  it('give an unknown operation the query code InvalidAction', async () => {
    const { handler } = service({ ...qualified, queryCompatible: true });
    expect((await handler(request('GadgetService.Nope', '{}'))).headers).toEqual({
      'x-amzn-requestid': expect.stringMatching(UUID),
      'x-amzn-query-error': 'InvalidAction;Sender',
    });
  });
});

/** An SDK request handler that answers from `handler` in this process: no network. */
function inProcess(handler: Handler) {
  return {
    async handle(sdkRequest: {
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: unknown;
    }) {
      const { body } = sdkRequest;
      const raw =
        typeof body === 'string'
          ? body
          : body instanceof Uint8Array
            ? Buffer.from(body).toString('utf8')
            : '';
      const headers = Object.fromEntries(
        Object.entries(sdkRequest.headers).map(([name, value]) => [name.toLowerCase(), value]),
      );
      const reply = await handler({
        ...request(headers['x-amz-target'], raw, { path: sdkRequest.path }),
        method: sdkRequest.method,
        headers,
      });
      return {
        response: {
          statusCode: reply.status,
          headers: { 'content-type': reply.contentType ?? '', ...reply.headers },
          body: new TextEncoder().encode(JSON.stringify(reply.body)),
        },
      };
    },
  };
}

const sdkConfig = (handler: Handler) => ({
  region: 'eu-central-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  endpoint: 'http://127.0.0.1/_aws/test',
  maxAttempts: 1,
  requestHandler: inProcess(handler),
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('as the real SDK clients read it', () => {
  it('gives a JSON 1.1 client its output and its modelled exception from a bare __type', async () => {
    const protocol = new AwsJsonProtocol({ ...bare, targetPrefix: 'TrentService' });
    const handler = protocol.handler({
      operations: {
        GetPublicKey: (input) => {
          if (input.KeyId === 'alias/known') return { KeyId: 'arn:key', KeySpec: 'ECC_NIST_P256' };
          throw protocol.error('NotFoundException', `Invalid keyId '${String(input.KeyId)}'`);
        },
      },
    });
    const client = new KMSClient(sdkConfig(handler));
    const output = await client.send(new GetPublicKeyCommand({ KeyId: 'alias/known' }));
    expect([output.KeyId, output.KeySpec]).toEqual(['arn:key', 'ECC_NIST_P256']);
    const error = await rejection(client.send(new GetPublicKeyCommand({ KeyId: 'alias/other' })));
    expect(error).toBeInstanceOf(NotFoundException);
    expect(error).toMatchObject({
      name: 'NotFoundException',
      message: "Invalid keyId 'alias/other'",
      $metadata: { httpStatusCode: 400, requestId: expect.stringMatching(UUID) },
    });
  });

  it('gives a query-compatible JSON 1.0 client the exception of a qualified __type and the query code', async () => {
    const protocol = new AwsJsonProtocol({
      ...qualified,
      targetPrefix: 'AmazonSQS',
      namespace: 'com.amazonaws.sqs',
      queryCompatible: true,
    });
    const handler = protocol.handler({
      operations: {
        GetQueueUrl: () => {
          throw protocol.error('QueueDoesNotExist', 'The specified queue does not exist.', {
            queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
          });
        },
      },
    });
    const error = await rejection(
      new SQSClient(sdkConfig(handler)).send(new GetQueueUrlCommand({ QueueName: 'nope' })),
    );
    expect(error).toBeInstanceOf(QueueDoesNotExist);
    expect(error).toMatchObject({
      name: 'QueueDoesNotExist',
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
      message: 'The specified queue does not exist.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('gives a JSON 1.0 client the members of the error shape and a capitalised Message', async () => {
    const protocol = new AwsJsonProtocol({
      ...qualified,
      targetPrefix: 'PinpointSMSVoiceV2',
      namespace: 'com.amazonaws.pinpointsmsvoicev2',
      messageMember: 'Message',
    });
    const handler = protocol.handler({
      operations: {
        SendTextMessage: () => {
          throw protocol.error('ValidationException', 'Bad number.', {
            members: {
              Reason: 'INVALID_PARAMETER',
              Fields: [{ Name: 'DestinationPhoneNumber', Message: 'Must be in E.164 format' }],
            },
          });
        },
      },
    });
    const error = await rejection(
      new PinpointSMSVoiceV2Client(sdkConfig(handler)).send(
        new SendTextMessageCommand({ DestinationPhoneNumber: '+1', MessageBody: 'x' }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect(error).toMatchObject({ name: 'ValidationException', message: 'Bad number.' });
    expect([(error as ValidationException).Reason, (error as ValidationException).Fields]).toEqual([
      'INVALID_PARAMETER',
      [{ Name: 'DestinationPhoneNumber', Message: 'Must be in E.164 format' }],
    ]);
  });
});

describe('field checks', () => {
  it('pass an absent or null member: presence is checked on its own', () => {
    expect([
      checkString('Name', undefined, { min: 1 }),
      checkString('Name', null, { min: 1 }),
      checkInteger('Count', null, { min: 1 }),
      checkBoolean('DryRun', undefined),
      checkEnum('Type', null, ['A']),
      checkList('Entries', undefined, { min: 1 }),
    ]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(missingProblem('QueueName')).toEqual({
      field: 'QueueName',
      value: undefined,
      kind: 'missing',
      constraint: 'Member must not be null',
    });
  });

  it('refuse a string of the wrong type, outside its length in code points, or off its pattern', () => {
    const rule = { min: 2, max: 3, pattern: /^[a-z€]+$/ };
    expect(checkString('Name', 5, rule)).toEqual({
      field: 'Name',
      value: 5,
      kind: 'type',
      constraint: 'Member must be a string',
    });
    expect(checkString('Name', 'a', rule)?.constraint).toBe(
      'Member must have length greater than or equal to 2',
    );
    expect(checkString('Name', 'abcd', rule)?.constraint).toBe(
      'Member must have length less than or equal to 3',
    );
    // Three code points, though five UTF-16 units.
    expect(checkString('Name', 'a\u{1F600}\u{1F600}', { max: 3 })).toBeUndefined();
    expect(checkString('Name', 'ab1', rule)).toEqual({
      field: 'Name',
      value: 'ab1',
      kind: 'pattern',
      constraint: 'Member must satisfy regular expression pattern: ^[a-z€]+$',
    });
    expect(checkString('Name', 'ab€', rule)).toBeUndefined();
  });

  it('refuse a number that is not an integer or outside its range', () => {
    expect(checkInteger('Count', 1.5, { min: 1, max: 10 })?.constraint).toBe(
      'Member must be an integer',
    );
    expect(checkInteger('Count', '3', { min: 1, max: 10 })?.kind).toBe('type');
    expect(checkInteger('Count', 0, { min: 1, max: 10 })).toEqual({
      field: 'Count',
      value: 0,
      kind: 'range',
      constraint: 'Member must have value greater than or equal to 1',
    });
    expect(checkInteger('Count', 11, { min: 1, max: 10 })?.constraint).toBe(
      'Member must have value less than or equal to 10',
    );
    expect(checkInteger('Count', 10, { min: 1, max: 10 })).toBeUndefined();
  });

  it('refuse a value outside an enum, a boolean of another type and a list of the wrong shape', () => {
    expect(checkEnum('Type', 'C', ['A', 'B'])).toEqual({
      field: 'Type',
      value: 'C',
      kind: 'enum',
      constraint: 'Member must satisfy enum value set: [A, B]',
    });
    expect(checkEnum('Type', 'B', ['A', 'B'])).toBeUndefined();
    expect(checkBoolean('DryRun', 'true')?.constraint).toBe('Member must be a boolean');
    expect(checkList('Names', 'a', { items: 'string' })?.constraint).toBe(
      'Member must be a list of strings',
    );
    expect(checkList('Names', ['a', 1], { items: 'string' })?.kind).toBe('type');
    expect(checkList('Entries', [], { min: 1 })?.constraint).toBe(
      'Member must have length greater than or equal to 1',
    );
  });

  it('read members through a reader that throws what the service makes of the first problem', () => {
    const refuse = (problem: FieldProblem) => new Error(`${problem.kind} ${problem.field}`);
    const reader = new FieldReader(
      { Name: 'a', Count: 3, DryRun: false, Type: 'A', Names: ['x'], Entries: [1] },
      refuse,
    );
    expect([
      reader.requiredString('Name'),
      reader.string('Other'),
      reader.requiredInteger('Count', { max: 3 }),
      reader.integer('Other'),
      reader.boolean('DryRun'),
      reader.enum('Type', ['A', 'B']),
      reader.stringList('Names'),
      reader.requiredList('Entries', { max: 1 }),
    ]).toEqual(['a', undefined, 3, undefined, false, 'A', ['x'], [1]]);
    expect(() => reader.requiredString('Other')).toThrow(new Error('missing Other'));
    expect(() => reader.requiredList('Other')).toThrow(new Error('missing Other'));
    expect(() => reader.integer('Count', { max: 2 })).toThrow(new Error('range Count'));
    expect(() => reader.string('Count')).toThrow(new Error('type Count'));
  });

  it('are reported in the words of AWS request validation, the value hidden when sensitive', () => {
    expect(validationMessage([missingProblem('Entries')])).toBe(
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
    const problems = [
      checkString('Name', 'abcd', { max: 3 }),
      checkList('Entries', [{}, {}], { max: 1 }),
      checkString('Message', '', { min: 1, sensitive: true }),
    ].filter((problem) => problem !== undefined);
    expect(validationMessage(problems)).toBe(
      "3 validation errors detected: Value 'abcd' at 'name' failed to satisfy constraint: Member must have length less than or equal to 3; " +
        "Value '[{},{}]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 1; " +
        "Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('become the ValidationException of the service', () => {
    const error = new AwsJsonProtocol(bare).validationError([missingProblem('Entries')]);
    expect([error.type, error.status, error.message]).toEqual([
      'ValidationException',
      400,
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    ]);
  });
});
