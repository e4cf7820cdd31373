/**
 * Plans of every frequency run exactly at the slots the calendar rules promise, across month ends
 * and daylight-saving changes in four zones, end to end: the stream consumer arms one-time
 * schedules, the local scheduler fires them, the purchase workflow buys on the paper exchange.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const CREATE = `mutation Create($input: CreatePlanInput!) { createPlan(input: $input) { id } }`;
const PLAN = `query Plan($id: ID!) {
  plan(id: $id) { status nextRunAt executionCount totalInvested totalAcquired averagePrice lastRunAt }
  executions(planId: $id, limit: 100) { items { scheduledFor status amount btcAcquired fee averagePrice clientOrderId exchangeOrderId } }
}`;

interface PlanView {
  plan: {
    status: string;
    nextRunAt: string | null;
    executionCount: number;
    totalInvested: string;
    totalAcquired: string;
    averagePrice: string | null;
    lastRunAt: string | null;
  };
  executions: {
    items: {
      scheduledFor: string;
      status: string;
      amount: string;
      btcAcquired: string;
      fee: string;
      averagePrice: string;
      clientOrderId: string;
      exchangeOrderId: string;
    }[];
  };
}

let stack: LocalStack;
let alice: GraphqlClient;
const plans: Record<string, string> = {};

const SCHEDULES: Record<string, Record<string, unknown>> = {
  // 31st of every month: Feb 28, Apr 30 ... and 09:00 Berlin is 08:00Z in winter, 07:00Z in summer.
  monthlyBerlin: {
    frequency: 'MONTHLY',
    dayOfMonth: 31,
    timeOfDay: '09:00',
    timezone: 'Europe/Berlin',
    startDate: '2027-01-01',
  },
  // 02:30 does not exist on 2027-03-28 in Berlin: it runs at 03:30 CEST.
  springGapBerlin: {
    frequency: 'DAILY',
    timeOfDay: '02:30',
    timezone: 'Europe/Berlin',
    startDate: '2027-03-27',
    endDate: '2027-03-29',
  },
  // 02:30 happens twice on 2027-10-31 in Berlin: it runs once, at the first.
  autumnOverlapBerlin: {
    frequency: 'DAILY',
    timeOfDay: '02:30',
    timezone: 'Europe/Berlin',
    startDate: '2027-10-30',
    endDate: '2027-11-01',
  },
  // New York springs forward on 2027-03-14.
  weeklyNewYork: {
    frequency: 'WEEKLY',
    dayOfWeek: 1,
    timeOfDay: '09:00',
    timezone: 'America/New_York',
    startDate: '2027-03-01',
    endDate: '2027-03-22',
  },
  // Sydney leaves summer time on 2027-04-04; fortnights count from the first Friday on or after startDate.
  biweeklySydney: {
    frequency: 'BIWEEKLY',
    dayOfWeek: 5,
    timeOfDay: '08:00',
    timezone: 'Australia/Sydney',
    startDate: '2027-03-31',
    endDate: '2027-05-01',
  },
  // Kolkata is UTC+05:30 all year.
  dailyKolkata: {
    frequency: 'DAILY',
    timeOfDay: '23:59',
    timezone: 'Asia/Kolkata',
    startDate: '2027-06-10',
    endDate: '2027-06-12',
  },
};

const EXPECTED: Record<string, string[]> = {
  monthlyBerlin: [
    '2027-01-31T08:00:00Z',
    '2027-02-28T08:00:00Z',
    '2027-03-31T07:00:00Z',
    '2027-04-30T07:00:00Z',
    '2027-05-31T07:00:00Z',
    '2027-06-30T07:00:00Z',
    '2027-07-31T07:00:00Z',
    '2027-08-31T07:00:00Z',
    '2027-09-30T07:00:00Z',
    '2027-10-31T08:00:00Z',
  ],
  springGapBerlin: ['2027-03-27T01:30:00Z', '2027-03-28T01:30:00Z', '2027-03-29T00:30:00Z'],
  autumnOverlapBerlin: ['2027-10-30T00:30:00Z', '2027-10-31T00:30:00Z', '2027-11-01T01:30:00Z'],
  weeklyNewYork: [
    '2027-03-01T14:00:00Z',
    '2027-03-08T14:00:00Z',
    '2027-03-15T13:00:00Z',
    '2027-03-22T13:00:00Z',
  ],
  biweeklySydney: ['2027-04-01T21:00:00Z', '2027-04-15T22:00:00Z', '2027-04-29T22:00:00Z'],
  dailyKolkata: ['2027-06-10T18:29:00Z', '2027-06-11T18:29:00Z', '2027-06-12T18:29:00Z'],
};

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date('2027-01-01T00:00:00Z')) });
  alice = await signIn(stack, 'alice');
  for (const [name, schedule] of Object.entries(SCHEDULES)) {
    const { createPlan } = await alice.data<{ createPlan: { id: string } }>(CREATE, {
      input: { amount: '25.00', currency: name.includes('NewYork') ? 'USD' : 'EUR', schedule },
    });
    plans[name] = createPlan.id;
  }
  // Ten months at every interval of the recurring jobs: a few minutes on a busy two-core machine.
  await stack.advanceTo(Date.parse('2027-11-02T12:00:00Z'));
}, 400_000);

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

describe('every plan runs at exactly its slots', () => {
  it.each(Object.keys(SCHEDULES))('%s', async (name) => {
    const view = await alice.data<PlanView>(PLAN, { id: plans[name] });
    const slots = view.executions.items.map((item) => item.scheduledFor).reverse();
    expect(slots).toEqual(EXPECTED[name]);
    expect(view.executions.items.every((item) => item.status === 'FILLED')).toBe(true);
  });
});

describe('the ledger and the totals add up', () => {
  it('buys 25.00 at the paper price per run, fee 0.6% included, and sums exactly', async () => {
    const view = await alice.data<PlanView>(PLAN, { id: plans.monthlyBerlin });
    for (const item of view.executions.items) {
      // 25.00 EUR: fee 0.15, 24.85 net at 46000.00 EUR/BTC = 0.00054021 BTC.
      expect(item).toMatchObject({
        amount: '25.00',
        fee: '0.15',
        btcAcquired: '0.00054021',
        averagePrice: '46000.62',
      });
    }
    expect(view.plan).toEqual({
      status: 'ACTIVE',
      nextRunAt: '2027-11-30T08:00:00Z',
      executionCount: 10,
      totalInvested: '250.00',
      totalAcquired: '0.00540210',
      averagePrice: '46000.62',
      lastRunAt: '2027-10-31T08:00:00Z',
    });
  });

  it('ends a plan after its last slot', async () => {
    for (const name of [
      'springGapBerlin',
      'autumnOverlapBerlin',
      'weeklyNewYork',
      'biweeklySydney',
      'dailyKolkata',
    ]) {
      const view = await alice.data<PlanView>(PLAN, { id: plans[name] });
      expect(view.plan, name).toMatchObject({ status: 'ENDED', nextRunAt: null });
    }
  });

  it('sent exactly one exchange order per run, each with its slot\u2019s client order id', async () => {
    const orders = stack.exchange.state().orders;
    const runs = Object.values(EXPECTED).flat().length;
    expect(orders).toHaveLength(runs);
    expect(new Set(orders.map((order) => order.clientOrderId)).size).toBe(runs);
    const views = await Promise.all(
      Object.values(plans).map((id) => alice.data<PlanView>(PLAN, { id })),
    );
    const ledger = views.flatMap((view) => view.executions.items);
    expect(new Set(ledger.map((item) => item.clientOrderId))).toEqual(
      new Set(orders.map((order) => order.clientOrderId)),
    );
    expect(new Set(ledger.map((item) => item.exchangeOrderId))).toEqual(
      new Set(orders.map((order) => order.orderId)),
    );
  });

  it('published one PurchaseSucceeded event per run', () => {
    const events = stack.eventBus
      .events()
      .filter((event) => event.detailType === 'PurchaseSucceeded');
    expect(events).toHaveLength(Object.values(EXPECTED).flat().length);
  });
});
