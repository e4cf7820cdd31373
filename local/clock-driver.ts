/**
 * Drives the local system through time: fires every due schedule and delivers every queue
 * message that becomes visible, in time order, and waits until each resulting workflow and its
 * follow-ups (stream consumer, re-arming, retries) have settled. Used by `POST /_local/clock` and
 * by a background tick that keeps schedules firing in wall time.
 */
import type { LocalClock } from './clock.ts';
import type { QuietProbe } from './quiet-jobs.ts';
import type { DueFiring, LocalScheduler } from './services/scheduler.ts';
import type { LocalStreamMapping } from './services/streams.ts';

/** Asynchronous work started by deliveries (executions, asynchronous invokes) still running. */
export class WorkInFlight {
  /** Each piece of work still running, with what it is (`batch from notifications`, ...). */
  readonly #pending = new Map<Promise<unknown>, string>();

  /**
   * Registers work the clock must wait for before it calls the system settled; `label` says what
   * it is when a settle takes long ({@link ClockDriverOptions.slowSettle}).
   */
  track(work: Promise<unknown>, label = 'work'): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.set(settled, label);
    void settled.then(() => this.#pending.delete(settled));
  }

  /** What is running, as `<count> x <label>` by label, most first (`64 x execution of ...`). */
  describe(): string[] {
    const counts = new Map<string, number>();
    for (const label of this.#pending.values()) counts.set(label, (counts.get(label) ?? 0) + 1);
    return [...counts]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([label, count]) => `${count} x ${label}`);
  }

  /** Waits for everything registered so far; answers whether anything was still running. */
  async wait(): Promise<boolean> {
    const running = [...this.#pending.keys()];
    await Promise.all(running);
    return running.length > 0;
  }
}

/**
 * A queue's event source: when its next batch is due, and delivering what is. `flush` ends a
 * batching window early: a batch gathering in its window is delivered as if the window had passed.
 */
export interface QueueSource {
  nextVisibleAt(flush?: boolean): number | null;
  drain(flush?: boolean): Promise<void>;
}

export interface ClockDriverOptions {
  readonly clock: LocalClock;
  readonly scheduler: LocalScheduler;
  readonly streams: readonly LocalStreamMapping[];
  readonly queues?: readonly QueueSource[];
  readonly work: WorkInFlight;
  /** How many copies of each firing to deliver (the duplicate-delivery fault). */
  readonly copies: () => number;
  /**
   * Probes of recurring jobs by schedule name (`local/quiet-jobs.ts`): a firing before the
   * instant its probe answers is recorded without invoking the job, which would find nothing.
   * An answer holds while the probe's activity count stays the same.
   */
  readonly quiet?: ReadonlyMap<string, QuietProbe>;
  /**
   * Told of every instant the clock reaches while it advances: before it moves there (what the
   * system holds is what it held until then) and once the system has settled there. The local
   * alarms evaluate on it (`local/services/alarms.ts`).
   */
  readonly observer?: ClockObserver;
  /**
   * Reports a settle that takes long in wall time: every `afterMs` while it lasts (60 s unless
   * said), one line naming the local instant and what is in flight. The clock does not move while
   * the system settles, so a job waiting for its timeout holds every schedule behind it; without
   * this, that shows as no progress at all.
   */
  readonly slowSettle?: { readonly report: (line: string) => void; readonly afterMs?: number };
}

/** How every slow-settle line starts, for whoever filters a stack's log for them. */
export const SLOW_SETTLE_LINE = 'local clock held at';

/** How long a settle may take in wall time before {@link ClockDriverOptions.slowSettle} hears. */
export const SLOW_SETTLE_MS = 60_000;

/** Watches the clock advance (the local alarms). */
export interface ClockObserver {
  observe(instant: number): void;
}

/** What advancing the clock has cost so far: the work it did, for tests and benchmarks. */
export interface ClockDriverStats {
  /** Firings whose target was invoked. */
  delivered: number;
  /** Firings of recurring jobs recorded without an invocation: their probe said they were idle. */
  elided: number;
  /** Probe runs (each reads a few index partitions). */
  probes: number;
  /** Queue drains (event source polls until nothing is visible). */
  drains: number;
}

/** Firings this close to a probe's instant are invoked anyway: timestamps have second precision. */
const PROBE_MARGIN_MS = 1000;

export class ClockDriver {
  readonly #options: ClockDriverOptions;
  #queue: Promise<unknown> = Promise.resolve();
  /** Each probed job's last answer and the activity it was computed at. */
  readonly #probed = new Map<string, { activity: number; wake: number | null }>();
  readonly stats: ClockDriverStats = { delivered: 0, elided: 0, probes: 0, drains: 0 };

  constructor(options: ClockDriverOptions) {
    this.#options = options;
  }

