/**
 * Fault matrix, the incident: an outage of order entry leaves runs SUBMITTED (the exchange
 * answered 500 to the orders, so their outcome is unknown to the client), then the operator and
 * the users act while the retries wait: the kill switch, a lower maximum per run, a pause, a
 * delete, a changed time, and all of them at once. Once the exchange is back, every retried run
 * reads its order back, finds none and decides again: it places nothing the controls forbid and
 * ends with the code a fresh run would get. The same outage with nothing changed buys every slot
 * exactly once.
 *
 * Each scenario has a user and a day of its own on one stack; the flags are global, so they are
 * reset after each scenario. The shared circuit breaker decides whether a run meets the outage's
 * end SUBMITTED (its order's outcome unknown) or PENDING (the breaker opened before it could send,
 * which proves nothing was sent): one plan on its own fails four times at most, below the
 * breaker's five, so the scenarios of one control each are left SUBMITTED for certain; with
 * several plans either state may be left, and both must end the same way.
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
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const AMOUNT = '25.00';

let stack: LocalStack;
const rows: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-09-01T00:00:00Z')) });
});

afterEach(async () => {
  await post('/_local/faults', {});
  await post('/_local/flags', { purchasesEnabled: true, maxAmountPerRun: '10000.00' });
});

afterAll(async () => {
  console.log(
    [
      '\nFault matrix: runs left SUBMITTED by an outage, then the controls',
      '| scenario | slots | left SUBMITTED | outcomes | orders after the outage |',
      '| --- | ---: | ---: | --- | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

const PAUSE = `mutation($id: ID!) { pausePlan(id: $id) { id status } }`;
const DELETE = `mutation($id: ID!) { deletePlan(id: $id) { id } }`;
const UPDATE = `mutation($input: UpdatePlanInput!) { updatePlan(input: $input) { id version currency schedule { timeOfDay } } }`;
const PLAN = `query($id: ID!) { plan(id: $id) { id version status lastRunAt } }`;

async function versionOf(client: GraphqlClient, id: string): Promise<number> {
  const { plan } = await client.data<{ plan: { version: number } }>(PLAN, { id });
  return plan.version;
}

async function moveTo(client: GraphqlClient, id: string, day: string, timeOfDay: string) {
  await client.data(UPDATE, {
    input: {
      id,
      expectedVersion: await versionOf(client, id),
      schedule: {
        frequency: 'DAILY',
        timeOfDay,
        timezone: 'UTC',
        startDate: day,
        endDate: day,
      },
    },
  });
}

interface Incident {
  readonly client: GraphqlClient;
  readonly ids: readonly string[];
  readonly day: string;
  /** The ledger entries of the scenario's plans, once everything has settled. */
  readonly entries: readonly LedgerItem[];
  /** Exchange orders for the scenario's plans, all of them placed after the outage. */
  readonly orders: ReadonlyMap<string, number>;
}

/**
 * Creates `plans` plans (daily at 09:00 UTC on `day` only), lets their runs meet an outage of
 * order entry, checks they are left open with no order (SUBMITTED when there is one plan), applies
 * `control`, ends the outage and moves the clock past the purchase window.
 */
async function incident(
  name: string,
  day: string,
  plans: number,
  control: (client: GraphqlClient, ids: readonly string[]) => Promise<void>,
): Promise<Incident> {
  const client = await signIn(stack, `incident-${name.replace(/\W+/g, '-')}`);
  const ids = await createDailyPlans(client, plans, {
    amount: AMOUNT,
    timeOfDay: '09:00',
    startDate: day,
    endDate: day,
  });
  await stack.settle();
  await post('/_local/faults', { exchange: { orderErrorRate: 1 } });
  await stack.advanceTo(Date.parse(`${day}T09:00:30Z`));
  const during = (await ledger(stack)).filter((item) => ids.includes(item.planId));
  const left = during.map((item) => item.status);
  if (plans === 1) expect(left).toEqual(['SUBMITTED']);
  else expect(left.filter((status) => status !== 'SUBMITTED' && status !== 'PENDING')).toEqual([]);
  expect(left).toHaveLength(plans);
  expect(ordersFor(during).size).toBe(0);

  await control(client, ids);
  await post('/_local/faults', {});
  await stack.advanceTo(Date.parse(`${day}T16:00:00Z`));
  expect((await reconcileDay(stack, day)).breaks).toEqual([]);
  const entries = (await ledger(stack))
    .filter((item) => ids.includes(item.planId))
    .sort((a, b) => a.scheduledFor.localeCompare(b.scheduledFor));
  const orders = ordersFor(entries);
  const submitted = left.filter((status) => status === 'SUBMITTED').length;
  rows.push(
    `| ${name} | ${entries.length} | ${submitted} | ${outcomes(entries)} | ${[...orders.values()].reduce((sum, n) => sum + n, 0)} |`,
  );
  return { client, ids, day, entries, orders };
}

function ordersFor(entries: readonly LedgerItem[]): Map<string, number> {
  const clientIds = new Set(entries.map((item) => item.clientOrderId));
  const counts = new Map<string, number>();
  for (const order of stack.exchange.state().orders) {
    if (clientIds.has(order.clientOrderId))
      counts.set(order.clientOrderId, (counts.get(order.clientOrderId) ?? 0) + 1);
  }
  return counts;
}

function outcomes(entries: readonly LedgerItem[]): string {
  const counts = new Map<string, number>();
  for (const item of entries) {
    const key = `${item.status}${item.failureCode ? ` ${String(item.failureCode)}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([key, count]) => `${count} ${key}`).join(', ');
}

