/**
 * The deployment's wiring as data, in one place: every queue, every event source mapping, every
 * recurring job, every bus rule and every function's environment, as a function of the stack's
 * resource names (and, for the environment, its typed config). Two interpreters read it: the
 * Pulumi components in `infra/` turn each entry into resources, and `local/wiring.ts` turns the
 * same entry into an emulated queue, poller, schedule or subscription. A parity test
 * (`test/unit/infra/topology-parity.test.ts`) runs the program under mocks and compares what it
 * registered with these entries, so neither side can drift. Adding a queue is adding an entry.
 *
 * No Pulumi or SDK import here: values that only a created resource knows (a generated id, a
 * local stand-in's endpoint) are handed in by each side ({@link EnvironmentResources}).
 */
import {
  NOTIFICATIONS_EVENT_PATTERN,
  OUTCOMES_EVENT_PATTERN,
  PLAN_CHANGE_NOTIFICATIONS_EVENT_PATTERN,
} from './events.ts';
import {
  AUDIT_DIGEST_RATE,
  AUDIT_REPORT_RATE,
  CANARY_FUNCTIONS,
  COMPLETER_RATE,
  COMPLETER_SLA_SECONDS,
  FLAGS_MAX_AGE_SECONDS,
  functionSpecs,
  type FunctionSpec,
  RECONCILE_RATE,
  SWEEP_GRACE_SECONDS,
  SWEEP_RATE,
  type FunctionName,
  type FunctionVariable,
} from './functions.ts';
import { LIVE_ALIAS } from './release.ts';
import {
  DEFAULT_NOTIFICATION_SETTINGS,
  type NotificationSettings,
} from './notification-settings.ts';
import type { StackConfig } from './stack-config.ts';
import {
  exchangeStateTable,
  executionsTable,
  idempotencyTable,
  notificationsTable,
  paperOrdersTable,
  plansTable,
  tableName,
} from './tables.ts';

/** Where the stack lives: every physical name and ARN derives from these. */
export interface TopologyNames {
  /** `<project>-<stack>` when deployed; `local` (or a test's own prefix) locally. */
  readonly prefix: string;
  readonly region: string;
  readonly accountId: string;
}

const DAY = 24 * 60 * 60;
/** Dead letters wait two weeks, SQS's maximum, for someone to look at them. */
const TWO_WEEKS = 14 * DAY;

/** The queues of the system, by their name without the stack's prefix. */
export type QueueKey =
  | 'purchase-retries'
  | 'purchase-retries-dlq'
  | 'plan-stream-failures'
  | 'plan-stream-failures-dlq'
  | 'notifications'
  | 'notifications-dlq'
  | 'plan-change-notifications'
  | 'plans-dlq'
  | 'audit-dlq'
  | 'slot-outcomes'
  | 'slot-outcomes-dlq'
  | 'email-feedback'
  | 'email-feedback-dlq'
  | 'block-orders'
  | 'block-orders-dlq';

/** The bus rules, by their name without the stack's prefix. */
export type RuleKey =
  'notifications' | 'plan-change-notifications' | 'audit' | 'outcomes' | 'email-feedback';

/**
 * Who may send to a queue: a function (with its own role: SendMessage, an on-failure destination
 * of its asynchronous invocations or of its stream mapping), the purchase state machine, a bus
 * rule (its target or its dead-letter queue), or the Scheduler (a schedule's dead-letter queue).
 * SQS's own redrive from a source queue is not listed: the source's `deadLetter` says it.
 */
export type QueueSender =
  | { readonly function: FunctionName }
  | { readonly stateMachine: 'purchase' }
  | { readonly rule: RuleKey }
  | { readonly scheduler: 'plans' | 'jobs' };

export interface QueueEntry {
  /** The physical queue name. */
  readonly name: string;
  /** A work queue has a consumer; a dead-letter queue waits for a person. */
  readonly kind: 'work' | 'dead-letter';
  readonly messageRetentionSeconds: number;
  /** How long every message waits before it can be received (SQS `DelaySeconds`); absent: 0. */
  readonly delaySeconds?: number;
  /**
   * A work queue's visibility timeout, as a multiple of its consumer's timeout (six, as Lambda's
   * SQS event source recommends: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).
   */
  readonly visibility?: { readonly consumer: FunctionName; readonly consumerTimeouts: number };
  /** Where a message goes after `maxReceiveCount` receives. */
  readonly deadLetter?: { readonly queue: QueueKey; readonly maxReceiveCount: number };
  readonly senders: readonly QueueSender[];
}

