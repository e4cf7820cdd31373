/**
 * The local stack's clock. It follows wall time, starting from `LOCAL_CLOCK_START` when that is
 * set, and every component (resolver timestamps included) reads time from it.
 */
export class LocalClock {
  #offset: number;

  constructor(start?: Date) {
    this.#offset = start === undefined ? 0 : start.getTime() - Date.now();
  }

  /** Reads `LOCAL_CLOCK_START` (an ISO timestamp) if set; fails loudly on a malformed one. */
  static fromEnvironment(value = process.env.LOCAL_CLOCK_START): LocalClock {
    if (value === undefined || value === '') return new LocalClock();
    const start = new Date(value);
    if (Number.isNaN(start.getTime())) {
      throw new Error(
        `LOCAL_CLOCK_START must be an ISO 8601 timestamp such as 2026-12-01T08:00:00Z, not '${value}'`,
      );
    }
    return new LocalClock(start);
  }

  /** Now, in epoch milliseconds. */
  now(): number {
    return Date.now() + this.#offset;
  }

  /** Now, as an ISO 8601 UTC timestamp. */
  nowIso(): string {
    return new Date(this.now()).toISOString();
  }
}
