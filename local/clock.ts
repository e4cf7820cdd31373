/**
 * The local stack's clock. It follows wall time, starting from `LOCAL_CLOCK_START` when that is
 * set, and only ever moves forward. Every component reads time from it: resolvers through
 * `util.time`, local Lambdas through a `Date` that adds the clock's offset (kept in shared
 * memory, so worker threads see a move at once).
 */
export class ClockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClockError';
  }
}

export class LocalClock {
  /** Milliseconds to add to wall time, shared with every local Lambda worker. */
  readonly offset: BigInt64Array;

  constructor(start?: Date) {
    this.offset = new BigInt64Array(new SharedArrayBuffer(8));
    if (start !== undefined) Atomics.store(this.offset, 0, BigInt(start.getTime() - Date.now()));
  }

  /** Reads `LOCAL_CLOCK_START` (an ISO timestamp) if set; fails loudly on a malformed one. */
  static fromEnvironment(value = process.env.LOCAL_CLOCK_START): LocalClock {
    if (value === undefined || value === '') return new LocalClock();
    const start = new Date(value);
    if (Number.isNaN(start.getTime())) {
      throw new ClockError(
        `LOCAL_CLOCK_START must be an ISO 8601 timestamp such as 2026-12-01T08:00:00Z, not '${value}'`,
      );
    }
    return new LocalClock(start);
  }

  /** Now, in epoch milliseconds. */
  now(): number {
    return Date.now() + Number(Atomics.load(this.offset, 0));
  }

  /** Now, as an ISO 8601 UTC timestamp. */
  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Moves the clock to `epochMs`; moving backwards is refused. */
  moveTo(epochMs: number): void {
    const now = this.now();
    if (epochMs < now) {
      throw new ClockError(
        `the clock only moves forward: ${new Date(epochMs).toISOString()} is before ${new Date(now).toISOString()}`,
      );
    }
    Atomics.store(this.offset, 0, BigInt(epochMs - Date.now()));
  }
}