interface EventSourceSettings {
  /** The function the mapping invokes. */
  readonly function: FunctionName;
  readonly batchSize: number;
  /** How long the mapping gathers records before invoking; absent: not gathering. */
  readonly maximumBatchingWindowSeconds?: number;
  /** `FunctionResponseTypes: ["ReportBatchItemFailures"]`. */
  readonly reportBatchItemFailures: boolean;
}

/** A Lambda event source mapping on an SQS queue. */
export interface QueueEventSource extends EventSourceSettings {
  readonly kind: 'queue';
  readonly queue: QueueKey;
  /** Concurrent invocations of the mapping at most (`ScalingConfig.MaximumConcurrency`). */
  readonly maximumConcurrency?: number;
}

/** A Lambda event source mapping on a DynamoDB table's stream. */
export interface StreamEventSource extends EventSourceSettings {
  readonly kind: 'stream';
  /** The table (its name in `shared/tables.ts`) whose stream is read. */
  readonly table: typeof plansTable.name;
  readonly startingPosition: 'TRIM_HORIZON';
  readonly bisectBatchOnFunctionError: boolean;
  /** Retries of a failing batch before it goes to the on-failure destination. */
  readonly maximumRetryAttempts: number;
  /** Records older than this are not delivered; they go to the on-failure destination. */
  readonly maximumRecordAgeSeconds: number;
  /** The queue a batch given up on is described to. */
  readonly onFailure: QueueKey;
}

export type EventSourceEntry = QueueEventSource | StreamEventSource;

/** The event source mappings, by the name the deploy gives them. */
export type EventSourceKey =
  | 'plan-sync-stream'
  | 'plan-stream-failures-resync'
  | 'purchase-retries-dispatch'
  | 'notifications-notify'
  | 'plan-change-notifications-notify'
  | 'slot-outcomes-count'
  | 'email-feedback-handle'
  | 'block-orders-work';

/** The functions that run on a recurring schedule. */
export type JobName = 'sweeper' | 'completer' | 'reconcile' | 'audit-digest' | 'audit-report';

export interface JobEntry {
  /** The schedule's expression. */
  readonly expression: string;
  readonly description: string;
  /** The event the function receives. */
  readonly input: string;
  /** The schedule's retries of a delivery that fails, then its dead-letter queue. */
  readonly retryPolicy: {
    readonly maximumEventAgeSeconds: number;
    readonly maximumRetryAttempts: number;
  };
  readonly deadLetterQueue: QueueKey;
  /**
   * The function's asynchronous invocation: Lambda's retries of a run that fails, then its
   * on-failure destination.
   */
  readonly failedRuns: { readonly maximumRetryAttempts: number; readonly onFailure: QueueKey };
}

export interface RuleEntry {
  /** The physical rule name. */
  readonly name: string;
  /**
   * The bus the rule is on: absent, the project's bus; `default`, the account's default bus,
   * where AWS services publish their own events (SES's email events go nowhere else).
   */
  readonly eventBus?: 'default';
  readonly description: string;
  /** An EventBridge pattern of top-level fields with lists of exact values. */
  readonly pattern: Readonly<Record<string, readonly string[]>>;
  /** A queue of the topology, or the audit trail's Firehose stream (`AuditTrail`). */
  readonly target:
    { readonly queue: QueueKey } | { readonly auditStream: string; readonly targetId: string };
  readonly retryPolicy: {
    readonly maximumEventAgeSeconds: number;
    readonly maximumRetryAttempts: number;
  };
  /** Where the rule puts what it could not deliver. */
  readonly deadLetterQueue: QueueKey;
}

