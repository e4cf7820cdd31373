import { describe, expect, it } from 'vitest';
import {
  evaluateCompositeAlarm,
  evaluateMetricAlarm,
  periodStarts,
  reasonTimestamp,
  seriesValue,
  UNEVALUATED,
  type AlarmStatus,
  type MetricReader,
} from '#local/services/alarm-evaluation.ts';
import type { MetricAlarmDefinition } from '#shared/monitoring/alarms.ts';
import type { MetricSpec, Series } from '#shared/monitoring/metrics.ts';

const T0 = Date.parse('2026-12-07T09:00:00Z');
const MINUTE = 60_000;

type Tuning = Pick<
  MetricAlarmDefinition,
  'threshold' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissingData'
>;

function alarm(
  m: number,
  n: number,
  treatMissingData: Tuning['treatMissingData'] = 'notBreaching',
): Tuning {
  return { threshold: 0, evaluationPeriods: n, datapointsToAlarm: m, treatMissingData };
}

/** Periods of a minute from 09:00, oldest first. */
function periods(...values: (number | null)[]) {
  return values.map((value, index) => ({ start: T0 + index * MINUTE, value }));
}

const OK: AlarmStatus = { state: 'OK', reason: 'kept' };
const ALARM: AlarmStatus = { state: 'ALARM', reason: 'kept' };

describe('a metric alarm', () => {
  it('goes to ALARM when M of the latest N periods are above the threshold, listing them newest first', () => {
    expect(evaluateMetricAlarm(alarm(2, 3), periods(3, 0, 2), OK)).toEqual({
      state: 'ALARM',
      reason:
        'Threshold Crossed: 2 out of the last 3 datapoints [2.0 (07/12/26 09:02:00), 3.0 (07/12/26 09:00:00)] were greater than the threshold (0.0) (minimum 2 datapoints for OK -> ALARM transition).',
    });
  });

  it('words a single breaching datapoint as CloudWatch does', () => {
    expect(evaluateMetricAlarm(alarm(1, 1), periods(2), OK)).toEqual({
      state: 'ALARM',
      reason:
        'Threshold Crossed: 1 out of the last 1 datapoints [2.0 (07/12/26 09:00:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).',
    });
  });

  it('stays OK with fewer than M breaching periods, counting a value equal to the threshold as within it', () => {
    expect(
      evaluateMetricAlarm({ ...alarm(2, 3), threshold: 1.5 }, periods(2.5, 1.5, 1), ALARM),
    ).toEqual({
      state: 'OK',
      reason:
        'Threshold Crossed: 2 out of the last 3 datapoints [1.0 (07/12/26 09:02:00), 1.5 (07/12/26 09:01:00)] were not greater than the threshold (1.5) (minimum 2 datapoints for ALARM -> OK transition).',
    });
  });

  it('treats missing periods as within the threshold with notBreaching', () => {
    expect([
      evaluateMetricAlarm(alarm(3, 3), periods(1, null, 1), OK),
      evaluateMetricAlarm(alarm(1, 3), periods(null, null, null), ALARM),
    ]).toEqual([
      {
        state: 'OK',
        reason:
          'Threshold Crossed: 2 out of the last 3 datapoints [1.0 (07/12/26 09:02:00), 1.0 (07/12/26 09:00:00)] were greater than the threshold (0.0) (minimum 3 datapoints for OK -> ALARM transition). 1 missing datapoint was treated as [NonBreaching].',
      },
      {
        state: 'OK',
        reason:
          'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [NonBreaching].',
      },
    ]);
  });

  it('treats missing periods as beyond the threshold with breaching', () => {
    expect([
      evaluateMetricAlarm(alarm(3, 3, 'breaching'), periods(1, null, null), OK).state,
      evaluateMetricAlarm(alarm(3, 3, 'breaching'), periods(0, null, null), OK).state,
      evaluateMetricAlarm(alarm(2, 2, 'breaching'), periods(null, null), OK),
    ]).toEqual([
      'ALARM',
      'OK',
      {
        state: 'ALARM',
        reason:
          'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].',
      },
    ]);
  });

  it('goes to INSUFFICIENT_DATA with missing when no period has data, and decides on the others', () => {
    expect([
      evaluateMetricAlarm(alarm(1, 2, 'missing'), periods(null, null), ALARM),
      evaluateMetricAlarm(alarm(1, 2, 'missing'), periods(null, 4), OK).state,
      evaluateMetricAlarm(alarm(1, 2, 'missing'), periods(null, 0), ALARM).state,
    ]).toEqual([
      { state: 'INSUFFICIENT_DATA', reason: 'Insufficient Data: 2 datapoints were unknown.' },
      'ALARM',
      'OK',
    ]);
  });

  it('keeps its state and reason with ignore when no period has data', () => {
    expect([
      evaluateMetricAlarm(alarm(1, 2, 'ignore'), periods(null, null), ALARM),
      evaluateMetricAlarm(alarm(1, 2, 'ignore'), periods(null, null), UNEVALUATED),
      evaluateMetricAlarm(alarm(1, 2, 'ignore'), periods(0, null), ALARM).state,
    ]).toEqual([ALARM, UNEVALUATED, 'OK']);
  });
});

