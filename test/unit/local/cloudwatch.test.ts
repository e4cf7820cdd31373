import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalMetricStore, statisticOf, isStatistic } from '#local/services/cloudwatch.ts';
import { parseEmfLine } from '#local/services/emf.ts';
import { Journal } from '#local/services/journal.ts';

const T0 = Date.parse('2026-12-07T09:00:00Z');
const errors = {
  namespace: 'AWS/Lambda',
  name: 'Errors',
  dimensions: { FunctionName: 'local-decide' },
};
const duration = { ...errors, name: 'Duration' };

function storeWith(values: readonly [offsetMs: number, value: number][], metric = duration) {
  const store = new LocalMetricStore({ now: () => T0 });
  for (const [offset, value] of values) {
    store.put({ ...metric, timestamp: T0 + offset, value, unit: 'Milliseconds' });
  }
  return store;
}

describe('the local metric store', () => {
  const store = storeWith([
    [1_000, 40],
    [2_000, 10],
    [61_000, 30],
    [62_000, 20],
    [121_000, 100],
  ]);

  it('computes every statistic over the minutes of a period', () => {
    const over = (stat: Parameters<typeof store.statistic>[1]) =>
      store.statistic(duration, stat, T0, T0 + 120_000);
    expect({
      Sum: over('Sum'),
      SampleCount: over('SampleCount'),
      Average: over('Average'),
      Maximum: over('Maximum'),
      Minimum: over('Minimum'),
      p50: over('p50'),
      p90: over('p90'),
      p100: over('p100'),
    }).toEqual({
      Sum: 100,
      SampleCount: 4,
      Average: 25,
      Maximum: 40,
      Minimum: 10,
      p50: 20,
      p90: 40,
      p100: 40,
    });
  });

  it('counts a datapoint in the minute its timestamp falls in, and a period excludes its end', () => {
    expect([
      store.statistic(duration, 'Sum', T0 + 60_000, T0 + 120_000),
      store.statistic(duration, 'Sum', T0 + 120_000, T0 + 180_000),
      store.statistic(duration, 'Sum', T0 + 59_000, T0 + 60_000),
    ]).toEqual([50, 100, null]);
  });

  it('answers no data for a period without datapoints and for a metric it never saw', () => {
    expect([
      store.statistic(duration, 'Sum', T0 + 180_000, T0 + 240_000),
      store.statistic(errors, 'Sum', T0, T0 + 180_000),
      store.statistic({ ...duration, dimensions: { FunctionName: 'other' } }, 'Sum', T0, T0 + 1e6),
    ]).toEqual([null, null, null]);
  });

  it('keeps the minutes in order when datapoints arrive out of order', () => {
    const late = storeWith([
      [121_000, 3],
      [1_000, 1],
      [61_000, 2],
    ]);
    expect(
      [0, 1, 2].map((minute) =>
        late.statistic(duration, 'Maximum', T0 + minute * 60_000, T0 + (minute + 1) * 60_000),
      ),
    ).toEqual([1, 2, 3]);
  });

  it('refuses values that are not finite numbers', () => {
    const refused = storeWith([
      [1_000, Number.NaN],
      [2_000, Number.POSITIVE_INFINITY],
      [3_000, 5],
    ]);
    expect(refused.statistic(duration, 'SampleCount', T0, T0 + 60_000)).toBe(1);
  });

  it('journals minutes on flush, restores them, and drops what is older than the retention', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'metrics-')), 'metrics.jsonl');
    let now = T0;
    const first = new LocalMetricStore({
      now: () => now,
      journal: new Journal(file),
      retentionMs: 3_600_000,
    });
    first.put({ ...errors, timestamp: T0, value: 1, unit: 'Count' });
    first.put({ ...errors, timestamp: T0 + 3_600_000, value: 2, unit: 'Count' });
    first.flush();
    const restored = new LocalMetricStore({
      now: () => now,
      journal: new Journal(file),
      retentionMs: 3_600_000,
    });
    expect(restored.statistic(errors, 'Sum', T0, T0 + 7_200_000)).toBe(3);
    now = T0 + 3_600_000 + 60_000;
    restored.flush();
    expect([
      restored.statistic(errors, 'Sum', T0, T0 + 7_200_000),
      readFileSync(file, 'utf8').split('\n').filter(Boolean).length,
    ]).toEqual([2, 3]);
    const again = new LocalMetricStore({ now: () => now, journal: new Journal(file) });
    expect(again.statistic(errors, 'Sum', T0, T0 + 7_200_000)).toBe(2);
  });
});