  /**
   * Waits until no delivery is running and every stream record and visible queue message has been
   * handled. Batches gathering in a batching window go at once, as the stream's do: on AWS the
   * window passes in wall time whatever happens next, here the clock may not move again.
   */
  async settle(): Promise<void> {
    const stopWatching = this.#watchSlowSettle();
    try {
      for (;;) {
        const waited = await this.#options.work.wait();
        for (const stream of this.#options.streams) await stream.drain();
        const delivered = await this.#drainQueues();
        if (!waited && !delivered && !(await this.#options.work.wait())) return;
      }
    } finally {
      stopWatching();
    }
  }

  /** Starts reporting this settle if it takes long; answers how to stop. */
  #watchSlowSettle(): () => void {
    const slow = this.#options.slowSettle;
    if (slow === undefined) return () => undefined;
    const started = Date.now();
    const timer = setInterval(() => {
      const running = this.#options.work.describe();
      const seconds = Math.round((Date.now() - started) / 1000);
      const at = new Date(this.#options.clock.now()).toISOString();
      slow.report(
        `${SLOW_SETTLE_LINE} ${at}: settling for ${seconds} s of wall time; in flight: ${
          running.length === 0 ? 'nothing (streams and queues draining)' : running.join(', ')
        }`,
      );
    }, slow.afterMs ?? SLOW_SETTLE_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Delivers every queue message visible now; answers whether any was. */
  async #drainQueues(): Promise<boolean> {
    let delivered = false;
    for (const queue of this.#options.queues ?? []) {
      const next = queue.nextVisibleAt(true);
      if (next !== null && next <= this.#options.clock.now()) {
        this.stats.drains += 1;
        await queue.drain(true);
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

  /** Whether `due` is a recurring job's firing that its probe says would find nothing. */
  async #isQuiet(due: DueFiring): Promise<boolean> {
    if (this.#options.quiet?.get(due.schedule.name) === undefined) return false;
    const wake = await this.#wakeOf(due.schedule.name);
    return wake === null || due.fireAt < wake - PROBE_MARGIN_MS;
  }

  /** The probed job's wake-up instant (null: never), asked again only after activity. */
  async #wakeOf(name: string): Promise<number | null> {
    const probe = this.#options.quiet?.get(name);
    if (probe === undefined) return null;
    const activity = probe.activity();
    let probed = this.#probed.get(name);
    if (probed?.activity !== activity) {
      this.stats.probes += 1;
      probed = { activity, wake: await probe.wake() };
      this.#probed.set(name, probed);
    }
    return probed.wake;
  }

  /**
   * Records every interval of the probed jobs before the next instant anything else can happen:
   * another schedule's firing, a queue message becoming visible, a probe's wake-up or the target.
   * Until then nothing runs, so nothing can change what the probes read. Answers how many.
   */
  async #elideQuietIntervals(due: DueFiring, target: number): Promise<number> {
    const { scheduler } = this.#options;
    const names = new Set(this.#options.quiet?.keys() ?? []);
    let horizon = target + 1;
    const busy = scheduler.nextDue(target, names);
    if (busy !== null) horizon = Math.min(horizon, busy.fireAt);
    const visible = this.#nextVisible(target);
    if (visible !== null) horizon = Math.min(horizon, visible);
    let elided = 0;
    for (const name of names) {
      // Each job until its own wake-up: its probe's answer holds while nothing runs.
      const wake = await this.#wakeOf(name);
      const before = wake === null ? horizon : Math.min(horizon, wake - PROBE_MARGIN_MS);
      elided += scheduler.elideBefore(new Set([name]), before);
    }
    if (elided > 0) return elided;
    // Something else is due at the same instant: this firing alone, the rest in time order.
    scheduler.elide(due);
    return 1;
  }

  /** Moves the clock to `instant`, letting the observer see the time up to it first. */
  #moveTo(instant: number): void {
    this.#options.observer?.observe(instant);
    this.#options.clock.moveTo(instant);
  }

  /** Settles, then lets the observer see the instant reached. */
  async #settled(): Promise<void> {
    await this.settle();
    this.#options.observer?.observe(this.#options.clock.now());
  }

  async #advance(target: number): Promise<number> {
    const { clock, scheduler } = this.#options;
    let fired = 0;
    await this.#settled();
    for (;;) {
      const due = this.#next(target);
      const visible = this.#nextVisible(due === null ? target : due.fireAt - 1);
      if (visible !== null) {
        // A retry comes due before the next firing: deliver it at its time.
        if (visible > clock.now()) this.#moveTo(visible);
        await this.#settled();
        continue;
      }
      if (due === null) break;
      if (await this.#isQuiet(due)) {
        // It fires, and would find nothing: nothing to run, nothing to wait for. The same holds
        // for every quiet job's intervals until something else happens: record them at once.
        const elided = await this.#elideQuietIntervals(due, target);
        this.stats.elided += elided;
        fired += elided;
        continue;
      }
      if (due.fireAt > clock.now()) this.#moveTo(due.fireAt);
      // Everything due at the same instant fires together, as the scheduler would within the minute.
      let same: typeof due | null = due;
      while (same !== null && same.fireAt === due.fireAt) {
        if (await this.#isQuiet(same)) {
          scheduler.elide(same);
          this.stats.elided += 1;
        } else {
          await scheduler.fire(same, this.#options.copies());
          this.stats.delivered += 1;
        }
        fired += 1;
        same = scheduler.nextDue(due.fireAt);
      }
      await this.#settled();
    }
    if (target > clock.now()) this.#moveTo(target);
    await this.#settled();
    return fired;
  }

  /** Moves the clock to `target`, firing everything due on the way; one advance at a time. */
  advanceTo(target: number): Promise<number> {
    const run = this.#queue.then(() => this.#advance(target));
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
