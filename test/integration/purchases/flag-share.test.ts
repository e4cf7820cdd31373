/**
 * Purchases on for a share of users, end to end on the local stack through `POST /_local/flags`:
 * a user in the share buys, a user outside it ends SKIPPED with PURCHASES_DISABLED and places
 * nothing, exactly as `inShare` (domain/user-share.ts) says for each user; raising the share only
 * adds users. And the share holds on the retry path: runs an outage left open decide again when
 * the exchange is back, under the flags in force then (the incident an operator recovers from
 * by turning purchases back on gradually).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inShare } from '#domain/user-share.ts';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import {
  createDailyPlans,
  ledger,
  reconcileDay,
  type LedgerItem,
} from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

const FLAG = 'purchasesEnabledPercent';
const GRADUAL =
  'Purchases are being switched back on gradually and have not reached this plan yet; this run did not buy and nothing was spent.';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-10-01T00:00:00Z')) });
});

afterEach(async () => {
  await post('/_local/faults', {});
  await post('/_local/flags', {
    purchasesEnabled: true,
    purchasesEnabledPercent: '100',
    maxAmountPerRun: '10000.00',
  });
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function post(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * `count` user ids (`<label>-<n>`) in the `share` and `count` outside it, as the pure function
 * says: the test never assumes where a user falls.
 */
function usersAround(label: string, share: string, count: number) {
  const inside: string[] = [];
  const outside: string[] = [];
  for (let n = 0; inside.length < count || outside.length < count; n += 1) {
    const user = `${label}-${n}`;
    const list = inShare(FLAG, user, share) ? inside : outside;
    if (list.length < count) list.push(user);
  }
  return { inside, outside };
}

/** One daily plan per user at `time` UTC on `day` only; plan id by user. */
async function planPerUser(users: readonly string[], day: string, time: string) {
  const plans = new Map<string, string>();
  for (const user of users) {
    const client = await signIn(stack, user);
    const [id] = await createDailyPlans(client, 1, {
      amount: '20.00',
      timeOfDay: time,
      startDate: day,
      endDate: day,
    });
    plans.set(user, id ?? '');
  }
  await stack.settle();
  return plans;
}

async function entriesOf(plans: ReadonlyMap<string, string>): Promise<Map<string, LedgerItem>> {
  const byPlan = new Map((await ledger(stack)).map((item) => [item.planId, item]));
  return new Map([...plans].map(([user, planId]) => [user, byPlan.get(planId) as LedgerItem]));
}

const ordersOf = (item: LedgerItem | undefined) =>
  stack.exchange.state().orders.filter((order) => order.clientOrderId === item?.clientOrderId)
    .length;

/** Each user's outcome as `STATUS CODE orders=N`. */
async function outcomes(plans: ReadonlyMap<string, string>): Promise<Record<string, string>> {
  const entries = await entriesOf(plans);
  return Object.fromEntries(
    [...entries].map(([user, item]) => [
      user,
      `${item.status} ${String(item.failureCode ?? '-')} orders=${ordersOf(item)}`,
    ]),
  );
}

/** What each user's run ends with when the share decides it. */
function expected(users: readonly string[], share: string): Record<string, string> {
  return Object.fromEntries(
    users.map((user) => [
      user,
      inShare(FLAG, user, share) ? 'FILLED - orders=1' : 'SKIPPED PURCHASES_DISABLED orders=0',
    ]),
  );
}

