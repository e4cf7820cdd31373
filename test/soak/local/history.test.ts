/**
 * Advancing the clock costs what falls due, not what ran before: eleven hours with the exchange
 * down do the same work (firings delivered and left out, probes, queue drains, Lambda
 * invocations) on a stack with weeks of purchases behind it as on a fresh one. Counted, not
 * timed, so the test holds on a busy machine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import { signIn, startTestStack } from '../../support/stack.ts';

const HOUR = 3_600_000;
const stacks: LocalStack[] = [];

afterAll(async () => {
  for (const stack of stacks) await stack.stop();
});

/** The work done so far: the clock driver's counts and every function's invocations. */
function work(stack: LocalStack): Record<string, number> {
  return {
    ...stack.clockStats,
    ...Object.fromEntries([...stack.lambdas].map(([name, lambda]) => [name, lambda.invocations])),
  };
}

/** Four daily plans at 09:00, `days` days of purchases, then 11 hours with the exchange down. */
async function outageAfter(days: number): Promise<Record<string, number>> {
  const start = Date.parse('2027-03-01T08:00:00Z');
  // Retries at once: how many fit in the outage then depends on the local clock only.
  const stack = await startTestStack({ clock: new LocalClock(new Date(start)), retryScale: 0 });
  stacks.push(stack);
  const user = await signIn(stack, 'historian');
  for (let n = 0; n < 4; n += 1) {
    await user.data(
      `mutation { createPlan(input: { amount: "${10 + n}.00", currency: "EUR", schedule: { frequency: DAILY, timeOfDay: "09:00", timezone: "Europe/London" } }) { id } }`,
    );
  }
  await stack.settle();
  const from = start + days * 24 * HOUR;
  if (days > 0) await stack.advanceTo(from);
  const response = await fetch(`${stack.url}/_local/faults`, {
    method: 'POST',
    body: JSON.stringify({ exchange: { down: true } }),
  });
  expect(response.status).toBe(200);
  const before = work(stack);
  await stack.advanceTo(from + 11 * HOUR);
  const after = work(stack);
  return Object.fromEntries(
    Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]),
  );
}

describe('advancing the clock', () => {
  it('does no more work after 60 slots of history than on a fresh stack', async () => {
    const fresh = await outageAfter(0);
    const withHistory = await outageAfter(15);
    // The local clock follows wall time while workflows run and the stream's batches form in wall
    // time, so on a loaded machine retries drift and counts vary between runs (up to a sixth, a
    // few completer passes); history must not multiply them. Before, the recurring jobs ran between every two firings and the digest
    // listed the whole bucket each time.
    const grown = Object.keys(fresh).filter(
      (key) => (withHistory[key] ?? 0) > Math.ceil((fresh[key] ?? 0) * 1.5) + 3,
    );
    // Each count that grew, with its value on the fresh stack and on the one with history.
    expect(Object.fromEntries(grown.map((key) => [key, [fresh[key], withHistory[key]]]))).toEqual(
      {},
    );
    // The outage is real work: every slot is tried and retried, and the completer takes over.
    expect(fresh['place-order']).toBeGreaterThanOrEqual(4);
    expect(fresh.delivered).toBeGreaterThan(4);
  }, 900_000);
});
