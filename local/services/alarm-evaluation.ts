/**
 * How CloudWatch decides an alarm's state, as pure functions: M of the latest N periods above the
 * threshold, missing periods treated as the alarm says, a percentage series that has no data when
 * its denominator is zero, composite rules over other alarms' states, and reason texts worded as
 * CloudWatch words them. The local alarm runner (`local/services/alarms.ts`) feeds them the local
 * metric store's values on the local clock; unit tests feed them values directly.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation
 *
 * Missing data, with the definitions' names:
 * - `notBreaching` / `breaching`: a missing period counts as within / beyond the threshold.
 * - `missing`: only the periods with data count; with none at all the state is INSUFFICIENT_DATA.
 * - `ignore`: as `missing`, except that with no data at all the alarm keeps its state.
 */
import type { CompositeAlarmDefinition, MetricAlarmDefinition } from '#shared/monitoring/alarms.ts';
import type { MetricSpec, Series, Statistic } from '#shared/monitoring/metrics.ts';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An alarm's state and why it is in it. */
export interface AlarmStatus {
  readonly state: AlarmState;
  readonly reason: string;
}

/** One period of an alarm's series: its start (epoch ms) and value (null: no data). */
export interface PeriodValue {
  readonly start: number;
  readonly value: number | null;
}

/** Reads a metric's statistic over `[start, end)`; null when it has no datapoint there. */
export type MetricReader = (
  metric: MetricSpec,
  stat: Statistic,
  start: number,
  end: number,
) => number | null;

/** The state of an alarm that has not been evaluated yet, as CloudWatch creates it. */
export const UNEVALUATED: AlarmStatus = {
  state: 'INSUFFICIENT_DATA',
  reason: 'Unchecked: Initial alarm creation',
};

/**
 * The starts (epoch ms, oldest first) of the latest `count` periods at instant `at`: consecutive
 * periods ending with the last whole minute before `at` (the store's resolution), as CloudWatch
 * evaluates the periods that end at the evaluation; a minute still running is not read, so an
 * evaluation a few milliseconds into a minute does not see it as missing.
 */
export function periodStarts(at: number, periodSeconds: number, count: number): number[] {
  const length = periodSeconds * 1000;
  const end = Math.floor(at / 60_000) * 60_000;
  return Array.from({ length: count }, (_, index) => end - (count - index) * length);
}

/**
 * A series' value over `[start, end)`: the metric's statistic, or `100 * sum(numerator) /
 * sum(denominator)` with no data when the denominator has none or is zero (metric math's
 * division by zero), and a missing numerator counting as zero.
 */
export function seriesValue(
  read: MetricReader,
  series: Series,
  start: number,
  end: number,
): number | null {
  if (series.kind === 'metric') return read(series.metric, series.metric.stat, start, end);
  const total = (metrics: readonly MetricSpec[]) => {
    let sum: number | null = null;
    for (const metric of metrics) {
      const value = read(metric, metric.stat, start, end);
      if (value !== null) sum = (sum ?? 0) + value;
    }
    return sum;
  };
  const denominator = total(series.denominator);
  if (denominator === null || denominator === 0) return null;
  return (100 * (total(series.numerator) ?? 0)) / denominator;
}

/** `dd/MM/yy HH:mm:ss` in UTC, as CloudWatch's reasons print a datapoint's time. */
export function reasonTimestamp(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCFullYear() % 100)} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}

/** A number as CloudWatch's reasons print it (Java's double: `2.0`, `0.5`). */
export function reasonNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function wasWere(count: number): string {
  return count === 1 ? 'was' : 'were';
}

function listed(periods: readonly PeriodValue[]): string {
  return [...periods]
    .reverse()
    .map((period) => `${reasonNumber(period.value as number)} (${reasonTimestamp(period.start)})`)
    .join(', ');
}

/**
 * The state of a metric alarm given its latest N periods (oldest first) and its current status
 * (which `ignore` keeps when there is no data at all).
 */