/** Each entry's final status and code, as `STATUS CODE`. */
function codes(entries: readonly LedgerItem[]): string[] {
  return entries.map((item) => `${item.status} ${String(item.failureCode ?? '')}`.trim());
}

describe('runs left SUBMITTED by an outage of order entry', () => {
  it('place nothing once the kill switch is off: every run ends SKIPPED with PURCHASES_DISABLED', async () => {
    const { entries, orders } = await incident('kill switch', '2027-09-02', 1, async () => {
      await post('/_local/flags', { purchasesEnabled: false });
    });
    expect(codes(entries)).toEqual(entries.map(() => 'SKIPPED PURCHASES_DISABLED'));
    expect(orders.size).toBe(0);
  }, 300_000);

  it('place nothing above a lowered maximum: every run ends FAILED with AMOUNT_ABOVE_LIMIT', async () => {
    const { entries, orders } = await incident('lower maximum', '2027-09-03', 1, async () => {
      // The stack's flags also give EUR a maximum of its own (10000.00): the lower one holds.
      await post('/_local/flags', { maxAmountPerRun: '5.00' });
    });
    expect(codes(entries)).toEqual(entries.map(() => 'FAILED AMOUNT_ABOVE_LIMIT'));
    expect(orders.size).toBe(0);
  }, 300_000);

  it('place nothing for a paused plan (PLAN_PAUSED), and refuse a new currency while the run is open', async () => {
    const { client, ids, entries, orders } = await incident(
      'pause',
      '2027-09-04',
      1,
      async (client, ids) => {
        const refused = await client.error(UPDATE, {
          input: { id: ids[0], expectedVersion: 1, currency: 'GBP' },
        });
        expect(refused.errorType).toBe('ValidationError');
        expect(refused.errorInfo).toEqual({
          fields: {
            currency:
              'cannot change while a purchase of this plan is in progress; try again once it has finished',
          },
        });
        for (const id of ids) await client.data(PAUSE, { id });
      },
    );
    expect(codes(entries)).toEqual(entries.map(() => 'SKIPPED PLAN_PAUSED'));
    expect(orders.size).toBe(0);
    // The run is over and nothing was bought: the currency may change now.
    const { updatePlan } = await client.data<{ updatePlan: { currency: string } }>(UPDATE, {
      input: {
        id: ids[0],
        expectedVersion: await versionOf(client, ids[0] as string),
        currency: 'GBP',
      },
    });
    expect(updatePlan.currency).toBe('GBP');
  }, 300_000);

  it('place nothing for a deleted plan: every run ends SKIPPED with PLAN_DELETED', async () => {
    const { entries, orders } = await incident('delete', '2027-09-05', 1, async (client, ids) => {
      for (const id of ids) await client.data(DELETE, { id });
    });
    expect(codes(entries)).toEqual(entries.map(() => 'SKIPPED PLAN_DELETED'));
    expect(orders.size).toBe(0);
  }, 300_000);

  it('buy once on a day whose time moved: the old slot ends SCHEDULE_CHANGED, the new one buys', async () => {
    const day = '2027-09-06';
    const { client, ids, entries, orders } = await incident(
      'changed time',
      day,
      1,
      async (client, ids) => {
        for (const id of ids) await moveTo(client, id, day, '10:00');
      },
    );
    expect(entries.map((item) => [item.scheduledFor, item.status, item.failureCode])).toEqual(
      ids
        .flatMap((id) => [
          [`${day}T09:00:00Z`, 'SKIPPED', 'SCHEDULE_CHANGED', id],
          [`${day}T10:00:00Z`, 'FILLED', null, id],
        ])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0])))
        .map(([slot, status, code]) => [slot, status, code]),
    );
    // One order per plan on that day, and its last run is the 10:00 slot, never moved back.
    expect([...orders.values()]).toEqual(ids.map(() => 1));
    for (const id of ids) {
      const { plan } = await client.data<{ plan: { lastRunAt: string } }>(PLAN, { id });
      expect(plan.lastRunAt).toBe(`${day}T10:00:00Z`);
    }
  }, 300_000);

  it('place nothing when everything happens at once, each run ending with its own code', async () => {
    const day = '2027-09-07';
    const { entries, orders, ids } = await incident('all at once', day, 4, async (client, ids) => {
      await post('/_local/flags', { purchasesEnabled: false, maxAmountPerRun: '5.00' });
      await client.data(PAUSE, { id: ids[0] });
      await client.data(DELETE, { id: ids[1] });
      await moveTo(client, ids[2] as string, day, '10:00');
    });
    const byPlan = (id: string | undefined) => codes(entries.filter((item) => item.planId === id));
    expect(byPlan(ids[0])).toEqual(['SKIPPED PLAN_PAUSED']);
    expect(byPlan(ids[1])).toEqual(['SKIPPED PLAN_DELETED']);
    // The moved plan's new slot meets the kill switch too.
    expect(byPlan(ids[2])).toEqual(['SKIPPED SCHEDULE_CHANGED', 'SKIPPED PURCHASES_DISABLED']);
    expect(byPlan(ids[3])).toEqual(['SKIPPED PURCHASES_DISABLED']);
    expect(orders.size).toBe(0);
  }, 300_000);

  it('buy every slot exactly once when nothing changed', async () => {
    const { entries, orders } = await incident('switch left on', '2027-09-08', 4, async () => {
      // The operator waits for the exchange.
    });
    expect(codes(entries)).toEqual(entries.map(() => 'FILLED'));
    expect(entries).toHaveLength(4);
    expect([...orders.values()]).toEqual(entries.map(() => 1));
  }, 300_000);
});
