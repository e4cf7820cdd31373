/**
 * CloudWatch metrics, locally: the datapoints the deployed alarms and dashboards read (the
 * Lambdas' EMF output, the emulated services' own metrics), on the local clock, and the
 * statistics CloudWatch computes over a period (Sum, Average, Maximum, Minimum, SampleCount,
 * pNN). The alarm evaluator (`local/services/alarms.ts`) and `POST /_local/metrics/query` read it.
 *
 * Deliberately local:
 * - One-minute resolution, as CloudWatch's standard resolution: a datapoint counts in the minute
 *   its timestamp falls in, and a period is a whole number of minutes (a 10 or 30 second period
 *   reads the minute it falls in).
 * - Percentiles are nearest-rank over every value of the period (CloudWatch estimates them from
 *   the values it kept; on the counts a local run produces the two agree).
 * - Datapoints older than the retention (two days of local time by default: the longest alarm
 *   window is a day, the console shows the last hours) are dropped, so the store and its journal
 *   stay bounded whatever the run's length.
 * - With a journal (the stack's data folder) each minute's aggregate is written when
 *   {@link LocalMetricStore.flush} runs (each time the alarms are evaluated), not per datapoint:
 *   a crash loses at most the metrics of the last instant, as a Lambda killed before its EMF
 *   line reached CloudWatch Logs would.
 */
import { Journal } from './journal.ts';
import { metricKey, type Statistic } from '#shared/monitoring/metrics.ts';

const MINUTE = 60_000;

/** Two days of local time: twice the longest alarm window (CloudWatch evaluates at most a day). */
export const DEFAULT_RETENTION_MS = 2 * 86_400_000;

