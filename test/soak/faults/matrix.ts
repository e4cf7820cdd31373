/**
 * The fault matrix's scenario runner: on one local stack, each scenario gets a user of its own
 * with 40 daily plans due at 08:00 UTC on two consecutive days (80 slots), runs them under its
 * faults, then moves the clock past every purchase window, clears the faults and reconciles each
 * day. It answers the figures the suite asserts and prints, with the alarms that fired on the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { ExchangeStats } from '#local/services/paper-exchange-server.ts';
import { devStackConfig, type LocalStack } from '#local/stack.ts';
import { parseExecutionSettings, type ExecutionMode } from '#shared/execution-settings.ts';
import type { MatrixGroup } from './scenarios.ts';
import { createDailyPlans, figures, reconcileDay, type Figures } from '../../support/purchases.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

export const PLANS = 40;
/**
 * Days of slots per scenario, in either mode (aggregated: each day is one block order). Two days
 * of 40 slots meet every fault of a scenario many times (a 20% fault about 16 times) and cross a
 * day boundary and its reconciliation; more days only repeat them, on minutes of soak time.
 */
export const DAYS = 2;

export interface Scenario {
  readonly name: string;
  /** The body of `POST /_local/faults` while the slots run. */
  readonly faults: Record<string, unknown>;
  /** Faults are cleared this long after the first slot (default: after the last window). */
  readonly faultsLastMs?: number;
  /** Days of slots (default DAYS): fewer for scenarios that retry every slot for hours. */
  readonly days?: number;
}

export interface ScenarioResult extends Figures {
  readonly name: string;
  readonly reconciliationBreaks: number;
  readonly purchaseFailedEvents: number;
  /** Slots the scenario's plans have: PLANS a day. */
  readonly expectedSlots: number;
  /** What the exchange went through while the faults were set. */
  readonly exchange: ExchangeStats;
  /** The alarms (keys) that went to ALARM during the scenario, sorted. */
  readonly firedAlarms: readonly string[];
  readonly seconds: number;
}

export async function startMatrixStack(
  start: string,
  mode: ExecutionMode = 'per-slot',
): Promise<LocalStack> {
  return startTestStack({
    clock: new LocalClock(new Date(start)),
    config: {
      ...devStackConfig(),
      maxPlansPerUser: PLANS,
      execution: parseExecutionSettings(
        mode === 'aggregated' ? { mode, windowSeconds: 60 } : { mode },
      ),
    },
    lambdaConcurrency: 8,
    exchangeTimeoutMs: 1000,
  });
}

async function post(stack: LocalStack, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
}

const DAY_MS = 86_400_000;

