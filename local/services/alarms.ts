/**
 * CloudWatch alarms, locally: the stack's alarm catalog (`shared/monitoring/alarms.ts`, the very
 * definitions Pulumi deploys) evaluated on the local clock against the local metric store, with
 * each state change sent as the alert email SNS would deliver (`GET /_local/outbox`).
 *
 * CloudWatch evaluates every alarm about once a minute. Locally the clock jumps, so
 * {@link LocalAlarms.observe} evaluates at every minute boundary the clock passed since the last
 * call (nothing ran in between, so what the store holds is what CloudWatch would have read then)
 * and at the instant itself. An alarm whose metrics have not changed since its last evaluation
 * is evaluated again only when its window moved onto or off data, which keeps a simulated day
 * cheap.
 *
 * Deliberately local:
 * - Alerts go to every address of `monitoring.alerts.emails`, or to {@link DEFAULT_ALERT_EMAIL}
 *   when the stack lists none; the pager endpoint is not called.
 * - An email is sent on a change to ALARM and on the change from ALARM back to OK. CloudWatch
 *   also runs the OK action when a new alarm first leaves INSUFFICIENT_DATA for OK; locally that
 *   would be an email per alarm at every start, so it is not sent.
 * - With a journal (the stack's data folder) each alarm's state, reason and since, and the last
 *   instant evaluated, survive a restart; evaluation resumes from that instant.
 */
import { randomUUID } from 'node:crypto';
import type {
  AlarmDefinition,
  CompositeAlarmDefinition,
  MetricAlarmDefinition,
  Severity,
} from '#shared/monitoring/alarms.ts';
import { seriesMetrics, type MetricSpec, type ResourceRef } from '#shared/monitoring/metrics.ts';
import {
  evaluateCompositeAlarm,
  evaluateMetricAlarm,
  periodStarts,
  reasonTimestamp,
  seriesValue,
  UNEVALUATED,
  type AlarmState,
  type AlarmStatus,
  type MetricReader,
} from './alarm-evaluation.ts';
import { metricIdentityKey, type LocalMetricStore, type MetricIdentity } from './cloudwatch.ts';
import { Journal } from './journal.ts';
import type { LocalOutbox } from './outbox.ts';

const MINUTE = 60_000;

/** Where alerts go locally when the stack's config lists no address (a reserved domain). */
export const DEFAULT_ALERT_EMAIL = 'alerts@local.invalid';

/** AWS's display names of the regions, as SNS writes them in an alarm's subject. */
const REGION_NAMES: Readonly<Record<string, string>> = {
  'eu-central-1': 'EU (Frankfurt)',
  'eu-west-1': 'EU (Ireland)',
  'us-east-1': 'US East (N. Virginia)',
};

/** An alarm as `GET /_local/alarms` answers it. */
export interface AlarmView {
  /** The deployed alarm name, `<prefix>-<key>`. */
  readonly name: string;
  readonly state: AlarmState;
  readonly reason: string;
  /** When it entered its state (local clock), ISO 8601. */
  readonly since: string;
  readonly key: string;
  readonly kind: 'metric' | 'composite';
  readonly severity: Severity;
  readonly summary: string;
  /** The runbook section: the stack's runbook URL with the alarm's anchor. */
  readonly runbook: string;
}

/** A change of an alarm's state. */
export interface AlarmTransition {
  readonly key: string;
  readonly name: string;
  readonly from: AlarmState;
  readonly to: AlarmState;
  /** Local clock, ISO 8601. */
  readonly at: string;
}

/** One entry of the alarms' journal. */
export type AlarmRecord =
  | {
      readonly kind: 'alarm';
      readonly state: AlarmState;
      readonly reason: string;
      readonly since: number;
    }
  | { readonly kind: 'evaluated'; readonly at: number };

export interface LocalAlarmsOptions {
  readonly definitions: readonly AlarmDefinition[];
  readonly store: LocalMetricStore;
  /** The local value of a resource the definitions refer to (the AppSync API's id). */
  readonly resolve: (ref: ResourceRef) => string;
  readonly outbox: LocalOutbox;
  /** The alert subscriptions' email addresses (empty: {@link DEFAULT_ALERT_EMAIL}). */
  readonly emails: readonly string[];
  readonly region: string;
  /** `monitoring.runbookUrl`: each alert links its alarm's section. */
  readonly runbookUrl: string;
  readonly journal?: Journal<AlarmRecord>;
  /**
   * Records the gauges (queue depths and ages) as they are at `instant`, before the alarms read
   * them: CloudWatch receives them every minute whatever happens.
   */
  readonly sample?: (instant: number) => void;
}

