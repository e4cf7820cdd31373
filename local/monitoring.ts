/**
 * Monitoring, locally: the metrics the deployed alarms and dashboards read, kept under the names
 * and dimensions they have on AWS (`shared/monitoring/`), the stack's alarm catalog evaluated on
 * the local clock, and the endpoints that show them:
 * - `GET /_local/alarms`: `{"alarms": [{name, state, reason, since, key, kind, severity, summary,
 *   runbook}]}`, the deployed alarm names in the catalog's order;
 * - `GET /_local/dashboards`: `{"dashboards": DashboardDefinition[]}`, the deployed dashboards
 *   with the local values of the resources they refer to;
 * - `POST /_local/metrics/query`: the values of series over periods (see {@link parseMetricsQuery}).
 *
 * Where each metric comes from: the Lambdas' EMF output (their stdout) and `AWS/Lambda`
 * (`LocalLambda`), the queues' depths and ages sampled at each evaluation (`LocalSqs`), the
 * workflow's executions (`LocalStateMachine`; `EventsNotPublished`, a log metric filter on AWS,
 * from the executions that fail with `EventNotPublished`), the Scheduler's dead letters, the bus
 * rules' deliveries, and the GraphQL endpoint's answers. What the local stack cannot produce
 * (DynamoDB throttles, SES reputation, Firehose freshness, Step Functions throttling, the audit
 * bucket's tampering rule) has no datapoint, and those alarms stay OK (missing data is not
 * breaching).
 */
import type { FunctionName } from '#shared/functions.ts';
import { alarmCatalog, smsSpendWatched, type AlarmDefinition } from '#shared/monitoring/alarms.ts';
import { dashboardCatalog, type DashboardDefinition } from '#shared/monitoring/dashboards.ts';
import {
  APP_NAMESPACE,
  type MetricSpec,
  type ResourceRef,
  type Series,
} from '#shared/monitoring/metrics.ts';
import { APP_METRICS } from '#shared/monitoring/alarms.ts';
import type { StackConfig } from '#shared/stack-config.ts';
import {
  functionName,
  stateMachineArn,
  type QueueKey,
  type RuleKey,
  type Topology,
} from '#shared/topology.ts';
import { seriesValue } from './services/alarm-evaluation.ts';
import { LocalAlarms, type AlarmRecord } from './services/alarms.ts';
import { isStatistic, LocalMetricStore, type MinuteAggregate } from './services/cloudwatch.ts';
import { parseEmfLine } from './services/emf.ts';
import { BadRequestError, type Routes } from './http.ts';
import type { Journal } from './services/journal.ts';
import type { LambdaObserver } from './services/lambda.ts';
import type { LocalOutbox } from './services/outbox.ts';
import type { DeadLetter } from './services/scheduler.ts';
import type { LocalSqs } from './services/sqs.ts';
import type { ExecutionObserver } from './services/stepfunctions.ts';
import type { RuleOutcome } from './wiring.ts';

/** The local AppSync API's id: the `GraphQLAPIId` dimension of its metrics. */
export const LOCAL_GRAPHQL_API_ID = 'local';

const HOUR = 3_600_000;

/** At most this many periods per query (a week of minutes). */
const MAX_QUERY_PERIODS = 10_080;

export interface LocalMonitoringOptions {
  readonly topology: Topology;
  readonly config: StackConfig;
  /** The local clock, epoch ms. */
  readonly now: () => number;
  /** Opens a service's journal in the data folder (`local/services/journal.ts`). */
  readonly journal: <V>(service: string) => Journal<V>;
  readonly outbox: LocalOutbox;
  readonly sqs: LocalSqs;
}

/** A checked `POST /_local/metrics/query` body. */
export interface MetricsQuery {
  readonly series: readonly Series[];
  readonly periodSeconds: number;
  readonly start: number;
  readonly end: number;
}