/** Runs `scenario` on its days from `firstDay` (YYYY-MM-DD), which must still be ahead. */
export async function runScenario(
  stack: LocalStack,
  scenario: Scenario,
  firstDay: string,
): Promise<ScenarioResult> {
  const started = performance.now();
  const days = scenario.days ?? DAYS;
  const client = await signIn(stack, `fault-${scenario.name.replace(/\W+/g, '-')}`);
  const lastDay = new Date(Date.parse(firstDay) + (days - 1) * DAY_MS).toISOString().slice(0, 10);
  const ids = await createDailyPlans(client, PLANS, {
    timeOfDay: '08:00',
    startDate: firstDay,
    endDate: lastDay,
  });
  await stack.settle();
  const scenarioStart = stack.clock.now();
  const failedBefore = stack.eventBus
    .events()
    .filter((event) => event.detailType === 'PurchaseFailed').length;

  const firstSlot = Date.parse(`${firstDay}T08:00:00Z`);
  // Past the last slot's purchase window (6 hours) and the longest retry backoff after it.
  const end = Date.parse(`${lastDay}T08:00:00Z`) + 7 * 3_600_000;
  await post(stack, '/_local/faults', scenario.faults);
  let exchange: ExchangeStats;
  if (scenario.faultsLastMs !== undefined) {
    await stack.advanceTo(firstSlot + scenario.faultsLastMs);
    exchange = stack.exchange.state().stats;
    await post(stack, '/_local/faults', {});
    await stack.advanceTo(end);
  } else {
    await stack.advanceTo(end);
    exchange = stack.exchange.state().stats;
    await post(stack, '/_local/faults', {});
  }

  let breaks = 0;
  for (let day = 0; day < days; day += 1) {
    const date = new Date(firstSlot + day * DAY_MS).toISOString().slice(0, 10);
    breaks += (await reconcileDay(stack, date)).breaks.length;
  }
  const result = await figures(stack, ids);
  const firedAlarms = [
    ...new Set(
      stack.monitoring.alarms
        .transitions()
        .filter(
          (transition) => transition.to === 'ALARM' && Date.parse(transition.at) >= scenarioStart,
        )
        .map((transition) => transition.key),
    ),
  ].sort();
  const purchaseFailedEvents =
    stack.eventBus.events().filter((event) => event.detailType === 'PurchaseFailed').length -
    failedBefore;
  return {
    name: scenario.name,
    ...result,
    reconciliationBreaks: breaks,
    purchaseFailedEvents,
    expectedSlots: PLANS * days,
    exchange,
    firedAlarms,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

/** The invariants every scenario must keep, whatever its faults. */
export function expectNoMoneyLost(result: ScenarioResult): void {
  expect({
    slots: result.slots,
    open: result.open,
    duplicateOrders: result.duplicateOrders,
    filledWithoutExactlyOneOrder: result.filledWithoutExactlyOneOrder,
    ordersNotBought: result.ordersNotBought,
    allocationMismatches: result.allocationMismatches,
    reconciliationBreaks: result.reconciliationBreaks,
    notifiedFailures: result.purchaseFailedEvents,
  }).toEqual({
    slots: result.expectedSlots,
    open: 0,
    duplicateOrders: 0,
    filledWithoutExactlyOneOrder: 0,
    ordersNotBought: 0,
    allocationMismatches: 0,
    reconciliationBreaks: 0,
    notifiedFailures: result.failed,
  });
}

/** The figures as a markdown table, for the suite's output. */
export function table(results: readonly ScenarioResult[]): string {
  const header =
    '| scenario | slots | filled | failed (codes) | open | orders | duplicate orders | allocation mismatches | in blocks | breaks | runs (retries) | exchange 5xx / timeouts / 429 / down | alarms fired | s |';
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.slots} | ${r.filled + r.partiallyFilled} | ${r.failed} ${JSON.stringify(r.failureCodes)} | ${r.open} | ${r.orders} | ${r.duplicateOrders} | ${r.allocationMismatches} | ${r.inBlocks} | ${r.reconciliationBreaks} | ${r.executions} (${r.retries}) | ${r.exchange.errors} / ${r.exchange.timeouts} / ${r.exchange.rateLimited} / ${r.exchange.unavailable} | ${r.firedAlarms.length === 0 ? 'none' : r.firedAlarms.join(', ')} | ${r.seconds} |`,
  );
  const missed = results.flatMap((r) =>
    r.missedRuns.map(
      (run) =>
        `- ${r.name}: missed ${run.planId} ${run.slot}: ${JSON.stringify(run.executions)}; dead letters ${JSON.stringify(run.deadLetters)}`,
    ),
  );
  return [
    header,
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...rows,
    ...(missed.length > 0 ? ['', ...missed] : []),
  ].join('\n');
}

/**
 * Runs `groups` of scenarios on one stack in `mode`, one test each, and prints their figures. The
 * groups' days must not overlap: in aggregated mode, slots due together share block orders.
 */
export function runMatrix(
  title: string,
  start: string,
  groups: readonly MatrixGroup[],
  mode: ExecutionMode,
): void {
  let stack: LocalStack;
  const results: ScenarioResult[] = [];
  beforeAll(async () => {
    stack = await startMatrixStack(start, mode);
  });
  afterAll(async () => {
    console.log(`\nFault matrix (${mode}): ${title}\n${table(results)}\n`);
    await stack.stop();
  });
  for (const group of groups) {
    describe(`${group.title} (${mode})`, () => {
      for (const matrixCase of group.cases) {
        const scenario =
          mode === 'aggregated'
            ? {
                ...matrixCase,
                name: matrixCase.aggregatedName ?? matrixCase.name,
                faults: matrixCase.aggregatedFaults ?? matrixCase.faults,
              }
            : matrixCase;
        it(
          `${scenario.name}: ${matrixCase.rule}`,
          async () => {
            const result = await runScenario(stack, scenario, matrixCase.firstDay);
            results.push(result);
            expectNoMoneyLost(result);
            matrixCase.check(result, mode);
          },
          matrixCase.timeoutMs,
        );
      }
    });
  }
}