interface MetricAlarmRuntime {
  readonly definition: MetricAlarmDefinition;
  /** The store's keys of the metrics its series reads. */
  readonly metrics: readonly string[];
  status: AlarmStatus;
  since: number;
  /** The metrics' summed versions when last evaluated (-1: never). */
  seen: number;
  /** The first period's start when last evaluated. */
  windowStart: number;
  /** No period of the window had data when last evaluated. */
  empty: boolean;
}

interface CompositeRuntime {
  readonly definition: CompositeAlarmDefinition;
  status: AlarmStatus;
  since: number;
}

type Runtime = MetricAlarmRuntime | CompositeRuntime;

/** The local alarm runner. */
export class LocalAlarms {
  readonly #options: LocalAlarmsOptions;
  readonly #journal: Journal<AlarmRecord>;
  readonly #alarms: Runtime[] = [];
  readonly #byKey = new Map<string, Runtime>();
  readonly #transitions: AlarmTransition[] = [];
  #evaluatedAt: number | null = null;
  readonly #read: MetricReader;
  /** Evaluations of single metric alarms so far (skipped ones not counted), for benchmarks. */
  evaluations = 0;

  constructor(options: LocalAlarmsOptions) {
    this.#options = options;
    this.#journal = options.journal ?? new Journal();
    const restored = new Map(this.#journal.entries());
    for (const definition of options.definitions) {
      const kept = restored.get(`alarm/${definition.key}`);
      const status: AlarmStatus =
        kept?.kind === 'alarm' ? { state: kept.state, reason: kept.reason } : UNEVALUATED;
      const since = kept?.kind === 'alarm' ? kept.since : Number.NaN;
      const runtime: Runtime =
        definition.kind === 'metric'
          ? {
              definition,
              metrics: seriesMetrics(definition.series).map((metric) =>
                metricIdentityKey(this.#identity(metric)),
              ),
              status,
              since,
              seen: -1,
              windowStart: Number.NaN,
              empty: false,
            }
          : { definition, status, since };
      this.#alarms.push(runtime);
      this.#byKey.set(definition.key, runtime);
    }
    const evaluated = restored.get('evaluated');
    if (evaluated?.kind === 'evaluated') this.#evaluatedAt = evaluated.at;
    this.#read = (metric, stat, start, end) =>
      options.store.statistic(this.#identity(metric), stat, start, end);
  }

  /**
   * Evaluates every alarm at each minute boundary after the last instant evaluated up to
   * `instant`, then at `instant` (again, if it was the last: new data may have arrived).
   */
  observe(instant: number): void {
    const from = this.#evaluatedAt;
    if (from !== null && instant > from) {
      for (let at = Math.floor(from / MINUTE) * MINUTE + MINUTE; at < instant; at += MINUTE) {
        this.#evaluate(at);
      }
    }
    this.#evaluate(Math.max(instant, from ?? instant));
    this.#options.store.flush();
  }

  /** Every alarm, in the catalog's order (metric alarms, then composites). */
  list(): AlarmView[] {
    const base = this.#options.runbookUrl;
    return this.#alarms.map(({ definition, status, since }) => ({
      name: definition.name,
      state: status.state,
      reason: status.reason,
      since: new Date(Number.isNaN(since) ? (this.#evaluatedAt ?? 0) : since).toISOString(),
      key: definition.key,
      kind: definition.kind,
      severity: definition.severity,
      summary: definition.summary,
      runbook: `${base}#${definition.runbook}`,
    }));
  }

  /** Every state change so far (the last 10,000), oldest first. */
  transitions(): readonly AlarmTransition[] {
    return this.#transitions;
  }

  #identity(metric: MetricSpec): MetricIdentity {
    const dimensions: Record<string, string> = {};
    for (const [name, value] of Object.entries(metric.dimensions)) {
      dimensions[name] = typeof value === 'string' ? value : this.#options.resolve(value);
    }
    return { namespace: metric.namespace, name: metric.name, dimensions };
  }

  #evaluate(at: number): void {
    this.#options.sample?.(at);
    for (const runtime of this.#alarms) {
      const next =
        runtime.definition.kind === 'metric'
          ? this.#evaluateMetric(runtime as MetricAlarmRuntime, at)
          : evaluateCompositeAlarm(
              runtime.definition,
              (key) => this.#byKey.get(key)?.status.state ?? 'INSUFFICIENT_DATA',
              (key) => this.#byKey.get(key)?.definition.name ?? key,
            );
      if (next === null) continue;
      this.#settle(runtime, next, at);
    }
    this.#evaluatedAt = at;
    this.#journal.put('evaluated', { kind: 'evaluated', at });
  }

