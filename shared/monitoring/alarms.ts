/**
 * Every alarm of a stack, as data, derived from the topology (`shared/topology.ts`), the function
 * catalog (`shared/functions.ts`), the tables (`shared/tables.ts`) and the stack's monitoring
 * settings: a queue, function, table or rule added there gets its alarms here with no other
 * change. Pulumi creates them (`infra/components/monitoring/`), the local stack evaluates the very
 * same definitions on its clock (`GET /_local/alarms`), the policy pack checks them, and
 * `docs/runbook.md` has a section per {@link AlarmDefinition.runbook}.
 */
import { functionSpecs, COMPLETER_SLA_SECONDS, type FunctionName } from '../functions.ts';
import { tableName, tables, paperOrdersTable, type TableDefinition } from '../tables.ts';
import {
  functionName,
  stateMachineArn,
  visibilityTimeoutSeconds,
  type QueueKey,
  type RuleKey,
  type Topology,
} from '../topology.ts';
import {
  appMetric,
  metricSeries,
  type MetricSpec,
  type Series,
  type Statistic,
} from './metrics.ts';
import {
  CONTEXTS,
  functionContext,
  OUTCOMES_FUNCTION,
  queueContext,
  ruleContext,
  type MonitoringContext,
} from './contexts.ts';
import type { AlarmFamily, AlarmTuning, MonitoringSettings } from './settings.ts';
import { smsAlarmMicroUsd, type SmsSettings } from '../notification-settings.ts';
import type { StackConfig } from '../stack-config.ts';

export { CONTEXTS, OUTCOMES_FUNCTION, type MonitoringContext };

/** Critical alarms page someone; warnings go to the team's queue of things to look at. */
export type Severity = 'critical' | 'warning';

/** What CloudWatch does with periods that have no data. */
export type MissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

/** What an alarm watches: the resource whose section of the runbook explains it. */
export type AlarmSubject =
  | { readonly kind: 'queue'; readonly queue: QueueKey }
  | { readonly kind: 'function'; readonly function: FunctionName }
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'rule'; readonly rule: RuleKey | 'audit-tampering' }
  | { readonly kind: 'state-machine' }
  | { readonly kind: 'scheduler' }
  | { readonly kind: 'audit-stream' }
  | { readonly kind: 'api' }
  | { readonly kind: 'email' }
  | { readonly kind: 'sms' }
  | { readonly kind: 'business' }
  | { readonly kind: 'slo' };

interface AlarmBase {
  /** Stable id within the stack, e.g. `lambda-place-order-errors`. */
  readonly key: string;
  /** The physical alarm name: `<prefix>-<key>`. */
  readonly name: string;
  readonly severity: Severity;
  readonly context: MonitoringContext;
  /** One sentence: what is wrong, for customers' money first. */
  readonly summary: string;
  /** The section of `docs/runbook.md` (its heading's anchor). */
  readonly runbook: string;
  /** Part of the composite "purchases at risk": customers' money is affected. */
  readonly atRisk: boolean;
}

/** An alarm on one series: `statistic > threshold` in M of the last N periods. */
export interface MetricAlarmDefinition extends AlarmBase {
  readonly kind: 'metric';
  readonly family: AlarmFamily | 'slo-burn';
  readonly subject: AlarmSubject;
  readonly series: Series;
  /** Every alarm here fires above its threshold. */
  readonly comparison: 'GreaterThanThreshold';
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly treatMissingData: MissingData;
}

/** An alarm over other alarms: ALARM when any (or all) of them is. */
export interface CompositeAlarmDefinition extends AlarmBase {
  readonly kind: 'composite';
  readonly rule: { readonly op: 'any' | 'all'; readonly of: readonly string[] };
}

export type AlarmDefinition = MetricAlarmDefinition | CompositeAlarmDefinition;

/** The rule that sends attempts on the audit bucket's objects to the critical topic at once. */
export function auditTamperingRuleName(prefix: string): string {
  return `${prefix}-audit-tampering`;
}

