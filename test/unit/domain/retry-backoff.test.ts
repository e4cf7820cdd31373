/** Backoff of the retry queue: exponential, capped, jittered the same way on every delivery. */
import { describe, expect, it } from 'vitest';
import { RETRY_CAP_MS, retryDelayMs } from '#domain/retry-backoff.ts';

const KEY = 'ef3fbece-4c77-5094-95a4-b6e24ee19c49';

describe('retryDelayMs', () => {
  it.each([
    [1, 30_000, 60_000],
    [2, 60_000, 120_000],
    [3, 120_000, 240_000],
    [4, 240_000, 480_000],
    [5, 450_000, 900_000],
    [6, 450_000, 900_000],
    [60, 450_000, 900_000],
  ])('waits between half and all of the backoff before retry %i', (attempt, low, high) => {
    const delay = retryDelayMs(attempt, KEY);
    expect(delay).toBeGreaterThanOrEqual(low);
    expect(delay).toBeLessThan(high);
  });

  it('never waits longer than fifteen minutes, the longest delay SQS can give a message', () => {
    for (let attempt = 1; attempt <= 100; attempt += 1) {
      expect(retryDelayMs(attempt, `${KEY}${attempt}`)).toBeLessThanOrEqual(RETRY_CAP_MS);
    }
  });

  it('gives the same delay for the same slot and attempt, every time', () => {
    expect(retryDelayMs(3, KEY)).toBe(retryDelayMs(3, KEY));
  });

  it('spreads slots that failed together over the jitter half of the delay', () => {
    const delays = new Set(
      Array.from({ length: 200 }, (_, index) => retryDelayMs(1, `slot-${index}`)),
    );
    expect(delays.size).toBeGreaterThan(150);
    expect(Math.min(...delays)).toBeLessThan(35_000);
    expect(Math.max(...delays)).toBeGreaterThan(55_000);
  });

  it('treats an attempt below 1 as the first retry', () => {
    expect(retryDelayMs(0, KEY)).toBe(retryDelayMs(1, KEY));
  });
});
