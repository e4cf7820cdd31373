/**
 * The local stack's clock. It follows wall time, starting from `LOCAL_CLOCK_START` when that is
 * set, and only ever moves forward. Every component reads time from it: resolvers through
 * `util.time`, local Lambdas through a `Date` that adds the clock's offset (kept in shared
 * memory, so worker threads see a move at once).
 *
 * A clock kept in a file (`npm start`'s data folder) writes its position there on every move,
 * before the move is answered, and whenever {@link LocalClock.save} is called (the stack does
 * each second and when it stops). Started again, it resumes from that position: the stack's time
 * stands still while the stack is stopped, so nothing falls due while nobody could run it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class ClockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClockError';
  }
}

export class LocalClock {
  /** Milliseconds to add to wall time, shared with every local Lambda worker. */
  readonly offset: BigInt64Array;
  readonly #file: string | undefined;

  /** `file`: where the position is kept (see {@link LocalClock.kept}); absent: nowhere. */
  constructor(start?: Date, file?: string) {
    this.offset = new BigInt64Array(new SharedArrayBuffer(8));
    this.#file = file;
    if (start !== undefined) Atomics.store(this.offset, 0, BigInt(start.getTime() - Date.now()));
  }

  /** Reads `LOCAL_CLOCK_START` (an ISO timestamp) if set; fails loudly on a malformed one. */
  static fromEnvironment(value = process.env.LOCAL_CLOCK_START): LocalClock {
    const start = LocalClock.#start(value);
    return start === undefined ? new LocalClock() : new LocalClock(start);
  }

  /**
   * A clock whose position is kept in `file`: it resumes from the position kept there, or from
   * `LOCAL_CLOCK_START` when that is later (the clock never moves back), or starts as
   * {@link LocalClock.fromEnvironment} does when the file does not exist yet.
   */
  static kept(file: string, value = process.env.LOCAL_CLOCK_START): LocalClock {
    const start = LocalClock.#start(value);
    let position: number | undefined;
    if (existsSync(file)) {
      const kept = (JSON.parse(readFileSync(file, 'utf8')) as { now?: unknown }).now;
      if (typeof kept !== 'number' || !Number.isFinite(kept)) {
        throw new ClockError(`${file} does not hold a clock position; delete it to start afresh`);
      }
      position = Math.max(kept, start?.getTime() ?? kept);
    } else if (start !== undefined) {
      position = start.getTime();
    }
    const clock = new LocalClock(position === undefined ? undefined : new Date(position), file);
    clock.save();
    return clock;
  }

  static #start(value: string | undefined): Date | undefined {
    if (value === undefined || value === '') return undefined;
    const start = new Date(value);
    if (Number.isNaN(start.getTime())) {
      throw new ClockError(
        `LOCAL_CLOCK_START must be an ISO 8601 timestamp such as 2026-12-01T08:00:00Z, not '${value}'`,
      );
    }
    return start;
  }

  /** Writes the current position to the clock's file, if it has one (atomic replace). */
  save(): void {
    if (this.#file === undefined) return;
    mkdirSync(dirname(this.#file), { recursive: true });
    const next = `${this.#file}.next`;
    writeFileSync(next, JSON.stringify({ now: this.now() }));
    renameSync(next, this.#file);
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
    this.save();
  }
}