/**
 * The metrics the Lambdas emit (Powertools EMF, namespace `SavingsPlanBuy`, dimension `service`
 * = the function's name) and the log metric filters publish, that alarms and dashboards read.
 * The emitters are tested against these names.
 */
export const APP_METRICS = {
  sweeper: { missedRuns: 'MissedRuns' },
  reconcile: { breaks: 'ReconciliationBreaks' },
  'place-order': { overspend: 'OverspendBlocked', breakerOpen: 'BreakerRejections' },
  completer: { staleRuns: 'StaleRuns' },
  [OUTCOMES_FUNCTION]: {
    final: 'SlotsFinal',
    succeeded: 'SlotsSucceeded',
    failed: 'SlotsFailed',
    skipped: 'SlotsSkipped',
    missed: 'SlotsMissed',
    late: 'SlotsFinalLate',
  },
  /** From log metric filters: no `service` dimension. */
  logs: { eventsNotPublished: 'EventsNotPublished', graphqlErrors: 'GraphqlErrors' },
} as const;

/**
 * The month's SMS spend in micro-USD, published by the senders (`functions/lib/send-limits.ts`)
 * after each SMS under the service `sms-budget` rather than a function's name: the notifier and
 * the contacts function share one monthly count. The catalog test holds it to the senders' names.
 */
export const SMS_SPEND_METRIC = { service: 'sms-budget', name: 'SmsSpendMonthToDateMicroUsd' };

/** How late a slot may reach its final status and still count as on time (the SLO). */
export const SLO_FINAL_WITHIN_SECONDS = COMPLETER_SLA_SECONDS;

/**
 * Multi-window, multi-burn-rate alerting on the error budget (Google SRE workbook, "Alerting on
 * SLOs"): each pair fires when both its long and its short window burn faster than `burnRate`
 * times the budget. Windows stay within a day (CloudWatch evaluates at most a day).
 */
export const BURN_RATE_WINDOWS = [
  { key: 'fast', long: 3600, short: 300, burnRate: 14.4, severity: 'critical' },
  { key: 'slow', long: 6 * 3600, short: 1800, burnRate: 6, severity: 'critical' },
  { key: 'steady', long: 24 * 3600, short: 2 * 3600, burnRate: 3, severity: 'warning' },
] as const satisfies readonly {
  key: string;
  long: number;
  short: number;
  burnRate: number;
  severity: Severity;
}[];

/**
 * The functions on the money path whose errors page. Not `place-order`: it throws on purpose to
 * steer the workflow (the exchange unavailable, an unknown outcome, an order not placed), so its
 * errors are a warning; what those mean for money pages through the breaker, the workflow's
 * failures and the share of failed slots.
 */
const MONEY_PATH: readonly FunctionName[] = [
  'schedule-sync',
  'decide',
  'join-block',
  'retry-dispatcher',
];

/** Dead-letter queues whose messages are slots or schedules: customers' purchases. */
const PURCHASE_DEAD_LETTERS: readonly QueueKey[] = [
  'purchase-retries-dlq',
  'plans-dlq',
  'plan-stream-failures-dlq',
  // Blocks of aggregated mode: their members' purchases.
  'block-orders-dlq',
];

function aws(
  namespace: string,
  name: string,
  dimensions: MetricSpec['dimensions'],
  stat: Statistic,
): MetricSpec {
  return { namespace: `AWS/${namespace}`, name, dimensions, stat };
}

/**
 * The stack's tables, as `shared/tables.ts` declares them, and the paper orders table on a paper
 * stack only (`tables` does not list it: the local stack and real-exchange stacks have none).
 */
function stackTables(paper: boolean): readonly TableDefinition[] {
  return paper ? [...tables, paperOrdersTable] : tables;
}

export interface AlarmCatalogOptions {
  /** The stack trades on the paper exchange (it has the paper orders table). */
  readonly paper: boolean;
  /**
   * The stack's SMS settings (`notifications.sms`) when it sends SMS (an origination identity is
   * configured), else null: no SMS, no spend to watch.
   */
  readonly sms: SmsSettings | null;
}

