/** The local control endpoints: the clock, the scheduler's view, the paper exchange and faults. */
import { functionSpecs } from '#shared/functions.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-05-03T06:00:00Z')) });
});

afterAll(async () => {
  await stack.stop();
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/_local/clock', () => {
  it('tells the time and moves forward, firing what is due and counting it', async () => {
    const before = await call('GET', '/_local/clock');
    expect(Date.parse(before.body.now as string)).toBeGreaterThanOrEqual(
      Date.parse('2027-05-03T06:00:00Z'),
    );
    const alice = await signIn(stack, 'alice');
    await alice.data(
      `mutation { createPlan(input: { amount: "10.00", currency: "EUR", schedule: { frequency: DAILY, timeOfDay: "09:00", timezone: "Europe/Berlin", endDate: "2027-05-04" } }) { id } }`,
    );
    await stack.settle();
    const moved = await call('POST', '/_local/clock', { advanceTo: '2027-05-05T00:02:30Z' });
    // Two purchases (the 3rd and the 4th) and the recurring jobs at every interval, as on AWS,
    // each counted from when the stack created it (06:00Z and a few seconds): the sweeper every 5
    // minutes from 06:05Z to 00:00Z on the 5th (504), the completer every 10 minutes from 06:10Z
    // (252), reconciliation once (00:15Z on the 4th), the audit digest hourly from 01:05Z on the
    // 4th (23), the monthly report once. The target lies mid-interval, so however many seconds
    // the stack took to start, no interval ends beside it. Only the invocations that can find
    // work run (the digest once, at 01:05Z on the 4th, sealing the 3rd): the others are recorded
    // as fired (`local/quiet-jobs.ts`).
    // The clock follows wall time from there on, so a few milliseconds may already have passed.
    expect(moved).toEqual({
      status: 200,
      body: { now: expect.stringMatching(/^2027-05-05T00:02:30\.\d{3}Z$/), fired: 783 },
    });
    const invocations = Object.fromEntries(
      [...stack.lambdas].map(([name, lambda]) => [name, lambda.invocations]),
    );
    expect(invocations).toMatchObject({
      'place-order': 2,
      sweeper: 0,
      completer: 0,
      reconcile: 1,
      'audit-digest': 1,
      'audit-report': 1,
      'retry-dispatcher': 0,
    });
  }, 120_000);

  it('refuses to move backwards or to a time without an offset', async () => {
    expect(await call('POST', '/_local/clock', { advanceTo: '2027-05-01T00:00:00Z' })).toEqual({
      status: 400,
      body: {
        error: expect.stringMatching(/^the clock only moves forward; it is 2027-05-05T00:02:30/),
      },
    });
    for (const advanceTo of ['2027-06-01T00:00:00', 'tomorrow', 5]) {
      expect(await call('POST', '/_local/clock', { advanceTo })).toEqual({
        status: 400,
        body: { error: 'send {"advanceTo": "<ISO 8601 timestamp with Z or an offset>"}' },
      });
    }
  });
});

describe('/_local/schedules', () => {
  it('lists what the local scheduler holds, the sweeper included', async () => {
    const { body } = await call('GET', '/_local/schedules');
    const names = (body as unknown as { name: string; expression: string }[]).map((schedule) => [
      schedule.name,
      schedule.expression,
    ]);
    expect(names).toContainEqual([
      `${stack.settings.plansTable.replace(/-plans$/, '')}-sweeper`,
      'rate(5 minutes)',
    ]);
  });
});

describe('/_local/exchange', () => {
  it('shows prices, fees and every order received, and takes new prices and fee rates', async () => {
    const state = await call('GET', '/_local/exchange');
    expect(state.body).toMatchObject({ feeRate: '0.006', markets: { EUR: { price: '46000.00' } } });
    expect((state.body.orders as { clientOrderId: string }[]).length).toBe(2);
    const changed = await call('POST', '/_local/exchange', {
      prices: { USD: '60000.00' },
      feeRate: '0.004',
    });
    expect(changed.body).toMatchObject({
      feeRate: '0.004',
      markets: { USD: { price: '60000.00' } },
    });
    expect(await call('POST', '/_local/exchange', { prices: { USD: 'cheap' } })).toEqual({
      status: 400,
      body: { error: 'prices.USD must be a positive decimal string with at most 2 decimals' },
    });
  });
});

