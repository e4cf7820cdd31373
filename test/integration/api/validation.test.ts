/**
 * Every input rule of the plans API: each bad input gets ValidationError naming the field, and
 * a refused request leaves the table exactly as it was.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { PLAN_FIELDS, signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const CREATE = `mutation Create($input: CreatePlanInput!) { createPlan(input: $input) { ${PLAN_FIELDS} } }`;
const UPDATE = `mutation Update($input: UpdatePlanInput!) { updatePlan(input: $input) { ${PLAN_FIELDS} } }`;

const WEEKLY = { frequency: 'WEEKLY', dayOfWeek: 1, timeOfDay: '09:00', timezone: 'Europe/Berlin' };
const VALID = { amount: '25.00', currency: 'EUR', schedule: WEEKLY };

let stack: LocalStack;
let alice: GraphqlClient;

beforeAll(async () => {
  // Tomorrow and yesterday are relative to this fixed instant in every zone used below.
  const { LocalClock } = await import('#local/clock.ts');
  stack = await startTestStack({ clock: new LocalClock(new Date('2026-11-23T12:00:00Z')) });
  alice = await signIn(stack, 'alice');
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function tableSnapshot() {
  const output = await stack.dynamodb.send(
    new ScanCommand({ TableName: stack.settings.plansTable, ConsistentRead: true }),
  );
  return JSON.stringify((output.Items ?? []).map((item) => JSON.stringify(item)).sort());
}

function input(overrides: Record<string, unknown>, schedule: Record<string, unknown> = {}) {
  return { ...VALID, ...overrides, schedule: { ...WEEKLY, ...schedule } };
}

const AMOUNT_PLAIN = 'must be a plain decimal number such as 25.00';

const refusedCreates: [string, Record<string, unknown>, Record<string, string>][] = [
  ['a zero amount', input({ amount: '0' }), { amount: 'must be greater than zero' }],
  [
    'a zero amount with decimals',
    input({ amount: '0.00' }),
    { amount: 'must be greater than zero' },
  ],
  ['a negative amount', input({ amount: '-5' }), { amount: AMOUNT_PLAIN }],
  ['an exponent', input({ amount: '1e3' }), { amount: AMOUNT_PLAIN }],
  ['letters', input({ amount: 'abc' }), { amount: AMOUNT_PLAIN }],
  [
    'more decimals than the currency has',
    input({ amount: '10.001' }),
    { amount: 'must have at most 2 decimal places' },
  ],
  ['an empty amount', input({ amount: '' }), { amount: AMOUNT_PLAIN }],
  ['a leading space', input({ amount: ' 25' }), { amount: AMOUNT_PLAIN }],
  ['a trailing space', input({ amount: '25 ' }), { amount: AMOUNT_PLAIN }],
  ['a decimal comma', input({ amount: '25,00' }), { amount: AMOUNT_PLAIN }],
  ['a plus sign', input({ amount: '+25' }), { amount: AMOUNT_PLAIN }],
  ['a leading zero', input({ amount: '025' }), { amount: AMOUNT_PLAIN }],
  ['a bare decimal point', input({ amount: '.5' }), { amount: AMOUNT_PLAIN }],
  ['a trailing decimal point', input({ amount: '25.' }), { amount: AMOUNT_PLAIN }],
  ['a thousands separator', input({ amount: '1,000.00' }), { amount: AMOUNT_PLAIN }],
  [
    'an amount under the minimum',
    input({ amount: '0.99' }),
    { amount: 'must be at least 1.00 EUR' },
  ],
  [
    'an amount over the maximum',
    input({ amount: '10000.01' }),
    { amount: 'must be at most 10000.00 EUR' },
  ],
  [
    'a huge amount',
    input({ amount: '99999999999999999999999999' }),
    { amount: 'must be at most 10000.00 EUR' },
  ],
  [
    'a lower-case currency',
    input({ currency: 'eur' }),
    { currency: 'must be one of USD, EUR, GBP' },
  ],
  [
    'an unsupported currency',
    input({ currency: 'JPY' }),
    { currency: 'must be one of USD, EUR, GBP' },
  ],
  [
    'a currency named like an object property',
    input({ currency: 'constructor' }),
    { currency: 'must be one of USD, EUR, GBP' },
  ],
  ['an asset other than BTC', input({ asset: 'ETH' }), { asset: 'must be one of BTC' }],
  [
    'hour 24',
    input({}, { timeOfDay: '24:00' }),
    { 'schedule.timeOfDay': 'must be HH:MM on a 24-hour clock, from 00:00 to 23:59' },
  ],
  [
    'minute 60',
    input({}, { timeOfDay: '09:60' }),
    { 'schedule.timeOfDay': 'must be HH:MM on a 24-hour clock, from 00:00 to 23:59' },
  ],
  [
    'a one-digit hour',
    input({}, { timeOfDay: '9:00' }),
    { 'schedule.timeOfDay': 'must be HH:MM on a 24-hour clock, from 00:00 to 23:59' },
  ],
  [
    'seconds',
    input({}, { timeOfDay: '09:00:00' }),
    { 'schedule.timeOfDay': 'must be HH:MM on a 24-hour clock, from 00:00 to 23:59' },
  ],
  [
    'an unknown zone',
    input({}, { timezone: 'Mars/Olympus' }),
    { 'schedule.timezone': 'must be an IANA time zone name such as Europe/Berlin' },
  ],
  [
    'a zone in the wrong case',
    input({}, { timezone: 'europe/berlin' }),
    { 'schedule.timezone': 'must be an IANA time zone name such as Europe/Berlin' },
  ],
  [
    'an area without a city',
    input({}, { timezone: 'Europe/' }),
    { 'schedule.timezone': 'must be an IANA time zone name such as Europe/Berlin' },
  ],
  [
    'an offset instead of a zone',
    input({}, { timezone: '+01:00' }),
    { 'schedule.timezone': 'must be an IANA time zone name such as Europe/Berlin' },
  ],
  [
    'WEEKLY without dayOfWeek',
    input({}, { dayOfWeek: null }),
    { 'schedule.dayOfWeek': 'is required for WEEKLY schedules' },
  ],
  [
    'BIWEEKLY without dayOfWeek',
    input({}, { frequency: 'BIWEEKLY', dayOfWeek: null }),
    { 'schedule.dayOfWeek': 'is required for BIWEEKLY schedules' },
  ],
  [
    'dayOfWeek 0',
    input({}, { dayOfWeek: 0 }),
    { 'schedule.dayOfWeek': 'must be from 1 (Monday) to 7 (Sunday)' },
  ],
  [
    'dayOfWeek 8',
    input({}, { dayOfWeek: 8 }),
    { 'schedule.dayOfWeek': 'must be from 1 (Monday) to 7 (Sunday)' },
  ],
  [
    'dayOfWeek on a DAILY plan',
    input({}, { frequency: 'DAILY', dayOfWeek: 1 }),
    { 'schedule.dayOfWeek': 'is only allowed for WEEKLY and BIWEEKLY schedules' },
  ],
  [
    'dayOfWeek on a MONTHLY plan',
    input({}, { frequency: 'MONTHLY', dayOfWeek: 1, dayOfMonth: 1 }),
    { 'schedule.dayOfWeek': 'is only allowed for WEEKLY and BIWEEKLY schedules' },
  ],
  [
    'MONTHLY without dayOfMonth',
    input({}, { frequency: 'MONTHLY', dayOfWeek: null }),
    { 'schedule.dayOfMonth': 'is required for MONTHLY schedules' },
  ],
  [
    'dayOfMonth 0',
    input({}, { frequency: 'MONTHLY', dayOfWeek: null, dayOfMonth: 0 }),
    { 'schedule.dayOfMonth': 'must be from 1 to 31' },
  ],
  [
    'dayOfMonth 32',
    input({}, { frequency: 'MONTHLY', dayOfWeek: null, dayOfMonth: 32 }),
    { 'schedule.dayOfMonth': 'must be from 1 to 31' },
  ],
  [
    'dayOfMonth on a WEEKLY plan',
    input({}, { dayOfMonth: 5 }),
    { 'schedule.dayOfMonth': 'is only allowed for MONTHLY schedules' },
  ],
  [
    'an endDate before the startDate',
    input({}, { startDate: '2027-02-01', endDate: '2027-01-31' }),
    { 'schedule.endDate': 'must not be before startDate (2027-02-01)' },
  ],
  [
    'an endDate in the past',
    input({}, { endDate: '2026-11-22' }),
    { 'schedule.endDate': 'must not be in the past (today is 2026-11-23 in Europe/Berlin)' },
  ],
  [
    'a startDate with an offset',
    input({}, { startDate: '2027-01-01Z' }),
    { 'schedule.startDate': 'must be a date without a zone offset, such as 2026-12-01' },
  ],
  [
    'an endDate with an offset',
    input({}, { endDate: '2027-01-01+01:00' }),
    { 'schedule.endDate': 'must be a date without a zone offset, such as 2026-12-31' },
  ],
];

describe('createPlan refuses bad input with ValidationError and writes nothing', () => {
  it.each(refusedCreates)('refuses %s', async (_name, given, fields) => {
    const before = await tableSnapshot();
    const error = await alice.error(CREATE, { input: given });
    expect(error).toMatchObject({
      errorType: 'ValidationError',
      errorInfo: { fields },
      path: ['createPlan'],
    });
    expect(error.message).toBe(
      `Invalid input: ${Object.entries(fields)
        .map(([field, reason]) => `${field} ${reason}`)
        .join('; ')}.`,
    );
    expect(await tableSnapshot()).toBe(before);
  });

  it('names every invalid field at once', async () => {
    const error = await alice.error(CREATE, {
      input: {
        amount: 'x',
        currency: 'XXX',
        asset: 'DOGE',
        schedule: { frequency: 'DAILY', timeOfDay: '7', timezone: 'Nowhere' },
      },
    });
    expect(error.errorInfo).toEqual({
      fields: {
        currency: 'must be one of USD, EUR, GBP',
        asset: 'must be one of BTC',
        'schedule.timeOfDay': 'must be HH:MM on a 24-hour clock, from 00:00 to 23:59',
        'schedule.timezone': 'must be an IANA time zone name such as Europe/Berlin',
      },
    });
    expect(error.message).toBe(
      'Invalid input: currency must be one of USD, EUR, GBP; asset must be one of BTC; schedule.timeOfDay must be HH:MM on a 24-hour clock, from 00:00 to 23:59; schedule.timezone must be an IANA time zone name such as Europe/Berlin.',
    );
  });

  it('refuses an impossible date at the AWSDate scalar, as AppSync does', async () => {
    const before = await tableSnapshot();
    const body = await alice.request(CREATE, { input: input({}, { startDate: '2027-02-30' }) });
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toContain('AWSDate');
    expect(await tableSnapshot()).toBe(before);
  });

  it('accepts the boundaries: exactly the minimum and maximum, an endDate of today, 00:00 and 23:59', async () => {
    for (const given of [
      input({ amount: '1' }),
      input({ amount: '10000.00' }),
      input({}, { endDate: '2026-11-23', timeOfDay: '00:00' }),
      input({}, { frequency: 'MONTHLY', dayOfWeek: null, dayOfMonth: 31, timeOfDay: '23:59' }),
      input({}, { frequency: 'BIWEEKLY', dayOfWeek: 7, timezone: 'Asia/Calcutta' }),
      input({}, { frequency: 'DAILY', dayOfWeek: null, timezone: 'UTC' }),
    ]) {
      const body = await alice.request(CREATE, { input: given });
      expect(body.errors).toBeUndefined();
    }
  });

  it('judges "today" in the plan\'s own zone', async () => {
    // 12:00 UTC on 2026-11-23 is already 2026-11-24 in Pacific/Kiritimati (UTC+14).
    const error = await alice.error(CREATE, {
      input: input({}, { timezone: 'Pacific/Kiritimati', endDate: '2026-11-23' }),
    });
    expect(error.errorInfo).toEqual({
      fields: {
        'schedule.endDate': 'must not be in the past (today is 2026-11-24 in Pacific/Kiritimati)',
      },
    });
  });
});

describe('updatePlan refuses bad input and writes nothing', () => {
  it('refuses the same amount, currency and schedule mistakes as createPlan', async () => {
    const { createPlan } = await alice.data<{ createPlan: { id: string } }>(CREATE, {
      input: VALID,
    });
    const before = await tableSnapshot();
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [{ amount: '1e3' }, { amount: AMOUNT_PLAIN }],
      [{ amount: '' }, { amount: AMOUNT_PLAIN }],
      [{ currency: 'usd' }, { currency: 'must be one of USD, EUR, GBP' }],
      [
        { schedule: { ...WEEKLY, dayOfWeek: null } },
        { 'schedule.dayOfWeek': 'is required for WEEKLY schedules' },
      ],
      [{}, { input: 'must change at least one of amount, currency or schedule' }],
      [{ amount: '5.00', expectedVersion: 0 }, { expectedVersion: 'must be 1 or more' }],
    ];
    for (const [change, fields] of cases) {
      const error = await alice.error(UPDATE, {
        input: { id: createPlan.id, expectedVersion: 1, ...change },
      });
      expect(error).toMatchObject({ errorType: 'ValidationError', errorInfo: { fields } });
    }
    expect(await tableSnapshot()).toBe(before);
  });

  it('names the invalid amount and schedule fields at once, amount first', async () => {
    const { createPlan } = await alice.data<{ createPlan: { id: string } }>(CREATE, {
      input: VALID,
    });
    const before = await tableSnapshot();
    const error = await alice.error(UPDATE, {
      input: {
        id: createPlan.id,
        expectedVersion: 1,
        amount: '0',
        schedule: { ...WEEKLY, dayOfWeek: null, timezone: 'Nowhere' },
      },
    });
    expect(error).toMatchObject({
      errorType: 'ValidationError',
      message:
        'Invalid input: amount must be greater than zero; schedule.timezone must be an IANA time zone name such as Europe/Berlin; schedule.dayOfWeek is required for WEEKLY schedules.',
    });
    expect(await tableSnapshot()).toBe(before);
  });
});
