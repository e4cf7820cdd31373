/** The SES v2 stand-in, driven by the real SDK client over loopback. */
import type { AddressInfo } from 'node:net';
import {
  BadRequestException,
  GetAccountCommand,
  MessageRejected,
  SendEmailCommand,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
  type SendEmailCommandInput,
} from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJsonServer, createRoutes } from '#local/http.ts';
import { LocalOutbox } from '#local/services/outbox.ts';
import { LocalSes } from '#local/services/ses.ts';

const REGION = 'eu-central-1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MESSAGE_ID =
  /^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-000000$/;
const SENT_AT = '2026-12-07T08:00:03.250Z';

const routes = createRoutes();
const server = createJsonServer(routes, () => undefined);
let client: SESv2Client;

let outbox: LocalOutbox;
let ses: LocalSes;
let requests: string[];

beforeAll(async () => {
  routes.prefixes.set('/_aws/ses', (request) => {
    requests.push(`${request.method} ${request.url.pathname}`);
    return ses.handler(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new SESv2Client({
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/_aws/ses`,
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
  ses = new LocalSes({
    now: () => Date.parse(SENT_AT),
    outbox,
    region: REGION,
    verifiedIdentities: ['savings.example', 'alerts@other.example'],
  });
});

/** A valid email as the notifier sends it. */
const email: SendEmailCommandInput = {
  FromEmailAddress: 'Savings Plan <no-reply@savings.example>',
  Destination: { ToAddresses: ['ada@example.org'] },
  Content: {
    Simple: {
      Subject: { Data: 'Your purchase went through', Charset: 'UTF-8' },
      Body: {
        Text: { Data: 'You bought 0.00041234 BTC.' },
        Html: { Data: '<p>You bought 0.00041234 BTC.</p>' },
      },
    },
  },
  EmailTags: [
    { Name: 'event', Value: 'PurchaseSucceeded' },
    { Name: 'planId', Value: 'plan-01J8Z' },
    { Name: 'executionId', Value: 'plan-01J8Z_20261207T080000Z' },
  ],
};

/** `email` with its Simple content changed. */
function withSimple(simple: Record<string, unknown>): SendEmailCommandInput {
  return { ...email, Content: { Simple: simple } } as unknown as SendEmailCommandInput;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('SendEmail', () => {
  it('delivers a simple email to every recipient with its tags and answers one MessageId', async () => {
    const answer = await client.send(
      new SendEmailCommand({
        ...email,
        Destination: {
          ToAddresses: ['ada@example.org', 'Grace <grace@example.org>'],
          BccAddresses: ['audit@example.org'],
        },
      }),
    );

    expect(requests).toEqual(['POST /_aws/ses/v2/email/outbound-emails']);
    expect(answer.MessageId).toMatch(MESSAGE_ID);
    expect(answer.$metadata).toMatchObject({
      httpStatusCode: 200,
      requestId: expect.stringMatching(UUID),
    });
    const delivered = (to: string) => ({
      channel: 'EMAIL',
      to,
      subject: 'Your purchase went through',
      body: 'You bought 0.00041234 BTC.',
      html: '<p>You bought 0.00041234 BTC.</p>',
      event: 'PurchaseSucceeded',
      planId: 'plan-01J8Z',
      executionId: 'plan-01J8Z_20261207T080000Z',
      sentAt: SENT_AT,
      messageId: answer.MessageId,
    });
    expect(outbox.messages()).toEqual([
      delivered('ada@example.org'),
      delivered('Grace <grace@example.org>'),
      delivered('audit@example.org'),
    ]);
  });

  it('delivers a text-only or HTML-only email, and one without tags', async () => {
    await client.send(
      new SendEmailCommand(
        withSimple({ Subject: { Data: 'Text' }, Body: { Text: { Data: 'plain' } } }),
      ),
    );
    await client.send(
      new SendEmailCommand({
        ...withSimple({ Subject: { Data: 'Html' }, Body: { Html: { Data: '<b>rich</b>' } } }),
        EmailTags: undefined,
      }),
    );

    expect(
      outbox.messages().map(({ subject, body, html, event, planId, executionId }) => ({
        subject,
        body,
        html,
        event,
        planId,
        executionId,
      })),
    ).toEqual([
      {
        subject: 'Text',
        body: 'plain',
        html: null,
        event: 'PurchaseSucceeded',
        planId: 'plan-01J8Z',
        executionId: 'plan-01J8Z_20261207T080000Z',
      },
      {
        subject: 'Html',
        body: '',
        html: '<b>rich</b>',
        event: null,
        planId: null,
        executionId: null,
      },
    ]);
  });

  it('accepts senders in a verified domain, its subdomains, or at a verified address', async () => {
    for (const from of [
      'no-reply@savings.example',
      'No Reply <no-reply@mail.savings.example>',
      'ALERTS@Other.Example',
    ]) {
      await client.send(new SendEmailCommand({ ...email, FromEmailAddress: from }));
    }
    expect(outbox.messages()).toHaveLength(3);
  });

  it('refuses an unverified sender with MessageRejected and delivers nothing', async () => {
    for (const from of ['someone@other.example', 'no-reply@savings.example.org']) {
      const error = await rejection(
        client.send(new SendEmailCommand({ ...email, FromEmailAddress: from })),
      );
      expect(error).toBeInstanceOf(MessageRejected);
      expect(error).toMatchObject({
        name: 'MessageRejected',
        message: `Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: ${from}`,
        $fault: 'client',
        $metadata: { httpStatusCode: 400, requestId: expect.stringMatching(UUID) },
      });
    }
    expect(outbox.messages()).toEqual([]);
  });

  it('counts To, Cc and Bcc together against the limit of 50 recipients', async () => {
    const addresses = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) => `${prefix}${index}@example.org`);
    await client.send(
      new SendEmailCommand({
        ...email,
        Destination: {
          ToAddresses: addresses('to', 20),
          CcAddresses: addresses('cc', 20),
          BccAddresses: addresses('bcc', 10),
        },
      }),
    );
    expect(outbox.messages()).toHaveLength(50);

    const error = await rejection(
      client.send(
        new SendEmailCommand({
          ...email,
          Destination: {
            ToAddresses: addresses('to', 20),
            CcAddresses: addresses('cc', 20),
            BccAddresses: addresses('bcc', 11),
          },
        }),
      ),
    );
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error).toMatchObject({
      name: 'BadRequestException',
      message: 'Recipient count exceeds 50.',
      $metadata: { httpStatusCode: 400 },
    });
    expect(outbox.messages()).toHaveLength(50);
  });

  it('refuses a request SES would find invalid with BadRequestException', async () => {
    const cases: [string, SendEmailCommandInput][] = [
      [
        'Content is required.',
        { ...email, Content: undefined } as unknown as SendEmailCommandInput,
      ],
      [
        'Content.Simple.Subject is required.',
        withSimple({ Body: { Text: { Data: 'no subject' } } }),
      ],
      ['Content.Simple.Body is required.', withSimple({ Subject: { Data: 'no body' } })],
      [
        'Content.Simple.Body must contain Text or Html.',
        withSimple({ Subject: { Data: 'empty body' }, Body: {} }),
      ],
      [
        'Content.Simple.Body.Text.Data is required.',
        withSimple({ Subject: { Data: 'no data' }, Body: { Text: {} } }),
      ],
      [
        'The local SES supports only Simple content, not Raw or Template.',
        { ...email, Content: { Template: { TemplateName: 'receipt', TemplateData: '{}' } } },
      ],
      [
        'FromEmailAddress is required for Simple content.',
        { ...email, FromEmailAddress: undefined },
      ],
      ['Illegal address: no-reply', { ...email, FromEmailAddress: 'no-reply' }],
      ['Destination must name at least one recipient.', { ...email, Destination: undefined }],
      ['Illegal address: ada@example', { ...email, Destination: { ToAddresses: ['ada@example'] } }],
      ['Illegal address: reply to', { ...email, ReplyToAddresses: ['reply to'] }],
      [
        "Invalid tag value <plan-01J8Z_2026-12-07T08:00:00Z>: only alphanumeric ASCII characters, '_', and '-' are allowed.",
        {
          ...email,
          EmailTags: [{ Name: 'executionId', Value: 'plan-01J8Z_2026-12-07T08:00:00Z' }],
        },
      ],
      [
        "Invalid tag name <plan id>: only alphanumeric ASCII characters, '_', and '-' are allowed.",
        { ...email, EmailTags: [{ Name: 'plan id', Value: 'p1' }] },
      ],
      [
        "Invalid tag value <>: only alphanumeric ASCII characters, '_', and '-' are allowed.",
        { ...email, EmailTags: [{ Name: 'event', Value: '' }] },
      ],
    ];
    for (const [message, input] of cases) {
      const error = await rejection(client.send(new SendEmailCommand(input)));
      expect(error, message).toBeInstanceOf(BadRequestException);
      expect(error, message).toMatchObject({
        name: 'BadRequestException',
        message,
        $metadata: { httpStatusCode: 400 },
      });
    }
    expect(outbox.messages()).toEqual([]);
  });

  it('allows the custom feedback tag names that contain a colon', async () => {
    await client.send(
      new SendEmailCommand({
        ...email,
        EmailTags: [{ Name: 'ses:feedback-id-a', Value: 'purchases' }],
      }),
    );
    expect(outbox.messages()).toHaveLength(1);
  });
});

describe('setFailure', () => {
  it('answers TooManyRequestsException without sending until the failure is cleared', async () => {
    ses.setFailure('THROTTLING');
    const error = await rejection(client.send(new SendEmailCommand(email)));
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error).toMatchObject({
      name: 'TooManyRequestsException',
      message: 'Maximum sending rate exceeded.',
      $metadata: { httpStatusCode: 429 },
    });
    expect(outbox.messages()).toEqual([]);

    ses.setFailure(null);
    const answer = await client.send(new SendEmailCommand(email));
    expect(outbox.messages().map((message) => message.messageId)).toEqual([answer.MessageId]);
  });
});

describe('other operations', () => {
  it('answers them with UnknownOperationException', async () => {
    const error = await rejection(client.send(new GetAccountCommand({})));
    expect(error).toBeInstanceOf(SESv2ServiceException);
    expect(error).toMatchObject({
      name: 'UnknownOperationException',
      message:
        'The local SES supports only SendEmail (POST /v2/email/outbound-emails), not GET /v2/email/account.',
      $metadata: { httpStatusCode: 404 },
    });
  });
});
