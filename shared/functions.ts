/**
 * Every Lambda's runtime settings and the configuration it reads, in one place: Pulumi deploys
 * functions with these settings and exactly these environment variables, and the local stack
 * runs them the same way.
 */

/** Every environment variable a function of this system may read. */
export type FunctionVariable =
  | 'PLANS_TABLE'
  | 'EXECUTIONS_TABLE'
  | 'IDEMPOTENCY_TABLE'
  | 'SCHEDULE_GROUP'
  | 'PURCHASE_STATE_MACHINE_ARN'
  | 'SCHEDULER_ROLE_ARN'
  | 'SCHEDULE_DLQ_ARN'
  | 'KMS_KEY_ARN'
  | 'EVENT_BUS_NAME'
  | 'SWEEP_GRACE_SECONDS'
  | 'EXCHANGE'
  | 'EXCHANGE_API_URL'
  | 'EXCHANGE_SECRET_ARN'
  | 'EXCHANGE_READONLY_SECRET_ARN'
  | 'EXCHANGE_STATE_TABLE'
  | 'EXCHANGE_RATE_LIMIT_PER_SECOND'
  | 'PAPER_EXCHANGE_URL'
  | 'PAPER_EXCHANGE_TIMEOUT_MS'
  | 'PAPER_ORDERS_TABLE'
  | 'PAPER_SETTINGS'
  | 'PURCHASE_WINDOW_SECONDS'
  | 'APPCONFIG_APPLICATION'
  | 'APPCONFIG_ENVIRONMENT'
  | 'APPCONFIG_FLAGS_PROFILE'
  | 'APPCONFIG_EMERGENCY_ENVIRONMENT'
  | 'APPCONFIG_EMERGENCY_PROFILE'
  | 'FLAGS_MAX_AGE_SECONDS'
  | 'RETRY_QUEUE_URL'
  | 'BLOCK_ORDERS_QUEUE_URL'
  | 'EXECUTION_SETTINGS'
  | 'COMPLETER_SLA_SECONDS'
  | 'NOTIFICATIONS_TABLE'
  | 'EMAIL_FROM'
  | 'SMS_ORIGINATION_IDENTITY'
  | 'SMS_PROTECT_CONFIGURATION_ID'
  | 'NOTIFICATION_SETTINGS'
  | 'AUDIT_BUCKET'
  | 'AUDIT_SIGNING_KEY_ARN'
  | 'RELEASED_FUNCTIONS';

export interface FunctionSpec {
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Reserved concurrency: bounds what one function can take from the account. */
  readonly reservedConcurrency: number;
  readonly environment: readonly FunctionVariable[];
  /**
   * On the money path: Pulumi publishes a version on every change, callers reach it only through
   * the `live` alias, and the release step shifts the alias gradually (`shared/release.ts`).
   */
  readonly canary?: true;
}

/** What a function that talks to the exchange needs: the adapter, its credentials, the guard. */
const TRADING: readonly FunctionVariable[] = [
  'EXCHANGE',
  'EXCHANGE_API_URL',
  'EXCHANGE_SECRET_ARN',
  'EXCHANGE_STATE_TABLE',
  'EXCHANGE_RATE_LIMIT_PER_SECOND',
  'PAPER_EXCHANGE_URL',
  'PAPER_EXCHANGE_TIMEOUT_MS',
  'PAPER_ORDERS_TABLE',
  'PAPER_SETTINGS',
];

/** What a function that only reads the exchange's orders needs: the view-only key instead. */
const READING: readonly FunctionVariable[] = TRADING.map((variable) =>
  variable === 'EXCHANGE_SECRET_ARN' ? 'EXCHANGE_READONLY_SECRET_ARN' : variable,
);

/** What a function that decides whether a slot buys reads: the feature flags and the emergency stop. */
const DECIDING: readonly FunctionVariable[] = [
  'APPCONFIG_APPLICATION',
  'APPCONFIG_ENVIRONMENT',
  'APPCONFIG_FLAGS_PROFILE',
  'APPCONFIG_EMERGENCY_ENVIRONMENT',
  'APPCONFIG_EMERGENCY_PROFILE',
  'FLAGS_MAX_AGE_SECONDS',
];

const SCHEDULING: readonly FunctionVariable[] = [
  'PLANS_TABLE',
  'SCHEDULE_GROUP',
  'PURCHASE_STATE_MACHINE_ARN',
  'SCHEDULER_ROLE_ARN',
  'SCHEDULE_DLQ_ARN',
  'KMS_KEY_ARN',
];