  /** The alarm's new status, or null when nothing it reads can have changed. */
  #evaluateMetric(runtime: MetricAlarmRuntime, at: number): AlarmStatus | null {
    const { definition } = runtime;
    let version = 0;
    let latest = Number.NEGATIVE_INFINITY;
    for (const metric of runtime.metrics) {
      const activity = this.#options.store.activity(metric);
      version += activity?.version ?? 0;
      latest = Math.max(latest, activity?.last ?? latest);
    }
    const length = definition.periodSeconds * 1000;
    const starts = periodStarts(at, definition.periodSeconds, definition.evaluationPeriods);
    const windowStart = starts[0] as number;
    if (
      version === runtime.seen &&
      (windowStart === runtime.windowStart || (runtime.empty && latest < windowStart))
    ) {
      // Same data, and the same window, or a later one that no datapoint reaches: same answer.
      return null;
    }
    const periods = starts.map((start) => ({
      start,
      value: seriesValue(this.#read, definition.series, start, start + length),
    }));
    this.evaluations += 1;
    runtime.seen = version;
    runtime.windowStart = windowStart;
    runtime.empty = periods.every((period) => period.value === null);
    return evaluateMetricAlarm(definition, periods, runtime.status);
  }

  #settle(runtime: Runtime, next: AlarmStatus, at: number): void {
    const previous = runtime.status;
    if (previous.state === next.state && previous.reason === next.reason) return;
    runtime.status = next;
    if (previous.state !== next.state || Number.isNaN(runtime.since)) runtime.since = at;
    const { definition } = runtime;
    this.#journal.put(`alarm/${definition.key}`, {
      kind: 'alarm',
      state: next.state,
      reason: next.reason,
      since: runtime.since,
    });
    if (previous.state === next.state) return;
    this.#transitions.push({
      key: definition.key,
      name: definition.name,
      from: previous.state,
      to: next.state,
      at: new Date(at).toISOString(),
    });
    if (this.#transitions.length > 10_000) this.#transitions.shift();
    if (next.state === 'ALARM' || (previous.state === 'ALARM' && next.state === 'OK')) {
      this.#alert(definition, previous.state, next, at);
    }
  }

  /** The email SNS delivers for an alarm's state change, to every subscribed address. */
  #alert(definition: AlarmDefinition, from: AlarmState, next: AlarmStatus, at: number): void {
    const { region, runbookUrl, emails } = this.#options;
    const regionName = REGION_NAMES[region] ?? region;
    const subject = `${next.state}: "${definition.name}" in ${regionName}`;
    const runbook = `${runbookUrl}#${definition.runbook}`;
    const body = [
      `You are receiving this email because your Amazon CloudWatch Alarm "${definition.name}" in the ${regionName} region has entered the ${next.state} state, because "${next.reason}" at "${reasonTimestamp(at)} UTC".`,
      '',
      definition.summary,
      '',
      `Runbook: ${runbook}`,
      '',
      'Alarm Details:',
      `- Name: ${definition.name}`,
      `- Severity: ${definition.severity}`,
      `- State Change: ${from} -> ${next.state}`,
      `- Reason for State Change: ${next.reason}`,
      `- Timestamp: ${new Date(at).toISOString()}`,
    ].join('\n');
    const messageId = randomUUID();
    for (const to of emails.length > 0 ? emails : [DEFAULT_ALERT_EMAIL]) {
      this.#options.outbox.add({
        channel: 'EMAIL',
        to,
        subject,
        body,
        html: null,
        event: 'AlarmStateChange',
        planId: null,
        executionId: null,
        sentAt: new Date(at).toISOString(),
        messageId,
      });
    }
  }
}