export function evaluateMetricAlarm(
  alarm: Pick<
    MetricAlarmDefinition,
    'threshold' | 'evaluationPeriods' | 'datapointsToAlarm' | 'treatMissingData'
  >,
  periods: readonly PeriodValue[],
  current: AlarmStatus,
): AlarmStatus {
  const { threshold, datapointsToAlarm: m, treatMissingData } = alarm;
  const n = periods.length;
  const present = periods.filter((period) => period.value !== null);
  const missing = n - present.length;
  const breaching = present.filter((period) => (period.value as number) > threshold);
  const within = present.filter((period) => (period.value as number) <= threshold);
  const limit = `the threshold (${reasonNumber(threshold)})`;
  if (present.length === 0) {
    if (treatMissingData === 'ignore') return current;
    if (treatMissingData === 'missing') {
      return {
        state: 'INSUFFICIENT_DATA',
        reason: `Insufficient Data: ${plural(n, 'datapoint')} ${wasWere(n)} unknown.`,
      };
    }
    const treatedAs = treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
    return {
      state: treatMissingData === 'breaching' && n >= m ? 'ALARM' : 'OK',
      reason: `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${plural(n, 'missing datapoint')} ${wasWere(n)} treated as [${treatedAs}].`,
    };
  }
  const missingBreach = treatMissingData === 'breaching' ? missing : 0;
  const missingNote =
    missing > 0 && (treatMissingData === 'breaching' || treatMissingData === 'notBreaching')
      ? ` ${plural(missing, 'missing datapoint')} ${wasWere(missing)} treated as [${treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching'}].`
      : '';
  if (breaching.length + missingBreach >= m) {
    return {
      state: 'ALARM',
      reason: `Threshold Crossed: ${breaching.length} out of the last ${n} datapoints [${listed(breaching)}] ${wasWere(breaching.length)} greater than ${limit} (minimum ${plural(m, 'datapoint')} for OK -> ALARM transition).${missingNote}`,
    };
  }
  if (within.length === 0) {
    // Too few periods breach, and the others are missing: say what breached and what was needed.
    return {
      state: 'OK',
      reason: `Threshold Crossed: ${breaching.length} out of the last ${n} datapoints [${listed(breaching)}] ${wasWere(breaching.length)} greater than ${limit} (minimum ${plural(m, 'datapoint')} for OK -> ALARM transition).${missingNote}`,
    };
  }
  const toOk = n - m + 1;
  return {
    state: 'OK',
    reason: `Threshold Crossed: ${within.length} out of the last ${n} datapoints [${listed(within)}] ${wasWere(within.length)} not greater than ${limit} (minimum ${plural(toOk, 'datapoint')} for ALARM -> OK transition).${missingNote}`,
  };
}

/**
 * The state of a composite alarm from its children's (by key): `any` is in ALARM when one of
 * them is, `all` when every one is; INSUFFICIENT_DATA while none of them has been decided.
 */
export function evaluateCompositeAlarm(
  alarm: Pick<CompositeAlarmDefinition, 'rule'>,
  stateOf: (key: string) => AlarmState,
  nameOf: (key: string) => string,
): AlarmStatus {
  const { op, of } = alarm.rule;
  const states = of.map((key) => ({ key, state: stateOf(key) }));
  const alarming = states.filter((child) => child.state === 'ALARM');
  const names = alarming.map((child) => nameOf(child.key)).join(', ');
  const rule = `${op === 'any' ? 'ANY' : 'ALL'} of ${plural(of.length, 'alarm')}`;
  if (states.every((child) => child.state === 'INSUFFICIENT_DATA')) {
    return {
      state: 'INSUFFICIENT_DATA',
      reason: `Insufficient Data: none of the ${plural(of.length, 'alarm')} in the rule (${rule}) has data yet.`,
    };
  }
  const fires = op === 'any' ? alarming.length > 0 : alarming.length === of.length;
  if (fires) {
    return {
      state: 'ALARM',
      reason: `Rule ${rule} in ALARM is true: ${names} ${alarming.length === 1 ? 'is' : 'are'} in ALARM.`,
    };
  }
  return {
    state: 'OK',
    reason:
      alarming.length === 0
        ? `Rule ${rule} in ALARM is false: none is in ALARM.`
        : `Rule ${rule} in ALARM is false: only ${names} ${alarming.length === 1 ? 'is' : 'are'} in ALARM.`,
  };
}
