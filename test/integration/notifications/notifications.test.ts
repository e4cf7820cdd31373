/**
 * Notifications end to end on the local stack: purchases, failures and missed runs reach the
 * outbox by email and SMS as the user's preferences say, with what a person needs to know; the
 * history lists them; a redelivered event and a throttled provider never send anything twice.
 */
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import { LOCAL_AWS } from '#local/services/dynamodb.ts';
import type { OutboxMessage } from '#local/services/outbox.ts';
import type { LocalStack } from '#local/stack.ts';
import { busEventProblems } from '../../support/bus-events.ts';
import { recordedNotifications, verifyContacts } from '../../support/contacts.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, smsStackConfig, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const UPDATE = `mutation Update($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) { phone }
}`;
const HISTORY = `query History($limit: Int, $nextToken: String) {
  notifications(limit: $limit, nextToken: $nextToken) {
    items { id event channel to subject body planId executionId status sentAt }
    nextToken
  }
}`;

interface HistoryItem {
  id: string;
  event: string;
  channel: string;
  to: string;
  subject: string | null;
  body: string;
  planId: string | null;
  executionId: string | null;
  status: string;
  sentAt: string;
}

let stack: LocalStack;
let paula: GraphqlClient;

beforeAll(async () => {
  stack = await startTestStack({
    clock: new LocalClock(new Date('2027-09-01T00:00:00Z')),
    config: smsStackConfig(),
  });
  paula = await signIn(stack, 'paula');
  await paula.data(UPDATE, {
    input: {
      phone: '+4915123456789',
      rules: [
        { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL', 'SMS'] },
        { event: 'PURCHASE_FAILED', channels: ['EMAIL', 'SMS'] },
      ],
    },
  });
  // Only a verified phone gets messages (test/integration/notifications/limits.test.ts).
  await verifyContacts(stack, paula.sub);
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  // Every event the file's runs published is one of the catalog's, with its detail's shape.
  const problems = busEventProblems(stack);
  await stack.stop();
  expect(problems).toEqual([]);
});

async function outbox(): Promise<OutboxMessage[]> {
  const response = await fetch(`${stack.url}/_local/outbox`);
  return (await response.json()) as OutboxMessage[];
}

async function planOn(day: string, timeOfDay = '08:00'): Promise<string> {
  const [id] = await createDailyPlans(paula, 1, {
    amount: '25.00',
    currency: 'EUR',
    timeOfDay,
    timezone: 'Europe/Berlin',
    startDate: day,
    endDate: day === '2027-09-02' ? '2027-09-03' : day,
  });
  await stack.settle();
  return id ?? '';
}

/** What was sent about a plan's runs (its PLAN_CHANGED messages are asserted on their own). */
const forPlan = (messages: OutboxMessage[], planId: string) =>
  messages.filter((message) => message.planId === planId && message.event !== 'PLAN_CHANGED');

describe('a purchase', () => {
  it('is told by email and SMS, with the amount, BTC, price, fee and next run', async () => {
    const id = await planOn('2027-09-02');
    await stack.advanceTo(Date.parse('2027-09-02T07:00:00Z'));
    const sent = forPlan(await outbox(), id);
    expect(sent.map((message) => [message.channel, message.event, message.to])).toEqual([
      ['EMAIL', 'PURCHASE_SUCCEEDED', 'paula@example.com'],
      ['SMS', 'PURCHASE_SUCCEEDED', '+4915123456789'],
    ]);
    const [email, sms] = sent;
    expect(email?.subject).toMatch(/^Bought 0\.\d{8} BTC for 25\.00 EUR$/);
    expect(email?.body).toContain('25.00 EUR');
    expect(email?.body).toMatch(/EUR per BTC/);
    expect(email?.body).toMatch(/fee/i);
    expect(email?.body).toContain('Friday 3 September 2027, 08:00 (Europe/Berlin)');
    expect(email?.html).toContain('<html');
    expect(email?.executionId).toBe(`${id}_2027-09-02T06:00:00Z`);
    expect(sms?.body.length).toBeLessThanOrEqual(320);

    const { notifications } = await paula.data<{ notifications: { items: HistoryItem[] } }>(
      HISTORY,
      { limit: 10 },
    );
    const mine = notifications.items.filter((item) => item.planId === id);
    expect(mine.map((item) => [item.channel, item.status])).toEqual(
      expect.arrayContaining([
        ['EMAIL', 'SENT'],
        ['SMS', 'SENT'],
      ]),
    );
    expect(mine.find((item) => item.channel === 'EMAIL')?.body).toBe(email?.body);
    expect(
      stack.eventBus
        .events()
        .filter(
          (event) =>
            event.detailType === 'NotificationSent' &&
            event.detail.planId === id &&
            event.detail.event === 'PURCHASE_SUCCEEDED',
        ),
    ).toHaveLength(2);
    // The audit trail holds the purchase and both notifications.
    const audit = (await (await fetch(`${stack.url}/_local/audit`)).json()) as {
      key: string;
      event: { 'detail-type': string; detail: { planId?: string } };
    }[];
    expect(
      audit
        .filter((record) => record.event.detail.planId === id)
        .map((record) => record.event['detail-type'])
        .sort(),
    ).toEqual([
      'NotificationSent', // the plan's creation, by email
      'NotificationSent',
      'NotificationSent',
      'PlanChanged',
      'PurchaseSucceeded',
    ]);
  });

  it('sends nothing twice when the same event is delivered again', async () => {
    const before = (await outbox()).length;
    const succeeded = stack.eventBus
      .events()
      .filter((event) => event.detailType === 'PurchaseSucceeded');
    const last = succeeded.at(-1);
    if (last === undefined) throw new Error('no PurchaseSucceeded event');
    const envelope = {
      version: '0',
      id: last.id,
      'detail-type': last.detailType,
      source: last.source,
      account: last.account,
      time: last.time,
      region: last.region,
      resources: last.resources,
      detail: last.detail,
    };
    stack.sqs.send(stack.notificationQueueUrl, JSON.stringify(envelope));
    stack.sqs.send(stack.notificationQueueUrl, JSON.stringify(envelope));
    await stack.advanceTo(stack.clock.now() + 60_000);
    expect((await outbox()).length).toBe(before);
  });
});

describe('a failed purchase', () => {
  it('says why in plain words and what happens next', async () => {
    await fetch(`${stack.url}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ exchange: { rejectInsufficientFunds: true } }),
    });
    const id = await planOn('2027-09-05');
    await stack.advanceTo(Date.parse('2027-09-05T07:00:00Z'));
    await fetch(`${stack.url}/_local/faults`, { method: 'POST', body: '{}' });
    const sent = forPlan(await outbox(), id);
    expect(sent.map((message) => [message.channel, message.event])).toEqual([
      ['EMAIL', 'PURCHASE_FAILED'],
      ['SMS', 'PURCHASE_FAILED'],
    ]);
    expect(sent[0]?.subject).toBe('Purchase of 25.00 EUR failed: not enough funds');
    expect(sent[0]?.body).toContain('No money was spent.');
    expect(sent[1]?.body).toContain('No money was spent.');
  });
});

