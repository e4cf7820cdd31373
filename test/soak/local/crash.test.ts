/**
 * Soak (about 3 minutes: two starts of `npm start` and two hours of local time): a `kill -9` in
 * the middle of a burst of 20 purchases loses nothing AWS would keep. After the restart every due
 * slot ends with exactly one final execution (bought, or recorded as missed), and the exchange
 * holds exactly one order per FILLED execution: none lost, none doubled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDailyPlans,
  killDynamoDb,
  local,
  runsOf,
  startNpm,
  stopNpm,
  waitUntilArmed,
  type Started,
} from '../../support/npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'spb-crash-'));
const running: Started[] = [];
const FINAL = ['FILLED', 'PARTIALLY_FILLED', 'FAILED', 'SKIPPED'];

afterAll(async () => {
  for (const started of running) await stopNpm(started, 'SIGKILL');
  await killDynamoDb(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

interface Exchange {
  orders: { clientOrderId: string }[];
}

describe('npm start after kill -9 during a burst of purchases', () => {
  it('ends every due slot with exactly one final execution and one order per FILLED one', async () => {
    const first = await startNpm(dataDir, { LOCAL_CLOCK_START: '2027-03-01T10:00:00Z' });
    running.push(first);
    const plans = await createDailyPlans(first.url, 'crasher', 20, '12:00');
    await waitUntilArmed(first.url, 20, '2027-03-01T12:00:00.000Z');
    // A slow exchange spreads the burst over a few seconds, so the kill lands inside it.
    await local(first.url, 'POST', '/_local/faults', { exchange: { latencyMs: 400 } });
    void fetch(`${first.url}/_local/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceTo: '2027-03-01T12:01:00Z' }),
      headers: { 'content-type': 'application/json' },
    }).catch(() => undefined);
    let taken = 0;
    while (taken < 3) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      taken = (await local<Exchange>(first.url, 'GET', '/_local/exchange')).orders.length;
    }
    expect(await stopNpm(first, 'SIGKILL')).toBeNull();
    expect(taken).toBeLessThan(20);
    // DynamoDB Local outlives a killed parent, as a database server would: stop it as an
    // operator would before starting again.
    await killDynamoDb(dataDir);

    const second = await startNpm(dataDir);
    running.push(second);
    const kept = await local<Exchange>(second.url, 'GET', '/_local/exchange');
    expect(kept.orders.length).toBeGreaterThanOrEqual(taken);
    await local(second.url, 'POST', '/_local/clock', { advanceTo: '2027-03-01T14:00:00Z' });

    const runs = await runsOf(second.url, 'crasher', plans);
    for (const each of runs) {
      expect(each.map((run) => run.scheduledFor)).toEqual(['2027-03-01T12:00:00Z']);
      expect(FINAL).toContain(each[0]?.status);
    }
    const { orders } = await local<Exchange>(second.url, 'GET', '/_local/exchange');
    const filled = runs
      .flat()
      .filter((run) => run.status === 'FILLED')
      .map((run) => run.clientOrderId)
      .sort();
    expect(orders.map((order) => order.clientOrderId).sort()).toEqual(filled);
    expect(await stopNpm(second)).toBe(0);
  }, 900_000);
});
