/**
 * Fault matrix, part 3: an exchange that is down for an hour, one that rate-limits at 30 requests
 * a second, and one that refuses every order for insufficient funds. Each alone and with every
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
  stack = await startMatrixStack('2027-06-01T00:00:00Z');
});

afterAll(async () => {
  console.log(`\nFault matrix: outages, rate limits, refusals\n${table(results)}\n`);
  await stack.stop();
});

const HOUR = 3_600_000;

describe('an exchange that is down for an hour', () => {
  it.each([
    ['down 1 h', { exchange: { down: true } }, '2027-06-02'],
    [
      'down 1 h + duplicate deliveries',
      { duplicateDeliveries: 2, exchange: { down: true } },
      '2027-06-08',
    ],
  ])(
    '%s: buys every slot once it is back, within the window',
    async (name, faults, firstDay) => {
      const result = await runScenario(stack, { name, faults, faultsLastMs: HOUR }, firstDay);
      results.push(result);
      expectNoMoneyLost(result);
      expect(result.filled).toBe(200);
      expect(result.exchange.unavailable).toBeGreaterThan(0);
    },
    600_000,
  );
});

describe('an exchange that rate-limits at 30 requests a second', () => {
  it.each([
    ['rate limit 30/s', { exchange: { rateLimitPerSecond: 30 } }, '2027-06-14'],
    [
      'rate limit 30/s + duplicate deliveries',
      { duplicateDeliveries: 2, exchange: { rateLimitPerSecond: 30 } },
      '2027-06-20',
    ],
  ])(
    '%s: stays within the limit, so bursts never meet a 429',
    async (name, faults, firstDay) => {
      const result = await runScenario(stack, { name, faults }, firstDay);
      results.push(result);
      expectNoMoneyLost(result);
      expect(result.filled).toBe(200);
      expect(result.exchange.rateLimited).toBe(0);
    },
    600_000,
  );
});

describe('an exchange that refuses every order for insufficient funds', () => {
  it.each([
    ['insufficient funds', { exchange: { rejectInsufficientFunds: true } }, '2027-06-26'],
    [
      'insufficient funds + duplicate deliveries',
      { duplicateDeliveries: 2, exchange: { rejectInsufficientFunds: true } },
      '2027-07-02',
    ],
  ])(
    '%s: fails every slot with that reason, notified, and buys nothing',
    async (name, faults, firstDay) => {
      const result = await runScenario(stack, { name, faults }, firstDay);
      results.push(result);
      expectNoMoneyLost(result);
      expect(result.failed).toBe(200);
      expect(result.failureCodes).toEqual({ INSUFFICIENT_FUNDS: 200 });
      expect(result.orders).toBe(0);
    },
    600_000,
  );
});
