/**
 * Fault matrix, part 4: every fault at once (errors, timeouts after accepting, latency, a rate
 * limit, Kraken client ids, order Lambda crashes and duplicate deliveries).
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
  stack = await startMatrixStack('2027-07-01T00:00:00Z');
});

afterAll(async () => {
  console.log(`\nFault matrix: everything at once\n${table(results)}\n`);
  await stack.stop();
});

describe('every fault at once', () => {
  it('buys every slot exactly once', async () => {
    const result = await runScenario(
      stack,
      {
        name: 'all faults + duplicate deliveries',
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
      },
      '2027-07-02',
    );
    results.push(result);
    expectNoMoneyLost(result);
    expect(result.filled).toBe(200);
  }, 900_000);
});
