/**
 * A settle that takes long in wall time is reported, naming the local instant and what is in
 * flight: a job held at its timeout stops the local clock, and without the report that looked
 * like a run making no progress at all.
 */
import { describe, expect, it } from 'vitest';
import { ClockDriver, WorkInFlight } from '#local/clock-driver.ts';
import type { LocalClock } from '#local/clock.ts';
import type { LocalScheduler } from '#local/services/scheduler.ts';

const NOW = Date.parse('2026-12-07T09:00:00Z');

function driver(work: WorkInFlight, report: (line: string) => void, afterMs: number) {
  return new ClockDriver({
    clock: { now: () => NOW } as unknown as LocalClock,
    scheduler: {} as unknown as LocalScheduler,
    streams: [],
    work,
    copies: () => 1,
    slowSettle: { report, afterMs },
  });
}

const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WorkInFlight', () => {
  it('describes what runs by label, most first', async () => {
    const work = new WorkInFlight();
    const done = after(50);
    work.track(done, 'execution of purchase');
    work.track(done, 'batch from notifications');
    work.track(done, 'execution of purchase');
    work.track(done);
    expect(work.describe()).toEqual([
      '2 x execution of purchase',
      '1 x batch from notifications',
      '1 x work',
    ]);
    await work.wait();
    expect(work.describe()).toEqual([]);
  });
});

describe('ClockDriver.settle', () => {
  it('reports a settle that lasts, with what it waits for', async () => {
    const work = new WorkInFlight();
    const lines: string[] = [];
    work.track(after(250), 'asynchronous invocation of audit-digest');
    await driver(work, (line) => lines.push(line), 60).settle();
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(
      /^local clock held at 2026-12-07T09:00:00\.000Z: settling for \d+ s of wall time; in flight: 1 x asynchronous invocation of audit-digest$/,
    );
    const reported = lines.length;
    await after(150);
    expect(lines).toHaveLength(reported); // nothing once settled
  });

  it('says nothing about a settle that ends in time', async () => {
    const work = new WorkInFlight();
    const lines: string[] = [];
    work.track(after(10), 'execution of purchase');
    await driver(work, (line) => lines.push(line), 500).settle();
    await after(50);
    expect(lines).toEqual([]);
  });
});
