/**
 * Time for the release step and the smoke test: the wall clock when run, a virtual one in tests
 * (`test/support/release/virtual-clock.ts`), so a ten-minute canary is watched in milliseconds.
 */

/** Reads and waits on time. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves once `ms` milliseconds have passed on this clock. */
  sleep(ms: number): Promise<void>;
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
