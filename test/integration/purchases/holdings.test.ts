/**
 * The holdings ledger always equals the sum of the user's executions: after purchases in two
 * currencies, a partial fill and every slot delivered twice, `holdings` answers exactly what the
 * bought executions add up to, and nothing is posted twice.
 *
 * Proven in both execution modes: per-slot, and aggregated, where each slot is bought through a
 * block order (here one member per block: the plans are due at different minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { divideUnitsHalfUp, formatUnits } from '#domain/decimal.ts';
import { LocalClock } from '#local/clock.ts';
import { devStackConfig, type LocalStack } from '#local/stack.ts';
import { parseExecutionSettings } from '#shared/execution-settings.ts';
import { BOUGHT_STATUSES } from '#shared/executions.ts';
import { holdingsPartition } from '#shared/holdings.ts';
import { createDailyPlans, ledger, orderIdOf, type LedgerItem } from '../../support/purchases.ts';
import { signIn, startTestStack, type GraphqlClient } from '../../support/stack.ts';

const HOLDINGS = `query Holdings { holdings { currency btcBought amountSpent fees averagePrice purchases } }`;

interface Holding {
  currency: string;
  btcBought: string;
  amountSpent: string;
  fees: string;
  averagePrice: string | null;
  purchases: number;
}

/** The execution modes this file proves the rule in, each as the stack config it runs. */
const MODES = [
  { mode: 'per-slot', config: devStackConfig },
  {
    mode: 'aggregated',
    config: () => ({
      ...devStackConfig(),
      execution: parseExecutionSettings({ mode: 'aggregated', windowSeconds: 60 }),
    }),
  },
] as const;

/** What `holdings` must answer: the user's bought executions, summed per currency. */
function holdingsFromExecutions(executions: readonly LedgerItem[]): Holding[] {
  const bought = executions.filter((item) =>
    (BOUGHT_STATUSES as readonly string[]).includes(item.status),
  );
  const currencies = [...new Set(bought.map((item) => item.currency as string))].sort();
  return currencies.map((currency) => {
    const runs = bought.filter((item) => item.currency === currency);
    const sum = (field: string) =>
      runs.reduce((total, item) => total + BigInt(item[field] as string), 0n);
    const sats = sum('btcAcquired');
    const spent = sum('spent');
    const fees = sum('fee');
    return {
      currency,
      btcBought: formatUnits(sats.toString(), 8),
      amountSpent: formatUnits(spent.toString(), 2),
      fees: formatUnits(fees.toString(), 2),
      averagePrice: formatUnits(divideUnitsHalfUp(`${spent - fees}00000000`, sats.toString()), 2),
      purchases: runs.length,
    };
  });
}

describe.each(MODES)('holdings in $mode execution', ({ config }) => {
  let stack: LocalStack;
  let hana: GraphqlClient;
  let ivan: GraphqlClient;

  beforeAll(async () => {
    stack = await startTestStack({
      clock: new LocalClock(new Date('2027-09-01T00:00:00Z')),
      config: config(),
    });
    hana = await signIn(stack, 'hana');
    ivan = await signIn(stack, 'ivan');
  });

  afterAll(async () => {
    expect(stack.accessViolations()).toEqual([]);
    await stack.stop();
  });

  async function exchange(body: unknown): Promise<void> {
    const response = await fetch(`${stack.url}/_local/exchange`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }

  it('equal the sum of the user’s executions per currency, a partial fill and duplicate deliveries included', async () => {
    // Two EUR plans and one USD plan, daily on 2 and 3 September: six slots, each delivered twice.
    const eur = [
      ...(await createDailyPlans(hana, 1, {
        amount: '10.00',
        timeOfDay: '08:00',
        startDate: '2027-09-02',
        endDate: '2027-09-03',
      })),
      ...(await createDailyPlans(hana, 1, {
        amount: '25.00',
        timeOfDay: '08:05',
        startDate: '2027-09-02',
        endDate: '2027-09-03',
      })),
    ];
    const usd = await createDailyPlans(hana, 1, {
      amount: '20.00',
      currency: 'USD',
      timeOfDay: '08:10',
      startDate: '2027-09-02',
      endDate: '2027-09-03',
    });
    await stack.settle();
    stack.faults.duplicateDeliveries = 2;
    await stack.advanceTo(Date.parse('2027-09-02T12:00:00Z'));
    // The next day the price moved and the USD market fills at most 7.50 per order.
    await exchange({ prices: { EUR: '47000.00' }, liquidity: { USD: '7.50' } });
    await stack.advanceTo(Date.parse('2027-09-03T12:00:00Z'));
    stack.faults.duplicateDeliveries = 1;

    const items = await ledger(stack);
    const executions = items.filter((item) => [...eur, ...usd].includes(item.planId));
    expect(executions.map((item) => `${item.currency as string} ${item.status}`).sort()).toEqual([
      'EUR FILLED',
      'EUR FILLED',
      'EUR FILLED',
      'EUR FILLED',
      'USD FILLED',
      'USD PARTIALLY_FILLED',
    ]);
    // One order per slot (its own, or its block's): the duplicates converged on the first.
    expect(
      stack.exchange
        .state()
        .orders.filter((order) =>
          executions.some((item) => orderIdOf(item) === order.clientOrderId),
        ),
    ).toHaveLength(6);

    const { holdings } = await hana.data<{ holdings: Holding[] }>(HOLDINGS);
    expect(holdings).toEqual(holdingsFromExecutions(executions));
    expect(holdings.map(({ currency, purchases }) => [currency, purchases])).toEqual([
      ['EUR', 4],
      ['USD', 2],
    ]);

    // Each item balances on its own: what was spent is what the bitcoin cost plus the fees.
    const posted = items.filter((item) => item.ownerPlan === holdingsPartition(hana.sub));
    expect(
      posted.map((item) => [
        item.scheduledFor,
        item.userId,
        Number(item.spentMinor) === Number(item.costMinor) + Number(item.feesMinor),
      ]),
    ).toEqual([
      ['EUR', hana.sub, true],
      ['USD', hana.sub, true],
    ]);
    // The house account takes rounding residue only, and per-slot execution has none.
    expect(items.filter((item) => item.ownerPlan === 'holdings#house')).toEqual([]);
  }, 600_000);

  it('answers an empty list to a user who bought nothing, never another user’s holdings', async () => {
    await expect(ivan.data(HOLDINGS)).resolves.toEqual({ holdings: [] });
  });
});
