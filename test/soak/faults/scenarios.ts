/**
 * The fault matrix's scenarios, declared once and run in both execution modes: per-slot (one
 * exchange order per slot; the files named after each group) and aggregated (one block order per
 * market and window; `aggregated-*.test.ts`). Each scenario says what it expects of the outcome;
 * what holds whatever the faults is `expectNoMoneyLost` in `matrix.ts`.
 */
import { expect } from 'vitest';
import type { ExecutionMode } from '#shared/execution-settings.ts';
import { PLANS, type Scenario, type ScenarioResult } from './matrix.ts';

export interface MatrixCase extends Scenario {
  /** The first day of slots (YYYY-MM-DD), ahead of the group's stack clock. */
  readonly firstDay: string;
  /** What the rule under test is, for the test's name. */
  readonly rule: string;
  /** Test timeout. */
  readonly timeoutMs: number;
  /**
   * The faults in aggregated mode, when they must differ: a rate per order meets only the few
   * block orders of a scenario (one a day), so a rare fault is made certain there.
   */
  readonly aggregatedFaults?: Record<string, unknown>;
  /** The name in aggregated mode, when its faults differ enough that `name` would mislead. */
  readonly aggregatedName?: string;
  /** What this scenario's outcome must be in `mode`, beyond `expectNoMoneyLost`. */
  check(result: ScenarioResult, mode: ExecutionMode): void;
}

export interface MatrixGroup {
  readonly title: string;
  /** Where the group's stack clock starts (before its first scenario's day). */
  readonly start: string;
  readonly cases: readonly MatrixCase[];
}

const HOUR = 3_600_000;
const kraken = { clientIdUniqueness: 'open-orders' };

/**
 * Every slot bought once. In aggregated mode the 40 slots of a day are due together and become
 * one block order per day, whatever the faults did to the attempts.
 */
function allBought(result: ScenarioResult, mode: ExecutionMode): void {
  expect(result.filled).toBe(result.expectedSlots);
  if (mode === 'aggregated') {
    expect({ orders: result.orders, inBlocks: result.inBlocks }).toEqual({
      orders: result.expectedSlots / PLANS,
      inBlocks: result.expectedSlots,
    });
  }
}

/** `cases` each alone and again with every schedule firing delivered twice. */
function withDuplicates(
  cases: readonly (Omit<MatrixCase, 'firstDay'> & { readonly firstDays: [string, string] })[],
): MatrixCase[] {
  return cases.flatMap(({ firstDays, ...scenario }) => [
    { ...scenario, firstDay: firstDays[0] },
    {
      ...scenario,
      name: `${scenario.name} + duplicate deliveries`,
      faults: { duplicateDeliveries: 2, ...scenario.faults },
      ...(scenario.aggregatedFaults === undefined
        ? {}
        : { aggregatedFaults: { duplicateDeliveries: 2, ...scenario.aggregatedFaults } }),
      ...(scenario.aggregatedName === undefined
        ? {}
        : { aggregatedName: `${scenario.aggregatedName} + duplicate deliveries` }),
      firstDay: firstDays[1],
    },
  ]);
}

export const CLEAN: MatrixGroup = {
  title: 'no fault',
  start: '2027-08-01T00:00:00Z',
  cases: [
    {
      name: 'no fault',
      rule: 'buys every slot exactly once and fires no alarm',
      faults: {},
      days: 2,
      firstDay: '2027-08-02',
      timeoutMs: 900_000,
      check: (result, mode) => {
        allBought(result, mode);
        expect(result.firedAlarms).toEqual([]);
      },
    },
  ],
};

export const EXCHANGE_ERRORS: MatrixGroup = {
  title: 'exchange errors and latency',
  start: '2027-04-01T00:00:00Z',
  cases: withDuplicates([
    {
      name: 'errors 30%',
      rule: 'buys every slot exactly once',
      faults: { exchange: { errorRate: 0.3 } },
      firstDays: ['2027-04-02', '2027-04-08'],
      timeoutMs: 600_000,
      check: (result, mode) => {
        allBought(result, mode);
        // Per slot, 80 orders and their retries meet the errors (about 60 of them); a block order
        // a day meets a few.
        expect(result.exchange.errors).toBeGreaterThan(mode === 'per-slot' ? 15 : 0);
      },
    },
    {
      name: 'latency 800 ms',
      rule: 'buys every slot exactly once',
      faults: { exchange: { latencyMs: 800 } },
      firstDays: ['2027-04-14', '2027-04-20'],
      timeoutMs: 600_000,
      check: allBought,
    },
  ]),
};

