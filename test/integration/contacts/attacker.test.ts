/**
 * Contact points as an attacker would try to turn them against the platform, end to end through
 * GraphQL on the local stack: a phone outside the countries SMS serves, a toggling bot that wants
 * SMS pumped, someone else's email address, guessed codes, and many accounts aiming at one
 * destination. Each attempt ends in a refusal or a held-back record, never in a message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { latestCode, sentTo } from '../../support/contacts.ts';
import { createDailyPlans } from '../../support/purchases.ts';
import { signIn, smsStackConfig, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const UPDATE = `mutation Update($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) {
    email phone
    emailVerification { status attemptsLeft codeExpiresAt }
    phoneVerification { status attemptsLeft codeExpiresAt }
  }
}`;
const VERIFY = `mutation Verify($channel: NotificationChannel!, $code: String!) {
  verifyContact(channel: $channel, code: $code) {
    email phone
    emailVerification { status attemptsLeft }
    phoneVerification { status attemptsLeft }
  }
}`;
const RESEND = `mutation Resend($channel: NotificationChannel!) {
  resendVerification(channel: $channel) { phoneVerification { status } }
}`;
const HISTORY = `query History($limit: Int, $nextToken: String) {
  notifications(limit: $limit, nextToken: $nextToken) {
    items { event channel to status reason planId }
    nextToken
  }
}`;
const PAUSE = 'mutation Pause($id: ID!) { pausePlan(id: $id) { status } }';
const RESUME = 'mutation Resume($id: ID!) { resumePlan(id: $id) { status } }';

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
    clock: new LocalClock(new Date('2027-10-04T06:00:00Z')),
    config: smsStackConfig(),
  });
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function history(client: GraphqlClient): Promise<HistoryItem[]> {
  const items: HistoryItem[] = [];
  let nextToken: string | null = null;
  do {
    const page: { notifications: { items: HistoryItem[]; nextToken: string | null } } =
      await client.data(HISTORY, { limit: 100, nextToken });
    items.push(...page.notifications.items);
    nextToken = page.notifications.nextToken;
  } while (nextToken !== null);
  return items;
}

async function verifiedPhone(client: GraphqlClient, phone: string): Promise<void> {
  await client.data(UPDATE, {
    input: { phone, rules: [{ event: 'PLAN_CHANGED', channels: ['EMAIL', 'SMS'] }] },
  });
  const verified = await client.data<{
    verifyContact: { phoneVerification: { status: string } };
  }>(VERIFY, { channel: 'SMS', code: latestCode(stack, phone) });
  expect(verified.verifyContact.phoneVerification.status).toBe('VERIFIED');
}

describe('a phone outside the countries SMS serves', () => {
  it.each([
    ['+18765550123', 'JM'],
    ['+79161234567', 'RU'],
    ['+2348031234567', 'NG'],
  ])(
    'is refused when it is set (%s is in %s), and nothing is sent to it',
    async (phone, country) => {
      const mallory = await signIn(stack, `mallory-${country}`);
      const error = await mallory.error(UPDATE, { input: { phone } });
      expect(error.errorType).toBe('ValidationError');
      expect(error.message).toContain(country);
      expect(sentTo(stack, phone)).toEqual([]);
    },
  );

  it('is refused when it belongs to no country: premium, toll-free or satellite', async () => {
    const mallory = await signIn(stack, 'mallory-premium');
    for (const phone of ['+19005550123', '+18005550123', '+881612345678']) {
      const error = await mallory.error(UPDATE, { input: { phone } });
      expect(error.errorType).toBe('ValidationError');
      expect(sentTo(stack, phone)).toEqual([]);
    }
  });
});

describe('a bot toggling a plan to pump SMS', () => {
  it(
    'gets at most the daily limit of messages, each burst coalesced, and the rest held back',
    {
      timeout: 300_000,
    },
    async () => {
      const bot = await signIn(stack, 'bot');
      const phone = '+4915100000001';
      await verifiedPhone(bot, phone);
      const [planId] = await createDailyPlans(bot, 1, {
        amount: '25.00',
        currency: 'EUR',
        timeOfDay: '08:00',
        timezone: 'Europe/Berlin',
        startDate: '2027-11-01',
        endDate: '2027-11-30',
      });
      await stack.settle();
      const { coalesceSeconds, dailyLimits } = smsStackConfig().notifications;
      // 300 toggles in 30 bursts of 10, each burst past the coalescing window of the one before.
      for (let burst = 0; burst < 30; burst += 1) {
        for (let toggle = 0; toggle < 10; toggle += 1) {
          await bot.data(toggle % 2 === 0 ? PAUSE : RESUME, { id: planId });
        }
        await stack.settle();
        await stack.advanceTo(stack.clock.now() + (coalesceSeconds + 1) * 1000);
      }

      // The code took one of the day's messages; the creation coalesced into the first burst.
      const texts = sentTo(stack, phone).filter((message) => message.event === 'PLAN_CHANGED');
      expect(texts.length).toBe(dailyLimits.SMS - 1);
      const changes = (await history(bot)).filter(
        (item) => item.planId === planId && item.event === 'PLAN_CHANGED' && item.channel === 'SMS',
      );
      // CREATED + 300 toggles, each recorded once: sent, or held back with its reason.
      expect(changes.length).toBe(301);
      const byOutcome = (status: string, reason: string | null) =>
        changes.filter((item) => item.status === status && item.reason === reason).length;
      expect(byOutcome('SENT', null)).toBe(texts.length);
      expect(byOutcome('HELD_BACK', 'COALESCED')).toBe(301 - 30);
      expect(byOutcome('HELD_BACK', 'DAILY_LIMIT')).toBe(30 - texts.length);
    },
  );
});

describe("someone else's email", () => {
  it('gets only the code, however much happens on the account', async () => {
    const eve = await signIn(stack, 'eve');
    const victim = 'victim@example.net';
    const set = await eve.data<{
      updateNotificationPreferences: { emailVerification: { status: string } };
    }>(UPDATE, { input: { email: victim } });
    expect(set.updateNotificationPreferences.emailVerification.status).toBe('PENDING');
    await createDailyPlans(eve, 2, {
      amount: '25.00',
      currency: 'EUR',
      timeOfDay: '08:00',
      timezone: 'Europe/Berlin',
      startDate: '2027-10-05',
      endDate: '2027-10-05',
    });
    await stack.settle();
    await stack.advanceTo(Date.parse('2027-10-05T07:00:00Z'));

    expect(sentTo(stack, victim).map((message) => message.event)).toEqual(['CONTACT_VERIFICATION']);
    const toVictim = (await history(eve)).filter((item) => item.to === victim);
    expect(toVictim.every((item) => item.status === 'HELD_BACK')).toBe(true);
    const purchases = toVictim.filter((item) => item.event === 'PURCHASE_SUCCEEDED');
    expect(purchases.map((item) => item.reason)).toEqual(['NOT_VERIFIED', 'NOT_VERIFIED']);
  });
});

describe('guessed codes', () => {
  it('lock the code after five wrong guesses, even when the sixth is right', async () => {
    const guesser = await signIn(stack, 'guesser');
    const phone = '+4915100000002';
    await guesser.data(UPDATE, { input: { phone } });
    const code = latestCode(stack, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      answers.push((await guesser.error(VERIFY, { channel: 'SMS', code: wrong })).errorType ?? '');
    }
    expect(answers).toEqual(Array.from({ length: 5 }, () => 'CodeMismatchError'));
    const locked = await guesser.error(VERIFY, { channel: 'SMS', code });
    expect(locked.errorType).toBe('ExpiredCodeError');
    const read = await guesser.data<{
      notificationPreferences: {
        phoneVerification: { status: string; attemptsLeft: number | null };
      };
    }>('{ notificationPreferences { phoneVerification { status attemptsLeft } } }');
    expect(read.notificationPreferences.phoneVerification).toEqual({
      status: 'PENDING',
      attemptsLeft: null,
    });
  });
});

describe('many accounts aiming at one phone', () => {
  it('send it at most three codes an hour between them', async () => {
    const phone = '+4915100000003';
    for (const name of ['sybil-1', 'sybil-2', 'sybil-3', 'sybil-4', 'sybil-5']) {
      const sybil = await signIn(stack, name);
      await sybil.data(UPDATE, { input: { phone } });
    }
    const sybil = await signIn(stack, 'sybil-6');
    await sybil.data(UPDATE, { input: { phone } });
    const error = await sybil.error(RESEND, { channel: 'SMS' });
    expect(error.errorType).toBe('LimitExceededError');
    expect(sentTo(stack, phone).length).toBe(3);
  });
});