const NO_EXCHANGE_FAULTS = {
  errorRate: 0,
  orderErrorRate: 0,
  timeoutAfterAcceptRate: 0,
  latencyMs: 0,
  down: false,
  rateLimitPerSecond: null,
  clientIdUniqueness: 'all',
  rejectInsufficientFunds: false,
  seed: 1,
};

describe('/_local/faults', () => {
  it('sets duplicate deliveries and clears every fault with {}', async () => {
    expect(await call('POST', '/_local/faults', { duplicateDeliveries: 3 })).toEqual({
      status: 200,
      body: {
        duplicateDeliveries: 3,
        crashAfterOrderRate: 0,
        exchange: NO_EXCHANGE_FAULTS,
        failingFunctions: [],
      },
    });
    expect(await call('POST', '/_local/faults', {})).toEqual({
      status: 200,
      body: {
        duplicateDeliveries: 1,
        crashAfterOrderRate: 0,
        exchange: NO_EXCHANGE_FAULTS,
        failingFunctions: [],
      },
    });
    expect(await call('POST', '/_local/faults', { duplicateDeliveries: 0 })).toEqual({
      status: 400,
      body: { error: 'duplicateDeliveries must be an integer from 1 to 10' },
    });
    expect(await call('POST', '/_local/faults', { chaos: true })).toEqual({
      status: 400,
      body: { error: 'unknown fault(s): chaos' },
    });
  });

  it('sets exchange faults, the order crash rate and failing functions, any subset, and shows them', async () => {
    const exchange = {
      errorRate: 0.3,
      orderErrorRate: 0.5,
      timeoutAfterAcceptRate: 0.2,
      latencyMs: 800,
      down: true,
      rateLimitPerSecond: 30,
      clientIdUniqueness: 'open-orders',
      rejectInsufficientFunds: true,
    };
    const set = await call('POST', '/_local/faults', {
      exchange,
      crashAfterOrderRate: 0.1,
      failingFunctions: ['schedule-sync'],
    });
    expect(set).toEqual({
      status: 200,
      body: {
        duplicateDeliveries: 1,
        crashAfterOrderRate: 0.1,
        exchange: { ...exchange, seed: 1 },
        failingFunctions: ['schedule-sync'],
      },
    });
    expect((await call('GET', '/_local/exchange')).body.faults).toEqual({ ...exchange, seed: 1 });
    expect(await call('POST', '/_local/faults', { exchange: { latencyMs: 5 } })).toEqual({
      status: 200,
      body: {
        duplicateDeliveries: 1,
        crashAfterOrderRate: 0,
        exchange: { ...NO_EXCHANGE_FAULTS, latencyMs: 5 },
        failingFunctions: [],
      },
    });
    await call('POST', '/_local/faults', {});
    expect((await call('GET', '/_local/faults')).body.exchange).toEqual(NO_EXCHANGE_FAULTS);
  });

  it.each([
    [{ crashAfterOrderRate: 2 }, 'crashAfterOrderRate must be a number from 0 to 1'],
    [{ exchange: { errorRate: -0.1 } }, 'exchange.errorRate must be a number from 0 to 1'],
    [{ exchange: { latencyMs: 1.5 } }, 'exchange.latencyMs must be an integer from 0 to 30000'],
    [{ exchange: { down: 'yes' } }, 'exchange.down must be true or false'],
    [
      { exchange: { rateLimitPerSecond: 0 } },
      'exchange.rateLimitPerSecond must be an integer from 1 to 100000, or null',
    ],
    [
      { exchange: { clientIdUniqueness: 'never' } },
      'exchange.clientIdUniqueness must be "all" or "open-orders"',
    ],
    [{ exchange: { flaky: true } }, 'unknown exchange fault(s): flaky'],
    [{ exchange: { orderErrorRate: 1.5 } }, 'exchange.orderErrorRate must be a number from 0 to 1'],
    [
      { failingFunctions: ['payments'] },
      `failingFunctions must be a list of names from: ${Object.keys(functionSpecs).join(', ')}`,
    ],
    [
      { exchange: [] },
      'exchange must be an object such as {"errorRate": 0.3, "latencyMs": 800}, or {}',
    ],
  ])('refuses %j and changes nothing', async (body, error) => {
    expect(await call('POST', '/_local/faults', body)).toEqual({ status: 400, body: { error } });
    expect((await call('GET', '/_local/faults')).body.exchange).toEqual(NO_EXCHANGE_FAULTS);
  });
});

