/**
 * Notification preferences through the GraphQL API: the defaults, partial updates (each rule
 * given replaces its event's rule only), validation that changes nothing, ownership, contact
 * verification (codes through the contacts function, the SMS country allow-list, the sign-in
 * email as its token says), and the notification history.
 *
 * The tests that send or check codes call the contacts function (`functions/contacts`).
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { latestCode } from '../../support/contacts.ts';
import { signIn, smsStackConfig, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const VERIFICATION =
  'status since verifiedAt codeExpiresAt attemptsLeft nextCodeAllowedAt undeliverableReason';
const FIELDS = `email phone rules { event channels }
  emailVerification { ${VERIFICATION} } phoneVerification { ${VERIFICATION} }`;
const READ = `{ notificationPreferences { ${FIELDS} } }`;
const UPDATE = `mutation Update($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) { ${FIELDS} }
}`;
const HISTORY = `query History($limit: Int, $nextToken: String) {
  notifications(limit: $limit, nextToken: $nextToken) {
    items { id event channel to subject body planId executionId status sentAt reason }
    nextToken
  }
}`;

const VERIFY = `mutation Verify($channel: NotificationChannel!, $code: String!) {
  verifyContact(channel: $channel, code: $code) { ${FIELDS} }
}`;
const RESEND = `mutation Resend($channel: NotificationChannel!) {
  resendVerification(channel: $channel) { ${FIELDS} }
}`;

interface Verification {
  status: string;
  since: string | null;
  verifiedAt: string | null;
  codeExpiresAt: string | null;
  attemptsLeft: number | null;
  nextCodeAllowedAt: string | null;
  undeliverableReason: string | null;
}

interface Preferences {
  email: string | null;
  phone: string | null;
  rules: { event: string; channels: string[] }[];
  emailVerification: Verification | null;
  phoneVerification: Verification | null;
}

const NO_STATE = {
  since: null,
  verifiedAt: null,
  codeExpiresAt: null,
  attemptsLeft: null,
  nextCodeAllowedAt: null,
  undeliverableReason: null,
};
const SIGN_IN_VERIFIED = { status: 'VERIFIED', ...NO_STATE };

let stack: LocalStack;
let nina: GraphqlClient;
let omar: GraphqlClient;
let uma: GraphqlClient;
let vera: GraphqlClient;

beforeAll(async () => {
  // SMS configured, so that codes can go to phones.
  stack = await startTestStack({ config: smsStackConfig() });
  nina = await signIn(stack, 'nina');
  omar = await signIn(stack, 'omar');
  uma = await signIn(stack, 'uma', { email_verified: false });
  vera = await signIn(stack, 'vera');
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

const read = async (client: GraphqlClient) =>
  (await client.data<{ notificationPreferences: Preferences }>(READ)).notificationPreferences;
const update = async (client: GraphqlClient, input: Record<string, unknown>) =>
  (await client.data<{ updateNotificationPreferences: Preferences }>(UPDATE, { input }))
    .updateNotificationPreferences;

const storedItem = async (userId: string) =>
  (
    await stack.dynamodb.send(
      new GetItemCommand({
        TableName: stack.tableNames.notifications,
        Key: { userId: { S: userId }, sk: { S: '#preferences' } },
        ConsistentRead: true,
      }),
    )
  ).Item;

const EVERY_EVENT_BY_EMAIL = [
  { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL'] },
  { event: 'PURCHASE_FAILED', channels: ['EMAIL'] },
  { event: 'RUN_MISSED', channels: ['EMAIL'] },
  { event: 'PLAN_CHANGED', channels: ['EMAIL'] },
];

/** A live code's state: sent at `since`, valid 10 minutes from when the function issued it. */
function expectFreshCode(verification: Verification | null) {
  expect(verification).toMatchObject({
    status: 'PENDING',
    verifiedAt: null,
    attemptsLeft: 5,
    nextCodeAllowedAt: null,
    undeliverableReason: null,
  });
  const since = Date.parse(verification?.since ?? '');
  const expires = Date.parse(verification?.codeExpiresAt ?? '');
  expect(expires - since).toBeGreaterThanOrEqual(10 * 60_000);
  expect(expires - since).toBeLessThan(10 * 60_000 + 30_000);
}