/** Physical names of the resources the entries point at. */
export interface ResourceNames {
  readonly prefix: string;
  readonly region: string;
  readonly accountId: string;
  readonly eventBus: string;
  readonly stateMachine: string;
  readonly scheduleGroup: string;
  /** The role the plans' schedules run as, and the one the jobs' schedules run as. */
  readonly schedulerRoles: { readonly plans: string; readonly jobs: string };
  /** The audit trail's Object Lock bucket (global: the account and Region make it unique). */
  readonly auditBucket: string;
}

export interface Topology {
  readonly names: ResourceNames;
  readonly queues: Readonly<Record<QueueKey, QueueEntry>>;
  readonly eventSources: Readonly<Record<EventSourceKey, EventSourceEntry>>;
  readonly jobs: Readonly<Record<JobName, JobEntry>>;
  readonly rules: Readonly<Record<RuleKey, RuleEntry>>;
}

/** The names of the two scheduler roles, known before they exist (the project key names them). */
export function schedulerRoleNames(groupName: string): { plans: string; jobs: string } {
  return { plans: `${groupName}-scheduler`, jobs: `${groupName}-jobs-scheduler` };
}

/**
 * The deployment's queues, event sources, jobs and rules for a stack named by `names`, with its
 * `notifications` settings (the plan-change queue's delay is `coalesceSeconds`).
 */
