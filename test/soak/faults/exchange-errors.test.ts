/**
 * Fault matrix, part 1: an exchange that answers 30% of requests with errors, and one that is
 * slow (800 ms), each alone and with every schedule firing delivered twice. 200 slots each: every
 * slot ends in exactly one order or a clear failure, and reconciliation finds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import {
  expectNoMoneyLost,
  runScenario,
  startMatrixStack,
  table,
  type ScenarioResult,
} from './matrix.ts';

let stack: LocalStack;
const results: ScenarioResult[] = [];

beforeAll(async () => {
  stack = await startMatrixStack('2027-04-01T00:00:00Z');
});

afterAll(async () => {
  console.log(`\nFault matrix: exchange errors and latency\n${table(results)}\n`);
  await stack.stop();
});

describe('an exchange that fails 30% of requests', () => {
  it.each([
    ['errors 30%', { exchange: { errorRate: 0.3 } }, '2027-04-02'],
    [
      'errors 30% + duplicate deliveries',
      { duplicateDeliveries: 2, exchange: { errorRate: 0.3 } },
      '2027-04-08',
    ],
  ])(
    '%s: buys every slot exactly once',
    async (name, faults, firstDay) => {
      const result = await runScenario(stack, { name, faults }, firstDay);
      results.push(result);
      expectNoMoneyLost(result);
      expect(result.filled).toBe(200);
      expect(result.exchange.errors).toBeGreaterThan(40);
    },
    600_000,
  );
});

describe('a slow exchange', () => {
  it.each([
    ['latency 800 ms', { exchange: { latencyMs: 800 } }, '2027-04-14'],
    [
      'latency 800 ms + duplicate deliveries',
      { duplicateDeliveries: 2, exchange: { latencyMs: 800 } },
      '2027-04-20',
    ],
  ])(
    '%s: buys every slot exactly once',
    async (name, faults, firstDay) => {
      const result = await runScenario(stack, { name, faults }, firstDay);
      results.push(result);
      expectNoMoneyLost(result);
      expect(result.filled).toBe(200);
    },
    600_000,
  );
});
