/**
 * A virtual clock for the release step and its stand-ins: time moves only when the release
 * sleeps, and only after the work it set off has run. An asynchronous Lambda invocation (the
 * pre-traffic hook CodeDeploy starts) is deferred to the next sleep, as Lambda's queue delays it,
 * and the sleep waits for it: every poll sees the same state on every run, and a ten-minute
 * canary is watched in milliseconds.
 */
import type { Clock } from '../../../scripts/lib/release/clock.ts';

export class VirtualClock implements Clock {
  #now: number;
  readonly #deferred: (() => Promise<unknown>)[] = [];

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Runs `work` when time next passes, before it passes. */
  defer(work: () => Promise<unknown>): void {
    this.#deferred.push(work);
  }

  /** Runs every deferred piece of work, and whatever it defers, to its end. */
  async settle(): Promise<void> {
    while (this.#deferred.length > 0) {
      const batch = this.#deferred.splice(0);
      await Promise.allSettled(batch.map((work) => work()));
    }
  }

  async sleep(ms: number): Promise<void> {
    await this.settle();
    this.#now += ms;
  }
}