describe('notificationPreferences', () => {
  it('defaults to the sign-in email for every event, with SMS off', async () => {
    expect(await read(nina)).toEqual({
      email: 'nina@example.com',
      phone: null,
      rules: EVERY_EVENT_BY_EMAIL,
      emailVerification: SIGN_IN_VERIFIED,
      phoneVerification: null,
    });
    expect(await storedItem('nina')).toBeUndefined();
  });

  it('shows the sign-in email PENDING, with no code sent, when the token says email_verified false', async () => {
    expect((await read(uma)).emailVerification).toEqual({ status: 'PENDING', ...NO_STATE });
    // A change of rules alone sends no code (and calls no code step).
    expect(
      (await update(uma, { rules: [{ event: 'RUN_MISSED', channels: [] }] })).emailVerification,
    ).toEqual({ status: 'PENDING', ...NO_STATE });
    expect(stack.outbox.messages().filter((message) => message.to === 'uma@example.com')).toEqual(
      [],
    );
  });
});

describe('updateNotificationPreferences', () => {
  it('sets a phone and SMS for one event, keeping every other rule and field', async () => {
    const updated = await update(nina, {
      phone: '+4915123456789',
      rules: [{ event: 'PURCHASE_FAILED', channels: ['EMAIL', 'SMS', 'SMS'] }],
    });
    expect(updated).toMatchObject({
      email: 'nina@example.com',
      phone: '+4915123456789',
      rules: [
        { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL'] },
        { event: 'PURCHASE_FAILED', channels: ['EMAIL', 'SMS'] },
        { event: 'RUN_MISSED', channels: ['EMAIL'] },
        { event: 'PLAN_CHANGED', channels: ['EMAIL'] },
      ],
      emailVerification: SIGN_IN_VERIFIED,
    });
    // The new phone is pending, and its code went out.
    expectFreshCode(updated.phoneVerification);
    expect(latestCode(stack, '+4915123456789')).toMatch(/^\d{6}$/);
    expect(await read(nina)).toEqual(updated);

    const second = await update(nina, {
      email: 'nina.savings@example.org',
      rules: [{ event: 'PLAN_CHANGED', channels: [] }],
    });
    expect(second).toMatchObject({
      email: 'nina.savings@example.org',
      phone: '+4915123456789',
      phoneVerification: updated.phoneVerification,
    });
    expectFreshCode(second.emailVerification);
    expect(latestCode(stack, 'nina.savings@example.org')).toMatch(/^\d{6}$/);
    expect(second.rules).toContainEqual({ event: 'PURCHASE_FAILED', channels: ['EMAIL', 'SMS'] });
    expect(second.rules).toContainEqual({ event: 'PLAN_CHANGED', channels: [] });
    // Two changes, and a code stored after each.
    expect((await storedItem('nina'))?.version).toEqual({ N: '4' });
  });

  it('removes SMS with the phone, and returns to the sign-in email when email is null', async () => {
    const cleared = await update(nina, { phone: null, email: null });
    expect(cleared.phone).toBeNull();
    expect(cleared.email).toBe('nina@example.com');
    expect(cleared.rules.every((rule) => !rule.channels.includes('SMS'))).toBe(true);
    expect(cleared).toMatchObject({
      emailVerification: SIGN_IN_VERIFIED,
      phoneVerification: null,
    });
    const stored = await storedItem('nina');
    expect([stored?.emailContact, stored?.phoneContact]).toEqual([undefined, undefined]);
  });

  it.each([
    [
      '+18765551234',
      '+18765551234 is in JM, where this service does not send SMS; SMS goes to AT, BE, CH, DE, ES, FR, GB, IE, IT, LU, NL, PT',
    ],
    [
      '+12025550123',
      '+12025550123 is in US, where this service does not send SMS; SMS goes to AT, BE, CH, DE, ES, FR, GB, IE, IT, LU, NL, PT',
    ],
    [
      '+19005551234',
      '+19005551234 belongs to no country (toll-free, premium or satellite numbers are not accepted)',
    ],
  ])(
    'refuses the phone %s, naming why SMS does not go there, and changes nothing',
    async (phone, problem) => {
      const before = await storedItem('nina');
      const error = await nina.error(UPDATE, { input: { phone } });
      expect(error).toMatchObject({
        errorType: 'ValidationError',
        message: `Invalid input: phone ${problem}.`,
        errorInfo: { fields: { phone: problem } },
      });
      expect(await storedItem('nina')).toEqual(before);
    },
  );

  it.each([
    [{ email: 'not-an-email' }, { email: 'must be an email address such as name@example.com' }],
    [{ email: 'a@b' }, { email: 'must be an email address such as name@example.com' }],
    [
      { email: `${'x'.repeat(250)}@example.com` },
      { email: 'must be an email address such as name@example.com' },
    ],
    [
      { phone: '015123456789' },
      {
        phone:
          'must be in E.164 format: a plus, the country code and the number, such as +4915123456789',
      },
    ],
    [
      { phone: '+0123456789' },
      {
        phone:
          'must be in E.164 format: a plus, the country code and the number, such as +4915123456789',
      },
    ],
    [
      { rules: [{ event: 'RUN_MISSED', channels: ['SMS'] }] },
      {
        'rules[0].channels': 'SMS needs a phone number: set phone first or in the same change',
      },
    ],
    [
      {
        rules: [
          { event: 'RUN_MISSED', channels: ['EMAIL'] },
          { event: 'RUN_MISSED', channels: [] },
        ],
      },
      { 'rules[1].event': 'RUN_MISSED is given more than once' },
    ],
  ])('refuses %j with ValidationError and changes nothing', async (input, fields) => {
    const before = await storedItem('nina');
    const error = await nina.error(UPDATE, { input });
    expect(error.errorType).toBe('ValidationError');
    expect(error.errorInfo).toEqual({ fields });
    expect(await storedItem('nina')).toEqual(before);
  });

  it("changes only the caller's preferences", async () => {
    await update(omar, { rules: [{ event: 'PURCHASE_SUCCEEDED', channels: [] }] });
    expect((await read(nina)).rules).toContainEqual({
      event: 'PURCHASE_SUCCEEDED',
      channels: ['EMAIL'],
    });
    expect((await read(omar)).email).toBe('omar@example.com');
  });
});

describe('verifyContact and resendVerification', () => {
  it('verifies a new phone with the code sent to it; a wrong guess counts, a second submit changes nothing', async () => {
    const pending = await update(vera, { phone: '+4915111111111' });
    expectFreshCode(pending.phoneVerification);
    const code = latestCode(stack, '+4915111111111');
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    const mismatch = await vera.error(VERIFY, { channel: 'SMS', code: wrong });
    expect(mismatch.errorType).toBe('CodeMismatchError');
    expect(mismatch.message).toContain('4 attempts left');
    expect((await read(vera)).phoneVerification).toMatchObject({ attemptsLeft: 4 });

    const verified = (
      await vera.data<{ verifyContact: Preferences }>(VERIFY, { channel: 'SMS', code })
    ).verifyContact;
    expect(verified.phoneVerification).toEqual({
      ...NO_STATE,
      status: 'VERIFIED',
      since: verified.phoneVerification?.verifiedAt,
      verifiedAt: expect.any(String) as string,
    });
    expect(await read(vera)).toEqual(verified);
    // A double submit (or any code) on a verified contact is answered with it, unchanged.
    const again = await vera.data<{ verifyContact: Preferences }>(VERIFY, { channel: 'SMS', code });
    expect(again.verifyContact).toEqual(verified);
  });

  it('refuses a code that is not six digits before checking it', async () => {
    expect(await vera.error(VERIFY, { channel: 'SMS', code: '12345' })).toMatchObject({
      errorType: 'ValidationError',
      errorInfo: { fields: { code: 'must be the six digits we sent' } },
    });
  });

  it('sends the unverified sign-in email its first code on request, which verifies it', async () => {
    const resent = (
      await uma.data<{ resendVerification: Preferences }>(RESEND, { channel: 'EMAIL' })
    ).resendVerification;
    expect(resent.email).toBe('uma@example.com');
    expectFreshCode(resent.emailVerification);
    const verified = (
      await uma.data<{ verifyContact: Preferences }>(VERIFY, {
        channel: 'EMAIL',
        code: latestCode(stack, 'uma@example.com'),
      })
    ).verifyContact;
    expect(verified.emailVerification).toMatchObject({ status: 'VERIFIED', codeExpiresAt: null });
  });

  it('sends at most 3 codes an hour to a contact, then says when the next may be asked for', async () => {
    const set = await update(vera, { email: 'vera.savings@example.org' });
    expectFreshCode(set.emailVerification);
    for (let resend = 0; resend < 2; resend += 1) {
      await vera.data(RESEND, { channel: 'EMAIL' });
    }
    const limited = await vera.error(RESEND, { channel: 'EMAIL' });
    expect(limited.errorType).toBe('LimitExceededError');
    const shown = (await read(vera)).emailVerification;
    const wait =
      Date.parse(shown?.nextCodeAllowedAt ?? '') - Date.parse(set.emailVerification?.since ?? '');
    expect(wait).toBeGreaterThanOrEqual(60 * 60_000);
    expect(wait).toBeLessThan(60 * 60_000 + 30_000);
    expect(
      stack.outbox.messages().filter((message) => message.to === 'vera.savings@example.org'),
    ).toHaveLength(3);
  });
});

describe('notifications', () => {
  it('is empty before anything was sent, and checks its limit', async () => {
    expect(
      (await omar.data<{ notifications: unknown }>(HISTORY, { limit: 10 })).notifications,
    ).toEqual({ items: [], nextToken: null });
    const error = await omar.error(HISTORY, { limit: 0 });
    expect(error.errorType).toBe('ValidationError');
  });

  it("shows why a notification was held back, and never the counters or another user's items", async () => {
    const walt = await signIn(stack, 'walt');
    const put = (item: Record<string, string>) =>
      stack.dynamodb.send(
        new PutItemCommand({
          TableName: stack.tableNames.notifications,
          Item: Object.fromEntries(Object.entries(item).map(([key, value]) => [key, { S: value }])),
        }),
      );
    const held = {
      id: 'evt-1#SMS',
      event: 'RUN_MISSED',
      channel: 'SMS',
      to: '+4915122222222',
      body: 'A run of your plan was missed.',
      status: 'HELD_BACK',
      reason: 'DAILY_LIMIT',
      sentAt: '2026-11-23T08:00:00.000Z',
    };
    await put({ userId: 'walt', sk: 'n#2026-11-23T08:00:00.000Z#evt-1#SMS', ...held });
    await put({ userId: 'walt', sk: '#sent#SMS#2026-11-23', count: '10' });
    await put({ userId: 'walt', sk: '#codes#SMS#2026-11-23T08', count: '1' });
    await put({ userId: 'omar', sk: 'n#2026-11-23T09:00:00.000Z#evt-2#EMAIL', ...held });
    expect((await walt.data<{ notifications: unknown }>(HISTORY, {})).notifications).toEqual({
      items: [{ ...held, subject: null, planId: null, executionId: null }],
      nextToken: null,
    });
  });
});
