/**
 * The dashboards as typed definitions: one per bounded context and an overview with the SLO. Each
 * is built from the alarm catalog (every alarm's series is graphed on its context's dashboard,
 * with its threshold) plus the traffic graphs an operator reads first. Pulumi renders them to
 * CloudWatch dashboard bodies (`infra/components/monitoring/`); the local console draws the same
 * definitions with the local metric store.
 */
import { functionSpecs, type FunctionName } from '../functions.ts';
import { functionName, stateMachineArn, type QueueKey, type Topology } from '../topology.ts';
import {
  APP_METRICS,
  CONTEXTS,
  OUTCOMES_FUNCTION,
  SLO_FINAL_WITHIN_SECONDS,
  type AlarmDefinition,
  type MetricAlarmDefinition,
  type MonitoringContext,
} from './alarms.ts';
import { functionContext, queueContext } from './contexts.ts';
import { appMetric, metricSeries, type MetricSpec, type Series } from './metrics.ts';
import type { MonitoringSettings } from './settings.ts';

/** A line graph of one or more series, optionally with an alarm's threshold drawn on it. */
export interface GraphWidget {
  readonly kind: 'graph';
  readonly title: string;
  readonly series: readonly Series[];
  readonly periodSeconds: number;
  /** The alarm whose threshold the graph shows (its key). */
  readonly alarm?: string;
}

/** The latest value of each series over the dashboard's range. */
export interface NumberWidget {
  readonly kind: 'number';
  readonly title: string;
  readonly series: readonly Series[];
  readonly periodSeconds: number;
}

/** The state of a set of alarms. */
export interface AlarmsWidget {
  readonly kind: 'alarms';
  readonly title: string;
  readonly alarms: readonly string[];
}

/** A paragraph of Markdown (what the dashboard shows, where the runbook is). */
export interface TextWidget {
  readonly kind: 'text';
  readonly markdown: string;
}

export type Widget = GraphWidget | NumberWidget | AlarmsWidget | TextWidget;

export interface DashboardDefinition {
  /** `overview` or a context. */
  readonly key: 'overview' | MonitoringContext;
  /** The physical dashboard name: `<prefix>-<key>`. */
  readonly name: string;
  readonly title: string;
  readonly widgets: readonly Widget[];
}

const TITLES: Readonly<Record<DashboardDefinition['key'], string>> = {
  overview: 'Overview: the SLO, its error budget, and what is in alarm',
  api: 'API: the GraphQL contract savers and the frontend use',
  scheduling: 'Scheduling: plans, their schedules, missed runs',
  purchases: 'Purchases: the workflow, retries, outcomes',
  exchange: 'Exchange: orders, the breaker, reconciliation',
  notifications: 'Notifications: email, SMS, the notifier',
  audit: 'Audit: the Object Lock trail, digests and reports',
};

/** Graphs of each context's traffic, besides the alarms' own series. */
function trafficWidgets(topology: Topology, context: MonitoringContext): Widget[] {
  const lambda = (name: FunctionName, metric: string): MetricSpec => ({
    namespace: 'AWS/Lambda',
    name: metric,
    dimensions: { FunctionName: functionName(topology, name) },
    stat: 'Sum',
    label: `${name} ${metric}`,
  });
  const functions = (Object.keys(functionSpecs) as FunctionName[]).filter(
    (name) => functionContext(name) === context,
  );
  const widgets: Widget[] = [];
  if (functions.length > 0) {
    widgets.push({
      kind: 'graph',
      title: 'Invocations and errors',
      periodSeconds: 300,
      series: functions.flatMap((name) => [
        metricSeries(lambda(name, 'Invocations')),
        metricSeries(lambda(name, 'Errors')),
      ]),
    });
  }
  const queues = (Object.keys(topology.queues) as QueueKey[]).filter(
    (key) => queueContext(key) === context,
  );
  if (queues.length > 0) {
    widgets.push({
      kind: 'graph',
      title: 'Messages waiting',
      periodSeconds: 60,
      series: queues.map((key) =>
        metricSeries({
          namespace: 'AWS/SQS',
          name: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: topology.queues[key].name },
          stat: 'Maximum',
          label: key,
        }),
      ),
    });
  }
  if (context === 'purchases') {
    const workflow = { StateMachineArn: stateMachineArn(topology) };
    widgets.push({
      kind: 'graph',
      title: 'Purchase workflow executions',
      periodSeconds: 300,
      series: ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed'].map((name) =>
        metricSeries({ namespace: 'AWS/States', name, dimensions: workflow, stat: 'Sum' }),
      ),
    });
    const outcomes = APP_METRICS[OUTCOMES_FUNCTION];
    widgets.push({
      kind: 'graph',
      title: 'Slot outcomes',
      periodSeconds: 300,
      series: [outcomes.succeeded, outcomes.failed, outcomes.skipped, outcomes.missed].map((name) =>
        metricSeries(appMetric(functionName(topology, OUTCOMES_FUNCTION), name)),
      ),
    });
  }
  return widgets;
}

/** Every dashboard of the stack: the overview first, then one per context. */
export function dashboardCatalog(
  topology: Topology,
  settings: MonitoringSettings,
  alarms: readonly AlarmDefinition[],
): readonly DashboardDefinition[] {
  const { prefix } = topology.names;
  const metricAlarms = alarms.filter(
    (alarm): alarm is MetricAlarmDefinition => alarm.kind === 'metric',
  );
  const slo = metricAlarms.find((alarm) => alarm.family === 'slo-burn');
  const budget = 100 - settings.sloTargetPercent;
  const overview: DashboardDefinition = {
    key: 'overview',
    name: `${prefix}-overview`,
    title: TITLES.overview,
    widgets: [
      {
        kind: 'text',
        markdown: `SLO: slots that reach a final status within ${SLO_FINAL_WITHIN_SECONDS / 60} minutes of their scheduled time >= ${settings.sloTargetPercent} % (error budget ${Number(budget.toFixed(4))} %). Runbook: ${settings.runbookUrl}`,
      },
      {
        kind: 'alarms',
        title: 'Purchases at risk, and the error budget burn',
        alarms: alarms.filter((alarm) => alarm.kind === 'composite').map((alarm) => alarm.key),
      },
      ...(slo === undefined
        ? []
        : [
            {
              kind: 'graph',
              title: `Slots outside the SLO (%), budget ${Number(budget.toFixed(4))} %`,
              periodSeconds: 3600,
              series: [slo.series],
            } satisfies GraphWidget,
            {
              kind: 'number',
              title: 'Slots outside the SLO (%), last 24 hours',
              periodSeconds: 86_400,
              series: [slo.series],
            } satisfies NumberWidget,
          ]),
      {
        kind: 'alarms',
        title: 'Critical alarms',
        alarms: metricAlarms
          .filter((alarm) => alarm.severity === 'critical')
          .map((alarm) => alarm.key),
      },
    ],
  };
  const contexts = CONTEXTS.map((context): DashboardDefinition => {
    const own = metricAlarms.filter(
      (alarm) => alarm.context === context && alarm.family !== 'slo-burn',
    );
    return {
      key: context,
      name: `${prefix}-${context}`,
      title: TITLES[context],
      widgets: [
        { kind: 'alarms', title: 'Alarms', alarms: own.map((alarm) => alarm.key) },
        ...trafficWidgets(topology, context),
        ...own.map((alarm): GraphWidget => ({
          kind: 'graph',
          title: alarm.summary,
          periodSeconds: alarm.periodSeconds,
          series: [alarm.series],
          alarm: alarm.key,
        })),
      ],
    };
  });
  return [overview, ...contexts];
}