export const functionSpecs = {
  'schedule-sync': {
    description:
      'Keeps each plan\u2019s EventBridge Scheduler schedule in step with the plan and publishes the user\u2019s plan changes (plans table stream)',
    memoryMb: 512,
    timeoutSeconds: 60,
    reservedConcurrency: 20,
    canary: true,
    environment: [...SCHEDULING, 'EVENT_BUS_NAME'],
  },
  'schedule-resync': {
    description:
      'Re-syncs the plans of stream batches the schedule sync gave up on (plan-stream-failures queue)',
    memoryMb: 512,
    timeoutSeconds: 60,
    reservedConcurrency: 2,
    environment: [...SCHEDULING, 'EVENT_BUS_NAME'],
  },
  sweeper: {
    description:
      'Finds plans whose run was missed, records it and re-arms them; syncs plans the stream missed',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 1,
    environment: [...SCHEDULING, 'EXECUTIONS_TABLE', 'EVENT_BUS_NAME', 'SWEEP_GRACE_SECONDS'],
  },
  decide: {
    description: 'Purchase workflow: decides whether a fired slot buys',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 50,
    canary: true,
    environment: ['PURCHASE_WINDOW_SECONDS', ...DECIDING],
  },
  'place-order': {
    description:
      'Purchase workflow: places the slot\u2019s order exactly once (idempotent per plan and slot)',
    memoryMb: 512,
    timeoutSeconds: 30,
    reservedConcurrency: 50,
    canary: true,
    environment: ['EXECUTIONS_TABLE', 'IDEMPOTENCY_TABLE', 'PURCHASE_WINDOW_SECONDS', ...TRADING],
  },
  // Aggregated mode (`execution.mode: aggregated`): after Decide said BUY, the workflow hands the
  // slot to its market's block for the current window instead of placing an order.
  'join-block': {
    description:
      'Purchase workflow (aggregated mode): joins a decided slot to its market\u2019s block order for the current window, once',
    memoryMb: 256,
    timeoutSeconds: 10,
    // As decide: every slot of a busy minute passes through it once.
    reservedConcurrency: 50,
    canary: true,
    environment: ['EXECUTIONS_TABLE', 'BLOCK_ORDERS_QUEUE_URL', 'EXECUTION_SETTINGS'],
  },
  // Aggregated mode: seals a window's block, decides each member again, places and reads back the
  // block's orders, allocates the fill and records every member (one message per block).
  'block-worker': {
    description:
      'Aggregated mode: seals each window\u2019s block, places its orders exactly once and allocates the fill to its members (block-orders queue)',
    memoryMb: 512,
    // A block of 10,000 members is sealed, ordered and allocated in one invocation; a block that
    // must wait (its window not over, an order still open) re-sends its own message instead.
    timeoutSeconds: 900,
    // Blocks are few (one per market and window): two at once leave the exchange's budget to them.
    reservedConcurrency: 2,
    canary: true,
    environment: [
      'EXECUTIONS_TABLE',
      'PLANS_TABLE',
      'EVENT_BUS_NAME',
      'EXECUTION_SETTINGS',
      'PURCHASE_WINDOW_SECONDS',
      'RETRY_QUEUE_URL',
      'BLOCK_ORDERS_QUEUE_URL',
      ...DECIDING,
      ...TRADING,
    ],
  },
  'retry-dispatcher': {
    description:
      'Restarts purchase runs from the retry queue, with backoff, while the exchange can take them',
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 5,
    canary: true,
    environment: [
      'PURCHASE_STATE_MACHINE_ARN',
      'RETRY_QUEUE_URL',
      'EXCHANGE',
      'EXCHANGE_STATE_TABLE',
    ],
  },
  completer: {
    description:
      'Drives purchase runs stuck past their SLA to a final state (through the retry queue)',
    memoryMb: 256,
    timeoutSeconds: 120,
    reservedConcurrency: 1,
    // A stale member of a block (aggregated mode) is not restarted: its block is sent to the
    // block worker again.
    environment: [
      'EXECUTIONS_TABLE',
      'RETRY_QUEUE_URL',
      'BLOCK_ORDERS_QUEUE_URL',
      'COMPLETER_SLA_SECONDS',
    ],
  },
  reconcile: {
    description: 'Daily: matches the exchange\u2019s orders against the ledger by client order id',
    memoryMb: 512,
    timeoutSeconds: 600,
    reservedConcurrency: 1,
    environment: ['EXECUTIONS_TABLE', 'EVENT_BUS_NAME', ...READING],
  },
  notifier: {
    description:
      'Sends each event by email (SES) and SMS (End User Messaging) as the user prefers, once',
    memoryMb: 512,
    timeoutSeconds: 30,
    reservedConcurrency: 10,
    canary: true,
    environment: [
      'NOTIFICATIONS_TABLE',
      'PLANS_TABLE',
      'EVENT_BUS_NAME',
      'EMAIL_FROM',
      'SMS_ORIGINATION_IDENTITY',
      'SMS_PROTECT_CONFIGURATION_ID',
      'NOTIFICATION_SETTINGS',
    ],
  },
  // AppSync data source of updateNotificationPreferences, verifyContact and resendVerification:
  // issues and checks one-time codes (APPSYNC_JS has no HMAC) and sends the code itself, the
  // only message that goes to a contact before it is verified.
  contacts: {
    description:
      'AppSync data source: sends and checks the one-time codes that verify an email address or phone number',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 10,
    environment: [
      'NOTIFICATIONS_TABLE',
      'EMAIL_FROM',
      'SMS_ORIGINATION_IDENTITY',
      'SMS_PROTECT_CONFIGURATION_ID',
      'NOTIFICATION_SETTINGS',
    ],
  },
  // SES bounce and complaint events (configuration set -> default bus -> email-feedback queue):
  // marks the address undeliverable on the user's preferences.
  'email-feedback': {
    description:
      'Marks an email address undeliverable when SES reports a bounce or complaint for it',
    memoryMb: 256,
    timeoutSeconds: 30,
    // SQS event sources scale to 2 concurrent invocations at least (`MaximumConcurrency`).
    reservedConcurrency: 2,
    // The plans table: the sign-in email (meta item) is the address when none is stored.
    environment: ['NOTIFICATIONS_TABLE', 'PLANS_TABLE'],
  },
  // Reads only its queue: the SLO's metrics come from the events themselves (their time and
  // slot), so it needs no table, no environment and nothing beyond decrypting its messages.
  'slot-outcomes': {
    description:
      'Counts every final outcome of a slot (bus events, slot-outcomes queue) into the SLO\u2019s metrics',
    memoryMb: 256,
    timeoutSeconds: 30,
    // SQS event sources scale to 2 concurrent invocations at least (`MaximumConcurrency`).
    reservedConcurrency: 2,
    environment: [],
  },
  'audit-digest': {
    description: 'Seals each ended day of the audit trail: signed digest chained to the day before',
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 1,
    environment: ['AUDIT_BUCKET', 'AUDIT_SIGNING_KEY_ARN'],
  },
  'audit-report': {
    description: 'Writes the monthly audit report (Markdown and CSV) into the audit bucket',
    memoryMb: 1024,
    timeoutSeconds: 300,
    reservedConcurrency: 1,
    environment: ['AUDIT_BUCKET'],
  },
  calendar: {
    description: 'AppSync data source: where the next run goes when a user skips one',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 10,
    environment: [],
  },
  // previewSchedule has a function of its own: anyone with a token can ask for previews, and a
  // burst of them must not take the calendar's capacity, which skipNextRun needs (a failed skip
  // lets a purchase the user meant to skip go ahead). 20: AppSync runs a request's fields in
  // parallel, so one request at the resolver count limit (20 previews) is served whole; beyond
  // that, previews are throttled, and only previews.
  'schedule-preview': {
    description: 'AppSync data source: the next runs of a schedule, for previews',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 20,
    environment: [],
  },
  // CodeDeploy's BeforeAllowTraffic hook for every released function (`shared/release.ts`). Not
  // released itself: it must work while any other function's release is under way. 5: CodeDeploy
  // runs the hook once per deployment, and the release step starts one per released function.
  'pre-traffic': {
    description:
      'Release hook: invokes the new version of a released function with a harmless request before CodeDeploy shifts traffic to it',
    memoryMb: 256,
    timeoutSeconds: 120,
    reservedConcurrency: 5,
    environment: ['RELEASED_FUNCTIONS'],
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functionSpecs;

/** A function released through its `live` alias (`canary: true`). */
export type CanaryFunction = {
  [Name in FunctionName]: (typeof functionSpecs)[Name] extends { readonly canary: true }
    ? Name
    : never;
}[FunctionName];

/** The functions on the money path, released through their `live` alias, in catalog order. */
export const CANARY_FUNCTIONS = (Object.keys(functionSpecs) as FunctionName[]).filter(
  (name): name is CanaryFunction => (functionSpecs[name] as FunctionSpec).canary === true,
);

/** How long after a slot the sweeper waits before calling it missed (scheduler retries end after 15 minutes). */
export const SWEEP_GRACE_SECONDS = 20 * 60;

/**
 * How long after a change through the API the sweeper syncs a plan's schedule itself when the
 * plans stream's consumer has not (its record failed, or the consumer is behind).
 */
export const SYNC_GRACE_SECONDS = 5 * 60;

/** The sweeper runs this often. */
export const SWEEP_RATE = 'rate(5 minutes)';

/** How long a run may stay unfinished before the completer drives it (retries included). */
export const COMPLETER_SLA_SECONDS = 30 * 60;

/** The completer runs this often. */
export const COMPLETER_RATE = 'rate(10 minutes)';

/** Reconciliation runs once a day, for the previous UTC day. */
export const RECONCILE_RATE = 'rate(1 day)';

/** The audit digest job runs this often; each run seals every day that ended over an hour ago. */
export const AUDIT_DIGEST_RATE = 'rate(1 hour)';

/** The monthly audit report job runs daily and writes the report of each ended month once. */
export const AUDIT_REPORT_RATE = 'rate(1 day)';

/** How long the decision step keeps the feature flags before asking AppConfig again. */
export const FLAGS_MAX_AGE_SECONDS = 30;
