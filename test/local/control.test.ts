/** The local control endpoints: the clock, the scheduler's view, the paper exchange and faults. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { signIn, startTestStack } from '../support/stack.ts';

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
    const moved = await call('POST', '/_local/clock', { advanceTo: '2027-05-05T00:00:00Z' });
    // Two purchases (the 3rd and the 4th) and the sweeper between and after them.
    // The clock follows wall time from there on, so a few milliseconds may already have passed.
    expect(moved).toEqual({
      status: 200,
      body: { now: expect.stringMatching(/^2027-05-05T00:00:00\.\d{3}Z$/), fired: 5 },
    });
  });

  it('refuses to move backwards or to a time without an offset', async () => {
    expect(await call('POST', '/_local/clock', { advanceTo: '2027-05-01T00:00:00Z' })).toEqual({
      status: 400,
      body: {
        error: expect.stringMatching(/^the clock only moves forward; it is 2027-05-05T00:00:00/),
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

describe('/_local/faults', () => {
  it('sets duplicate deliveries and clears every fault with {}', async () => {
    expect(await call('POST', '/_local/faults', { duplicateDeliveries: 3 })).toEqual({
      status: 200,
      body: { duplicateDeliveries: 3 },
    });
    expect(await call('POST', '/_local/faults', {})).toEqual({
      status: 200,
      body: { duplicateDeliveries: 1 },
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
});
