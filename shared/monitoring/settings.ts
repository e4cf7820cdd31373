/**
 * How sensitive each kind of alarm is, and who hears about it: the `monitoring` key of a stack's
 * config (`Pulumi.<stack>.yaml`), checked here. Every family has a default taken from AWS's
 * recommended alarms where AWS gives one (`/work/shared/OPERATIONS.md` §1 cites them); a stack
 * overrides only what it needs. Dev may be quieter than prod (longer evaluation, higher
 * thresholds), never blind: a family cannot be switched off.
 */

/** The evaluation settings of one alarm family. */
export interface AlarmTuning {
  /** The value the statistic is compared with (its unit is the family's, see {@link FAMILIES}). */
  readonly threshold: number;
  readonly periodSeconds: number;
  /** N: how many of the latest periods are looked at. */
  readonly evaluationPeriods: number;
  /** M: how many of those N must breach. */
  readonly datapointsToAlarm: number;
}

/** Every alarm family and what its threshold means. */
export const FAMILIES = {
  deadLetters: 'messages visible in a dead-letter queue (alarm above)',
  queueAge:
    "age of a work queue's oldest message as a multiple of its processing budget (alarm above)",
  lambdaErrors: 'function errors per period (alarm above)',
  lambdaThrottles: 'throttled invocations per period (alarm above)',
  lambdaDuration: "p90 duration as a percentage of the function's timeout (alarm above)",
  executionsFailed: 'failed purchase workflow executions per period (alarm above)',
  executionsTimedOut: 'timed-out purchase workflow executions per period (alarm above)',
  executionsThrottled: 'throttled purchase workflow state transitions per period (alarm above)',
  schedulerDropped: 'schedule invocations the Scheduler dropped per period (alarm above)',
  schedulerDeadLetterFailures:
    'schedule invocations that could not reach their dead-letter queue (alarm above)',
  schedulerTargetThrottled: 'schedule invocations throttled by their target (alarm above)',
  ruleFailedInvocations: 'bus rule deliveries that failed permanently (alarm above)',
  ruleDeadLetters: "bus rule deliveries sent to the rule's dead-letter queue (alarm above)",
  firehoseFreshness: 'age in seconds of the oldest audit record not yet in S3 (alarm above)',
  tableThrottles: 'throttled read or write requests of a table per period (alarm above)',
  tableSystemErrors: 'DynamoDB system errors of a table per period (alarm above)',
  api5xx: 'AppSync 5XX responses per period (alarm above)',
  apiLatencyP99: 'AppSync p99 latency in milliseconds (alarm above)',
  apiGraphqlErrors: 'GraphQL errors answered with HTTP 200, per period (alarm above)',
  emailBounceRate: 'SES bounce rate of the notification email, a fraction (alarm above)',
  emailComplaintRate: 'SES complaint rate of the notification email, a fraction (alarm above)',
  missedRuns: 'slots that never started, per period (alarm above)',
  reconciliationBreaks: 'exchange orders that do not match the ledger (alarm above)',
  overspend: 'orders refused because they would spend more than the plan allows (alarm above)',
  breakerOpen: 'exchange calls refused by the open circuit breaker per period (alarm above)',
  failedSlotShare: 'percentage of final slots that ended FAILED (alarm above)',
  slotsNotFinal: 'runs found unfinished past their SLA by the completer (alarm above)',
  eventsNotPublished: 'outcomes recorded whose event could not be published (alarm above)',
  auditTampering:
    'attempts to delete, overwrite or change the retention of audit objects (alarm above)',
  smsSpend:
    "the month's SMS spend as the senders count it, in micro-USD (alarm above notifications.sms.alarmPercent of the spend limit: the threshold comes from there, not from tuning)",
} as const;

export type AlarmFamily = keyof typeof FAMILIES;

const minute = (threshold: number, n: number, m = n): AlarmTuning => ({
  threshold,
  periodSeconds: 60,
  evaluationPeriods: n,
  datapointsToAlarm: m,
});

/**
 * The defaults: AWS's recommended alarms where it has them (Lambda, SQS, DynamoDB, Scheduler:
 * period, M of N), the services' own guidance otherwise (Firehose: freshness beyond the
 * buffering interval; SES: AWS reviews an account at 5 % bounces and 0.1 % complaints, so
 * alarm well before), and "at once" for what moves or loses customers' money.
 */
