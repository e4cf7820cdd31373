/**
 * Fault matrix, the baseline: purchases with no fault at all. Every slot is bought once, and no
 * alarm fires: an alarm that fires here would page someone for a healthy system.
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
  stack = await startMatrixStack('2027-08-01T00:00:00Z');
});

afterAll(async () => {
  console.log(`\nFault matrix: no fault\n${table(results)}\n`);
  await stack.stop();
});

describe('purchases with no fault', () => {
  it('buys every slot exactly once and fires no alarm', async () => {
    const result = await runScenario(
      stack,
      { name: 'no fault', faults: {}, days: 2 },
      '2027-08-02',
    );
    results.push(result);
    expectNoMoneyLost(result);
    expect({ filled: result.filled, firedAlarms: result.firedAlarms }).toEqual({
      filled: 2 * PLANS,
      firedAlarms: [],
    });
  }, 900_000);
});