export function topology(
  names: TopologyNames,
  notifications: Pick<NotificationSettings, 'coalesceSeconds'> = DEFAULT_NOTIFICATION_SETTINGS,
): Topology {
  const { prefix, region, accountId } = names;
  const scheduleGroup = `${prefix}-plans`;
  const deadLetters = (senders: readonly QueueSender[] = []): Omit<QueueEntry, 'name'> => ({
    kind: 'dead-letter',
    messageRetentionSeconds: TWO_WEEKS,
    senders,
  });
  const queues: Record<QueueKey, Omit<QueueEntry, 'name'>> = {
    // Slots that could not be bought yet wait here. Kept longer than any purchase window, so a
    // slot is never dropped before it is final; what keeps failing past 10 receives is parked.
    'purchase-retries': {
      kind: 'work',
      messageRetentionSeconds: 2 * DAY,
      visibility: { consumer: 'retry-dispatcher', consumerTimeouts: 6 },
      deadLetter: { queue: 'purchase-retries-dlq', maxReceiveCount: 10 },
      // The workflow defers a slot; the completer redrives stale runs; the dispatcher re-queues;
      // the block worker releases members it could not buy for in their block (aggregated mode).
      senders: [
        { stateMachine: 'purchase' },
        { function: 'retry-dispatcher' },
        { function: 'completer' },
        { function: 'block-worker' },
      ],
    },
    'purchase-retries-dlq': deadLetters(),
    // Stream batches the schedule sync gave up on (its mapping's on-failure destination):
    // schedule-resync reads them back; what keeps failing past five receives is parked.
    'plan-stream-failures': {
      kind: 'work',
      messageRetentionSeconds: TWO_WEEKS,
      visibility: { consumer: 'schedule-resync', consumerTimeouts: 6 },
      deadLetter: { queue: 'plan-stream-failures-dlq', maxReceiveCount: 5 },
      senders: [{ function: 'schedule-sync' }],
    },
    'plan-stream-failures-dlq': deadLetters(),
    // The notifications rule feeds it (backpressure, retries, dead letters for the notifier).
    notifications: {
      kind: 'work',
      messageRetentionSeconds: 4 * DAY,
      visibility: { consumer: 'notifier', consumerTimeouts: 6 },
      deadLetter: { queue: 'notifications-dlq', maxReceiveCount: 5 },
      senders: [{ rule: 'notifications' }],
    },
    // Also both notification rules' dead-letter queue: events they could not deliver land here.
    'notifications-dlq': deadLetters([
      { rule: 'notifications' },
      { rule: 'plan-change-notifications' },
    ]),
    // Plan changes wait `coalesceSeconds` here before the notifier reads them, so that a burst
    // of changes has settled and only its last change is told (`functions/notifier/coalesce.ts`).
    'plan-change-notifications': {
      kind: 'work',
      messageRetentionSeconds: 4 * DAY,
      delaySeconds: notifications.coalesceSeconds,
      visibility: { consumer: 'notifier', consumerTimeouts: 6 },
      deadLetter: { queue: 'notifications-dlq', maxReceiveCount: 5 },
      senders: [{ rule: 'plan-change-notifications' }],
    },
    // Deliveries the Scheduler gave up on, and job runs that failed (their on-failure destination).
    'plans-dlq': deadLetters([
      { scheduler: 'plans' },
      { scheduler: 'jobs' },
      ...JOB_NAMES.map((job) => ({ function: job })),
    ]),
    // What the audit rule could not put on the stream after a day of retries.
    'audit-dlq': deadLetters([{ rule: 'audit' }]),
    // The outcomes rule feeds it: every slot's final outcome, counted into the SLO's metrics.
    // Four days, as the notifications: a weekend's outage of the consumer loses no count.
    'slot-outcomes': {
      kind: 'work',
      messageRetentionSeconds: 4 * DAY,
      visibility: { consumer: 'slot-outcomes', consumerTimeouts: 6 },
      deadLetter: { queue: 'slot-outcomes-dlq', maxReceiveCount: 5 },
      senders: [{ rule: 'outcomes' }],
    },
    // Also the rule's dead-letter queue, as for the notifications.
    'slot-outcomes-dlq': deadLetters([{ rule: 'outcomes' }]),
    // SES's bounce and complaint events (the email-feedback rule on the default bus). Four days,
    // as the notifications: a weekend's outage of the consumer loses no bounce.
    'email-feedback': {
      kind: 'work',
      messageRetentionSeconds: 4 * DAY,
      visibility: { consumer: 'email-feedback', consumerTimeouts: 6 },
      deadLetter: { queue: 'email-feedback-dlq', maxReceiveCount: 5 },
      senders: [{ rule: 'email-feedback' }],
    },
    // Also the rule's dead-letter queue, as for the notifications.
    'email-feedback-dlq': deadLetters([{ rule: 'email-feedback' }]),
    // Aggregated mode: one message per block (`{ blockId }`, `shared/blocks.ts`), delayed until
    // its window is sealed. The join sends it once per block and execution environment, the
    // completer again for a block whose members went stale, and the worker itself to wait (an
    // open window, an order still open). The worker is idempotent, so a duplicate costs a read.
    // Kept as long as the retries: a block is never dropped before its members are final.
    'block-orders': {
      kind: 'work',
      messageRetentionSeconds: 2 * DAY,
      // Two worker timeouts (30 minutes), not six: a block's message is received by one worker at
      // a time (batch size 1, concurrency 2, no throttling to absorb), and a worker that died
      // mid-block should be retried well inside the purchase window.
      visibility: { consumer: 'block-worker', consumerTimeouts: 2 },
      deadLetter: { queue: 'block-orders-dlq', maxReceiveCount: 10 },
      senders: [
        { function: 'join-block' },
        { function: 'block-worker' },
        { function: 'completer' },
      ],
    },
    'block-orders-dlq': deadLetters(),
  };
  // A day of retries, EventBridge's most; each rule gets its own copy (entries share nothing).
  const everyDay = () => ({ maximumEventAgeSeconds: DAY, maximumRetryAttempts: 185 });
  const job = (expression: string, description: string): JobEntry => ({
    expression,
    description,
    input: '{}',
    retryPolicy: { maximumEventAgeSeconds: 300, maximumRetryAttempts: 2 },
    deadLetterQueue: 'plans-dlq',
    failedRuns: { maximumRetryAttempts: 2, onFailure: 'plans-dlq' },
  });
  return {
    names: {
      prefix,
      region,
      accountId,
      eventBus: `${prefix}-events`,
      stateMachine: `${prefix}-purchase`,
      scheduleGroup,
      schedulerRoles: schedulerRoleNames(scheduleGroup),
      auditBucket: `${prefix}-audit-${accountId}-${region}`,
    },
    queues: Object.fromEntries(
      Object.entries(queues).map(([key, entry]) => [key, { name: `${prefix}-${key}`, ...entry }]),
    ) as Record<QueueKey, QueueEntry>,
    eventSources: {
      // The plans table's stream keeps each plan's schedule in step with the plan.
      'plan-sync-stream': {
        kind: 'stream',
        table: plansTable.name,
        function: 'schedule-sync',
        startingPosition: 'TRIM_HORIZON',
        batchSize: 100,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 5,
        maximumRecordAgeSeconds: 6 * 60 * 60,
        onFailure: 'plan-stream-failures',
      },
      // The stream's failed batches, read back one at a time (the sweeper syncs what it lost).
      'plan-stream-failures-resync': {
        kind: 'queue',
        queue: 'plan-stream-failures',
        function: 'schedule-resync',
        batchSize: 1,
        reportBatchItemFailures: true,
        maximumConcurrency: functionSpecs['schedule-resync'].reservedConcurrency,
      },
      // The retry queue restarts slots; at most five dispatchers at once: the queue is the
      // backpressure.
      'purchase-retries-dispatch': {
        kind: 'queue',
        queue: 'purchase-retries',
        function: 'retry-dispatcher',
        batchSize: 10,
        maximumBatchingWindowSeconds: 5,
        reportBatchItemFailures: true,
        maximumConcurrency: 5,
      },
      // The notifier: partial batch failures; the queue's redrive parks what keeps failing. Its
      // two mappings share its reserved concurrency (more would be throttled, and a throttled
      // batch counts as a receive): plan changes, already delayed, get SQS's minimum of 2.
      'notifications-notify': {
        kind: 'queue',
        queue: 'notifications',
        function: 'notifier',
        batchSize: 10,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
        maximumConcurrency: functionSpecs.notifier.reservedConcurrency - 2,
      },
      // The plan changes, once their delay is over.
      'plan-change-notifications-notify': {
        kind: 'queue',
        queue: 'plan-change-notifications',
        function: 'notifier',
        batchSize: 10,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
        maximumConcurrency: 2,
      },
      // The outcomes counter: partial batch failures; a batch is a second's events at most.
      'slot-outcomes-count': {
        kind: 'queue',
        queue: 'slot-outcomes',
        function: 'slot-outcomes',
        batchSize: 10,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
        maximumConcurrency: functionSpecs['slot-outcomes'].reservedConcurrency,
      },
      // Bounces and complaints mark addresses undeliverable: partial batch failures, so only an
      // unreadable or failing record comes back (and, after five receives, waits in the DLQ).
      'email-feedback-handle': {
        kind: 'queue',
        queue: 'email-feedback',
        function: 'email-feedback',
        batchSize: 10,
        maximumBatchingWindowSeconds: 1,
        reportBatchItemFailures: true,
        maximumConcurrency: functionSpecs['email-feedback'].reservedConcurrency,
      },
      // One block per invocation: a block is a whole invocation's work (sealing, orders,
      // allocation), and a failing block must not hold another back.
      'block-orders-work': {
        kind: 'queue',
        queue: 'block-orders',
        function: 'block-worker',
        batchSize: 1,
        reportBatchItemFailures: true,
        maximumConcurrency: functionSpecs['block-worker'].reservedConcurrency,
      },
    },
    jobs: {
      sweeper: job(SWEEP_RATE, 'Finds plans whose run was missed and re-arms them'),
      completer: job(COMPLETER_RATE, 'Drives purchase runs stuck past their SLA to a final state'),
      reconcile: job(RECONCILE_RATE, "Matches yesterday's exchange orders against the ledger"),
      'audit-digest': job(
        AUDIT_DIGEST_RATE,
        'Seals each ended day of the audit trail with a signed, chained digest',
      ),
      'audit-report': job(AUDIT_REPORT_RATE, 'Writes the monthly audit report of each ended month'),
    },
    rules: {
      notifications: {
        name: `${prefix}-notifications`,
        description: 'Events a person is told about at once: purchases, failures, missed runs',
        pattern: NOTIFICATIONS_EVENT_PATTERN,
        target: { queue: 'notifications' },
        retryPolicy: everyDay(),
        deadLetterQueue: 'notifications-dlq',
      },
      'plan-change-notifications': {
        name: `${prefix}-plan-change-notifications`,
        description: 'Plan changes a person is told about, after a delay that lets a burst settle',
        pattern: PLAN_CHANGE_NOTIFICATIONS_EVENT_PATTERN,
        target: { queue: 'plan-change-notifications' },
        retryPolicy: everyDay(),
        deadLetterQueue: 'notifications-dlq',
      },
      audit: {
        name: `${prefix}-audit`,
        description: 'Every event of this account, into the immutable audit trail',
        pattern: { account: [accountId] },
        target: { auditStream: `${prefix}-audit`, targetId: 'audit-stream' },
        retryPolicy: everyDay(),
        deadLetterQueue: 'audit-dlq',
      },
      outcomes: {
        name: `${prefix}-outcomes`,
        description:
          'Final outcomes of slots (bought, failed, let go, missed), counted for the SLO',
        pattern: OUTCOMES_EVENT_PATTERN,
        target: { queue: 'slot-outcomes' },
        retryPolicy: everyDay(),
        deadLetterQueue: 'slot-outcomes-dlq',
      },
      // SES publishes a configuration set's events to the default bus only (its EventBridge
      // destination accepts no other bus), so this rule lives there.
      'email-feedback': {
        name: `${prefix}-email-feedback`,
        eventBus: 'default',
        description: 'Bounces and complaints of the notification email (SES), to mark addresses',
        pattern: SES_FEEDBACK_EVENT_PATTERN,
        target: { queue: 'email-feedback' },
        retryPolicy: everyDay(),
        deadLetterQueue: 'email-feedback-dlq',
      },
    },
  };
}

