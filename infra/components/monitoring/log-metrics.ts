/**
 * The metrics the alarm catalog reads that no service publishes: log metric filters into the
 * application namespace (`SavingsPlanBuy`, no dimensions, one per matching log event, nothing
 * when nothing matches: the alarms treat missing data as not breaching).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { APP_METRICS } from '#shared/monitoring/alarms.ts';
import { APP_NAMESPACE } from '#shared/monitoring/metrics.ts';

type In<T> = pulumi.Input<T>;

/**
 * An execution of the purchase workflow that ended in its `EventNotPublished` Fail state: the
 * outcome is in the ledger, its event is not on the bus. The state machine logs every history
 * event as JSON (`{"type": "ExecutionFailed", "details": {"error": ..., "cause": ...}, ...}`),
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-log-level-summary
 */
export const EVENTS_NOT_PUBLISHED_PATTERN =
  '{ ($.type = "ExecutionFailed") && ($.details.error = "EventNotPublished") }';

/**
 * A GraphQL field that answered with an error inside an HTTP 200 response. With field logging at
 * ERROR (`graphql-api.ts`) AppSync logs only the fields in error, each entry marked
 * `fieldInError: true` (AppSync's own sample Logs Insights queries count errors this way):
 * https://docs.aws.amazon.com/appsync/latest/devguide/monitoring.html#cwl
 * Not AppSync's enhanced metrics: their `GraphQLError` comes per resolver, data source or
 * operation only (no total for the API to alarm on), must be switched on per resolver, and is
 * billed as custom metrics; the log entries are already written. A field whose request and
 * response functions both ran is logged for each, so the count is of evaluations in error (at
 * most twice the fields): the threshold (`apiGraphqlErrors`) is a rate, tuned for that.
 */
export const GRAPHQL_ERRORS_PATTERN = '{ $.fieldInError IS TRUE }';

export interface LogMetricsArgs {
  /** The purchase workflow's log group (`/aws/vendedlogs/states/<name>`). */
  readonly stateMachineLogGroupName: In<string>;
  /** The API's log group (`/aws/appsync/apis/<id>`). */
  readonly apiLogGroupName: In<string>;
}

/** The log metric filters (type `savings:monitoring:LogMetrics`). */
export class LogMetrics extends pulumi.ComponentResource {
  constructor(name: string, args: LogMetricsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:monitoring:LogMetrics', name, {}, opts);
    const filter = (metric: string, logGroupName: In<string>, pattern: string) =>
      new aws.cloudwatch.LogMetricFilter(
        `${name}-${metric}`,
        {
          name: metric,
          logGroupName,
          pattern,
          metricTransformation: {
            name: metric,
            namespace: APP_NAMESPACE,
            value: '1',
            unit: 'Count',
          },
        },
        { parent: this },
      );
    filter(
      APP_METRICS.logs.eventsNotPublished,
      args.stateMachineLogGroupName,
      EVENTS_NOT_PUBLISHED_PATTERN,
    );
    filter(APP_METRICS.logs.graphqlErrors, args.apiLogGroupName, GRAPHQL_ERRORS_PATTERN);
    this.registerOutputs({});
  }
}