/** What `POST /_local/metrics/query` answers. */
export interface MetricsQueryResult {
  readonly start: string;
  readonly end: string;
  readonly periodSeconds: number;
  /** Each period's start, ISO 8601. */
  readonly timestamps: string[];
  /** Per series, a value (or null: no data) per timestamp. */
  readonly values: (number | null)[][];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isResourceRef(value: unknown): value is ResourceRef {
  return isRecord(value) && value.resource === 'graphqlApiId' && Object.keys(value).length === 1;
}

function parseMetric(value: unknown, where: string): MetricSpec {
  if (!isRecord(value)) throw new BadRequestError(`${where} must be a metric object`);
  const { namespace, name, dimensions = {}, stat, label } = value;
  if (typeof namespace !== 'string' || namespace === '') {
    throw new BadRequestError(`${where}.namespace must be a non-empty string`);
  }
  if (typeof name !== 'string' || name === '') {
    throw new BadRequestError(`${where}.name must be a non-empty string`);
  }
  if (
    !isRecord(dimensions) ||
    !Object.values(dimensions).every((each) => typeof each === 'string' || isResourceRef(each))
  ) {
    throw new BadRequestError(
      `${where}.dimensions must map dimension names to strings (or {"resource": "graphqlApiId"})`,
    );
  }
  if (!isStatistic(stat)) {
    throw new BadRequestError(
      `${where}.stat must be Sum, Average, Maximum, Minimum, SampleCount or a percentile such as p90`,
    );
  }
  if (label !== undefined && typeof label !== 'string') {
    throw new BadRequestError(`${where}.label must be a string`);
  }
  return {
    namespace,
    name,
    dimensions: dimensions as MetricSpec['dimensions'],
    stat,
    ...(label === undefined ? {} : { label }),
  };
}

function parseSeries(value: unknown, where: string): Series {
  if (!isRecord(value)) throw new BadRequestError(`${where} must be a series object`);
  if (value.kind === 'metric')
    return { kind: 'metric', metric: parseMetric(value.metric, `${where}.metric`) };
  if (value.kind === 'percentage') {
    const { label, numerator, denominator } = value;
    if (typeof label !== 'string') throw new BadRequestError(`${where}.label must be a string`);
    if (!Array.isArray(numerator) || !Array.isArray(denominator) || denominator.length === 0) {
      throw new BadRequestError(
        `${where}.numerator and ${where}.denominator must be lists of metrics (a denominator of at least one)`,
      );
    }
    return {
      kind: 'percentage',
      label,
      numerator: numerator.map((each, index) => parseMetric(each, `${where}.numerator[${index}]`)),
      denominator: denominator.map((each, index) =>
        parseMetric(each, `${where}.denominator[${index}]`),
      ),
    };
  }
  throw new BadRequestError(`${where}.kind must be "metric" or "percentage"`);
}

function parseInstant(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const instant = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (
    typeof value !== 'string' ||
    Number.isNaN(instant) ||
    !/T.*(Z|[+-]\d{2}:?\d{2})$/.test(value)
  ) {
    throw new BadRequestError(`${name} must be an ISO 8601 timestamp with Z or an offset`);
  }
  return instant;
}

/**
 * Checks a `POST /_local/metrics/query` body: `{"series": Series[], "periodSeconds": n,
 * "start"?: ISO, "end"?: ISO}`, the range defaulting to the last 3 hours before `now`. The
 * period is a whole number of minutes (the local store's resolution).
 */
export function parseMetricsQuery(body: unknown, now: number): MetricsQuery {
  if (!isRecord(body)) {
    throw new BadRequestError(
      'send a JSON object such as {"series": [{"kind": "metric", "metric": {...}}], "periodSeconds": 60}',
    );
  }
  const { series, periodSeconds, start, end, ...unknown } = body;
  if (Object.keys(unknown).length > 0) {
    throw new BadRequestError(
      `unknown field(s): ${Object.keys(unknown).join(', ')} (series, periodSeconds, start, end)`,
    );
  }
  if (!Array.isArray(series) || series.length === 0) {
    throw new BadRequestError('series must be a non-empty list of series');
  }
  if (
    typeof periodSeconds !== 'number' ||
    !Number.isInteger(periodSeconds) ||
    periodSeconds < 60 ||
    periodSeconds % 60 !== 0
  ) {
    throw new BadRequestError('periodSeconds must be a positive multiple of 60');
  }
  const endMs = parseInstant(end, 'end') ?? now;
  const startMs = parseInstant(start, 'start') ?? endMs - 3 * HOUR;
  if (startMs >= endMs) throw new BadRequestError('start must be before end');
  if ((endMs - startMs) / (periodSeconds * 1000) > MAX_QUERY_PERIODS) {
    throw new BadRequestError(
      `the range holds more than ${MAX_QUERY_PERIODS} periods; ask for a longer period or a shorter range`,
    );
  }
  return {
    series: series.map((each, index) => parseSeries(each, `series[${index}]`)),
    periodSeconds,
    start: startMs,
    end: endMs,
  };
}

/** Replaces every {@link ResourceRef} in a definition with its local value. */
function resolveRefs<T>(value: T, resolve: (ref: ResourceRef) => string): T {
  if (isResourceRef(value)) return resolve(value) as T;
  if (Array.isArray(value)) return value.map((each: unknown) => resolveRefs(each, resolve)) as T;
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, each]) => [key, resolveRefs(each, resolve)]),
    ) as T;
  }
  return value;
}