/**
 * SES's email events on the default bus that say an address should get no more mail. The
 * detail-types are SES's own, as listed in "Amazon Simple Email Service events" of the
 * EventBridge events reference: https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html
 */
export const SES_FEEDBACK_EVENT_PATTERN: Readonly<Record<string, readonly string[]>> = {
  source: ['aws.ses'],
  'detail-type': ['Email Bounced', 'Email Complaint Received'],
};

/** The name of the bus a rule is on: `default`, or the project's bus. */
export function ruleEventBusName(topology: Topology, key: RuleKey): string {
  return topology.rules[key].eventBus === 'default' ? 'default' : topology.names.eventBus;
}

/** The recurring jobs, in the order they are declared. */
export const JOB_NAMES: readonly JobName[] = [
  'sweeper',
  'completer',
  'reconcile',
  'audit-digest',
  'audit-report',
];

/** A queue's visibility timeout in seconds; undefined for a dead-letter queue (SQS's default). */
export function visibilityTimeoutSeconds(queue: QueueEntry): number | undefined {
  return queue.visibility === undefined
    ? undefined
    : queue.visibility.consumerTimeouts * functionSpecs[queue.visibility.consumer].timeoutSeconds;
}

/** ARNs of the topology's resources, as AWS forms them. */
export function queueArn(topology: Topology, key: QueueKey): string {
  const { region, accountId } = topology.names;
  return `arn:aws:sqs:${region}:${accountId}:${topology.queues[key].name}`;
}

