/** The End User Messaging SMS stand-in, driven by the real SDK client over loopback. */
import type { AddressInfo } from 'node:net';
import {
  ConflictException,
  DescribePhoneNumbersCommand,
  PinpointSMSVoiceV2Client,
  PinpointSMSVoiceV2ServiceException,
  ResourceNotFoundException,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJsonServer, createRoutes } from '#local/http.ts';
import { LocalOutbox } from '#local/services/outbox.ts';
import { LocalSms, type LocalSmsOptions } from '#local/services/sms.ts';

const REGION = 'eu-central-1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SENT_AT = '2026-12-07T08:00:03.250Z';

const routes = createRoutes();
const server = createJsonServer(routes, () => undefined);
let client: PinpointSMSVoiceV2Client;

let outbox: LocalOutbox;
let sms: LocalSms;
let requests: string[];

beforeAll(async () => {
  routes.prefixes.set('/_aws/sms', (request) => {
    requests.push(`${request.method} ${request.url.pathname} ${request.headers['x-amz-target']}`);
    return sms.handler(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new PinpointSMSVoiceV2Client({
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/_aws/sms`,
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
  requests = [];
  outbox = new LocalOutbox();
  sms = new LocalSms({ now: () => Date.parse(SENT_AT), outbox });
});

/** A valid text message as the notifier sends it. */
const text: SendTextMessageCommandInput = {
  DestinationPhoneNumber: '+4915112345678',
  MessageBody: 'Savings plan: bought 0.00041234 BTC for 25.00 EUR.',
  MessageType: 'TRANSACTIONAL',
  OriginationIdentity: 'SavingsPlan',
  Context: {
    event: 'PurchaseSucceeded',
    planId: 'plan-01J8Z',
    executionId: 'plan-01J8Z_2026-12-07T08:00:00Z',
  },
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Asserts `promise` fails with a ValidationException carrying `reason` and `fields`. */
async function expectValidationError(
  input: SendTextMessageCommandInput,
  reason: string,
  fields: { Name: string; Message: string }[],
): Promise<void> {
  const error = await rejection(client.send(new SendTextMessageCommand(input)));
  expect(error).toBeInstanceOf(ValidationException);
  expect(error).toMatchObject({
    name: 'ValidationException',
    Reason: reason,
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: expect.stringMatching(UUID) },
  });
  expect((error as ValidationException).Fields).toEqual(fields);
}

describe('SendTextMessage', () => {
  it('delivers a text message with its context and answers its MessageId', async () => {
    const answer = await client.send(new SendTextMessageCommand(text));

    expect(requests).toEqual(['POST /_aws/sms/ PinpointSMSVoiceV2.SendTextMessage']);
    expect(answer.MessageId).toMatch(UUID);
    expect(outbox.messages()).toEqual([
      {
        channel: 'SMS',
        to: '+4915112345678',
        subject: null,
        body: 'Savings plan: bought 0.00041234 BTC for 25.00 EUR.',
        html: null,
        event: 'PurchaseSucceeded',
        planId: 'plan-01J8Z',
        executionId: 'plan-01J8Z_2026-12-07T08:00:00Z',
        sentAt: SENT_AT,
        messageId: answer.MessageId,
      },
    ]);
  });

  it('delivers a message without context with null event, plan and execution', async () => {
    await client.send(
      new SendTextMessageCommand({ DestinationPhoneNumber: '+15550100', MessageBody: 'Hi' }),
    );
    expect(outbox.messages()).toMatchObject([
      { to: '+15550100', body: 'Hi', event: null, planId: null, executionId: null },
    ]);
  });

  it('validates a dry run and answers a MessageId but delivers nothing', async () => {
    const answer = await client.send(new SendTextMessageCommand({ ...text, DryRun: true }));
    expect(answer.MessageId).toMatch(UUID);
    expect(outbox.messages()).toEqual([]);

    await expectValidationError(
      { ...text, DestinationPhoneNumber: '015112345678', DryRun: true },
      'FIELD_VALIDATION_FAILED',
      [
        {
          Name: 'DestinationPhoneNumber',
          Message: 'Member must satisfy regular expression pattern: ^\\+?[1-9][0-9]{1,18}$',
        },
      ],
    );
  });

  it('refuses a destination outside the pattern of the API', async () => {
    for (const destination of ['+49 151 12345678', '+0049151', 'tel:+4915112345678']) {
      await expectValidationError(
        { ...text, DestinationPhoneNumber: destination },
        'FIELD_VALIDATION_FAILED',
        [
          {
            Name: 'DestinationPhoneNumber',
            Message: 'Member must satisfy regular expression pattern: ^\\+?[1-9][0-9]{1,18}$',
          },
        ],
      );
    }
    await expectValidationError(
      { ...text, DestinationPhoneNumber: '+491511234567890123456' },
      'FIELD_VALIDATION_FAILED',
      [{ Name: 'DestinationPhoneNumber', Message: 'Member must have length between 1 and 20' }],
    );
    await expectValidationError(
      { ...text, DestinationPhoneNumber: undefined } as unknown as SendTextMessageCommandInput,
      'FIELD_VALIDATION_FAILED',
      [{ Name: 'DestinationPhoneNumber', Message: 'Member must not be null' }],
    );
    expect(outbox.messages()).toEqual([]);
  });

  it('refuses a destination that the pattern allows but E.164 does not', async () => {
    for (const destination of ['4915112345678', '+4915112345678901']) {
      await expectValidationError(
        { ...text, DestinationPhoneNumber: destination },
        'INVALID_PARAMETER',
        [{ Name: 'DestinationPhoneNumber', Message: 'Must be in E.164 format' }],
      );
    }
    expect(outbox.messages()).toEqual([]);
  });

  it('takes a body of up to 1600 characters and refuses a missing, blank or longer one', async () => {
    await client.send(new SendTextMessageCommand({ ...text, MessageBody: '€'.repeat(1600) }));
    expect(outbox.messages()).toHaveLength(1);

    await expectValidationError({ ...text, MessageBody: undefined }, 'MISSING_PARAMETER', [
      { Name: 'MessageBody', Message: 'Member must not be null' },
    ]);
    await expectValidationError({ ...text, MessageBody: ' \n ' }, 'FIELD_VALIDATION_FAILED', [
      {
        Name: 'MessageBody',
        Message: 'Member must satisfy regular expression pattern: ^(?!\\s*$)[\\s\\S]+$',
      },
    ]);
    await expectValidationError(
      { ...text, MessageBody: 'x'.repeat(1601) },
      'FIELD_VALIDATION_FAILED',
      [{ Name: 'MessageBody', Message: 'Member must have length between 1 and 1600' }],
    );
    expect(outbox.messages()).toHaveLength(1);
  });

  it('lists every field that fails: message type, origination identity, time to live, context', async () => {
    await expectValidationError(
      {
        ...text,
        MessageType: 'URGENT' as SendTextMessageCommandInput['MessageType'],
        OriginationIdentity: 'Savings Plan',
        TimeToLive: 4,
        Context: { event: ' PurchaseSucceeded', 'plan id': 'p1' },
      },
      'FIELD_VALIDATION_FAILED',
      [
        {
          Name: 'OriginationIdentity',
          Message: 'Member must satisfy regular expression pattern: ^[A-Za-z0-9_:/+-]+$',
        },
        {
          Name: 'MessageType',
          Message: 'Member must satisfy enum value set: [TRANSACTIONAL, PROMOTIONAL]',
        },
        { Name: 'TimeToLive', Message: 'Member must have value between 5 and 259200' },
        {
          Name: 'Context.event',
          Message: 'Member must satisfy regular expression pattern: ^(?!\\s)[\\s\\S]+(?<!\\s)$',
        },
        {
          Name: 'Context',
          Message: "Key 'plan id': Member must satisfy regular expression pattern: ^\\S+$",
        },
      ],
    );
    await expectValidationError(
      { ...text, Context: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } },
      'FIELD_VALIDATION_FAILED',
      [{ Name: 'Context', Message: 'Member must have at most 5 entries' }],
    );
    expect(outbox.messages()).toEqual([]);
  });
});

const PROTECT_ID = 'protect-0123456789abcdef0123456789abcdef';
const PROTECT_ARN = `arn:aws:sms-voice:${REGION}:111122223333:protect-configuration/${PROTECT_ID}`;

/** A stand-in with the account's protect configuration and spend limit, on a clock `at` moves. */
function account(options: Omit<LocalSmsOptions, 'now' | 'outbox'>, at: { now: number }): void {
  sms = new LocalSms({ now: () => at.now, outbox, ...options });
}

describe('the protect configuration', () => {
  const protectConfiguration = { id: PROTECT_ID, countries: ['AT', 'DE', 'GB'] };

  beforeEach(() => account({ protectConfiguration }, { now: Date.parse(SENT_AT) }));

  /** Asserts `promise` fails as End User Messaging fails a send its protect configuration blocks. */
  async function expectBlocked(promise: Promise<unknown>, country: string): Promise<void> {
    const error = await rejection(promise);
    expect(error).toBeInstanceOf(ConflictException);
    expect(error).toMatchObject({
      name: 'ConflictException',
      message: `The destination country ${country} is blocked by protect configuration ${PROTECT_ID}.`,
      Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
      ResourceType: 'protect-configuration',
      ResourceId: PROTECT_ID,
      $metadata: { httpStatusCode: 400 },
    });
  }

  it('delivers to an allowed country when the send names it, by id or ARN', async () => {
    await client.send(new SendTextMessageCommand({ ...text, ProtectConfigurationId: PROTECT_ID }));
    await client.send(
      new SendTextMessageCommand({
        ...text,
        DestinationPhoneNumber: '+447700900123',
        ProtectConfigurationId: PROTECT_ARN,
      }),
    );
    expect(outbox.messages().map((message) => message.to)).toEqual([
      '+4915112345678',
      '+447700900123',
    ]);
  });

  it('refuses a country outside it, and delivers nothing', async () => {
    const send = (destination: string) =>
      client.send(
        new SendTextMessageCommand({
          ...text,
          DestinationPhoneNumber: destination,
          ProtectConfigurationId: PROTECT_ID,
        }),
      );
    await expectBlocked(send('+18765550123'), 'JM');
    await expectBlocked(send('+77012345678'), 'KZ');
    await expectBlocked(send('+12025550123'), 'US');
    expect(outbox.messages()).toEqual([]);
  });

  it('refuses a number of no country: premium, satellite', async () => {
    for (const destination of ['+19005550123', '+8821234567']) {
      await expectBlocked(
        client.send(
          new SendTextMessageCommand({
            ...text,
            DestinationPhoneNumber: destination,
            ProtectConfigurationId: PROTECT_ID,
          }),
        ),
        'of this number',
      );
    }
    expect(outbox.messages()).toEqual([]);
  });

  it('refuses a dry run to a blocked country as it refuses the send', async () => {
    await expectBlocked(
      client.send(
        new SendTextMessageCommand({
          ...text,
          DestinationPhoneNumber: '+18765550123',
          ProtectConfigurationId: PROTECT_ID,
          DryRun: true,
        }),
      ),
      'JM',
    );
  });

  it('answers ResourceNotFoundException for a protect configuration the account does not have', async () => {
    const other = 'protect-ffffffffffffffffffffffffffffffff';
    const error = await rejection(
      client.send(new SendTextMessageCommand({ ...text, ProtectConfigurationId: other })),
    );
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Protect configuration ${other} not found.`,
      ResourceType: 'protect-configuration',
      ResourceId: other,
    });
    expect(outbox.messages()).toEqual([]);
  });

  it('does not apply to a send that names none, as without an account default', async () => {
    await client.send(
      new SendTextMessageCommand({ ...text, DestinationPhoneNumber: '+18765550123' }),
    );
    expect(outbox.messages().map((message) => message.to)).toEqual(['+18765550123']);
  });
});

describe('the monthly spend limit', () => {
  // 1 USD a month; 0.12 USD a part: eight one-part messages fit (0.96), a ninth does not.
  const spendLimit = { monthlySpendLimitUsd: 1, maxPricePerPartMicroUsd: 120_000 };
  const at = { now: Date.parse('2026-12-31T23:00:00.000Z') };

  beforeEach(() => {
    at.now = Date.parse('2026-12-31T23:00:00.000Z');
    account({ spendLimit }, at);
  });

  async function expectLimitReached(promise: Promise<unknown>): Promise<void> {
    const error = await rejection(promise);
    expect(error).toBeInstanceOf(ServiceQuotaExceededException);
    expect(error).toMatchObject({
      name: 'ServiceQuotaExceededException',
      message: "The account's monthly spend limit for text messages (1 USD) is reached.",
      Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT',
      $metadata: { httpStatusCode: 400 },
    });
  }

  it('refuses the send that would pass the limit, and delivers nothing more', async () => {
    for (let sent = 0; sent < 8; sent += 1) {
      await client.send(new SendTextMessageCommand(text));
    }
    await expectLimitReached(client.send(new SendTextMessageCommand(text)));
    expect(outbox.messages()).toHaveLength(8);
  });

  it('counts every part of a long message', async () => {
    // 161 GSM characters are two parts (0.24 USD): four such messages fit (0.96), a fifth does
    // not, nor does a one-part message (0.04 USD left).
    const long = { ...text, MessageBody: 'x'.repeat(161) };
    for (let sent = 0; sent < 4; sent += 1) {
      await client.send(new SendTextMessageCommand(long));
    }
    await expectLimitReached(client.send(new SendTextMessageCommand(long)));
    await expectLimitReached(client.send(new SendTextMessageCommand(text)));
    expect(outbox.messages()).toHaveLength(4);
  });

  it('counts neither dry runs nor refused sends', async () => {
    for (let sent = 0; sent < 20; sent += 1) {
      await client.send(new SendTextMessageCommand({ ...text, DryRun: true }));
    }
    for (let sent = 0; sent < 8; sent += 1) {
      await client.send(new SendTextMessageCommand(text));
    }
    await expectLimitReached(client.send(new SendTextMessageCommand(text)));
    await expectLimitReached(client.send(new SendTextMessageCommand(text)));
    expect(outbox.messages()).toHaveLength(8);
  });

  it('starts again with the next UTC month of the local clock', async () => {
    for (let sent = 0; sent < 8; sent += 1) {
      await client.send(new SendTextMessageCommand(text));
    }
    await expectLimitReached(client.send(new SendTextMessageCommand(text)));
    at.now = Date.parse('2027-01-01T00:00:00.000Z');
    await client.send(new SendTextMessageCommand(text));
    expect(outbox.messages()).toHaveLength(9);
  });
});

describe('setFailure', () => {
  it('answers ThrottlingException without sending until the failure is cleared', async () => {
    sms.setFailure('THROTTLING');
    const error = await rejection(client.send(new SendTextMessageCommand(text)));
    expect(error).toBeInstanceOf(ThrottlingException);
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(outbox.messages()).toEqual([]);

    sms.setFailure(null);
    const answer = await client.send(new SendTextMessageCommand(text));
    expect(outbox.messages().map((message) => message.messageId)).toEqual([answer.MessageId]);
  });
});

describe('other operations', () => {
  it('answers them with UnknownOperationException', async () => {
    const error = await rejection(client.send(new DescribePhoneNumbersCommand({})));
    expect(error).toBeInstanceOf(PinpointSMSVoiceV2ServiceException);
    expect(error).toMatchObject({
      name: 'UnknownOperationException',
      message:
        'The local SMS service supports only SendTextMessage, not PinpointSMSVoiceV2.DescribePhoneNumbers.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(requests).toEqual(['POST /_aws/sms/ PinpointSMSVoiceV2.DescribePhoneNumbers']);
  });
});