/** {@link AlarmCatalogOptions.sms} of a stack: its SMS settings where it sends SMS. */
export function smsSpendWatched(
  config: Pick<StackConfig, 'smsOriginationIdentity' | 'notifications'>,
): SmsSettings | null {
  return config.smsOriginationIdentity === null ? null : config.notifications.sms;
}

/** Every alarm of the stack, metric alarms first, composites last. */
export function alarmCatalog(
  topology: Topology,
  settings: MonitoringSettings,
  options: AlarmCatalogOptions,
): readonly AlarmDefinition[] {
  const { prefix } = topology.names;
  const alarms: MetricAlarmDefinition[] = [];
  const add = (
    key: string,
    family: AlarmFamily,
    fields: Omit<
      MetricAlarmDefinition,
      | 'kind'
      | 'key'
      | 'name'
      | 'family'
      | 'comparison'
      | keyof AlarmTuning
      | 'treatMissingData'
      | 'atRisk'
    > & { readonly threshold?: number; readonly atRisk?: boolean },
  ) => {
    const tuning = settings.tuning[family];
    alarms.push({
      kind: 'metric',
      key,
      name: `${prefix}-${key}`,
      family,
      comparison: 'GreaterThanThreshold',
      periodSeconds: tuning.periodSeconds,
      evaluationPeriods: tuning.evaluationPeriods,
      datapointsToAlarm: tuning.datapointsToAlarm,
      treatMissingData: 'notBreaching',
      atRisk: false,
      ...fields,
      threshold: fields.threshold ?? tuning.threshold,
    });
  };

  // Queues: a dead letter is a message nobody will process until someone looks.
  for (const [key, queue] of Object.entries(topology.queues) as [
    QueueKey,
    Topology['queues'][QueueKey],
  ][]) {
    const dimensions = { QueueName: queue.name };
    if (queue.kind === 'dead-letter') {
      add(`queue-${key}-dead-letters`, 'deadLetters', {
        severity: 'critical',
        context: queueContext(key),
        subject: { kind: 'queue', queue: key },
        summary: `Messages wait in the dead-letter queue ${queue.name}: work given up on that nobody will retry until someone redrives it.`,
        runbook: 'dead-letters',
        series: metricSeries(
          aws('SQS', 'ApproximateNumberOfMessagesVisible', dimensions, 'Maximum'),
        ),
        atRisk: PURCHASE_DEAD_LETTERS.includes(key),
      });
      continue;
    }
    const visibility = visibilityTimeoutSeconds(queue) ?? 30;
    // A delay queue's messages are that much older before anyone may receive them.
    const budget =
      settings.queueBudgetSeconds[key] ??
      visibility * (queue.deadLetter?.maxReceiveCount ?? 1) + (queue.delaySeconds ?? 0);
    add(`queue-${key}-oldest-message-age`, 'queueAge', {
      severity: 'warning',
      context: queueContext(key),
      subject: { kind: 'queue', queue: key },
      summary: `The oldest message of ${queue.name} has waited longer than its processing budget (${budget} s): its consumer is behind or failing.`,
      runbook: 'queue-age',
      series: metricSeries(aws('SQS', 'ApproximateAgeOfOldestMessage', dimensions, 'Maximum')),
      threshold: Math.round(budget * settings.tuning.queueAge.threshold),
      atRisk: key === 'purchase-retries',
    });
  }

  // Functions: errors, throttles, and a p90 duration close to the timeout.
  for (const [name, spec] of Object.entries(functionSpecs) as [
    FunctionName,
    (typeof functionSpecs)[FunctionName],
  ][]) {
    const dimensions = { FunctionName: functionName(topology, name) };
    const context = functionContext(name);
    const subject: AlarmSubject = { kind: 'function', function: name };
    add(`lambda-${name}-errors`, 'lambdaErrors', {
      severity: MONEY_PATH.includes(name) ? 'critical' : 'warning',
      context,
      subject,
      summary: `${functionName(topology, name)} fails: ${spec.description}.`,
      runbook: 'lambda-errors',
      series: metricSeries(aws('Lambda', 'Errors', dimensions, 'Sum')),
    });
    add(`lambda-${name}-throttles`, 'lambdaThrottles', {
      severity: 'warning',
      context,
      subject,
      summary: `${functionName(topology, name)} is throttled at its reserved concurrency (${spec.reservedConcurrency}).`,
      runbook: 'lambda-throttles',
      series: metricSeries(aws('Lambda', 'Throttles', dimensions, 'Sum')),
    });
    add(`lambda-${name}-duration`, 'lambdaDuration', {
      severity: 'warning',
      context,
      subject,
      summary: `${functionName(topology, name)} runs close to its ${spec.timeoutSeconds} s timeout (p90).`,
      runbook: 'lambda-duration',
      series: metricSeries(aws('Lambda', 'Duration', dimensions, 'p90')),
      threshold: Math.round(
        (spec.timeoutSeconds * 1000 * settings.tuning.lambdaDuration.threshold) / 100,
      ),
    });
  }

  // The purchase workflow. `ExecutionThrottled` is singular: AWS's own name (several libraries
  // spell it ExecutionsThrottled, a metric that does not exist).
  const workflow = { StateMachineArn: stateMachineArn(topology) };
  const stateMachine: AlarmSubject = { kind: 'state-machine' };
  add('purchase-executions-failed', 'executionsFailed', {
    severity: 'critical',
    context: 'purchases',
    subject: stateMachine,
    summary: 'Purchase workflow executions fail: slots may be left unbought or unrecorded.',
    runbook: 'executions-failed',
    series: metricSeries(aws('States', 'ExecutionsFailed', workflow, 'Sum')),
    atRisk: true,
  });
  add('purchase-executions-timed-out', 'executionsTimedOut', {
    severity: 'critical',
    context: 'purchases',
    subject: stateMachine,
    summary: 'Purchase workflow executions time out: a slot stopped mid-way.',
    runbook: 'executions-failed',
    series: metricSeries(aws('States', 'ExecutionsTimedOut', workflow, 'Sum')),
    atRisk: true,
  });
  add('purchase-executions-throttled', 'executionsThrottled', {
    severity: 'warning',
    context: 'purchases',
    subject: stateMachine,
    summary: 'Step Functions throttles the purchase workflow: slots are delayed.',
    runbook: 'executions-throttled',
    series: metricSeries(aws('States', 'ExecutionThrottled', workflow, 'Sum')),
  });

  // The Scheduler (account-wide: its metrics carry no schedule name).
  const scheduler: AlarmSubject = { kind: 'scheduler' };
  add('scheduler-invocations-dropped', 'schedulerDropped', {
    severity: 'critical',
    context: 'scheduling',
    subject: scheduler,
    summary: 'The Scheduler dropped invocations after its retries: a slot or a job never started.',
    runbook: 'scheduler',
    series: metricSeries(aws('Scheduler', 'InvocationDroppedCount', {}, 'Sum')),
    atRisk: true,
  });
  add('scheduler-dead-letter-failures', 'schedulerDeadLetterFailures', {
    severity: 'critical',
    context: 'scheduling',
    subject: scheduler,
    summary:
      'The Scheduler could not put failed invocations in their dead-letter queue: they are lost.',
    runbook: 'scheduler',
    series: metricSeries(aws('Scheduler', 'InvocationsFailedToBeSentToDeadLetterCount', {}, 'Sum')),
    atRisk: true,
  });
  add('scheduler-target-throttled', 'schedulerTargetThrottled', {
    severity: 'warning',
    context: 'scheduling',
    subject: scheduler,
    summary: 'Schedule targets throttle the Scheduler: slots start late.',
    runbook: 'scheduler',
    series: metricSeries(aws('Scheduler', 'TargetErrorThrottledCount', {}, 'Sum')),
  });

  // Bus rules: deliveries that failed for good, and those parked in the rule's dead letters.
  for (const [key, rule] of Object.entries(topology.rules) as [
    RuleKey,
    Topology['rules'][RuleKey],
  ][]) {
    // EventBridge adds the bus to a rule's metrics on custom buses only; on the default bus a
    // rule's metrics carry its name alone. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
    const dimensions: MetricSpec['dimensions'] =
      rule.eventBus === 'default'
        ? { RuleName: rule.name }
        : { EventBusName: topology.names.eventBus, RuleName: rule.name };
    const context = ruleContext(key);
    add(`rule-${key}-failed-invocations`, 'ruleFailedInvocations', {
      severity: 'critical',
      context,
      subject: { kind: 'rule', rule: key },
      summary: `The bus rule ${rule.name} failed to deliver events: ${rule.description.toLowerCase()} are missing downstream.`,
      runbook: 'rule-deliveries',
      series: metricSeries(aws('Events', 'FailedInvocations', dimensions, 'Sum')),
    });
    add(`rule-${key}-dead-letter-invocations`, 'ruleDeadLetters', {
      severity: 'warning',
      context,
      subject: { kind: 'rule', rule: key },
      summary: `The bus rule ${rule.name} sent events to its dead-letter queue.`,
      runbook: 'rule-deliveries',
      series: metricSeries(aws('Events', 'InvocationsSentToDlq', dimensions, 'Sum')),
    });
  }

  // The audit trail's stream, and attempts on the locked bucket.
  const audit = topology.rules.audit.target;
  if ('auditStream' in audit) {
    add('audit-stream-data-freshness', 'firehoseFreshness', {
      severity: 'critical',
      context: 'audit',
      subject: { kind: 'audit-stream' },
      summary: 'Audit records are not reaching the Object Lock bucket: the audit trail is behind.',
      runbook: 'audit-stream',
      series: metricSeries(
        aws(
          'Firehose',
          'DeliveryToS3.DataFreshness',
          { DeliveryStreamName: audit.auditStream },
          'Maximum',
        ),
      ),
    });
  }
  add('audit-bucket-tampering', 'auditTampering', {
    severity: 'critical',
    context: 'audit',
    subject: { kind: 'rule', rule: 'audit-tampering' },
    summary: 'Someone tried to delete, overwrite or change the retention of audit records.',
    runbook: 'audit-tampering',
    series: metricSeries(
      aws('Events', 'MatchedEvents', { RuleName: auditTamperingRuleName(prefix) }, 'Sum'),
    ),
  });

  // Tables: throttles (read and write) and system errors.
  for (const table of stackTables(options.paper)) {
    const dimensions = { TableName: tableName(prefix, table) };
    const subject: AlarmSubject = { kind: 'table', table: table.name };
    const context: MonitoringContext =
      table.name === 'plans'
        ? 'scheduling'
        : table.name === 'notifications'
          ? 'notifications'
          : 'purchases';
    for (const [operation, metric] of [
      ['read', 'ReadThrottleEvents'],
      ['write', 'WriteThrottleEvents'],
    ] as const) {
      add(`table-${table.name}-${operation}-throttles`, 'tableThrottles', {
        severity: 'warning',
        context,
        subject,
        summary: `DynamoDB throttles ${operation}s of ${tableName(prefix, table)}.`,
        runbook: 'table-throttles',
        series: metricSeries(aws('DynamoDB', metric, dimensions, 'Sum')),
      });
    }
    add(`table-${table.name}-system-errors`, 'tableSystemErrors', {
      severity: 'warning',
      context,
      subject,
      summary: `DynamoDB answers requests to ${tableName(prefix, table)} with system errors.`,
      runbook: 'table-system-errors',
      series: metricSeries(aws('DynamoDB', 'SystemErrors', dimensions, 'Sum')),
    });
  }

  // The API.
  const api = { GraphQLAPIId: { resource: 'graphqlApiId' } } as const;
  add('api-5xx-errors', 'api5xx', {
    severity: 'warning',
    context: 'api',
    subject: { kind: 'api' },
    summary: 'The GraphQL API answers with server errors: savers cannot see or change their plans.',
    runbook: 'api',
    series: metricSeries(aws('AppSync', '5XXError', api, 'Sum')),
  });
  add('api-latency-p99', 'apiLatencyP99', {
    severity: 'warning',
    context: 'api',
    subject: { kind: 'api' },
    summary: 'The GraphQL API is slow (p99).',
    runbook: 'api',
    series: metricSeries(aws('AppSync', 'Latency', api, 'p99')),
  });
  add('api-graphql-errors', 'apiGraphqlErrors', {
    severity: 'warning',
    context: 'api',
    subject: { kind: 'api' },
    summary:
      'GraphQL requests fail with errors inside HTTP 200 answers (resolvers or data sources).',
    runbook: 'api',
    series: metricSeries({
      namespace: 'SavingsPlanBuy',
      name: APP_METRICS.logs.graphqlErrors,
      dimensions: {},
      stat: 'Sum',
    }),
  });

  // Email reputation (account-wide): AWS reviews the account at 5 % bounces, 0.1 % complaints.
  add('email-bounce-rate', 'emailBounceRate', {
    severity: 'warning',
    context: 'notifications',
    subject: { kind: 'email' },
    summary: 'Notification email bounces: SES may put the account under review and pause sending.',
    runbook: 'email-reputation',
    series: metricSeries(aws('SES', 'Reputation.BounceRate', {}, 'Maximum')),
  });
  add('email-complaint-rate', 'emailComplaintRate', {
    severity: 'warning',
    context: 'notifications',
    subject: { kind: 'email' },
    summary: 'Recipients mark notification email as spam: SES may pause sending.',
    runbook: 'email-reputation',
    series: metricSeries(aws('SES', 'Reputation.ComplaintRate', {}, 'Maximum')),
  });

  // SMS spend (account-wide in End User Messaging, counted by the senders): the alarm comes
  // before the senders' budget stops SMS and long before the account's enforced limit.
  if (options.sms !== null) {
    add('sms-spend', 'smsSpend', {
      severity: 'critical',
      context: 'notifications',
      subject: { kind: 'sms' },
      summary: `This month's SMS spend passed ${options.sms.alarmPercent} % of the ${options.sms.monthlySpendLimitUsd} USD limit: SMS pumping, or growth the budget must follow; at ${options.sms.budgetPercent} % every SMS is held back.`,
      runbook: 'sms-spend',
      series: metricSeries(appMetric(SMS_SPEND_METRIC.service, SMS_SPEND_METRIC.name, 'Maximum')),
      threshold: smsAlarmMicroUsd(options.sms),
    });
  }

  // The business, from the functions' own metrics.
  const service = (name: FunctionName) => functionName(topology, name);
  const business: AlarmSubject = { kind: 'business' };
  add('business-missed-runs', 'missedRuns', {
    severity: 'critical',
    context: 'scheduling',
    subject: business,
    summary: 'Slots were missed: they never started and will not be bought.',
    runbook: 'missed-runs',
    series: metricSeries(appMetric(service('sweeper'), APP_METRICS.sweeper.missedRuns)),
    atRisk: true,
  });
  add('business-reconciliation-breaks', 'reconciliationBreaks', {
    severity: 'critical',
    context: 'exchange',
    subject: business,
    summary:
      "The exchange's orders and the ledger disagree: money moved that the ledger does not show, or the reverse.",
    runbook: 'reconciliation-breaks',
    series: metricSeries(appMetric(service('reconcile'), APP_METRICS.reconcile.breaks)),
    atRisk: true,
  });
  add('business-overspend', 'overspend', {
    severity: 'critical',
    context: 'exchange',
    subject: business,
    summary: "An order was refused because it would have spent more than the plan's amount.",
    runbook: 'overspend',
    series: metricSeries(appMetric(service('place-order'), APP_METRICS['place-order'].overspend)),
    atRisk: true,
  });
  add('business-breaker-open', 'breakerOpen', {
    severity: 'critical',
    context: 'exchange',
    subject: business,
    summary:
      'The circuit breaker to the exchange is open: purchases wait for the exchange to recover.',
    runbook: 'breaker-open',
    series: metricSeries(appMetric(service('place-order'), APP_METRICS['place-order'].breakerOpen)),
    atRisk: true,
  });
  const outcomes = APP_METRICS[OUTCOMES_FUNCTION];
  const outcome = (name: string) => appMetric(service(OUTCOMES_FUNCTION), name);
  add('business-failed-slot-share', 'failedSlotShare', {
    severity: 'critical',
    context: 'purchases',
    subject: business,
    summary: 'A large share of slots ends FAILED: savers are not getting their purchases.',
    runbook: 'failed-slots',
    series: {
      kind: 'percentage',
      label: 'Slots FAILED (%)',
      numerator: [outcome(outcomes.failed)],
      denominator: [outcome(outcomes.final)],
    },
    atRisk: true,
  });
  add('business-slots-not-final', 'slotsNotFinal', {
    severity: 'critical',
    context: 'purchases',
    subject: business,
    summary: `Runs are unfinished ${SLO_FINAL_WITHIN_SECONDS / 60} minutes after they last moved: the completer is driving them.`,
    runbook: 'slots-not-final',
    series: metricSeries(appMetric(service('completer'), APP_METRICS.completer.staleRuns)),
    atRisk: true,
  });
  add('business-events-not-published', 'eventsNotPublished', {
    severity: 'critical',
    context: 'purchases',
    subject: business,
    summary:
      'Outcomes are in the ledger but their events are not on the bus: no notification, no audit record.',
    runbook: 'events-not-published',
    series: metricSeries({
      namespace: 'SavingsPlanBuy',
      name: APP_METRICS.logs.eventsNotPublished,
      dimensions: {},
      stat: 'Sum',
    }),
  });

  // The SLO: slots final within 30 minutes of their time. Bad: final late, or missed.
  const budgetPercent = 100 - settings.sloTargetPercent;
  const badShare: Series = {
    kind: 'percentage',
    label: `Slots not final within ${SLO_FINAL_WITHIN_SECONDS / 60} min (%)`,
    numerator: [outcome(outcomes.late), outcome(outcomes.missed)],
    denominator: [outcome(outcomes.final), outcome(outcomes.missed)],
  };
  const composites: CompositeAlarmDefinition[] = [];
  for (const window of BURN_RATE_WINDOWS) {
    const windowKeys = (['long', 'short'] as const).map((which) => {
      const seconds = window[which];
      const key = `slo-burn-${window.key}-${seconds >= 3600 ? `${seconds / 3600}h` : `${seconds / 60}m`}`;
      alarms.push({
        kind: 'metric',
        key,
        name: `${prefix}-${key}`,
        family: 'slo-burn',
        severity: 'warning',
        context: 'purchases',
        subject: { kind: 'slo' },
        summary: `Over the last ${seconds >= 3600 ? `${seconds / 3600} h` : `${seconds / 60} min`}, slots miss the SLO ${window.burnRate}x faster than the error budget allows.`,
        runbook: 'slo-burn',
        series: badShare,
        comparison: 'GreaterThanThreshold',
        threshold: Number((window.burnRate * budgetPercent).toFixed(4)),
        periodSeconds: seconds,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
        atRisk: false,
      });
      return key;
    });
    composites.push({
      kind: 'composite',
      key: `slo-burn-${window.key}`,
      name: `${prefix}-slo-burn-${window.key}`,
      severity: window.severity,
      context: 'purchases',
      summary: `The SLO's error budget burns ${window.burnRate}x too fast over both windows: at this pace it is spent in ${Math.round(30 / window.burnRate)} days.`,
      runbook: 'slo-burn',
      atRisk: window.key === 'fast',
      rule: { op: 'all', of: windowKeys },
    });
  }
  const atRisk = [...alarms, ...composites]
    .filter((alarm) => alarm.atRisk)
    .map((alarm) => alarm.key);
  composites.push({
    kind: 'composite',
    key: 'purchases-at-risk',
    name: `${prefix}-purchases-at-risk`,
    severity: 'critical',
    context: 'purchases',
    summary: "Customers' money is affected: one or more of the alarms behind it is in ALARM.",
    runbook: 'purchases-at-risk',
    atRisk: false,
    rule: { op: 'any', of: atRisk },
  });
  return [...alarms, ...composites];
}