/** A rule's ARN: a rule on the default bus has no bus in it (`rule/<name>`). */
export function ruleArn(topology: Topology, key: RuleKey): string {
  const { region, accountId } = topology.names;
  const bus = topology.rules[key].eventBus === 'default' ? '' : `${topology.names.eventBus}/`;
  return `arn:aws:events:${region}:${accountId}:rule/${bus}${topology.rules[key].name}`;
}

export function functionName(topology: Topology, name: FunctionName): string {
  return `${topology.names.prefix}-${name}`;
}

export function functionArn(topology: Topology, name: FunctionName): string {
  const { region, accountId } = topology.names;
  return `arn:aws:lambda:${region}:${accountId}:function:${functionName(topology, name)}`;
}

export function stateMachineArn(topology: Topology): string {
  const { region, accountId, stateMachine } = topology.names;
  return `arn:aws:states:${region}:${accountId}:stateMachine:${stateMachine}`;
}

/** Whether a function is released through its `live` alias (`canary: true` in its spec). */
export function isReleased(name: FunctionName): boolean {
  return (functionSpecs[name] as FunctionSpec).canary === true;
}

/**
 * The ARN every caller of a function uses: the `live` alias of a released function (so the
 * release step decides which version runs), the function itself otherwise.
 */
export function functionInvokeArn(topology: Topology, name: FunctionName): string {
  const arn = functionArn(topology, name);
  return isReleased(name) ? `${arn}:${LIVE_ALIAS}` : arn;
}

