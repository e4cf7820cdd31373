/**
 * Fault matrix, part 5: an exchange that stays down for the whole purchase window. Every slot must
 * end FAILED with WINDOW_EXPIRED and a PurchaseFailed event, and nothing is bought late. On a
 * stack of its own, as each slot is retried for six hours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import {
  PLANS,
  expectNoMoneyLost,
  runScenario,
  startMatrixStack,
  table,
  type ScenarioResult,
} from './matrix.ts';

let stack: LocalStack;
const results: ScenarioResult[] = [];

beforeAll(async () => {
  stack = await startMatrixStack('2027-07-01T00:00:00Z');
});

afterAll(async () => {
  console.log(`\nFault matrix: an outage longer than the purchase window\n${table(results)}\n`);
  await stack.stop();
});

describe('an exchange down for the whole purchase window', () => {
  it('fails every slot with WINDOW_EXPIRED once the window has passed, and buys nothing', async () => {
    const result = await runScenario(
      stack,
      // One day of slots: each is retried for six hours (about 30 runs), and the 200-slot
      // outage scenarios (down 1 h) already cover the volume.
      { name: 'down for the whole window', faults: { exchange: { down: true } }, days: 1 },
      '2027-07-08',
    );
    results.push(result);
    expectNoMoneyLost(result);
    expect(result.failed).toBe(PLANS);
    expect(result.failureCodes).toEqual({ WINDOW_EXPIRED: PLANS });
    expect(result.orders).toBe(0);
    // About 4 minutes alone on two cores; over 15 beside two other soak files with the local
    // alarms evaluating every minute of the six hours.
  }, 1_800_000);
});
