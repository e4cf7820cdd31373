/**
 * How an alarm of the catalog (`shared/monitoring/alarms.ts`) reads as CloudWatch's alarm
 * arguments: plain functions, so the mapping is tested on its own and the component only creates.
 */
import type * as pulumi from '@pulumi/pulumi';
import type {
  AlarmDefinition,
  CompositeAlarmDefinition,
  MetricAlarmDefinition,
} from '#shared/monitoring/alarms.ts';
import type { MetricSpec, ResourceRef, Series } from '#shared/monitoring/metrics.ts';

type In<T> = pulumi.Input<T>;

/** The real value of each {@link ResourceRef} (the AppSync API's id). */
export type ResourceValues = Readonly<Record<ResourceRef['resource'], In<string>>>;

/** CloudWatch's limit on an alarm's description. */
export const DESCRIPTION_LIMIT = 1024;

/**
 * The alarm's description: its summary, then where the runbook explains it. A summary too long to
 * leave room for the link is cut (with an ellipsis), never the link.
 */
export function alarmDescription(alarm: AlarmDefinition, runbookUrl: string): string {
  const link = ` Runbook: ${runbookUrl}#${alarm.runbook}`;
  const room = DESCRIPTION_LIMIT - link.length;
  const summary =
    alarm.summary.length <= room ? alarm.summary : `${alarm.summary.slice(0, room - 1)}…`;
  return `${summary}${link}`;
}

/** A metric's dimensions with every reference resolved. */
export function dimensionsOf(
  metric: MetricSpec,
  values: ResourceValues,
): Record<string, In<string>> {
  return Object.fromEntries(
    Object.entries(metric.dimensions).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : values[value.resource],
    ]),
  );
}

/** Whether a statistic is a percentile (CloudWatch's `ExtendedStatistic`). */
export function isPercentile(stat: string): boolean {
  return /^p\d+(\.\d+)?$/.test(stat);
}

/**
 * The metric math of a percentage series: `100 * sum(numerator) / sum(denominator)`, and no data
 * point at all where the denominator is zero (IF without a false value drops the point), so an
 * idle period never looks like 0 % or a division error.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
 */
export function percentageExpression(numeratorIds: string[], denominatorIds: string[]): string {
  const sum = (ids: string[]) => `SUM([${ids.join(', ')}])`;
  return `IF(${sum(denominatorIds)} > 0, 100 * ${sum(numeratorIds)} / ${sum(denominatorIds)})`;
}

/** The ids a percentage series' metrics get in metric math: `n0..`, `d0..`. */
export function percentageIds(series: Extract<Series, { kind: 'percentage' }>): {
  numerator: string[];
  denominator: string[];
} {
  return {
    numerator: series.numerator.map((_, index) => `n${index}`),
    denominator: series.denominator.map((_, index) => `d${index}`),
  };
}

/** What an alarm reads: one metric's fields, or metric queries with the expression returned. */
export function alarmMetricArgs(alarm: MetricAlarmDefinition, values: ResourceValues) {
  const { series, periodSeconds } = alarm;
  if (series.kind === 'metric') {
    const { metric } = series;
    return {
      namespace: metric.namespace,
      metricName: metric.name,
      dimensions: dimensionsOf(metric, values),
      period: periodSeconds,
      ...(isPercentile(metric.stat)
        ? { extendedStatistic: metric.stat }
        : { statistic: metric.stat }),
    };
  }
  const ids = percentageIds(series);
  const query = (id: string, metric: MetricSpec) => ({
    id,
    metric: {
      namespace: metric.namespace,
      metricName: metric.name,
      dimensions: dimensionsOf(metric, values),
      period: periodSeconds,
      stat: metric.stat,
    },
    returnData: false,
  });
  return {
    metricQueries: [
      {
        id: 'share',
        expression: percentageExpression(ids.numerator, ids.denominator),
        label: series.label,
        returnData: true,
      },
      ...series.numerator.map((metric, index) => query(ids.numerator[index] as string, metric)),
      ...series.denominator.map((metric, index) => query(ids.denominator[index] as string, metric)),
    ],
  };
}

/** `ALARM("a") OR ALARM("b")`: a composite's rule over the physical names of its alarms. */
export function compositeRule(
  composite: CompositeAlarmDefinition,
  nameOf: (key: string) => string,
): string {
  const operator = composite.rule.op === 'any' ? ' OR ' : ' AND ';
  return composite.rule.of.map((key) => `ALARM("${nameOf(key)}")`).join(operator);
}
