/**
 * CloudWatch metrics as data: which namespace, name, dimensions and statistic a graph or an
 * alarm reads. The alarm catalog (`alarms.ts`) and the dashboards (`dashboards.ts`) are built
 * from these, and three interpreters read them: Pulumi (`infra/components/monitoring/`), the
 * local stack's metric store and alarm evaluator, and the local console. No Pulumi or SDK import.
 */

/** The namespace the Lambdas' Powertools metrics (EMF) and the log metric filters publish to. */
export const APP_NAMESPACE = 'SavingsPlanBuy';

/**
 * A statistic CloudWatch computes over a period. Percentiles as `p90`, `p99`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
 */
export type Statistic = 'Sum' | 'Average' | 'Maximum' | 'Minimum' | 'SampleCount' | `p${number}`;

/**
 * A value known only once a resource exists (the AppSync API's generated id): each interpreter
 * puts the real value in (Pulumi an output, the local stack its own id).
 */
export interface ResourceRef {
  readonly resource: 'graphqlApiId';
}

export type DimensionValue = string | ResourceRef;

/** One metric, as CloudWatch identifies it, and the statistic to read it with. */
export interface MetricSpec {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, DimensionValue>>;
  readonly stat: Statistic;
  /** How the series is named on a graph; defaults to the metric's name. */
  readonly label?: string;
}

/**
 * What an alarm or a graph plots: one metric, or a percentage of sums (`100 * sum(numerator) /
 * sum(denominator)`, with no data when the denominator is zero), which CloudWatch evaluates as
 * metric math and the local evaluator the same way.
 */
export type Series =
  | { readonly kind: 'metric'; readonly metric: MetricSpec }
  | {
      readonly kind: 'percentage';
      readonly label: string;
      readonly numerator: readonly MetricSpec[];
      readonly denominator: readonly MetricSpec[];
    };

/** `service` is the dimension Powertools adds to every metric: the function's name. */
export function appMetric(service: string, name: string, stat: Statistic = 'Sum'): MetricSpec {
  return { namespace: APP_NAMESPACE, name, dimensions: { service }, stat };
}

export function metricSeries(metric: MetricSpec): Series {
  return { kind: 'metric', metric };
}

/** The metrics a series reads, in order. */
export function seriesMetrics(series: Series): readonly MetricSpec[] {
  return series.kind === 'metric' ? [series.metric] : [...series.numerator, ...series.denominator];
}

/** A stable text key of a metric (without its statistic), for stores and comparisons. */
export function metricKey(
  metric: Pick<MetricSpec, 'namespace' | 'name' | 'dimensions'>,
  resolve: (ref: ResourceRef) => string = (ref) => `{${ref.resource}}`,
): string {
  const dimensions = Object.entries(metric.dimensions)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : resolve(value)}`)
    .sort()
    .join(',');
  return `${metric.namespace}/${metric.name}{${dimensions}}`;
}