/** The local stack's metrics, alarms and dashboards. */
export class LocalMonitoring {
  readonly store: LocalMetricStore;
  readonly alarms: LocalAlarms;
  readonly definitions: readonly AlarmDefinition[];
  readonly dashboards: readonly DashboardDefinition[];
  readonly #options: LocalMonitoringOptions;
  /** Each queue gauge's last recorded value: a gauge at zero is recorded once, not every minute. */
  readonly #gauges = new Map<string, number>();

  constructor(options: LocalMonitoringOptions) {
    this.#options = options;
    const { topology, config } = options;
    const resolve = (ref: ResourceRef) => {
      if (ref.resource === 'graphqlApiId') return LOCAL_GRAPHQL_API_ID;
      throw new Error(`no local value for ${JSON.stringify(ref)}`);
    };
    // The local stack trades on the paper exchange: it has the paper orders table.
    this.definitions = alarmCatalog(topology, config.monitoring, {
      paper: true,
      sms: smsSpendWatched(config),
    });
    this.dashboards = resolveRefs(
      dashboardCatalog(topology, config.monitoring, this.definitions),
      resolve,
    );
    this.store = new LocalMetricStore({
      now: options.now,
      journal: options.journal<MinuteAggregate>('metrics'),
    });
    this.alarms = new LocalAlarms({
      definitions: this.definitions,
      store: this.store,
      resolve,
      outbox: options.outbox,
      emails: config.monitoring.alerts.emails,
      region: topology.names.region,
      runbookUrl: config.monitoring.runbookUrl,
      journal: options.journal<AlarmRecord>('alarms'),
      sample: (instant) => this.#sampleQueues(instant),
    });
  }

  /** Evaluates the alarms up to `instant` (the clock driver's observer). */
  observe(instant: number): void {
    this.alarms.observe(instant);
  }