/**
 * What an event source mapping names as its function: the `live` alias's ARN for a released
 * function (so the release step decides which version consumes), the function's name otherwise.
 */
export function mappingFunction(topology: Topology, name: FunctionName): string {
  return isReleased(name) ? functionInvokeArn(topology, name) : functionName(topology, name);
}

/**
 * The purchase state machine's `live` alias: what the schedules, the retry dispatcher and the
 * redrive start (executions started through it are associated with the version it routes to).
 */
export function stateMachineAliasArn(topology: Topology): string {
  return `${stateMachineArn(topology)}:${LIVE_ALIAS}`;
}

/**
 * A Lambda function ARN without its qualifier (`:live`, `:$LATEST`, `:7`): the function it names.
 * Anything else is returned as it is.
 */
export function unqualifiedFunctionArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length === 8 && parts[2] === 'lambda' && parts[5] === 'function'
    ? parts.slice(0, 7).join(':')
    : arn;
}

/**
 * A state machine ARN without its qualifier (an alias such as `:live`, or a version `:3`).
 * Anything else (an execution's ARN, say) is returned as it is.
 */
export function unqualifiedStateMachineArn(arn: string): string {
  const parts = arn.split(':');
  return parts.length === 8 && parts[2] === 'states' && parts[5] === 'stateMachine'
    ? parts.slice(0, 7).join(':')
    : arn;
}

/** Whether an event matches a rule's pattern (top-level fields, exact values). */
export function ruleMatches(
  rule: RuleEntry,
  event: { readonly source: string; readonly detailType: string; readonly account: string },
): boolean {
  const fields: Record<string, string> = {
    source: event.source,
    'detail-type': event.detailType,
    account: event.account,
  };
  return Object.entries(rule.pattern).every(([field, values]) => {
    const value = fields[field];
    return value !== undefined && values.includes(value);
  });
}

/**
 * What only the created resources know (generated ids: the key, AppConfig, secrets), or, locally,
 * the stand-ins' endpoints. `T` is a string locally and a Pulumi input when deployed.
 */
export interface EnvironmentResources<T> {
  readonly kmsKeyArn: T;
  readonly retryQueueUrl: T;
  /** The `block-orders` queue (aggregated mode's blocks, for the block worker). */
  readonly blockOrdersQueueUrl: T;
  /**
   * The AppConfig application, the main flags' environment and profile, and the emergency stop's
   * environment (no monitors) and profile.
   */
  readonly flags: {
    readonly application: T;
    readonly environment: T;
    readonly profile: T;
    readonly emergencyEnvironment: T;
    readonly emergencyProfile: T;
  };
  /** The exchange's trading and view-only API keys; null for the paper exchange. */
  readonly exchangeSecretArn: T | null;
  readonly readOnlyExchangeSecretArn: T | null;
  readonly auditSigningKeyArn: T;
  /**
   * The End User Messaging SMS protect configuration every text message is sent with (its
   * country rules allow only `notifications.sms.countries`); null where SMS is off.
   */
  readonly smsProtectConfigurationId: T | null;
  /**
   * How the functions reach the exchange: as the stack's config says, or (locally) the paper
   * exchange over HTTP, so faults can be injected on the wire.
   */
  readonly exchange:
    | { readonly kind: 'configured' }
    | { readonly kind: 'paper-http'; readonly url: string; readonly timeoutMs: number };
}