describe('statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const aggregate = (values: number[]) => ({
      ...duration,
      unit: 'Milliseconds',
      minute: T0,
      sum: values.reduce((a, b) => a + b, 0),
      count: values.length,
      min: Math.min(...values),
      max: Math.max(...values),
      values,
    });
    const values = Array.from({ length: 10 }, (_, index) => (index + 1) * 10);
    expect([
      statisticOf('p90', [aggregate(values)]),
      statisticOf('p99', [aggregate(values)]),
      statisticOf('p10', [aggregate(values)]),
      statisticOf('p0', [aggregate(values)]),
      statisticOf('p50', []),
    ]).toEqual([90, 100, 10, 10, null]);
  });

  it('knows the statistics CloudWatch names', () => {
    expect(
      [
        'Sum',
        'Average',
        'Maximum',
        'Minimum',
        'SampleCount',
        'p90',
        'p99.9',
        'p100',
        'p101',
        'max',
        'Avg',
        7,
      ].map(isStatistic),
    ).toEqual([true, true, true, true, true, true, true, true, false, false, false, false]);
  });
});

describe('the embedded metric format', () => {
  it('turns each metric, dimension set and value of an EMF line into a datapoint', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: T0 + 5_000,
        CloudWatchMetrics: [
          {
            Namespace: 'SavingsPlanBuy',
            Dimensions: [['service'], ['service', 'currency']],
            Metrics: [{ Name: 'MissedRuns', Unit: 'Count' }, { Name: 'Latency' }],
          },
        ],
      },
      service: 'local-sweeper',
      currency: 'EUR',
      MissedRuns: 2,
      Latency: [5, 7],
    });
    const point = (
      dimensions: Record<string, string>,
      name: string,
      value: number,
      unit: string,
    ) => ({
      namespace: 'SavingsPlanBuy',
      name,
      dimensions,
      timestamp: T0 + 5_000,
      value,
      unit,
    });
    const service = { service: 'local-sweeper' };
    const both = { service: 'local-sweeper', currency: 'EUR' };
    expect(parseEmfLine(line, 0)).toEqual([
      point(service, 'MissedRuns', 2, 'Count'),
      point(service, 'Latency', 5, 'None'),
      point(service, 'Latency', 7, 'None'),
      point(both, 'MissedRuns', 2, 'Count'),
      point(both, 'Latency', 5, 'None'),
      point(both, 'Latency', 7, 'None'),
    ]);
  });

  it('leaves a log line that is not EMF to the log', () => {
    expect([
      parseEmfLine('{"level":"WARN","message":"slow exchange"}', T0),
      parseEmfLine('plain text', T0),
      parseEmfLine('{"_aws": broken', T0),
    ]).toEqual([null, null, null]);
  });

  it('drops a dimension set whose value is missing and uses the fallback time without a timestamp', () => {
    const line = JSON.stringify({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: 'N', Dimensions: [['service'], []], Metrics: [{ Name: 'M' }] },
        ],
      },
      M: 1,
    });
    expect(parseEmfLine(line, T0)).toEqual([
      { namespace: 'N', name: 'M', dimensions: {}, timestamp: T0, value: 1, unit: 'None' },
    ]);
  });
});