describe('purchases on for a share of users', () => {
  it('buy for the users in the share and skip the others, as inShare says for each', async () => {
    const { inside, outside } = usersAround('share-first', '30', 3);
    const users = [...inside, ...outside];
    expect(await post('/_local/flags', { purchasesEnabledPercent: '30' })).toEqual({
      purchasesEnabled: true,
      purchasesEnabledPercent: '30',
      maxAmountPerRun: '10000.00',
      maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
    });
    const plans = await planPerUser(users, '2027-10-02', '08:00');
    await stack.advanceTo(Date.parse('2027-10-02T09:00:00Z'));

    expect(await outcomes(plans)).toEqual(expected(users, '30'));
    const skipped = await entriesOf(new Map(outside.map((user) => [user, plans.get(user) ?? ''])));
    expect([...skipped.values()].map((item) => item.failureReason)).toEqual(
      outside.map(() => GRADUAL),
    );
  }, 120_000);

  it('only adds users as the share rises: everyone who bought at 30 buys at 60', async () => {
    const { inside, outside } = usersAround('share-rise', '30', 2);
    const wider = usersAround('share-rise-wide', '60', 2);
    const users = [...inside, ...outside, ...wider.inside, ...wider.outside];
    await post('/_local/flags', { purchasesEnabledPercent: '30' });
    const first = await planPerUser(users, '2027-10-03', '08:00');
    await stack.advanceTo(Date.parse('2027-10-03T09:00:00Z'));
    expect(await outcomes(first)).toEqual(expected(users, '30'));

    await post('/_local/flags', { purchasesEnabledPercent: '60' });
    const second = await planPerUser(users, '2027-10-04', '08:00');
    await stack.advanceTo(Date.parse('2027-10-04T09:00:00Z'));
    const after = await outcomes(second);
    expect(after).toEqual(expected(users, '60'));
    for (const user of inside) expect(after[user]).toBe('FILLED - orders=1');
  }, 120_000);

  it('keeps the share on a POST that does not name it, and a share of 100 buys for everyone', async () => {
    const { inside, outside } = usersAround('share-kept', '10', 2);
    const users = [...inside, ...outside];
    await post('/_local/flags', { purchasesEnabledPercent: '10' });
    await post('/_local/flags', { maxAmountPerRun: '9000.00' });
    const kept = await planPerUser(users, '2027-10-05', '08:00');
    await stack.advanceTo(Date.parse('2027-10-05T09:00:00Z'));
    expect(await outcomes(kept)).toEqual(expected(users, '10'));

    await post('/_local/flags', { purchasesEnabledPercent: '100' });
    const all = await planPerUser(users, '2027-10-06', '08:00');
    await stack.advanceTo(Date.parse('2027-10-06T09:00:00Z'));
    expect(await outcomes(all)).toEqual(expected(users, '100'));
  }, 120_000);
});

describe('the share on the retry path', () => {
  it('holds for runs an outage left open: the switch goes off, then back on for a share, and each retried run ends as the share says', async () => {
    const day = '2027-10-07';
    const { inside, outside } = usersAround('share-incident', '50', 2);
    const users = [...inside, ...outside];
    const plans = await planPerUser(users, day, '09:00');
    // Order entry fails: every run is left open (SUBMITTED, or PENDING once the breaker opens),
    // with no order at the exchange.
    await post('/_local/faults', { exchange: { orderErrorRate: 1 } });
    await stack.advanceTo(Date.parse(`${day}T09:00:30Z`));
    const during = await entriesOf(plans);
    expect(
      [...during.values()].filter(
        (item) => item.status !== 'SUBMITTED' && item.status !== 'PENDING',
      ),
    ).toEqual([]);
    expect([...during.values()].map(ordersOf)).toEqual(users.map(() => 0));

    // The operator stops purchases, then turns them back on for half of the users only.
    await post('/_local/flags', { purchasesEnabled: false });
    await post('/_local/flags', { purchasesEnabled: true, purchasesEnabledPercent: '50' });
    await post('/_local/faults', {});
    await stack.advanceTo(Date.parse(`${day}T16:00:00Z`));

    expect(await outcomes(plans)).toEqual(expected(users, '50'));
    const retried = await entriesOf(plans);
    for (const user of outside) expect(retried.get(user)?.failureReason).toBe(GRADUAL);
    expect((await reconcileDay(stack, day)).breaks).toEqual([]);
  }, 300_000);
});