export const UNKNOWN_OUTCOMES: MatrixGroup = {
  title: 'unknown outcomes',
  start: '2027-05-01T00:00:00Z',
  cases: withDuplicates([
    {
      name: 'timeouts after accept 20%, Kraken ids',
      rule: 'reads the order back and never buys twice',
      faults: { exchange: { ...kraken, timeoutAfterAcceptRate: 0.2 } },
      firstDays: ['2027-05-02', '2027-05-08'],
      timeoutMs: 600_000,
      check: (result, mode) => {
        allBought(result, mode);
        // Per slot, 80 orders meet them (about 18 timeouts); a block order a day may not.
        if (mode === 'per-slot') expect(result.exchange.timeouts).toBeGreaterThan(5);
        expect(result.exchange.duplicateFills).toBe(0);
      },
    },
    {
      name: 'Kraken ids',
      rule: 'buys every slot exactly once',
      faults: { exchange: kraken },
      firstDays: ['2027-05-14', '2027-05-20'],
      timeoutMs: 600_000,
      check: allBought,
    },
    {
      name: 'crash after order 20%',
      rule: 'recovers the order and records it once',
      faults: { crashAfterOrderRate: 0.2 },
      // Every block order crashes its worker once the exchange took it: the message comes back,
      // the part is read back by its client order id and allocated, never sent again.
      aggregatedFaults: { crashAfterOrderRate: 1 },
      aggregatedName: 'crash after every block order',
      firstDays: ['2027-05-26', '2027-06-01'],
      timeoutMs: 600_000,
      check: (result, mode) => {
        allBought(result, mode);
        // Per slot, a crashed order Lambda's run goes to the retry queue; a crashed block worker
        // gets its message again instead.
        if (mode === 'per-slot') expect(result.retries).toBeGreaterThan(0);
      },
    },
  ]),
};

export const OUTAGES: MatrixGroup = {
  title: 'outages, rate limits, refusals',
  start: '2027-06-01T00:00:00Z',
  cases: withDuplicates([
    {
      name: 'down 1 h',
      rule: 'buys every slot once it is back, within the window',
      faults: { exchange: { down: true } },
      faultsLastMs: HOUR,
      firstDays: ['2027-06-02', '2027-06-08'],
      timeoutMs: 600_000,
      check: (result, mode) => {
        allBought(result, mode);
        expect(result.exchange.unavailable).toBeGreaterThan(0);
      },
    },
    {
      name: 'rate limit 30/s',
      rule: 'stays within the limit, so bursts never meet a 429',
      faults: { exchange: { rateLimitPerSecond: 30 } },
      firstDays: ['2027-06-14', '2027-06-20'],
      timeoutMs: 600_000,
      check: (result, mode) => {
        allBought(result, mode);
        expect(result.exchange.rateLimited).toBe(0);
      },
    },
    {
      name: 'insufficient funds',
      rule: 'fails every slot with that reason, notified, and buys nothing',
      faults: { exchange: { rejectInsufficientFunds: true } },
      firstDays: ['2027-06-26', '2027-07-02'],
      timeoutMs: 600_000,
      check: (result) => {
        expect({
          failed: result.failed,
          failureCodes: result.failureCodes,
          orders: result.orders,
        }).toEqual({
          failed: result.expectedSlots,
          failureCodes: { INSUFFICIENT_FUNDS: result.expectedSlots },
          orders: 0,
        });
      },
    },
  ]),
};

export const WINDOW: MatrixGroup = {
  title: 'an outage longer than the purchase window',
  start: '2027-07-01T00:00:00Z',
  cases: [
    {
      // One day of slots: each is retried for six hours, and the outage scenarios (down 1 h)
      // already cover two days. Its 1,100 runs go one after another, each a dozen DynamoDB round
      // trips, so it is the file most slowed by whatever else uses DynamoDB Local: 2.3 minutes
      // alone on two cores, 5.4 beside the per-slot outages, 26.5 beside the aggregated ones
      // while a benchmark's DynamoDB Local also ran (2026-12-07).
      name: 'down for the whole window',
      rule: 'fails every slot with WINDOW_EXPIRED once the window has passed, and buys nothing',
      faults: { exchange: { down: true } },
      days: 1,
      firstDay: '2027-07-08',
      timeoutMs: 2_700_000,
      check: (result) => {
        expect({
          failed: result.failed,
          failureCodes: result.failureCodes,
          orders: result.orders,
        }).toEqual({ failed: PLANS, failureCodes: { WINDOW_EXPIRED: PLANS }, orders: 0 });
      },
    },
  ],
};

export const COMBINED: MatrixGroup = {
  title: 'everything at once',
  start: '2027-07-01T00:00:00Z',
  cases: [
    {
      name: 'all faults + duplicate deliveries',
      rule: 'buys every slot exactly once',
      faults: {
        duplicateDeliveries: 2,
        crashAfterOrderRate: 0.1,
        exchange: {
          errorRate: 0.2,
          timeoutAfterAcceptRate: 0.1,
          latencyMs: 200,
          rateLimitPerSecond: 30,
          clientIdUniqueness: 'open-orders',
        },
      },
      firstDay: '2027-07-02',
      timeoutMs: 900_000,
      check: allBought,
    },
  ],
};