  #put(
    namespace: string,
    name: string,
    dimensions: Record<string, string>,
    value: number,
    unit: string,
    timestamp = this.#options.now(),
  ): void {
    this.store.put({ namespace, name, dimensions, value, unit, timestamp });
  }

  /** The function's `AWS/Lambda` metrics and its EMF output. */
  lambdaObserver(name: FunctionName): LambdaObserver {
    const dimensions = { FunctionName: functionName(this.#options.topology, name) };
    return {
      invoked: (record) => {
        if (record.throttled) {
          this.#put('AWS/Lambda', 'Throttles', dimensions, 1, 'Count');
          return;
        }
        this.#put('AWS/Lambda', 'Invocations', dimensions, 1, 'Count');
        this.#put('AWS/Lambda', 'Errors', dimensions, record.failed ? 1 : 0, 'Count');
        this.#put('AWS/Lambda', 'Duration', dimensions, record.durationMs, 'Milliseconds');
      },
      stdout: (line) => {
        const datapoints = parseEmfLine(line, this.#options.now());
        if (datapoints === null) return false;
        for (const datapoint of datapoints) this.store.put(datapoint);
        return true;
      },
    };
  }

  /** The workflow's `AWS/States` metrics, and the executions that could not publish their event. */
  get executionObserver(): ExecutionObserver {
    const dimensions = { StateMachineArn: stateMachineArn(this.#options.topology) };
    return {
      started: () => this.#put('AWS/States', 'ExecutionsStarted', dimensions, 1, 'Count'),
      finished: (outcome) => {
        const name = {
          SUCCEEDED: 'ExecutionsSucceeded',
          FAILED: 'ExecutionsFailed',
          ABORTED: 'ExecutionsAborted',
        }[outcome.status];
        this.#put('AWS/States', name, dimensions, 1, 'Count');
        if (outcome.status === 'FAILED' && outcome.error === 'EventNotPublished') {
          // On AWS a metric filter on the workflow's log group counts these.
          this.#put(APP_NAMESPACE, APP_METRICS.logs.eventsNotPublished, {}, 1, 'Count');
        }
      },
    };
  }

  /** A Scheduler delivery that exhausted its retries: sent to its dead letters, or dropped. */
  schedulerDeadLetter(deadLetter: DeadLetter): void {
    this.#put(
      'AWS/Scheduler',
      deadLetter.deadLetterArn === null
        ? 'InvocationDroppedCount'
        : 'InvocationsSentToDeadLetterCount',
      {},
      1,
      'Count',
    );
  }

  /** A bus rule's delivery (`AWS/Events`, by rule and by bus and rule, as EventBridge has them). */
  ruleDelivery(key: RuleKey, outcome: RuleOutcome): void {
    const { topology } = this.#options;
    const rule = topology.rules[key];
    // A rule on the default bus has its metrics by rule name only.
    const sets: Record<string, string>[] = [
      { RuleName: rule.name },
      ...(rule.eventBus === 'default'
        ? []
        : [{ EventBusName: topology.names.eventBus, RuleName: rule.name }]),
    ];
    for (const dimensions of sets) {
      this.#put('AWS/Events', 'MatchedEvents', dimensions, 1, 'Count');
      if (outcome === 'delivered') continue;
      this.#put('AWS/Events', 'FailedInvocations', dimensions, 1, 'Count');
      if (outcome === 'sent-to-dead-letters') {
        this.#put('AWS/Events', 'InvocationsSentToDlq', dimensions, 1, 'Count');
      } else {
        this.#put('AWS/Events', 'InvocationsFailedToBeSentToDlq', dimensions, 1, 'Count');
      }
    }
  }

  /**
   * One answer of the GraphQL endpoint (`AWS/AppSync`); a 200 that carries errors also counts in
   * `GraphqlErrors`, which a metric filter on the API's logs counts on AWS.
   */
  graphqlAnswer(status: number, latencyMs: number, hasErrors: boolean): void {
    const dimensions = { GraphQLAPIId: LOCAL_GRAPHQL_API_ID };
    this.#put('AWS/AppSync', 'Requests', dimensions, 1, 'Count');
    this.#put(
      'AWS/AppSync',
      '4XXError',
      dimensions,
      status >= 400 && status < 500 ? 1 : 0,
      'Count',
    );
    this.#put('AWS/AppSync', '5XXError', dimensions, status >= 500 ? 1 : 0, 'Count');
    this.#put('AWS/AppSync', 'Latency', dimensions, latencyMs, 'Milliseconds');
    if (status === 200 && hasErrors) {
      this.#put(APP_NAMESPACE, APP_METRICS.logs.graphqlErrors, {}, 1, 'Count');
    }
  }

  /**
   * Every queue's depth and the age of its oldest message at `instant` (nothing ran since the
   * last change, so the queue holds what it held then). A gauge that stays at zero is recorded
   * once: an idle queue costs nothing per minute.
   */
  #sampleQueues(instant: number): void {
    const { topology, sqs } = this.#options;
    for (const key of Object.keys(topology.queues) as QueueKey[]) {
      const name = topology.queues[key].name;
      let visible = 0;
      let notVisible = 0;
      let oldest = Number.POSITIVE_INFINITY;
      for (const message of sqs.messages(name)) {
        if (message.visibleAt <= instant) visible += 1;
        else if (message.receiveCount > 0) notVisible += 1;
        oldest = Math.min(oldest, message.sentAt);
      }
      const age =
        oldest === Number.POSITIVE_INFINITY
          ? 0
          : Math.max(0, Math.floor((instant - oldest) / 1000));
      const dimensions = { QueueName: name };
      for (const [metric, value, unit] of [
        ['ApproximateNumberOfMessagesVisible', visible, 'Count'],
        ['ApproximateNumberOfMessagesNotVisible', notVisible, 'Count'],
        ['ApproximateAgeOfOldestMessage', age, 'Seconds'],
      ] as const) {
        const gauge = `${name}/${metric}`;
        const last = this.#gauges.get(gauge);
        if (value === 0 && (last === undefined || last === 0)) continue;
        this.#gauges.set(gauge, value);
        this.#put('AWS/SQS', metric, dimensions, value, unit, instant);
      }
    }
  }

  /** The values of `query`'s series over its periods. */
  query(query: MetricsQuery): MetricsQueryResult {
    const length = query.periodSeconds * 1000;
    const first = Math.floor(query.start / length) * length;
    const starts: number[] = [];
    for (let start = first; start < query.end; start += length) starts.push(start);
    const resolve = (metric: MetricSpec) => ({
      namespace: metric.namespace,
      name: metric.name,
      dimensions: Object.fromEntries(
        Object.entries(metric.dimensions).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : LOCAL_GRAPHQL_API_ID,
        ]),
      ),
    });
    const read = (metric: MetricSpec, stat: MetricSpec['stat'], start: number, end: number) =>
      this.store.statistic(resolve(metric), stat, start, end);
    return {
      start: new Date(query.start).toISOString(),
      end: new Date(query.end).toISOString(),
      periodSeconds: query.periodSeconds,
      timestamps: starts.map((start) => new Date(start).toISOString()),
      values: query.series.map((series) =>
        starts.map((start) => seriesValue(read, series, start, start + length)),
      ),
    };
  }

  /** Registers `GET /_local/alarms`, `GET /_local/dashboards` and `POST /_local/metrics/query`. */
  registerRoutes(routes: Routes): void {
    routes.exact.set('GET /_local/alarms', () => ({
      status: 200,
      body: { alarms: this.alarms.list() },
    }));
    routes.exact.set('GET /_local/dashboards', () => ({
      status: 200,
      body: { dashboards: this.dashboards },
    }));
    routes.exact.set('POST /_local/metrics/query', (request) => ({
      status: 200,
      body: this.query(parseMetricsQuery(request.body, this.#options.now())),
    }));
  }
}