export const DEFAULT_TUNING: Readonly<Record<AlarmFamily, AlarmTuning>> = {
  deadLetters: minute(0, 1),
  // AWS: 50 % above the maximum expected processing time, 15 of 15 minutes.
  queueAge: minute(1.5, 15),
  lambdaErrors: minute(0, 3),
  lambdaThrottles: minute(0, 5),
  lambdaDuration: minute(80, 15),
  executionsFailed: minute(0, 1),
  executionsTimedOut: minute(0, 1),
  executionsThrottled: minute(0, 5),
  schedulerDropped: minute(0, 1),
  schedulerDeadLetterFailures: minute(0, 15),
  schedulerTargetThrottled: minute(0, 15),
  ruleFailedInvocations: minute(0, 1),
  ruleDeadLetters: minute(0, 1),
  // Firehose buffers up to 15 minutes; older than that means delivery is failing.
  firehoseFreshness: {
    threshold: 900,
    periodSeconds: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
  },
  tableThrottles: minute(0, 5),
  tableSystemErrors: minute(0, 15),
  api5xx: minute(0, 5),
  apiLatencyP99: {
    threshold: 2000,
    periodSeconds: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
  },
  apiGraphqlErrors: {
    threshold: 10,
    periodSeconds: 300,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  },
  emailBounceRate: {
    threshold: 0.02,
    periodSeconds: 3600,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  },
  emailComplaintRate: {
    threshold: 0.0005,
    periodSeconds: 3600,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  },
  missedRuns: minute(0, 1),
  reconciliationBreaks: minute(0, 1),
  overspend: minute(0, 1),
  breakerOpen: minute(0, 1),
  failedSlotShare: { threshold: 5, periodSeconds: 900, evaluationPeriods: 1, datapointsToAlarm: 1 },
  slotsNotFinal: { threshold: 0, periodSeconds: 600, evaluationPeriods: 1, datapointsToAlarm: 1 },
  eventsNotPublished: minute(0, 1),
  auditTampering: minute(0, 1),
  // Published after each SMS: the first period above the line is enough. The threshold is the
  // stack's `notifications.sms` alarm share, set by the catalog.
  smsSpend: { threshold: 0, periodSeconds: 300, evaluationPeriods: 1, datapointsToAlarm: 1 },
};

/** Where alerts go: the two topics' subscriptions. */
export interface AlertSubscriptions {
  /** Addresses subscribed to both topics (SNS asks each to confirm). */
  readonly emails: readonly string[];
  /** An HTTPS endpoint (a pager's) subscribed to the critical topic; null: none. */
  readonly pagerUrl: string | null;
}

export interface MonitoringSettings {
  readonly alerts: AlertSubscriptions;
  readonly tuning: Readonly<Record<AlarmFamily, AlarmTuning>>;
  /**
   * A work queue's processing budget in seconds, by queue key; a queue not listed gets its
   * consumer's retries: visibility timeout times `maxReceiveCount`.
   */
  readonly queueBudgetSeconds: Readonly<Record<string, number>>;
  /** The SLO: the share of slots final within 30 minutes of their time, in percent (e.g. 99.9). */
  readonly sloTargetPercent: number;
  /**
   * Where `docs/runbook.md` is read (the repository's web address of the file): each alarm's
   * description links its section there.
   */
  readonly runbookUrl: string;
}

/** A bad `monitoring` value: the message names the key and what it must be. */
export class MonitoringSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MonitoringSettingsError';
  }
}

/** Until a stack says where the repository is, descriptions name the file in it. */
export const DEFAULT_RUNBOOK_URL = 'docs/runbook.md';

const EMAIL = /^[^\s@<>]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function tuningOf(family: AlarmFamily, value: unknown): AlarmTuning {
  if (!isRecord(value))
    throw new MonitoringSettingsError(`monitoring.tuning.${family} must be a map`);
  const tuning = { ...DEFAULT_TUNING[family], ...value } as Record<string, unknown>;
  const unknown = Object.keys(value).filter((key) => !(key in DEFAULT_TUNING[family]));
  if (unknown.length > 0) {
    throw new MonitoringSettingsError(
      `monitoring.tuning.${family}: unknown key(s) ${unknown.join(', ')} (threshold, periodSeconds, evaluationPeriods, datapointsToAlarm)`,
    );
  }
  const { threshold, periodSeconds, evaluationPeriods, datapointsToAlarm } = tuning;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
    throw new MonitoringSettingsError(
      `monitoring.tuning.${family}.threshold must be a number >= 0`,
    );
  }
  // CloudWatch: 10, 30 or a multiple of 60 seconds; evaluation over at most a day.
  if (
    typeof periodSeconds !== 'number' ||
    !Number.isInteger(periodSeconds) ||
    !(
      periodSeconds === 10 ||
      periodSeconds === 30 ||
      (periodSeconds >= 60 && periodSeconds % 60 === 0)
    )
  ) {
    throw new MonitoringSettingsError(
      `monitoring.tuning.${family}.periodSeconds must be 10, 30 or a multiple of 60`,
    );
  }
  if (
    typeof evaluationPeriods !== 'number' ||
    !Number.isInteger(evaluationPeriods) ||
    evaluationPeriods < 1 ||
    evaluationPeriods * periodSeconds > 86_400
  ) {
    throw new MonitoringSettingsError(
      `monitoring.tuning.${family}.evaluationPeriods must be an integer >= 1, with evaluationPeriods x periodSeconds at most a day`,
    );
  }
  if (
    typeof datapointsToAlarm !== 'number' ||
    !Number.isInteger(datapointsToAlarm) ||
    datapointsToAlarm < 1 ||
    datapointsToAlarm > evaluationPeriods
  ) {
    throw new MonitoringSettingsError(
      `monitoring.tuning.${family}.datapointsToAlarm must be an integer from 1 to evaluationPeriods (${evaluationPeriods})`,
    );
  }
  return { threshold, periodSeconds, evaluationPeriods, datapointsToAlarm };
}