/** One metric as CloudWatch identifies it: namespace, name and every dimension, resolved. */
export interface MetricIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** One observation of a metric (`PutMetricData`'s MetricDatum, or one value of an EMF line). */
export interface Datapoint extends MetricIdentity {
  /** Epoch milliseconds on the local clock. */
  readonly timestamp: number;
  readonly value: number;
  /** CloudWatch's unit name (`Count`, `Milliseconds`, `Seconds`, ...); default `None`. */
  readonly unit?: string;
}

/** The aggregate of one metric over one minute, as the journal keeps it. */
export interface MinuteAggregate extends MetricIdentity {
  readonly unit: string;
  /** The minute's start, epoch ms. */
  readonly minute: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  /** Every value, for percentiles. */
  readonly values: number[];
}

interface StoredMetric {
  /** Minute starts in ascending order. */
  readonly minutes: number[];
  readonly aggregates: Map<number, MinuteAggregate>;
  /** The latest datapoint's timestamp. */
  last: number;
  /** Bumped on every datapoint: the evaluator re-reads a metric whose version moved. */
  version: number;
}

export interface LocalMetricStoreOptions {
  /** The local clock, epoch ms: what the retention is measured from. */
  readonly now: () => number;
  readonly journal?: Journal<MinuteAggregate>;
  readonly retentionMs?: number;
}

/** A statistic's name as {@link Statistic} spells it: `Sum` ... `SampleCount`, `p0` to `p100`. */
export function isStatistic(value: unknown): value is Statistic {
  if (typeof value !== 'string') return false;
  if (['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount'].includes(value)) return true;
  const match = /^p(\d{1,2}(\.\d+)?|100)$/.exec(value);
  return match !== null && Number(match[1]) <= 100;
}

/** The value of `stat` over the values (nearest-rank percentiles); null when there are none. */
export function statisticOf(
  stat: Statistic,
  aggregates: readonly MinuteAggregate[],
): number | null {
  let count = 0;
  for (const each of aggregates) count += each.count;
  if (count === 0) return null;
  switch (stat) {
    case 'Sum':
      return aggregates.reduce((total, each) => total + each.sum, 0);
    case 'SampleCount':
      return count;
    case 'Average':
      return aggregates.reduce((total, each) => total + each.sum, 0) / count;
    case 'Maximum':
      return Math.max(...aggregates.map((each) => each.max));
    case 'Minimum':
      return Math.min(...aggregates.map((each) => each.min));
    default: {
      const percentile = Number(stat.slice(1));
      const values = aggregates.flatMap((each) => each.values).sort((a, b) => a - b);
      const rank = Math.max(1, Math.ceil((percentile / 100) * values.length));
      return values[rank - 1] as number;
    }
  }
}

/** The key the store files a metric under (`metricKey` of `shared/monitoring/metrics.ts`). */
export function metricIdentityKey(metric: MetricIdentity): string {
  return metricKey(metric);
}

const identityKey = metricIdentityKey;

/** The local metric store. */
export class LocalMetricStore {
  readonly #now: () => number;
  readonly #journal: Journal<MinuteAggregate>;
  readonly #retentionMs: number;
  readonly #metrics = new Map<string, StoredMetric>();
  /** Aggregates changed since the last flush, by journal key. */
  readonly #dirty = new Map<string, MinuteAggregate>();

  constructor(options: LocalMetricStoreOptions) {
    this.#now = options.now;
    this.#journal = options.journal ?? new Journal();
    this.#retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    for (const [, aggregate] of this.#journal.entries()) this.#insert(aggregate);
  }

  /** Records one datapoint. A value that is not a finite number is refused, as CloudWatch does. */
  put(datapoint: Datapoint): void {
    if (!Number.isFinite(datapoint.value) || !Number.isFinite(datapoint.timestamp)) return;
    const minute = Math.floor(datapoint.timestamp / MINUTE) * MINUTE;
    const key = identityKey(datapoint);
    let stored = this.#metrics.get(key);
    let aggregate = stored?.aggregates.get(minute);
    if (aggregate === undefined) {
      aggregate = {
        namespace: datapoint.namespace,
        name: datapoint.name,
        dimensions: { ...datapoint.dimensions },
        unit: datapoint.unit ?? 'None',
        minute,
        sum: 0,
        count: 0,
        min: datapoint.value,
        max: datapoint.value,
        values: [],
      };
      stored = this.#insert(aggregate);
    }
    aggregate.sum += datapoint.value;
    aggregate.count += 1;
    aggregate.min = Math.min(aggregate.min, datapoint.value);
    aggregate.max = Math.max(aggregate.max, datapoint.value);
    aggregate.values.push(datapoint.value);
    stored = stored as StoredMetric;
    stored.last = Math.max(stored.last, datapoint.timestamp);
    stored.version += 1;
    this.#dirty.set(`${key}@${minute}`, aggregate);
  }

  /** The value of `stat` for `metric` over `[start, end)` (whole minutes); null: no datapoint. */
  statistic(metric: MetricIdentity, stat: Statistic, start: number, end: number): number | null {
    const stored = this.#metrics.get(identityKey(metric));
    if (stored === undefined) return null;
    const { minutes } = stored;
    const from = lowerBound(minutes, start);
    const aggregates: MinuteAggregate[] = [];
    for (let index = from; index < minutes.length && (minutes[index] as number) < end; index += 1) {
      aggregates.push(stored.aggregates.get(minutes[index] as number) as MinuteAggregate);
    }
    return statisticOf(stat, aggregates);
  }

  /**
   * What changed about `metric` (or its {@link metricIdentityKey}): its version (moves with every datapoint) and its latest
   * datapoint's timestamp; null when it has none.
   */
  activity(
    metric: MetricIdentity | string,
  ): { readonly version: number; readonly last: number } | null {
    const stored = this.#metrics.get(typeof metric === 'string' ? metric : identityKey(metric));
    return stored === undefined ? null : { version: stored.version, last: stored.last };
  }

  /** Every metric the store holds, as `metricKey` names them, sorted. */
  metricKeys(): string[] {
    return [...this.#metrics.keys()].sort();
  }

  /** Writes the minutes changed since the last flush and drops those beyond the retention. */
  flush(): void {
    for (const [key, aggregate] of this.#dirty) this.#journal.put(key, aggregate);
    this.#dirty.clear();
    const oldest = Math.floor((this.#now() - this.#retentionMs) / MINUTE) * MINUTE;
    for (const [key, stored] of this.#metrics) {
      const expired = lowerBound(stored.minutes, oldest);
      if (expired === 0) continue;
      for (const minute of stored.minutes.splice(0, expired)) {
        stored.aggregates.delete(minute);
        this.#journal.delete(`${key}@${minute}`);
      }
      if (stored.minutes.length === 0) this.#metrics.delete(key);
    }
  }

  #insert(aggregate: MinuteAggregate): StoredMetric {
    const key = identityKey(aggregate);
    let stored = this.#metrics.get(key);
    if (stored === undefined) {
      stored = { minutes: [], aggregates: new Map(), last: Number.NEGATIVE_INFINITY, version: 0 };
      this.#metrics.set(key, stored);
    }
    const { minutes } = stored;
    // Datapoints arrive in time order but for a few milliseconds of concurrency: insert sorted.
    const at = lowerBound(minutes, aggregate.minute);
    minutes.splice(at, 0, aggregate.minute);
    stored.aggregates.set(aggregate.minute, aggregate);
    stored.last = Math.max(stored.last, aggregate.minute);
    stored.version += 1;
    return stored;
  }
}

/** The index of the first element >= `value` in ascending `sorted`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
