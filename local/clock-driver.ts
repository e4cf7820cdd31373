/**
 * Drives the local system through time: fires every due schedule and delivers every queue
 * message that becomes visible, in time order, and waits until each resulting workflow and its
 * follow-ups (stream consumer, re-arming, retries) have settled. Used by `POST /_local/clock` and
 * by a background tick that keeps schedules firing in wall time.
 */
import type { LocalClock } from './clock.ts';
import type { DueFiring, LocalScheduler } from './services/scheduler.ts';
import type { LocalStreamMapping } from './services/streams.ts';

/** Asynchronous work started by deliveries (executions, asynchronous invokes) still running. */
export class WorkInFlight {
  readonly #pending = new Set<Promise<unknown>>();

  /** Registers work the clock must wait for before it calls the system settled. */
  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
  }

  /** Waits for everything registered so far; answers whether anything was still running. */
  async wait(): Promise<boolean> {
    const running = [...this.#pending];
    await Promise.all(running);
    return running.length > 0;
  }
}

/** A queue's event source: when its next message becomes visible, and delivering what is. */
export interface QueueSource {
  nextVisibleAt(): number | null;
  drain(): Promise<void>;
}

export interface ClockDriverOptions {
  readonly clock: LocalClock;
  readonly scheduler: LocalScheduler;
  readonly streams: readonly LocalStreamMapping[];
  readonly queues?: readonly QueueSource[];
  readonly work: WorkInFlight;
  /** How many copies of each firing to deliver (the duplicate-delivery fault). */
  readonly copies: () => number;
}

export class ClockDriver {
  readonly #options: ClockDriverOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ClockDriverOptions) {
    this.#options = options;
  }

  /** Waits until no delivery is running and every stream record has been handled. */
  async settle(): Promise<void> {
    for (;;) {
      const waited = await this.#options.work.wait();
      for (const stream of this.#options.streams) await stream.drain();
      const delivered = await this.#drainQueues();
      if (!waited && !delivered && !(await this.#options.work.wait())) return;
    }
  }

  /** Delivers every queue message visible now; answers whether any was. */
  async #drainQueues(): Promise<boolean> {
    let delivered = false;
    for (const queue of this.#options.queues ?? []) {
      const next = queue.nextVisibleAt();
      if (next !== null && next <= this.#options.clock.now()) {
        await queue.drain();
        delivered = true;
      }
    }
    return delivered;
  }

  /** The earliest instant a queue message becomes visible, if before `upTo`. */
  #nextVisible(upTo: number): number | null {
    let earliest: number | null = null;
    for (const queue of this.#options.queues ?? []) {
      const next = queue.nextVisibleAt();
      if (next !== null && next <= upTo && (earliest === null || next < earliest)) earliest = next;
    }
    return earliest;
  }

  /**
   * The next firing to deliver before `upTo`: every schedule at every one of its instants, a
   * recurring one (the sweeper) at each interval the clock passes, so that one jump and many
   * small steps end the same way.
   */
  #next(upTo: number): DueFiring | null {
    return this.#options.scheduler.nextDue(upTo);
  }

  async #advance(target: number): Promise<number> {
    const { clock, scheduler } = this.#options;
    let fired = 0;
    await this.settle();
    for (;;) {
      const due = this.#next(target);
      const visible = this.#nextVisible(due === null ? target : due.fireAt - 1);
      if (visible !== null) {
        // A retry comes due before the next firing: deliver it at its time.
        if (visible > clock.now()) clock.moveTo(visible);
        await this.settle();
        continue;
      }
      if (due === null) break;
      if (due.fireAt > clock.now()) clock.moveTo(due.fireAt);
      // Everything due at the same instant fires together, as the scheduler would within the minute.
      let same: typeof due | null = due;
      while (same !== null && same.fireAt === due.fireAt) {
        await scheduler.fire(same, this.#options.copies());
        fired += 1;
        same = scheduler.nextDue(due.fireAt);
      }
      await this.settle();
    }
    if (target > clock.now()) clock.moveTo(target);
    await this.settle();
    return fired;
  }

  /** Moves the clock to `target`, firing everything due on the way; one advance at a time. */
  advanceTo(target: number): Promise<number> {
    const run = this.#queue.then(() => this.#advance(target));
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
