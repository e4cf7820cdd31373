/**
 * Fault matrix, part 2: outcomes the order step cannot know. The exchange takes 20% of orders and
 * never answers (the client times out), and keeps client order ids unique only among open
 * orders, as Kraken does, so only reading the order back before re-sending prevents a double buy;
 * and the order Lambda dies right after 20% of orders were taken. Each alone and with every
 * schedule firing delivered twice, 200 slots each.
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
  stack = await startMatrixStack('2027-05-01T00:00:00Z');
});

afterAll(async () => {
  console.log(`\nFault matrix: unknown outcomes\n${table(results)}\n`);
  await stack.stop();
});

const kraken = { clientIdUniqueness: 'open-orders' };

describe('an exchange that times out after taking the order, with Kraken client ids', () => {
  it.each([
    [
      'timeouts after accept 20%, Kraken ids',
      { exchange: { ...kraken, timeoutAfterAcceptRate: 0.2 } },
      '2027-05-02',
    ],
    [
      'timeouts after accept 20%, Kraken ids + duplicate deliveries',
      { duplicateDeliveries: 2, exchange: { ...kraken, timeoutAfterAcceptRate: 0.2 } },
      '2027-05-08',
    ],
  ])(
    '%s: reads the order back and never buys twice',
    async (name, faults, firstDay) => {
      const result = await runScenario(stack, { name, faults }, firstDay);
      results.push(result);
      expectNoMoneyLost(result);
      expect(result.filled).toBe(200);
      expect(result.exchange.timeouts).toBeGreaterThan(20);
      expect(result.exchange.duplicateFills).toBe(0);
    },
    600_000,
  );
});

describe('Kraken client ids alone', () => {
  it.each([
    ['Kraken ids', { exchange: kraken }, '2027-05-14'],
    [
      'Kraken ids + duplicate deliveries',
      { duplicateDeliveries: 2, exchange: kraken },
      '2027-05-20',
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

describe('an order Lambda that crashes after the exchange took the order', () => {
  it.each([
    ['crash after order 20%', { crashAfterOrderRate: 0.2 }, '2027-05-26'],
    [
      'crash after order 20% + duplicate deliveries',
      { duplicateDeliveries: 2, crashAfterOrderRate: 0.2 },
      '2027-06-01',
    ],
  ])(
    '%s: recovers the order and records it once',
    async (name, faults, firstDay) => {
      const result = await runScenario(stack, { name, faults }, firstDay);
      results.push(result);
      expectNoMoneyLost(result);
      expect(result.filled).toBe(200);
      expect(result.retries).toBeGreaterThan(0);
    },
    600_000,
  );
});
