/**
 * What the notifier holds back, end to end on the local stack, as an attacker would try it:
 * nothing but a code goes to a contact its owner has not proved, at most the daily limit reaches
 * one user's inbox, and a burst of plan changes (pausing and resuming a plan 300 times) is one
 * message. Whatever is held back is in the history with its reason, never dropped.
 */
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { OutboxMessage } from '#local/services/outbox.ts';
import type { LocalStack } from '#local/stack.ts';
import type { PurchaseSucceededDetail } from '#shared/bus-events.ts';
import { sentCounterKey } from '#shared/contacts.ts';
import { notificationsTable } from '#shared/tables.ts';
import { busEventProblems } from '../../support/bus-events.ts';
import { recordedNotifications, setContactState, verifyContacts } from '../../support/contacts.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, smsStackConfig, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const UPDATE = `mutation Update($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) { phone }
}`;
const START = '2027-09-01T08:00:00.000Z';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({
    clock: new LocalClock(new Date(START)),
    config: smsStackConfig(),
  });
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  const problems = busEventProblems(stack);
  await stack.stop();
  expect(problems).toEqual([]);
});

async function outbox(): Promise<OutboxMessage[]> {
  return (await (await fetch(`${stack.url}/_local/outbox`)).json()) as OutboxMessage[];
}

/** A purchase of `userId`'s, as the bus hands it to the notifications queue. */
function purchase(userId: string, index: number) {
  const scheduledFor = new Date(Date.parse(START) - (index + 1) * 60_000).toISOString();
  const detail: PurchaseSucceededDetail = {
    planId: `plan-${userId}-${index}`,
    userId,
    scheduledFor,
    status: 'FILLED',
    clientOrderId: `order-${userId}-${index}`,
    exchangeOrderId: `x-${userId}-${index}`,
    amount: '25.00',
    currency: 'EUR',
    btcAcquiredSats: '41666',
    spentMinor: '2500',
    feeMinor: '25',
    averagePrice: '59400.00',
    executionArn: `arn:aws:states:eu-central-1:000000000000:execution:local-purchase:${index}`,
  };
  return {
    version: '0',
    id: `purchase-${userId}-${index}`,
    'detail-type': 'PurchaseSucceeded',
    source: 'savings.purchases',
    account: '000000000000',
    time: scheduledFor,
    region: 'eu-central-1',
    resources: [],
    detail,
  };
}

/** Puts purchases on the notifications queue and lets the notifier take them. */
async function deliver(events: ReturnType<typeof purchase>[]): Promise<void> {
  for (const event of events) stack.sqs.send(stack.notificationQueueUrl, JSON.stringify(event));
  await stack.advanceTo(stack.clock.now() + 10_000);
  await stack.settle();
}

const statuses = async (user: GraphqlClient, event: string) =>
  (await recordedNotifications(stack, user.sub))
    .filter((item) => item.event === event)
    .map((item) => [item.channel, item.to, item.status, item.reason ?? null]);

describe('an unverified contact', () => {
  let pia: GraphqlClient;

  beforeAll(async () => {
    pia = await signIn(stack, 'pia');
    await pia.data(UPDATE, {
      input: {
        email: 'pia.elsewhere@example.com',
        phone: '+4915111111111',
        rules: [{ event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL', 'SMS'] }],
      },
    });
    // Pending: a code was sent, and not yet entered.
    for (const [channel, destination] of [
      ['EMAIL', 'pia.elsewhere@example.com'],
      ['SMS', '+4915111111111'],
    ] as const) {
      await setContactState(stack, pia.sub, channel, {
        destination,
        status: 'PENDING',
        since: START,
        codesSentAt: [START],
      });
    }
  });

  it('gets nothing: the notification is held back as NOT_VERIFIED in the history', async () => {
    await deliver([purchase(pia.sub, 0)]);
    // Only the verification codes (one per contact, sent when they were set) reached them.
    expect(
      (await outbox())
        .filter(
          (message) =>
            message.to === '+4915111111111' || message.to === 'pia.elsewhere@example.com',
        )
        .map((message) => [message.channel, message.event]),
    ).toEqual([
      ['EMAIL', 'CONTACT_VERIFICATION'],
      ['SMS', 'CONTACT_VERIFICATION'],
    ]);
    expect(await statuses(pia, 'PURCHASE_SUCCEEDED')).toEqual([
      ['EMAIL', 'pia.elsewhere@example.com', 'HELD_BACK', 'NOT_VERIFIED'],
      ['SMS', '+4915111111111', 'HELD_BACK', 'NOT_VERIFIED'],
    ]);
    const published = stack.eventBus
      .events()
      .filter((event) => event.detailType === 'NotificationSent' && event.detail.userId === pia.sub)
      .map((event) => [event.detail.channel, event.detail.status, event.detail.reason]);
    expect(published).toEqual([
      ['EMAIL', 'HELD_BACK', 'NOT_VERIFIED'],
      ['SMS', 'HELD_BACK', 'NOT_VERIFIED'],
    ]);
  });

  it('records a redelivered event once', async () => {
    await deliver([purchase(pia.sub, 0), purchase(pia.sub, 0)]);
    expect(await statuses(pia, 'PURCHASE_SUCCEEDED')).toHaveLength(2);
  });

  it('gets its messages once verified', async () => {
    await verifyContacts(stack, pia.sub);
    await deliver([purchase(pia.sub, 1)]);
    expect(
      (await outbox())
        .filter((message) => message.planId === `plan-${pia.sub}-1`)
        .map((message) => [message.channel, message.to]),
    ).toEqual([
      ['EMAIL', 'pia.elsewhere@example.com'],
      ['SMS', '+4915111111111'],
    ]);
  });

  it('gets no more email once the address bounced: held back as UNDELIVERABLE', async () => {
    await setContactState(stack, pia.sub, 'EMAIL', {
      destination: 'pia.elsewhere@example.com',
      status: 'UNDELIVERABLE',
      since: START,
      undeliverable: { reason: 'BOUNCE', at: START, detail: 'Permanent/General' },
      codesSentAt: [],
    });
    await deliver([purchase(pia.sub, 2)]);
    expect(
      (await outbox())
        .filter((message) => message.planId === `plan-${pia.sub}-2`)
        .map((message) => message.channel),
    ).toEqual(['SMS']);
    expect(
      (await recordedNotifications(stack, pia.sub))
        .filter((item) => item.planId === `plan-${pia.sub}-2`)
        .map((item) => [item.channel, item.status, item.reason ?? null]),
    ).toEqual([
      ['EMAIL', 'HELD_BACK', 'UNDELIVERABLE'],
      ['SMS', 'SENT', null],
    ]);
  });
});

describe('the daily limit', () => {
  it('lets 25 emails a day through, the code included, and holds back the rest as DAILY_LIMIT', async () => {
    const sam = await signIn(stack, 'sam');
    await sam.data(UPDATE, { input: { email: 'sam.saver@example.com' } });
    await verifyContacts(stack, sam.sub);
    await deliver(Array.from({ length: 30 }, (_, index) => purchase(sam.sub, index)));
    // The verification code sent when the address was set is one of the day's 25.
    const sent = (await outbox()).filter((message) => message.to === 'sam.saver@example.com');
    expect(sent.map((message) => message.event)).toEqual([
      'CONTACT_VERIFICATION',
      ...Array.from({ length: 24 }, () => 'PURCHASE_SUCCEEDED'),
    ]);
    const outcomes = (await statuses(sam, 'PURCHASE_SUCCEEDED')).map(
      ([, , status, reason]) => `${String(status)} ${String(reason)}`,
    );
    expect(outcomes.sort()).toEqual([
      ...Array.from({ length: 6 }, () => 'HELD_BACK DAILY_LIMIT'),
      ...Array.from({ length: 24 }, () => 'SENT null'),
    ]);
  });
});

describe('a provider that answers "try again"', () => {
  it('gets the allowance back with the claim: the day counts only the message that went', async () => {
    const rita = await signIn(stack, 'rita');
    await rita.data(UPDATE, { input: { email: 'rita.saver@example.com' } });
    await verifyContacts(stack, rita.sub);
    stack.ses.setFailure('THROTTLING');
    await deliver([purchase(rita.sub, 0)]);
    // Two more receives, both throttled (the queue's visibility timeout is 180 s).
    await stack.advanceTo(stack.clock.now() + 200_000);
    await stack.advanceTo(stack.clock.now() + 200_000);
    stack.ses.setFailure(null);
    await stack.advanceTo(stack.clock.now() + 200_000);
    expect(
      (await outbox())
        .filter((message) => message.to === 'rita.saver@example.com')
        .map((message) => message.event),
    ).toEqual(['CONTACT_VERIFICATION', 'PURCHASE_SUCCEEDED']);
    const { Item } = await DynamoDBDocumentClient.from(stack.dynamodb).send(
      new GetCommand({
        TableName: stack.tableNames[notificationsTable.name],
        Key: { userId: rita.sub, sk: sentCounterKey('EMAIL', START.slice(0, 10)) },
        ConsistentRead: true,
      }),
    );
    // The code and the one purchase email that went; the throttled attempts were given back.
    expect(Item?.count).toBe(2);
  });
});

describe('pausing and resuming a plan 300 times', () => {
  it('sends one message per channel once the burst settled, and holds back the others as COALESCED', async () => {
    const tom = await signIn(stack, 'tom');
    await tom.data(UPDATE, {
      input: {
        email: 'tom.saver@example.com',
        phone: '+4915122222222',
        rules: [{ event: 'PLAN_CHANGED', channels: ['EMAIL', 'SMS'] }],
      },
    });
    await verifyContacts(stack, tom.sub);
    const [id = ''] = await createDailyPlans(tom, 1, {
      amount: '25.00',
      currency: 'EUR',
      timeOfDay: '08:00',
      timezone: 'Europe/Berlin',
      startDate: '2027-10-01',
      endDate: '2027-10-31',
    });
    for (let toggle = 0; toggle < 150; toggle += 1) {
      await tom.data('mutation Pause($id: ID!) { pausePlan(id: $id) { status } }', { id });
      await tom.data('mutation Resume($id: ID!) { resumePlan(id: $id) { status } }', { id });
    }
    await stack.settle();
    const told = async () =>
      (await outbox())
        .filter((message) => message.planId === id)
        .map((message) => [message.channel, message.to, message.subject?.split(':')[0] ?? null]);
    // Nothing before the coalescing window (60 s on dev) is over.
    expect(await told()).toEqual([]);
    await stack.advanceTo(stack.clock.now() + 61_000);
    await stack.settle();
    expect(await told()).toEqual([
      ['EMAIL', 'tom.saver@example.com', 'Plan resumed'],
      ['SMS', '+4915122222222', null],
    ]);
    const history = (await recordedNotifications(stack, tom.sub)).filter(
      (item) => item.planId === id,
    );
    // Created, then 300 changes: 301 notifications per channel, all in the history.
    expect(history).toHaveLength(602);
    expect(
      history
        .filter((item) => item.status === 'SENT')
        .map((item) => item.id)
        .sort(),
    ).toEqual([`${id}-v301-resumed-email`, `${id}-v301-resumed-sms`]);
    expect(
      history.filter((item) => item.status === 'HELD_BACK' && item.reason === 'COALESCED'),
    ).toHaveLength(600);
  }, 240_000);
});