describe('/_local/flags', () => {
  it('shows the flags the stack config starts with', async () => {
    expect(await call('GET', '/_local/flags')).toEqual({
      status: 200,
      body: {
        purchasesEnabled: true,
        purchasesEnabledPercent: '100',
        maxAmountPerRun: '10000.00',
        maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
      },
    });
  });

  it('changes the flags given and keeps the others', async () => {
    expect(await call('POST', '/_local/flags', { purchasesEnabled: false })).toEqual({
      status: 200,
      body: {
        purchasesEnabled: false,
        purchasesEnabledPercent: '100',
        maxAmountPerRun: '10000.00',
        maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
      },
    });
    expect(
      await call('POST', '/_local/flags', { purchasesEnabled: true, maxAmountPerRun: '500.00' }),
    ).toEqual({
      status: 200,
      body: {
        purchasesEnabled: true,
        purchasesEnabledPercent: '100',
        maxAmountPerRun: '500.00',
        maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
      },
    });
    expect(await call('POST', '/_local/flags', { maxAmountPerRun: null })).toEqual({
      status: 200,
      body: {
        purchasesEnabled: true,
        purchasesEnabledPercent: '100',
        maxAmountPerRun: null,
        maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
      },
    });
  });

  it('replaces the per-currency maximums with the object given, and keeps the global one', async () => {
    expect(
      await call('POST', '/_local/flags', { maxAmountPerRunByCurrency: { EUR: '5.00' } }),
    ).toEqual({
      status: 200,
      body: {
        purchasesEnabled: true,
        purchasesEnabledPercent: '100',
        maxAmountPerRun: null,
        maxAmountPerRunByCurrency: { EUR: '5.00' },
      },
    });
    expect(await call('POST', '/_local/flags', { maxAmountPerRunByCurrency: {} })).toEqual({
      status: 200,
      body: {
        purchasesEnabled: true,
        purchasesEnabledPercent: '100',
        maxAmountPerRun: null,
        maxAmountPerRunByCurrency: {},
      },
    });
  });

  it('sets the share of users purchases are on for, keeps the other flags, and back to 100', async () => {
    expect(await call('POST', '/_local/flags', { purchasesEnabledPercent: '12.5' })).toEqual({
      status: 200,
      body: {
        purchasesEnabled: true,
        purchasesEnabledPercent: '12.5',
        maxAmountPerRun: null,
        maxAmountPerRunByCurrency: {},
      },
    });
    // A POST without the share keeps it, as every flag not given is kept.
    expect(await call('POST', '/_local/flags', { purchasesEnabled: false })).toEqual({
      status: 200,
      body: {
        purchasesEnabled: false,
        purchasesEnabledPercent: '12.5',
        maxAmountPerRun: null,
        maxAmountPerRunByCurrency: {},
      },
    });
    expect(
      await call('POST', '/_local/flags', {
        purchasesEnabled: true,
        purchasesEnabledPercent: '100',
      }),
    ).toEqual({
      status: 200,
      body: {
        purchasesEnabled: true,
        purchasesEnabledPercent: '100',
        maxAmountPerRun: null,
        maxAmountPerRunByCurrency: {},
      },
    });
  });

  it.each([
    [{ purchasesEnabled: 'no' }, 'purchasesEnabled must be true or false'],
    [
      { maxAmountPerRun: 500 },
      'maxAmountPerRun must be a positive decimal string such as "500.00", or null',
    ],
    [
      { maxAmountPerRunByCurrency: { EUR: '5.001' } },
      'maxAmountPerRunByCurrency.EUR must be a positive decimal string with at most 2 decimal places',
    ],
    [
      { purchasesEnabledPercent: 50 },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [
      { purchasesEnabledPercent: '100.5' },
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    ],
    [{ killSwitch: true }, 'unknown flag(s): killSwitch'],
  ])('refuses %j', async (body, error) => {
    expect(await call('POST', '/_local/flags', body)).toEqual({ status: 400, body: { error } });
  });
});
