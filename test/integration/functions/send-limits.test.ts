/**
 * The send limits against DynamoDB Local: conditional counters per user and per destination per
 * UTC day, codes per destination per hour, the SMS allow-list and the platform's monthly SMS
 * budget, and giving an allowance back. Each test has its own users and destinations; the clock
 * is a fake one.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CODES_PER_HOUR } from '#domain/contact-verification.ts';
import { ensureTables, LOCAL_AWS } from '#local/services/dynamodb.ts';
import { PLATFORM_PARTITION, sentCounterKey, smsSpendKey } from '#shared/contacts.ts';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  type NotificationSettings,
} from '#shared/notification-settings.ts';
import { notificationsTable } from '#shared/tables.ts';
import {
  destinationPartition,
  takeAllowance,
  type Allowance,
  type AllowanceResult,
  type LimitContext,
} from '../../../functions/lib/send-limits.ts';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';

const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: sharedDynamoDbEndpoint() });
const dynamodb = DynamoDBDocumentClient.from(client);
const table = `t${randomUUID().slice(0, 8)}-notifications`;

/** Small limits, so a test reaches them in a few sends; SMS to Germany only. */
const SETTINGS: NotificationSettings = {
  dailyLimits: { EMAIL: 3, SMS: 2 },
  coalesceSeconds: 60,
  sms: {
    ...DEFAULT_NOTIFICATION_SETTINGS.sms,
    countries: ['DE'],
    // A budget of 90% of 1 USD: nine parts at 0.10 USD.
    monthlySpendLimitUsd: 1,
    budgetPercent: 90,
    alarmPercent: 75,
    maxPricePerPartMicroUsd: 100_000,
  },
};

let now: Date;
const context = (settings: NotificationSettings = SETTINGS): LimitContext => ({
  dynamodb,
  table,
  settings,
  now: () => now,
});
let run: string;
const user = (name: string) => `${name}-${run}`;
const email = (name: string) => `${name}-${run}@example.com`;
/** A German mobile number of this test's own. */
const phone = (digit: number) =>
  `+49151${run.replace(/\D/g, '').padEnd(7, '0').slice(0, 7)}${digit}`;

async function take(times: number, allowance: Allowance, settings = SETTINGS) {
  const results: AllowanceResult[] = [];
  for (let i = 0; i < times; i += 1)
    results.push(await takeAllowance(context(settings), allowance));
  return results.map((result) => (result.allowed ? 'allowed' : result.reason));
}

async function counter(key: { userId: string; sk: string }, attribute = 'count') {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  return (Item as Record<string, unknown> | undefined)?.[attribute];
}

beforeAll(async () => {
  await ensureTables(client, [{ table: notificationsTable, name: table }]);
});

afterAll(() => client.destroy());

beforeEach(() => {
  now = new Date('2027-09-01T10:00:00.000Z');
  run = randomUUID().slice(0, 8);
});

describe('the daily limit per user', () => {
  it('allows dailyLimits messages a day on a channel, then refuses with DAILY_LIMIT', async () => {
    expect(
      await take(4, { userId: user('paula'), channel: 'EMAIL', destination: email('paula') }),
    ).toEqual(['allowed', 'allowed', 'allowed', 'DAILY_LIMIT']);
  });

  it('counts every destination of the user together', async () => {
    const paula = user('paula');
    expect([
      ...(await take(2, { userId: paula, channel: 'EMAIL', destination: email('a') })),
      ...(await take(2, { userId: paula, channel: 'EMAIL', destination: email('b') })),
    ]).toEqual(['allowed', 'allowed', 'allowed', 'DAILY_LIMIT']);
  });

  it('counts each channel apart', async () => {
    const paula = user('paula');
    await take(3, { userId: paula, channel: 'EMAIL', destination: email('paula') });
    expect(
      await take(1, {
        userId: paula,
        channel: 'SMS',
        destination: phone(1),
        smsText: 'Bought',
      }),
    ).toEqual(['allowed']);
  });

  it('starts afresh on the next UTC day', async () => {
    const allowance = { userId: user('paula'), channel: 'EMAIL' as const, destination: email('p') };
    await take(3, allowance);
    now = new Date('2027-09-02T00:00:00.000Z');
    expect(await take(1, allowance)).toEqual(['allowed']);
    expect(
      await counter({ userId: user('paula'), sk: sentCounterKey('EMAIL', '2027-09-02') }),
    ).toBe(1);
  });
});

describe('the daily limit per destination', () => {
  it('holds across accounts: a second user sending to the same address gets DESTINATION_LIMIT', async () => {
    const shared = email('victim');
    expect([
      ...(await take(2, { userId: user('mallory'), channel: 'EMAIL', destination: shared })),
      ...(await take(2, { userId: user('trudy'), channel: 'EMAIL', destination: shared })),
    ]).toEqual(['allowed', 'allowed', 'allowed', 'DESTINATION_LIMIT']);
  });

  it('counts the address whatever its case', async () => {
    expect([
      ...(await take(2, { userId: user('mallory'), channel: 'EMAIL', destination: email('v') })),
      ...(await take(2, {
        userId: user('trudy'),
        channel: 'EMAIL',
        destination: email('v').toUpperCase(),
      })),
    ]).toEqual(['allowed', 'allowed', 'allowed', 'DESTINATION_LIMIT']);
  });

  it('takes nothing from the user when the destination refuses (all or nothing)', async () => {
    const shared = email('victim');
    await take(3, { userId: user('mallory'), channel: 'EMAIL', destination: shared });
    expect(await take(1, { userId: user('trudy'), channel: 'EMAIL', destination: shared })).toEqual(
      ['DESTINATION_LIMIT'],
    );
    expect(
      await counter({ userId: user('trudy'), sk: sentCounterKey('EMAIL', '2027-09-01') }),
    ).toBeUndefined();
  });
});

