/**
 * Duplicates end in exactly one order and one ledger entry: three concurrent deliveries of each of
 * 100 slots, and a run that crashed between the order and the ledger write, completed by the
 * next delivery without a second order.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const CREATE = `mutation Create($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const PLAN = `query Plan($id: ID!) { plan(id: $id) { executionCount totalInvested totalAcquired nextRunAt } }`;

let stack: LocalStack;
let client: GraphqlClient;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-02-01T00:00:00Z')) });
  client = await signIn(stack, 'dana');
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

async function ledger(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await stack.dynamodb.send(
      new ScanCommand({
        TableName: stack.tableNames.executions,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start !== undefined);
  return items;
}

describe('duplicate deliveries', () => {
  it('three concurrent deliveries of each of 100 slots make exactly one order and one FILLED execution per slot', async () => {
    // 10 plans x 10 daily slots = 100 slots.
    const ids: string[] = [];
    for (let index = 0; index < 10; index += 1) {
      const { createPlan } = await client.data<{ createPlan: { id: string } }>(CREATE, {
        input: {
          amount: '10.00',
          currency: 'EUR',
          schedule: {
            frequency: 'DAILY',
            timeOfDay: `08:${String(index).padStart(2, '0')}`,
            timezone: 'Europe/Berlin',
            startDate: '2027-02-02',
            endDate: '2027-02-11',
          },
        },
      });
      ids.push(createPlan.id);
    }
    stack.faults.duplicateDeliveries = 3;
    await stack.advanceTo(Date.parse('2027-02-12T00:00:00Z'));
    stack.faults.duplicateDeliveries = 1;

    const executions = stack.stateMachine
      .history()
      .filter((execution) => ids.includes((execution.input as { planId: string }).planId));
    // A duplicate that keeps finding the slot in progress may go through the retry queue; the
    // scheduler's own deliveries are the 300.
    const scheduled = executions.filter((execution) => !('attempt' in (execution.input as object)));
    expect(scheduled).toHaveLength(300);
    const orders = stack.exchange.state().orders;
    expect(orders).toHaveLength(100);
    expect(new Set(orders.map((order) => order.clientOrderId)).size).toBe(100);

    const entries = (await ledger()).filter((item) => ids.includes(item.planId as string));
    expect(entries).toHaveLength(100);
    expect(entries.every((item) => item.status === 'FILLED')).toBe(true);
    expect(new Set(entries.map((item) => item.exchangeOrderId))).toEqual(
      new Set(orders.map((order) => order.orderId)),
    );

    for (const id of ids) {
      const { plan } = await client.data<{
        plan: { executionCount: number; totalInvested: string; totalAcquired: string };
      }>(PLAN, { id });
      // 10.00 EUR per run: fee 0.06, 9.94 net at 46000.00 = 0.00021608 BTC.
      expect(plan).toMatchObject({
        executionCount: 10,
        totalInvested: '100.00',
        totalAcquired: '0.00216080',
      });
    }
    // About 50 s alone on two cores; several times that beside the fault matrix in a full run.
  }, 600_000);
});

describe('a crash between the order and the ledger write', () => {
  it('is completed by the next delivery of the slot, with the same order and no second one', async () => {
    const { createPlan } = await client.data<{ createPlan: { id: string } }>(CREATE, {
      input: {
        amount: '40.00',
        currency: 'EUR',
        schedule: {
          frequency: 'DAILY',
          timeOfDay: '09:00',
          timezone: 'Europe/Berlin',
          startDate: '2027-02-13',
          endDate: '2027-02-13',
        },
      },
    });
    const ordersBefore = stack.exchange.state().orders.length;
    stack.stateMachine.crashAfter.remaining = 1;
    await stack.advanceTo(Date.parse('2027-02-13T08:30:00Z'));

    const crashed = stack.stateMachine
      .history()
      .filter((execution) => (execution.input as { planId: string }).planId === createPlan.id);
    expect(crashed.map((execution) => [execution.status, execution.states.at(-1)])).toEqual([
      ['ABORTED', 'PlaceOrder'],
    ]);
    expect(stack.exchange.state().orders).toHaveLength(ordersBefore + 1);
    const pending = (await ledger()).find((item) => item.planId === createPlan.id);
    expect(pending).toMatchObject({ status: 'SUBMITTED', scheduledFor: '2027-02-13T08:00:00Z' });
    expect(
      (await client.data<{ plan: { executionCount: number } }>(PLAN, { id: createPlan.id })).plan
        .executionCount,
    ).toBe(0);

    // The scheduler delivers the slot again (at-least-once): same input.
    const redelivery = await stack.stateMachine.start(crashed[0]?.input);
    await stack.settle();
    expect(redelivery.status).toBe('SUCCEEDED');
    expect(redelivery.states).toContain('RecordPurchase');

    const orders = stack.exchange.state().orders;
    expect(orders).toHaveLength(ordersBefore + 1);
    const order = orders.at(-1);
    const entry = (await ledger()).find((item) => item.planId === createPlan.id);
    expect(entry).toMatchObject({
      status: 'FILLED',
      exchangeOrderId: order?.orderId,
      clientOrderId: order?.clientOrderId,
      spent: '4000',
      fee: '24',
    });
    expect(
      (
        await client.data<{ plan: { executionCount: number; totalInvested: string } }>(PLAN, {
          id: createPlan.id,
        })
      ).plan,
    ).toMatchObject({
      executionCount: 1,
      totalInvested: '40.00',
    });

    // Yet another delivery finds the slot done and stops.
    const late = await stack.stateMachine.start(crashed[0]?.input);
    expect(late.states).toEqual(['ClaimSlot', 'ReadClaim', 'ClaimState', 'AlreadyProcessed']);
    expect(stack.exchange.state().orders).toHaveLength(ordersBefore + 1);
  }, 60_000);
});
