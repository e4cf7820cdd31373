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
  | 'PAPER_EXCHANGE_URL'
  | 'PAPER_ORDERS_TABLE'
  | 'PAPER_SETTINGS';

export interface FunctionSpec {
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Reserved concurrency: bounds what one function can take from the account. */
  readonly reservedConcurrency: number;
  readonly environment: readonly FunctionVariable[];
}

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
      'Keeps each plan\u2019s EventBridge Scheduler schedule in step with the plan (plans table stream)',
    memoryMb: 512,
    timeoutSeconds: 60,
    reservedConcurrency: 20,
    environment: SCHEDULING,
  },
  sweeper: {
    description: 'Finds plans whose run was missed, records it and re-arms them',
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
    environment: [],
  },
  'place-order': {
    description:
      'Purchase workflow: places the slot\u2019s order exactly once (idempotent per plan and slot)',
    memoryMb: 512,
    timeoutSeconds: 30,
    reservedConcurrency: 50,
    environment: [
      'EXECUTIONS_TABLE',
      'IDEMPOTENCY_TABLE',
      'EXCHANGE',
      'PAPER_EXCHANGE_URL',
      'PAPER_ORDERS_TABLE',
      'PAPER_SETTINGS',
    ],
  },
  calendar: {
    description: 'AppSync data source: schedule previews and next runs',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 10,
    environment: [],
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functionSpecs;

/** How long after a slot the sweeper waits before calling it missed (scheduler retries end after 15 minutes). */
export const SWEEP_GRACE_SECONDS = 20 * 60;

/** The sweeper runs this often. */
export const SWEEP_RATE = 'rate(5 minutes)';
