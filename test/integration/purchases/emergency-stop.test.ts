/**
 * The emergency stop end to end on the local stack, through `POST /_local/flags/emergency-stop`:
 * with the main flags on, an emergency stop off makes every slot end SKIPPED with
 * PURCHASES_DISABLED and places nothing, on the first run and on a run an outage left open and the
 * retry path decides again. The main flags are not touched: in an incident the emergency stop is
 * the kill switch, because no alarm can roll it back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import {
  createDailyPlans,
  ledger,
  reconcileDay,
  type LedgerItem,
} from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

const MAIN_FLAGS_ON = {
  purchasesEnabled: true,
  purchasesEnabledPercent: '100',
  maxAmountPerRun: '10000.00',
  maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
};

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-11-01T00:00:00Z')) });
});

afterEach(async () => {
  await post('/_local/faults', {});
  await post('/_local/flags/emergency-stop', { purchasesEnabled: true });
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

const post = (path: string, body: unknown) => call('POST', path, body);

/** One daily plan at `time` UTC on `day` only, for `user`. */
async function planOn(user: string, day: string, time: string, count: number) {
  const client = await signIn(stack, user);
  const ids = await createDailyPlans(client, count, {
    amount: '20.00',
    timeOfDay: time,
    startDate: day,
    endDate: day,
  });
  await stack.settle();
  return ids;
}

/** Each plan's run as `STATUS CODE orders=N`. */
async function outcomes(ids: readonly string[]): Promise<string[]> {
  const byPlan = new Map((await ledger(stack)).map((item) => [item.planId, item]));
  const orders = stack.exchange.state().orders;
  return ids.map((id) => {
    const item = byPlan.get(id) as LedgerItem;
    const placed = orders.filter((order) => order.clientOrderId === item.clientOrderId).length;
    return `${item.status} ${String(item.failureCode ?? '-')} orders=${placed}`;
  });
}

describe('the emergency stop', () => {
  it('stops every purchase while the main flags are on, and purchases resume when it is lifted', async () => {
    expect(await post('/_local/flags/emergency-stop', { purchasesEnabled: false })).toEqual({
      purchasesEnabled: false,
    });
    expect(await call('GET', '/_local/flags')).toEqual(MAIN_FLAGS_ON);
    expect(await call('GET', '/_local/flags/emergency-stop')).toEqual({ purchasesEnabled: false });
    const stopped = await planOn('emergency-first', '2027-11-02', '08:00', 2);
    await stack.advanceTo(Date.parse('2027-11-02T09:00:00Z'));
    expect(await outcomes(stopped)).toEqual([
      'SKIPPED PURCHASES_DISABLED orders=0',
      'SKIPPED PURCHASES_DISABLED orders=0',
    ]);

    await post('/_local/flags/emergency-stop', { purchasesEnabled: true });
    const resumed = await planOn('emergency-first', '2027-11-03', '08:00', 1);
    await stack.advanceTo(Date.parse('2027-11-03T09:00:00Z'));
    expect(await outcomes(resumed)).toEqual(['FILLED - orders=1']);
  }, 120_000);

  it('holds for runs an outage left open: retried when the exchange is back, they buy nothing', async () => {
    const day = '2027-11-04';
    const ids = await planOn('emergency-incident', day, '09:00', 2);
    // Order entry fails: every run is left open (SUBMITTED, or PENDING once the breaker opens).
    await post('/_local/faults', { exchange: { orderErrorRate: 1 } });
    await stack.advanceTo(Date.parse(`${day}T09:00:30Z`));
    const open = await outcomes(ids);
    expect(open.filter((each) => !/^(SUBMITTED|PENDING) \S+ orders=0$/.test(each))).toEqual([]);

    // The operator stops purchases with the emergency stop; the main flags still say buy.
    await post('/_local/flags/emergency-stop', { purchasesEnabled: false });
    await post('/_local/faults', {});
    await stack.advanceTo(Date.parse(`${day}T16:00:00Z`));

    expect(await call('GET', '/_local/flags')).toEqual(MAIN_FLAGS_ON);
    expect(await outcomes(ids)).toEqual([
      'SKIPPED PURCHASES_DISABLED orders=0',
      'SKIPPED PURCHASES_DISABLED orders=0',
    ]);
    expect((await reconcileDay(stack, day)).breaks).toEqual([]);
  }, 300_000);
});