/** The value of every environment variable a function may read, for this stack. */
export function functionVariables<T>(
  topology: Topology,
  config: StackConfig,
  resources: EnvironmentResources<T>,
): Record<FunctionVariable, T | string> {
  const { names } = topology;
  const { prefix } = names;
  const paper = resources.exchange.kind === 'configured' && config.exchange === 'paper';
  const http = resources.exchange.kind === 'paper-http' ? resources.exchange : null;
  return {
    PLANS_TABLE: tableName(prefix, plansTable),
    EXECUTIONS_TABLE: tableName(prefix, executionsTable),
    IDEMPOTENCY_TABLE: tableName(prefix, idempotencyTable),
    SCHEDULE_GROUP: names.scheduleGroup,
    PURCHASE_STATE_MACHINE_ARN: stateMachineAliasArn(topology),
    SCHEDULER_ROLE_ARN: `arn:aws:iam::${names.accountId}:role/${names.schedulerRoles.plans}`,
    SCHEDULE_DLQ_ARN: queueArn(topology, 'plans-dlq'),
    KMS_KEY_ARN: resources.kmsKeyArn,
    EVENT_BUS_NAME: names.eventBus,
    SWEEP_GRACE_SECONDS: String(SWEEP_GRACE_SECONDS),
    EXCHANGE: http === null ? config.exchange : 'paper-http',
    EXCHANGE_API_URL: config.exchangeApiUrl ?? '',
    EXCHANGE_SECRET_ARN: resources.exchangeSecretArn ?? '',
    EXCHANGE_READONLY_SECRET_ARN: resources.readOnlyExchangeSecretArn ?? '',
    EXCHANGE_STATE_TABLE: tableName(prefix, exchangeStateTable),
    EXCHANGE_RATE_LIMIT_PER_SECOND: String(config.exchangeRateLimitPerSecond),
    PAPER_EXCHANGE_URL: http?.url ?? '',
    PAPER_EXCHANGE_TIMEOUT_MS: http === null ? '' : String(http.timeoutMs),
    PAPER_ORDERS_TABLE: paper ? tableName(prefix, paperOrdersTable) : '',
    PAPER_SETTINGS: paper ? JSON.stringify({ prices: config.paperPrices }) : '',
    PURCHASE_WINDOW_SECONDS: String(config.purchaseWindowHours * 3600),
    APPCONFIG_APPLICATION: resources.flags.application,
    APPCONFIG_ENVIRONMENT: resources.flags.environment,
    APPCONFIG_FLAGS_PROFILE: resources.flags.profile,
    APPCONFIG_EMERGENCY_ENVIRONMENT: resources.flags.emergencyEnvironment,
    APPCONFIG_EMERGENCY_PROFILE: resources.flags.emergencyProfile,
    FLAGS_MAX_AGE_SECONDS: String(FLAGS_MAX_AGE_SECONDS),
    RETRY_QUEUE_URL: resources.retryQueueUrl,
    BLOCK_ORDERS_QUEUE_URL: resources.blockOrdersQueueUrl,
    EXECUTION_SETTINGS: JSON.stringify(config.execution),
    COMPLETER_SLA_SECONDS: String(COMPLETER_SLA_SECONDS),
    NOTIFICATIONS_TABLE: tableName(prefix, notificationsTable),
    EMAIL_FROM: config.notificationEmailFrom,
    SMS_ORIGINATION_IDENTITY: config.smsOriginationIdentity ?? '',
    SMS_PROTECT_CONFIGURATION_ID: resources.smsProtectConfigurationId ?? '',
    NOTIFICATION_SETTINGS: JSON.stringify(config.notifications),
    AUDIT_BUCKET: names.auditBucket,
    AUDIT_SIGNING_KEY_ARN: resources.auditSigningKeyArn,
    RELEASED_FUNCTIONS: JSON.stringify(
      Object.fromEntries(CANARY_FUNCTIONS.map((name) => [functionName(topology, name), name])),
    ),
  };
}

/**
 * A function's environment: exactly the variables it declares (`shared/functions.ts`), without
 * those this stack leaves empty (a paper stack has no exchange secret).
 */
export function functionEnvironment<T>(
  name: FunctionName,
  variables: Readonly<Record<FunctionVariable, T | string>>,
): Record<string, T | string> {
  return Object.fromEntries(
    functionSpecs[name].environment
      .map((variable) => [variable, variables[variable]] as const)
      .filter(([, value]) => value !== ''),
  );
}