describe('the code limit', () => {
  it(`allows ${MAX_CODES_PER_HOUR} codes an hour to a destination, then refuses with CODE_LIMIT`, async () => {
    const settings = { ...SETTINGS, dailyLimits: { EMAIL: 25, SMS: 10 } };
    const code = { channel: 'EMAIL' as const, destination: email('new'), code: true };
    expect([
      ...(await take(2, { ...code, userId: user('paula') }, settings)),
      ...(await take(2, { ...code, userId: user('mallory') }, settings)),
    ]).toEqual(['allowed', 'allowed', 'allowed', 'CODE_LIMIT']);
  });

  it('allows codes again in the next hour', async () => {
    const settings = { ...SETTINGS, dailyLimits: { EMAIL: 25, SMS: 10 } };
    const code = { userId: user('paula'), channel: 'EMAIL' as const, destination: email('n') };
    await take(3, { ...code, code: true }, settings);
    now = new Date('2027-09-01T11:00:00.000Z');
    expect(await take(1, { ...code, code: true }, settings)).toEqual(['allowed']);
  });

  it('counts codes against the daily limits as well', async () => {
    const code = { userId: user('paula'), channel: 'SMS' as const, destination: phone(2) };
    expect(await take(3, { ...code, code: true, smsText: 'Your code: 123456' })).toEqual([
      'allowed',
      'allowed',
      'DAILY_LIMIT',
    ]);
  });
});

describe('the SMS allow-list', () => {
  it('refuses a phone outside the stack’s countries with COUNTRY_NOT_ALLOWED and counts nothing', async () => {
    const paula = user('paula');
    expect(
      await take(1, { userId: paula, channel: 'SMS', destination: '+33612345678', smsText: 'x' }),
    ).toEqual(['COUNTRY_NOT_ALLOWED']);
    expect(
      await counter({ userId: paula, sk: sentCounterKey('SMS', '2027-09-01') }),
    ).toBeUndefined();
  });
});

describe('the SMS budget', () => {
  /** A month of its own: the platform's spend counter is shared by every test of the table. */
  const month = (year: number) => new Date(`${year}-03-15T10:00:00.000Z`);
  const spend = async (year: number) =>
    counter({ userId: PLATFORM_PARTITION, sk: smsSpendKey(`${year}-03`) }, 'microUsd');
  const settings = { ...SETTINGS, dailyLimits: { EMAIL: 25, SMS: 100 } };

  it('counts each message at its parts times the price per part, and stops before the budget', async () => {
    now = month(2101);
    const results: string[] = [];
    // Two-part messages (200 GSM-7 characters): 0.20 USD each against a budget of 0.90 USD.
    for (let i = 0; i < 5; i += 1) {
      const [result] = await take(
        1,
        { userId: user(`u${i}`), channel: 'SMS', destination: phone(i), smsText: 'a'.repeat(200) },
        settings,
      );
      results.push(result ?? '');
    }
    expect(results).toEqual(['allowed', 'allowed', 'allowed', 'allowed', 'SMS_BUDGET']);
    expect(await spend(2101)).toBe(800_000);
  });

  it('gives back the day’s counters of a message the budget refused', async () => {
    now = month(2102);
    const big = { channel: 'SMS' as const, smsText: 'a'.repeat(153 * 9) };
    expect(await take(1, { ...big, userId: user('a'), destination: phone(1) }, settings)).toEqual([
      'allowed',
    ]);
    expect(await take(1, { ...big, userId: user('b'), destination: phone(2) }, settings)).toEqual([
      'SMS_BUDGET',
    ]);
    // Taken, then given back: the user's and the destination's day stand at zero.
    expect(await counter({ userId: user('b'), sk: sentCounterKey('SMS', '2102-03-15') })).toBe(0);
    expect(
      await counter({
        userId: destinationPartition('SMS', phone(2)),
        sk: sentCounterKey('SMS', '2102-03-15'),
      }),
    ).toBe(0);
    expect(await spend(2102)).toBe(900_000);
  });

  it('lets a message through again once one that did not go out is given back', async () => {
    now = month(2103);
    const nine = { channel: 'SMS' as const, smsText: 'a'.repeat(153 * 9) };
    const first = await takeAllowance(context(settings), {
      ...nine,
      userId: user('a'),
      destination: phone(1),
    });
    if (!first.allowed) throw new Error('the first message was refused');
    expect(await spend(2103)).toBe(900_000);
    await first.giveBack();
    expect(await spend(2103)).toBe(0);
    expect(await counter({ userId: user('a'), sk: sentCounterKey('SMS', '2103-03-15') })).toBe(0);
    expect(await take(1, { ...nine, userId: user('b'), destination: phone(2) }, settings)).toEqual([
      'allowed',
    ]);
  });
});