describe('a missed run', () => {
  it('says it was missed and what the system did about it', async () => {
    const id = await planOn('2027-09-07', '12:00');
    const scheduler = new SchedulerClient({
      ...LOCAL_AWS,
      endpoint: `${stack.url}/_aws/scheduler`,
    });
    const group = stack.scheduler.list().find((item) => item.name === `plan-${id}`)?.group;
    await scheduler.send(new DeleteScheduleCommand({ Name: `plan-${id}`, GroupName: group }));
    scheduler.destroy();
    await stack.advanceTo(Date.parse('2027-09-07T11:00:00Z'));
    const sent = forPlan(await outbox(), id);
    // RUN_MISSED goes by email only: the default rule.
    expect(sent.map((message) => [message.channel, message.event])).toEqual([
      ['EMAIL', 'RUN_MISSED'],
    ]);
    expect(sent[0]?.body).toMatch(/missed/i);
  });
});

describe('a throttled provider', () => {
  it('sends the email once the provider takes it again, and only once', async () => {
    stack.ses.setFailure('THROTTLING');
    const id = await planOn('2027-09-09');
    await stack.advanceTo(Date.parse('2027-09-09T06:10:00Z'));
    // The SMS went; the email waits in the queue.
    expect(forPlan(await outbox(), id).map((message) => message.channel)).toEqual(['SMS']);
    stack.ses.setFailure(null);
    await stack.advanceTo(Date.parse('2027-09-09T07:00:00Z'));
    expect(
      forPlan(await outbox(), id)
        .map((message) => message.channel)
        .sort(),
    ).toEqual(['EMAIL', 'SMS']);
  });
});

