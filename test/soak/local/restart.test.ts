/**
 * Soak (about 2 minutes: two starts of `npm start`): plans armed before a Ctrl-C buy at their
 * slot after `npm start` again, because the scheduler, the queues, the exchange and the clock keep
 * their state in the data folder as AWS keeps it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDailyPlans,
  local,
  runsOf,
  startNpm,
  stopNpm,
  waitUntilArmed,
  type Started,
} from '../../support/npm-start.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'spb-restart-'));
const running: Started[] = [];

afterAll(async () => {
  for (const started of running) await stopNpm(started, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start after Ctrl-C', () => {
  it('buys every slot armed before the stop at its time, and records none as missed', async () => {
    const first = await startNpm(dataDir, { LOCAL_CLOCK_START: '2027-03-01T10:00:00Z' });
    running.push(first);
    const plans = await createDailyPlans(first.url, 'restarter', 20, '12:00');
    await waitUntilArmed(first.url, 20, '2027-03-01T12:00:00.000Z');
    expect(await stopNpm(first)).toBe(0);

    // Started again without LOCAL_CLOCK_START: the clock resumes where it stopped.
    const second = await startNpm(dataDir);
    running.push(second);
    const { now } = await local<{ now: string }>(second.url, 'GET', '/_local/clock');
    expect(now < '2027-03-01T11:00:00Z').toBe(true);
    await local(second.url, 'POST', '/_local/clock', { advanceTo: '2027-03-01T12:30:00Z' });

    const runs = await runsOf(second.url, 'restarter', plans);
    expect(
      runs.map((each) => each.map((run) => [run.scheduledFor, run.status, run.failureCode])),
    ).toEqual(plans.map(() => [['2027-03-01T12:00:00Z', 'FILLED', null]]));
    const { orders } = await local<{ orders: { clientOrderId: string }[] }>(
      second.url,
      'GET',
      '/_local/exchange',
    );
    expect(orders.map((order) => order.clientOrderId).sort()).toEqual(
      runs.map((each) => each[0]?.clientOrderId).sort(),
    );
    expect(await stopNpm(second)).toBe(0);
  }, 600_000);
});
