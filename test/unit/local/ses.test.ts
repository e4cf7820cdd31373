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
import type { StoredEvent } from '#local/services/eventbridge.ts';
import { LocalSes, NoEmailToAddressError, type SesEmailEvent } from '#local/services/ses.ts';

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
      tags: {
        event: 'PurchaseSucceeded',
        planId: 'plan-01J8Z',
        executionId: 'plan-01J8Z_20261207T080000Z',
      },
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

describe('bounces, complaints and the suppression list', () => {
  let published: SesEmailEvent[];
  const tagged: SendEmailCommandInput = {
    ...email,
    Destination: { ToAddresses: ['Ada <Ada@Example.org>'] },
    EmailTags: [
      { Name: 'userId', Value: 'user-1' },
      { Name: 'event', Value: 'PurchaseSucceeded' },
    ],
  };
  const stored = (event: SesEmailEvent): StoredEvent => ({
    id: 'event-1',
    time: '2026-12-07T08:00:03Z',
    source: 'aws.ses',
    detailType: event.detailType,
    detail: event.detail,
    eventBusName: 'default',
    resources: [],
    account: '000000000000',
    region: REGION,
  });

  beforeEach(() => {
    published = [];
    ses = new LocalSes({
      now: () => Date.parse(SENT_AT),
      outbox,
      region: REGION,
      verifiedIdentities: ['savings.example'],
      publish: async (event) => {
        published.push(event);
        return stored(event);
      },
    });
  });

  const feedbackId = expect.stringMatching(MESSAGE_ID) as unknown;

  it('publishes a permanent bounce of the newest email to an address, with its tags, and suppresses it', async () => {
    await client.send(new SendEmailCommand(email));
    const { MessageId } = await client.send(new SendEmailCommand(tagged));

    const event = await ses.simulateFeedback('BOUNCE', 'ada@example.org');

    const detail = {
      eventType: 'Bounce',
      bounce: {
        feedbackId,
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          {
            emailAddress: 'ada@example.org',
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
        timestamp: SENT_AT,
        reportingMTA: 'dns; local.amazonses.com',
      },
      mail: {
        timestamp: SENT_AT,
        messageId: MessageId,
        destination: ['Ada <Ada@Example.org>'],
        tags: {
          userId: ['user-1'],
          event: ['PurchaseSucceeded'],
          'ses:operation': ['SendEmail'],
        },
      },
    };
    expect(published).toEqual([{ detailType: 'Email Bounced', detail }]);
    expect(event).toEqual(stored({ detailType: 'Email Bounced', detail }));
    expect(ses.suppressedDestinations()).toEqual([
      { emailAddress: 'ada@example.org', reason: 'BOUNCE', lastUpdateTime: SENT_AT },
    ]);
  });

  it('publishes a complaint of the newest email to an address and suppresses it', async () => {
    const { MessageId } = await client.send(new SendEmailCommand(tagged));

    await ses.simulateFeedback('COMPLAINT', 'ADA@example.org');

    expect(published).toEqual([
      {
        detailType: 'Email Complaint Received',
        detail: {
          eventType: 'Complaint',
          complaint: {
            feedbackId,
            complainedRecipients: [{ emailAddress: 'ada@example.org' }],
            timestamp: SENT_AT,
            arrivalDate: SENT_AT,
            userAgent: 'local-mailbox',
            complaintFeedbackType: 'abuse',
          },
          mail: {
            timestamp: SENT_AT,
            messageId: MessageId,
            destination: ['Ada <Ada@Example.org>'],
            tags: {
              userId: ['user-1'],
              event: ['PurchaseSucceeded'],
              'ses:operation': ['SendEmail'],
            },
          },
        },
      },
    ]);
    expect(ses.suppressedDestinations()).toEqual([
      { emailAddress: 'ada@example.org', reason: 'COMPLAINT', lastUpdateTime: SENT_AT },
    ]);
  });

  it('refuses feedback for an address no email was sent to, and changes nothing', async () => {
    await client.send(new SendEmailCommand(email));

    await expect(ses.simulateFeedback('BOUNCE', 'grace@example.org')).rejects.toEqual(
      new NoEmailToAddressError('grace@example.org'),
    );
    expect(published).toEqual([]);
    expect(ses.suppressedDestinations()).toEqual([]);
  });

  it('accepts a send to a suppressed address without delivering it, and bounces it as suppressed', async () => {
    await client.send(new SendEmailCommand(tagged));
    await ses.simulateFeedback('BOUNCE', 'ada@example.org');
    published = [];

    const answer = await client.send(new SendEmailCommand(tagged));

    expect(answer.MessageId).toMatch(MESSAGE_ID);
    expect(outbox.messages().map((message) => message.messageId)).not.toContain(answer.MessageId);
    expect(published).toEqual([
      {
        detailType: 'Email Bounced',
        detail: {
          eventType: 'Bounce',
          bounce: {
            feedbackId,
            bounceType: 'Permanent',
            bounceSubType: 'OnAccountSuppressionList',
            bouncedRecipients: [
              {
                emailAddress: 'ada@example.org',
                action: 'failed',
                status: '5.1.1',
                diagnosticCode:
                  'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
              },
            ],
            timestamp: SENT_AT,
            reportingMTA: 'dns; local.amazonses.com',
          },
          mail: {
            timestamp: SENT_AT,
            messageId: answer.MessageId,
            destination: ['ada@example.org'],
            tags: {
              userId: ['user-1'],
              event: ['PurchaseSucceeded'],
              'ses:operation': ['SendEmail'],
            },
          },
        },
      },
    ]);
  });

  it('still delivers to the other recipients of a send that names a suppressed address', async () => {
    await client.send(new SendEmailCommand(tagged));
    await ses.simulateFeedback('COMPLAINT', 'ada@example.org');

    const answer = await client.send(
      new SendEmailCommand({
        ...tagged,
        Destination: { ToAddresses: ['ada@example.org', 'grace@example.org'] },
      }),
    );

    expect(
      outbox
        .messages()
        .filter((message) => message.messageId === answer.MessageId)
        .map((message) => message.to),
    ).toEqual(['grace@example.org']);
  });
});
