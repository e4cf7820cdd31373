/**
 * A contact point's life through GraphQL on the local stack, as a saver lives it: the sign-in
 * email the identity provider verified (or did not), a code that expires, an address that bounces
 * or complains and is replaced. Each step shows in `notificationPreferences` and in `notifications`,
 * and the outbox gets exactly what the state allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { latestCode, sentTo } from '../../support/contacts.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, smsStackConfig, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const STATE = 'status undeliverableReason codeExpiresAt';
const READ = `{ notificationPreferences { email emailVerification { ${STATE} } } }`;
const UPDATE = `mutation Update($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) {
    email phone emailVerification { ${STATE} } phoneVerification { ${STATE} }
  }
}`;
const VERIFY = `mutation Verify($channel: NotificationChannel!, $code: String!) {
  verifyContact(channel: $channel, code: $code) {
    emailVerification { ${STATE} } phoneVerification { ${STATE} }
  }
}`;
const RESEND = `mutation Resend($channel: NotificationChannel!) {
  resendVerification(channel: $channel) { emailVerification { ${STATE} } }
}`;
const HISTORY = `{ notifications(limit: 50) { items { event channel to status reason planId } } }`;

interface State {
  status: string;
  undeliverableReason: string | null;
  codeExpiresAt: string | null;
}
interface HistoryItem {
  event: string;
  channel: string;
  to: string;
  status: string;
  reason: string | null;
  planId: string | null;
}

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({
    clock: new LocalClock(new Date('2027-11-01T00:00:00Z')),
    config: smsStackConfig(),
  });
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

const emailState = async (client: GraphqlClient) =>
  (
    await client.data<{ notificationPreferences: { email: string; emailVerification: State } }>(
      READ,
    )
  ).notificationPreferences;

const history = async (client: GraphqlClient) =>
  (await client.data<{ notifications: { items: HistoryItem[] } }>(HISTORY)).notifications.items;

/** Creates a plan whose one run is on `day` at 08:00 Berlin, and runs it. */
async function buyOn(client: GraphqlClient, day: string): Promise<string> {
  const [id = ''] = await createDailyPlans(client, 1, {
    amount: '25.00',
    currency: 'EUR',
    timeOfDay: '08:00',
    timezone: 'Europe/Berlin',
    startDate: day,
    endDate: day,
  });
  await stack.settle();
  await stack.advanceTo(Date.parse(`${day}T07:30:00Z`));
  return id;
}

/** What happened to a plan's purchase notification by email: [status, reason]. */
async function purchaseEmail(client: GraphqlClient, planId: string) {
  return (await history(client))
    .filter(
      (item) =>
        item.planId === planId && item.event === 'PURCHASE_SUCCEEDED' && item.channel === 'EMAIL',
    )
    .map((item) => [item.to, item.status, item.reason]);
}

async function feedback(kind: 'BOUNCE' | 'COMPLAINT', to: string): Promise<number> {
  const response = await fetch(`${stack.url}/_local/outbox`, {
    method: 'POST',
    body: JSON.stringify({ feedback: kind, to }),
  });
  return response.status;
}

describe('the sign-in email', () => {
  it('is used at once when the identity provider verified it (email_verified true)', async () => {
    const vera = await signIn(stack, 'vera');
    expect((await emailState(vera)).emailVerification.status).toBe('VERIFIED');
    const planId = await buyOn(vera, '2027-11-02');
    expect(await purchaseEmail(vera, planId)).toEqual([['vera@example.com', 'SENT', null]]);
  });

  it('gets nothing but a code until its owner proves it (email_verified false)', async () => {
    const una = await signIn(stack, 'una', { email_verified: false });
    expect((await emailState(una)).emailVerification.status).toBe('PENDING');
    const first = await buyOn(una, '2027-11-03');
    expect(await purchaseEmail(una, first)).toEqual([
      ['una@example.com', 'HELD_BACK', 'NOT_VERIFIED'],
    ]);
    expect(sentTo(stack, 'una@example.com')).toEqual([]);

    await una.data(RESEND, { channel: 'EMAIL' });
    await una.data(VERIFY, { channel: 'EMAIL', code: latestCode(stack, 'una@example.com') });
    expect((await emailState(una)).emailVerification.status).toBe('VERIFIED');
    const second = await buyOn(una, '2027-11-04');
    expect(await purchaseEmail(una, second)).toEqual([['una@example.com', 'SENT', null]]);
  });
});

describe('a code', () => {
  it('stops working after 10 minutes; a new one verifies', async () => {
    const ivo = await signIn(stack, 'ivo');
    const phone = '+4915100000011';
    await ivo.data(UPDATE, { input: { phone } });
    const expired = latestCode(stack, phone);
    await stack.advanceTo(stack.clock.now() + 10 * 60_000 + 1000);
    const error = await ivo.error(VERIFY, { channel: 'SMS', code: expired });
    expect(error.errorType).toBe('ExpiredCodeError');

    await ivo.data(
      `mutation Resend($channel: NotificationChannel!) {
        resendVerification(channel: $channel) { phone }
      }`,
      { channel: 'SMS' },
    );
    const verified = await ivo.data<{ verifyContact: { phoneVerification: State } }>(VERIFY, {
      channel: 'SMS',
      code: latestCode(stack, phone),
    });
    expect(verified.verifyContact.phoneVerification.status).toBe('VERIFIED');
  });
});

describe.each([
  ['BOUNCE', 'bo', ['2027-11-05', '2027-11-06', '2027-11-07']],
  ['COMPLAINT', 'co', ['2027-11-08', '2027-11-09', '2027-11-10']],
] as const)('an address that gets a %s', (kind, name, [day1, day2, day3]) => {
  it('is undeliverable: nothing more goes to it until a new address is verified', async () => {
    const saver = await signIn(stack, name);
    const address = `${name}.old@example.org`;
    await saver.data(UPDATE, { input: { email: address } });
    await saver.data(VERIFY, { channel: 'EMAIL', code: latestCode(stack, address) });
    const first = await buyOn(saver, day1);
    expect(await purchaseEmail(saver, first)).toEqual([[address, 'SENT', null]]);

    expect(await feedback(kind, address)).toBe(200);
    expect(await emailState(saver)).toEqual({
      email: address,
      emailVerification: {
        status: 'UNDELIVERABLE',
        undeliverableReason: kind,
        codeExpiresAt: null,
      },
    });
    const second = await buyOn(saver, day2);
    expect(await purchaseEmail(saver, second)).toEqual([[address, 'HELD_BACK', 'UNDELIVERABLE']]);
    const toOld = sentTo(stack, address).length;

    // A new address starts over: a code, then messages once verified.
    const fresh = `${name}.new@example.org`;
    const changed = await saver.data<{
      updateNotificationPreferences: { emailVerification: State };
    }>(UPDATE, { input: { email: fresh } });
    expect(changed.updateNotificationPreferences.emailVerification.status).toBe('PENDING');
    await saver.data(VERIFY, { channel: 'EMAIL', code: latestCode(stack, fresh) });
    const third = await buyOn(saver, day3);
    expect(await purchaseEmail(saver, third)).toEqual([[fresh, 'SENT', null]]);
    expect(sentTo(stack, address).length).toBe(toOld);
  });
});