/** Checks the `monitoring` config value (absent: defaults, no subscriptions). */
export function parseMonitoringSettings(raw: unknown): MonitoringSettings {
  const value = raw === undefined || raw === null ? {} : raw;
  if (!isRecord(value)) throw new MonitoringSettingsError('monitoring must be a map');
  const {
    alerts = {},
    tuning = {},
    queueBudgetSeconds = {},
    sloTargetPercent = 99.9,
    runbookUrl = DEFAULT_RUNBOOK_URL,
    ...rest
  } = value;
  if (Object.keys(rest).length > 0) {
    throw new MonitoringSettingsError(
      `monitoring: unknown key(s) ${Object.keys(rest).join(', ')} (alerts, tuning, queueBudgetSeconds, sloTargetPercent, runbookUrl)`,
    );
  }
  if (typeof runbookUrl !== 'string' || !/^(https:\/\/\S+|docs\/runbook\.md)$/.test(runbookUrl)) {
    throw new MonitoringSettingsError(
      'monitoring.runbookUrl must be the https address of docs/runbook.md in the repository',
    );
  }
  if (!isRecord(alerts)) throw new MonitoringSettingsError('monitoring.alerts must be a map');
  const { emails = [], pagerUrl = null } = alerts;
  if (
    !Array.isArray(emails) ||
    !emails.every((email) => typeof email === 'string' && EMAIL.test(email))
  ) {
    throw new MonitoringSettingsError(
      'monitoring.alerts.emails must list email addresses, e.g. [platform-alerts@example.com]',
    );
  }
  if (
    pagerUrl !== null &&
    (typeof pagerUrl !== 'string' || !/^https:\/\/[^\s/]+(\/\S*)?$/.test(pagerUrl))
  ) {
    throw new MonitoringSettingsError(
      "monitoring.alerts.pagerUrl must be an https URL (the pager's SNS integration endpoint)",
    );
  }
  if (!isRecord(tuning)) throw new MonitoringSettingsError('monitoring.tuning must be a map');
  const families = Object.keys(FAMILIES) as AlarmFamily[];
  const unknownFamilies = Object.keys(tuning).filter(
    (key) => !families.includes(key as AlarmFamily),
  );
  if (unknownFamilies.length > 0) {
    throw new MonitoringSettingsError(
      `monitoring.tuning: unknown alarm famil(ies) ${unknownFamilies.join(', ')}; known: ${families.join(', ')}`,
    );
  }
  if (!isRecord(queueBudgetSeconds)) {
    throw new MonitoringSettingsError('monitoring.queueBudgetSeconds must be a map');
  }
  for (const [queue, seconds] of Object.entries(queueBudgetSeconds)) {
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 60) {
      throw new MonitoringSettingsError(
        `monitoring.queueBudgetSeconds.${queue} must be an integer number of seconds >= 60`,
      );
    }
  }
  if (typeof sloTargetPercent !== 'number' || !(sloTargetPercent >= 90 && sloTargetPercent < 100)) {
    throw new MonitoringSettingsError(
      'monitoring.sloTargetPercent must be a number from 90 to below 100',
    );
  }
  return {
    alerts: { emails: emails as string[], pagerUrl: pagerUrl as string | null },
    tuning: Object.fromEntries(
      families.map((family) => [
        family,
        tuning[family] === undefined ? DEFAULT_TUNING[family] : tuningOf(family, tuning[family]),
      ]),
    ) as Record<AlarmFamily, AlarmTuning>,
    queueBudgetSeconds: queueBudgetSeconds as Record<string, number>,
    sloTargetPercent,
    runbookUrl,
  };
}
