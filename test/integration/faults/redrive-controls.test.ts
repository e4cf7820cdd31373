/**
 * Fault matrix, the redrive: an outage dead-letters slots (the exchange is down and the retry
 * dispatcher broken, so their retry messages exhaust their receives), then the operator and the
 * users act before anyone redrives: the kill switch, a lower maximum per run, a pause, a delete.
 * A redriven message restarts its run, and the run decides again on what holds now: it places
 * nothing the controls forbid, ends with the code a fresh run would get, and a slot that ended
 * stays ended when the controls are lifted again.
 *
 * Each scenario has a user and a day of its own on one stack; the flags are global, so they are
 * reset after each scenario.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { createDailyPlans, ledger, type LedgerItem } from '../../support/purchases.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const PAUSE = `mutation ($id: ID!) { pausePlan(id: $id) { id } }`;
const DELETE = `mutation ($id: ID!) { deletePlan(id: $id) { id } }`;

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-10-01T00:00:00Z')) });
});

afterEach(async () => {
  await post('/_local/faults', {});
  await post('/_local/flags', { purchasesEnabled: true, maxAmountPerRun: '10000.00' });
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function post(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  expect(response.status).toBe(200);
  return response.json();
}

async function deadLettered(): Promise<number> {
  const response = await fetch(`${stack.url}/_local/dead-letters`);
  const body = (await response.json()) as { queues: Record<string, unknown[]> };
  return body.queues['purchase-retries-dlq']?.length ?? 0;
}

/** Final status and code per plan, in the order of `ids`. */
async function outcomes(ids: readonly string[]): Promise<string[][]> {
  const entries = await ledger(stack);
  return ids.map((id) =>
    entries
      .filter((item: LedgerItem) => item.planId === id)
      .map((item) => `${item.status} ${String(item.failureCode ?? '')}`.trim()),
  );
}

function ordersOf(entries: readonly LedgerItem[], ids: readonly string[]): number {
  const clientOrderIds = new Set(
    entries.filter((item) => ids.includes(item.planId)).map((item) => item.clientOrderId),
  );
  return stack.exchange.state().orders.filter((order) => clientOrderIds.has(order.clientOrderId))
    .length;
}

/**
 * Plans of one user due at 09:00 UTC on `day`, their slots dead-lettered by an outage; then
 * `act` (the controls), the fix, the redrive of the retries' dead-letter queue, and an hour.
 */
async function deadLetteredThenRedriven(
  user: string,
  day: string,
  amounts: readonly string[],
  /** A day after `day` when the plans must still be live (an ended plan cannot be paused). */
  lastDay: string,
  act: (client: GraphqlClient, ids: string[]) => Promise<void>,
): Promise<{ client: GraphqlClient; ids: string[] }> {
  const client = await signIn(stack, user);
  const ids: string[] = [];
  for (const amount of amounts) {
    ids.push(
      ...(await createDailyPlans(client, 1, {
        amount,
        timeOfDay: '09:00',
        startDate: day,
        endDate: lastDay,
      })),
    );
  }
  await stack.settle();
  await post('/_local/faults', {
    exchange: { down: true },
    failingFunctions: ['retry-dispatcher', 'completer'],
  });
  await stack.advanceTo(Date.parse(`${day}T09:45:00Z`));
  expect(await deadLettered()).toBe(ids.length);
  expect(stack.exchange.state().orders.length).toBe(0);

  await act(client, ids);
  await post('/_local/faults', {});
  expect(await post('/_local/dead-letters/redrive', { queue: 'purchase-retries-dlq' })).toEqual(
    expect.objectContaining({ queue: 'purchase-retries-dlq', moved: ids.length, left: [] }),
  );
  await stack.advanceTo(Date.parse(`${day}T10:45:00Z`));
  expect(await deadLettered()).toBe(0);
  return { client, ids };
}

describe('slots dead-lettered by an outage, redriven after the controls changed', () => {
  it('place nothing once the kill switch is off, and stay SKIPPED when it is back on', async () => {
    const day = '2027-10-02';
    const { ids } = await deadLetteredThenRedriven('redrive-kill-switch', day, ['25.00'], day, () =>
      post('/_local/flags', { purchasesEnabled: false }).then(() => undefined),
    );
    expect(await outcomes(ids)).toEqual([['SKIPPED PURCHASES_DISABLED']]);
    await post('/_local/flags', { purchasesEnabled: true });
    await stack.advanceTo(Date.parse(`${day}T12:00:00Z`));
    expect(await outcomes(ids)).toEqual([['SKIPPED PURCHASES_DISABLED']]);
    expect(ordersOf(await ledger(stack), ids)).toBe(0);
  }, 300_000);

  it('end each run with its own control: paused, deleted, above the lowered maximum; the untouched plan buys once', async () => {
    const { ids } = await deadLetteredThenRedriven(
      'redrive-controls',
      '2027-10-03',
      ['25.00', '25.00', '600.00', '25.00'],
      '2027-10-04',
      async (client, planIds) => {
        await client.data(PAUSE, { id: planIds[0] });
        await client.data(DELETE, { id: planIds[1] });
        await post('/_local/flags', {
          maxAmountPerRun: '500.00',
          maxAmountPerRunByCurrency: {},
        });
      },
    );
    expect(await outcomes(ids)).toEqual([
      ['SKIPPED PLAN_PAUSED'],
      ['SKIPPED PLAN_DELETED'],
      ['FAILED AMOUNT_ABOVE_LIMIT'],
      ['FILLED'],
    ]);
    expect(ordersOf(await ledger(stack), ids)).toBe(1);
  }, 300_000);
});
