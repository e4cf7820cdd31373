/**
 * Notification preferences through the GraphQL API: the defaults, partial updates (each rule
 * given replaces its event's rule only), validation that changes nothing, ownership, and the
 * (empty) notification history.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const FIELDS = 'email phone rules { event channels }';
const READ = `{ notificationPreferences { ${FIELDS} } }`;
const UPDATE = `mutation Update($input: NotificationPreferencesInput!) {
  updateNotificationPreferences(input: $input) { ${FIELDS} }
}`;
const HISTORY = `query History($limit: Int, $nextToken: String) {
  notifications(limit: $limit, nextToken: $nextToken) {
    items { id event channel to subject body planId executionId status sentAt }
    nextToken
  }
}`;

interface Preferences {
  email: string | null;
  phone: string | null;
  rules: { event: string; channels: string[] }[];
}

let stack: LocalStack;
let nina: GraphqlClient;
let omar: GraphqlClient;

beforeAll(async () => {
  stack = await startTestStack();
  nina = await signIn(stack, 'nina');
  omar = await signIn(stack, 'omar');
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

describe('notificationPreferences', () => {
  it('defaults to the sign-in email for every event, with SMS off', async () => {
    expect(await read(nina)).toEqual({
      email: 'nina@example.com',
      phone: null,
      rules: EVERY_EVENT_BY_EMAIL,
    });
    expect(await storedItem('nina')).toBeUndefined();
  });
});

describe('updateNotificationPreferences', () => {
  it('sets a phone and SMS for one event, keeping every other rule and field', async () => {
    const updated = await update(nina, {
      phone: '+4915123456789',
      rules: [{ event: 'PURCHASE_FAILED', channels: ['EMAIL', 'SMS', 'SMS'] }],
    });
    expect(updated).toEqual({
      email: 'nina@example.com',
      phone: '+4915123456789',
      rules: [
        { event: 'PURCHASE_SUCCEEDED', channels: ['EMAIL'] },
        { event: 'PURCHASE_FAILED', channels: ['EMAIL', 'SMS'] },
        { event: 'RUN_MISSED', channels: ['EMAIL'] },
        { event: 'PLAN_CHANGED', channels: ['EMAIL'] },
      ],
    });
    expect(await read(nina)).toEqual(updated);

    const second = await update(nina, {
      email: 'nina.savings@example.org',
      rules: [{ event: 'PLAN_CHANGED', channels: [] }],
    });
    expect(second).toMatchObject({
      email: 'nina.savings@example.org',
      phone: '+4915123456789',
    });
    expect(second.rules).toContainEqual({ event: 'PURCHASE_FAILED', channels: ['EMAIL', 'SMS'] });
    expect(second.rules).toContainEqual({ event: 'PLAN_CHANGED', channels: [] });
    expect((await storedItem('nina'))?.version).toEqual({ N: '2' });
  });

  it('removes SMS with the phone, and returns to the sign-in email when email is null', async () => {
    const cleared = await update(nina, { phone: null, email: null });
    expect(cleared.phone).toBeNull();
    expect(cleared.email).toBe('nina@example.com');
    expect(cleared.rules.every((rule) => !rule.channels.includes('SMS'))).toBe(true);
  });

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

describe('notifications', () => {
  it('is empty before anything was sent, and checks its limit', async () => {
    expect(
      (await nina.data<{ notifications: unknown }>(HISTORY, { limit: 10 })).notifications,
    ).toEqual({ items: [], nextToken: null });
    const error = await nina.error(HISTORY, { limit: 0 });
    expect(error.errorType).toBe('ValidationError');
  });
});