describe('a plan change', () => {
  it('is told by email with the old and new values, once, and bookkeeping is not', async () => {
    const id = await planOn('2027-09-20');
    // Past coalesceSeconds (60 s on dev): each change is a burst of its own.
    await stack.advanceTo(stack.clock.now() + 61_000);
    const { plan } = await paula.data<{ plan: { version: number } }>(
      'query Plan($id: ID!) { plan(id: $id) { version } }',
      { id },
    );
    await paula.data(
      'mutation Update($input: UpdatePlanInput!) { updatePlan(input: $input) { version } }',
      { input: { id, expectedVersion: plan.version, amount: '40.00' } },
    );
    await stack.settle();
    await stack.advanceTo(stack.clock.now() + 61_000);
    await paula.data('mutation Pause($id: ID!) { pausePlan(id: $id) { status } }', { id });
    await stack.settle();
    await stack.advanceTo(stack.clock.now() + 61_000);
    const changes = (await outbox()).filter(
      (message) => message.planId === id && message.event === 'PLAN_CHANGED',
    );
    expect(changes.map((message) => [message.channel, message.subject?.split(':')[0]])).toEqual([
      ['EMAIL', 'Plan created'],
      ['EMAIL', 'Plan updated'],
      ['EMAIL', 'Plan paused'],
    ]);
    const updated = changes.find((message) => message.body.includes('was changed'));
    expect(updated?.body).toContain('Amount: 25.00 EUR → 40.00 EUR');
    const published = stack.eventBus
      .events()
      .filter((event) => event.detailType === 'PlanChanged' && event.detail.planId === id)
      .map((event) => [event.detail.version, event.detail.change])
      .sort();
    // Re-arming after each change is bookkeeping: no event for it. (EventBridge does not keep
    // order; the version does.)
    expect(published).toEqual([
      [1, 'CREATED'],
      [2, 'UPDATED'],
      [3, 'PAUSED'],
    ]);
  });

  it('is told once for a burst of changes: the last one, the others held back as COALESCED', async () => {
    const id = await planOn('2027-09-21');
    await paula.data('mutation Pause($id: ID!) { pausePlan(id: $id) { status } }', { id });
    await paula.data('mutation Resume($id: ID!) { resumePlan(id: $id) { status } }', { id });
    await stack.settle();
    expect(
      (await outbox()).filter(
        (message) => message.planId === id && message.event === 'PLAN_CHANGED',
      ),
    ).toEqual([]);
    await stack.advanceTo(stack.clock.now() + 61_000);
    expect(
      (await outbox())
        .filter((message) => message.planId === id && message.event === 'PLAN_CHANGED')
        .map((message) => [message.channel, message.subject?.split(':')[0]]),
    ).toEqual([['EMAIL', 'Plan resumed']]);
    // The history keeps every one, with why it was not sent.
    expect(
      (await recordedNotifications(stack, paula.sub))
        .filter((item) => item.planId === id && item.event === 'PLAN_CHANGED')
        .map((item) => [item.id, item.status, item.reason ?? null]),
    ).toEqual([
      [`${id}-v1-created-email`, 'HELD_BACK', 'COALESCED'],
      [`${id}-v2-paused-email`, 'HELD_BACK', 'COALESCED'],
      [`${id}-v3-resumed-email`, 'SENT', null],
    ]);
  });
});

describe('a stack without an SMS origination identity', () => {
  let bare: LocalStack;

  afterAll(async () => {
    expect(bare.accessViolations()).toEqual([]);
    await bare.stop();
  });

  it('tells by email and skips SMS, since SMS is not configured', async () => {
    bare = await startTestStack({ clock: new LocalClock(new Date('2027-09-01T00:00:00Z')) });
    const nina = await signIn(bare, 'nina');
    await nina.data(UPDATE, {
      input: {
        phone: '+4915123456780',
        rules: [{ event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL', 'SMS'] }],
      },
    });
    const [id] = await createDailyPlans(nina, 1, {
      amount: '25.00',
      currency: 'EUR',
      timeOfDay: '08:00',
      timezone: 'Europe/Berlin',
      startDate: '2027-09-02',
      endDate: '2027-09-02',
    });
    await bare.settle();
    await bare.advanceTo(Date.parse('2027-09-02T07:00:00Z'));
    const sent = (await (await fetch(`${bare.url}/_local/outbox`)).json()) as OutboxMessage[];
    expect(
      forPlan(sent, id ?? '').map((message) => [message.channel, message.event, message.to]),
    ).toEqual([['EMAIL', 'PURCHASE_SUCCEEDED', 'nina@example.com']]);
    const { notifications } = await nina.data<{ notifications: { items: HistoryItem[] } }>(
      HISTORY,
      { limit: 10 },
    );
    expect(
      notifications.items
        .filter((item) => item.planId === id && item.event === 'PURCHASE_SUCCEEDED')
        .map((item) => [item.channel, item.status]),
    ).toEqual([['EMAIL', 'SENT']]);
  });
});
