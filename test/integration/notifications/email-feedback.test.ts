/**
 * Bounces and complaints end to end on the local stack: `POST /_local/outbox` makes the local SES
 * publish SES's event on the default bus, the `email-feedback` rule queues it, the email-feedback
 * function marks the user's address UNDELIVERABLE on the preferences item (version-conditional,
 * once), and the address is on the account's suppression list: the next purchase email does not
 * reach it.
 */
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { OutboxMessage } from '#local/services/outbox.ts';
import type { LocalStack } from '#local/stack.ts';
import type { ContactState } from '#shared/contacts.ts';
import { PREFERENCES_KEY } from '#shared/tables.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const UPDATE = `mutation Update($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) { email }
}`;
const ADDRESS = 'bea@mail.example';
const VERIFIED_AT = '2027-09-01T00:00:00.000Z';

let stack: LocalStack;
let bea: GraphqlClient;
let cleo: GraphqlClient;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-09-01T00:00:00Z')) });
  bea = await signIn(stack, 'bea');
  cleo = await signIn(stack, 'cleo');
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function outbox(): Promise<OutboxMessage[]> {
  return (await (await fetch(`${stack.url}/_local/outbox`)).json()) as OutboxMessage[];
}

async function feedback(body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.url}/_local/outbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function preferencesItem(userId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await stack.dynamodb.send(
    new GetItemCommand({
      TableName: stack.tableNames.notifications,
      Key: marshall({ userId, sk: PREFERENCES_KEY }),
      ConsistentRead: true,
    }),
  );
  return Item === undefined ? undefined : unmarshall(Item);
}

/** A plan that buys once, on `day` at 08:00 Berlin time. */
async function planOn(client: GraphqlClient, day: string): Promise<string> {
  const [id] = await createDailyPlans(client, 1, {
    amount: '25.00',
    currency: 'EUR',
    timeOfDay: '08:00',
    timezone: 'Europe/Berlin',
    startDate: day,
    endDate: day,
  });
  await stack.settle();
  return id ?? '';
}

describe('a bounce of a verified stored address', () => {
  let bounced: { event: { detail: { bounce: { timestamp: string } } } };

  it('marks the address undeliverable once the first purchase email to it bounces', async () => {
    await bea.data(UPDATE, { input: { email: ADDRESS } });
    // Verified directly (the codes are another part's): what verifyContact leaves on the item.
    const verified: ContactState = {
      destination: ADDRESS,
      status: 'VERIFIED',
      since: VERIFIED_AT,
      verifiedAt: VERIFIED_AT,
      codesSentAt: [VERIFIED_AT],
    };
    await stack.dynamodb.send(
      new UpdateItemCommand({
        TableName: stack.tableNames.notifications,
        Key: marshall({ userId: 'bea', sk: PREFERENCES_KEY }),
        UpdateExpression: 'SET emailContact = :contact, #version = #version + :one',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: marshall({ ':contact': verified, ':one': 1 }),
      }),
    );
    const planId = await planOn(bea, '2027-09-02');
    await stack.advanceTo(Date.parse('2027-09-02T07:00:00Z'));
    const purchase = (await outbox()).filter(
      (message) => message.planId === planId && message.event === 'PURCHASE_SUCCEEDED',
    );
    expect(purchase.map((message) => [message.channel, message.to])).toEqual([['EMAIL', ADDRESS]]);
    // The newest email to the address (the purchase, or the plan's end after it) bounces.
    const newest = (await outbox()).filter((message) => message.to === ADDRESS).at(-1);
    expect(newest?.tags?.userId).toBe('bea');

    const answer = await feedback({ feedback: 'BOUNCE', to: ADDRESS });

    expect(answer.status).toBe(200);
    bounced = answer.body as typeof bounced;
    expect(answer.body).toEqual({
      event: {
        version: '0',
        id: expect.any(String) as unknown,
        'detail-type': 'Email Bounced',
        source: 'aws.ses',
        account: '000000000000',
        time: expect.any(String) as unknown,
        region: 'eu-central-1',
        resources: [],
        detail: {
          eventType: 'Bounce',
          bounce: {
            feedbackId: expect.any(String) as unknown,
            bounceType: 'Permanent',
            bounceSubType: 'General',
            bouncedRecipients: [
              {
                emailAddress: ADDRESS,
                action: 'failed',
                status: '5.1.1',
                diagnosticCode: 'smtp; 550 5.1.1 user unknown',
              },
            ],
            timestamp: expect.any(String) as unknown,
            reportingMTA: 'dns; local.amazonses.com',
          },
          mail: {
            timestamp: newest?.sentAt,
            messageId: newest?.messageId,
            destination: [ADDRESS],
            tags: {
              ...Object.fromEntries(
                Object.entries(newest?.tags ?? {}).map(([name, value]) => [name, [value]]),
              ),
              'ses:operation': ['SendEmail'],
            },
          },
        },
      },
    });
    const item = await preferencesItem('bea');
    expect(item?.emailContact).toEqual({
      destination: ADDRESS,
      status: 'UNDELIVERABLE',
      since: expect.stringMatching(/^2027-09-02T07:\d{2}:\d{2}\.\d{3}Z$/) as unknown,
      undeliverable: {
        reason: 'BOUNCE',
        at: bounced.event.detail.bounce.timestamp,
        detail: 'Permanent/General',
      },
      codesSentAt: [VERIFIED_AT],
    });
    // updateNotificationPreferences wrote version 1, its code 2, the test's verification 3, the
    // bounce 4.
    expect(item?.version).toBe(4);
    expect(stack.ses.suppressedDestination(ADDRESS)).toEqual({
      emailAddress: ADDRESS,
      reason: 'BOUNCE',
      lastUpdateTime: bounced.event.detail.bounce.timestamp,
    });
  });

  it('changes nothing more when the address bounces again', async () => {
    const before = await preferencesItem('bea');

    expect((await feedback({ feedback: 'BOUNCE', to: ADDRESS })).status).toBe(200);

    expect(await preferencesItem('bea')).toEqual(before);
  });

  it('delivers no further purchase email to the address', async () => {
    const planId = await planOn(bea, '2027-09-03');
    await stack.advanceTo(Date.parse('2027-09-03T07:00:00Z'));

    expect(
      (await outbox()).filter((message) => message.planId === planId && message.to === ADDRESS),
    ).toEqual([]);
    expect((await preferencesItem('bea'))?.emailContact).toMatchObject({
      destination: ADDRESS,
      status: 'UNDELIVERABLE',
    });
  });
});

describe('a complaint about the sign-in email', () => {
  it('marks the sign-in email undeliverable for a user who never saved preferences', async () => {
    const planId = await planOn(cleo, '2027-09-04');
    await stack.advanceTo(Date.parse('2027-09-04T07:00:00Z'));
    expect(
      (await outbox())
        .filter((message) => message.planId === planId && message.event === 'PURCHASE_SUCCEEDED')
        .map((message) => message.to),
    ).toEqual(['cleo@example.com']);
    expect(await preferencesItem('cleo')).toBeUndefined();

    const answer = await feedback({ feedback: 'COMPLAINT', to: 'Cleo@Example.com' });

    expect(answer.status).toBe(200);
    const complaint = (answer.body as { event: { detail: { complaint: { timestamp: string } } } })
      .event.detail.complaint;
    expect(await preferencesItem('cleo')).toEqual({
      userId: 'cleo',
      sk: PREFERENCES_KEY,
      version: 1,
      updatedAt: expect.any(String) as unknown,
      rules: [
        { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL'] },
        { event: 'PURCHASE_FAILED', channels: ['EMAIL'] },
        { event: 'RUN_MISSED', channels: ['EMAIL'] },
        { event: 'PLAN_CHANGED', channels: ['EMAIL'] },
      ],
      emailContact: {
        destination: 'cleo@example.com',
        status: 'UNDELIVERABLE',
        since: expect.any(String) as unknown,
        undeliverable: { reason: 'COMPLAINT', at: complaint.timestamp, detail: 'abuse' },
        codesSentAt: [],
      },
    });
    expect(stack.ses.suppressedDestination('cleo@example.com')?.reason).toBe('COMPLAINT');
  });
});

describe('POST /_local/outbox', () => {
  it('refuses an address no email was sent to, saying so', async () => {
    expect(await feedback({ feedback: 'BOUNCE', to: 'nobody@mail.example' })).toEqual({
      status: 400,
      body: {
        error:
          'no email to nobody@mail.example in the outbox: send one first (GET /_local/outbox lists them)',
      },
    });
  });

  it('refuses a body that is not a bounce or complaint for an address', async () => {
    const usage =
      'send {"feedback": "BOUNCE" | "COMPLAINT", "to": "<an address an email was sent to>"}';
    expect(await feedback({ feedback: 'DELIVERY', to: ADDRESS })).toEqual({
      status: 400,
      body: { error: usage },
    });
    expect(await feedback({ feedback: 'BOUNCE', to: ADDRESS, extra: 1 })).toEqual({
      status: 400,
      body: { error: `unknown field(s): extra; ${usage}` },
    });
  });
});