describe('the periods an alarm reads', () => {
  it('are the latest N consecutive periods that end with the last whole minute before the instant', () => {
    const iso = (starts: number[]) => starts.map((start) => new Date(start).toISOString());
    expect([
      iso(periodStarts(T0 + 3 * MINUTE, 60, 3)),
      iso(periodStarts(T0 + 2 * MINUTE + 30_000, 60, 2)),
      iso(periodStarts(Date.parse('2026-12-07T09:20:00Z'), 900, 1)),
    ]).toEqual([
      ['2026-12-07T09:00:00.000Z', '2026-12-07T09:01:00.000Z', '2026-12-07T09:02:00.000Z'],
      ['2026-12-07T09:00:00.000Z', '2026-12-07T09:01:00.000Z'],
      ['2026-12-07T09:05:00.000Z'],
    ]);
  });

  it('print their start as CloudWatch does (dd/MM/yy HH:mm:ss, UTC)', () => {
    expect(reasonTimestamp(Date.parse('2027-01-05T23:04:09Z'))).toBe('05/01/27 23:04:09');
  });
});

describe('a percentage series', () => {
  const metric = (name: string): MetricSpec => ({
    namespace: 'SavingsPlanBuy',
    name,
    dimensions: { service: 'local-slot-outcomes' },
    stat: 'Sum',
  });
  const share: Series = {
    kind: 'percentage',
    label: 'late (%)',
    numerator: [metric('SlotsFinalLate'), metric('SlotsMissed')],
    denominator: [metric('SlotsFinal'), metric('SlotsMissed')],
  };
  const reader =
    (sums: Record<string, number>): MetricReader =>
    (spec) =>
      sums[spec.name] ?? null;

  it('is 100 times the numerators over the denominators', () => {
    expect(
      seriesValue(reader({ SlotsFinalLate: 1, SlotsMissed: 1, SlotsFinal: 7 }), share, 0, 1),
    ).toBe(25);
  });

  it('counts a numerator without data as zero', () => {
    expect(seriesValue(reader({ SlotsFinal: 4 }), share, 0, 1)).toBe(0);
  });

  it('has no data when the denominator is zero or has none', () => {
    expect([
      seriesValue(reader({ SlotsFinal: 0, SlotsFinalLate: 0 }), share, 0, 1),
      seriesValue(reader({}), share, 0, 1),
    ]).toEqual([null, null]);
  });

  it('reads a metric series with its own statistic', () => {
    const asked: string[] = [];
    const value = seriesValue(
      (spec, stat) => {
        asked.push(`${spec.name}:${stat}`);
        return 9;
      },
      { kind: 'metric', metric: { ...metric('Duration'), stat: 'p90' } },
      0,
      1,
    );
    expect({ value, asked }).toEqual({ value: 9, asked: ['Duration:p90'] });
  });
});

describe('a composite alarm', () => {
  const states: Record<string, AlarmStatus['state']> = {
    a: 'ALARM',
    b: 'OK',
    c: 'ALARM',
    d: 'INSUFFICIENT_DATA',
  };
  const evaluate = (op: 'any' | 'all', of: string[]) =>
    evaluateCompositeAlarm(
      { rule: { op, of } },
      (key) => states[key] ?? 'INSUFFICIENT_DATA',
      (key) => `local-${key}`,
    );

  it('with any: in ALARM when one of its alarms is, naming them', () => {
    expect([evaluate('any', ['a', 'b', 'c']), evaluate('any', ['b', 'd'])]).toEqual([
      {
        state: 'ALARM',
        reason: 'Rule ANY of 3 alarms in ALARM is true: local-a, local-c are in ALARM.',
      },
      { state: 'OK', reason: 'Rule ANY of 2 alarms in ALARM is false: none is in ALARM.' },
    ]);
  });

  it('with all: in ALARM only when every one of its alarms is', () => {
    expect([evaluate('all', ['a', 'c']), evaluate('all', ['a', 'b'])]).toEqual([
      {
        state: 'ALARM',
        reason: 'Rule ALL of 2 alarms in ALARM is true: local-a, local-c are in ALARM.',
      },
      { state: 'OK', reason: 'Rule ALL of 2 alarms in ALARM is false: only local-a is in ALARM.' },
    ]);
  });

  it('has insufficient data while none of its alarms has been decided', () => {
    expect(evaluate('any', ['d', 'x'])).toEqual({
      state: 'INSUFFICIENT_DATA',
      reason: 'Insufficient Data: none of the 2 alarms in the rule (ANY of 2 alarms) has data yet.',
    });
  });
});
