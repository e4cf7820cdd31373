/**
 * The purchase ledger's vocabulary, declared once: the statuses an execution (one slot's run)
 * moves through, the codes that say why a run did not buy (or not all of it, or not yet), and the
 * values the purchase workflow branches on between its steps. The workflow's definition
 * (`statemachines/purchase.asl.json`) is data and writes some of these as literals;
 * `test/unit/statemachines/contracts.test.ts` checks every one of them against this module, and the
 * GraphQL schema's `ExecutionStatus` and `failureCode` documentation against it too.
 *
 * A leaf with no imports, so that domain modules, Lambdas and the APPSYNC_JS resolvers all read it.
 */

/** Every status of an execution, in the order a run moves through them. */
export const EXECUTION_STATUS = {
  /** Claimed; no order sent yet (also while waiting to retry). */
  PENDING: 'PENDING',
  /** An order was (or may have been) sent; its outcome is being confirmed. */
  SUBMITTED: 'SUBMITTED',
  FILLED: 'FILLED',
  /** Bought, but less than the amount: the exchange could not fill the whole order. */
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FAILED: 'FAILED',
  SKIPPED: 'SKIPPED',
} as const;

export type ExecutionStatus = (typeof EXECUTION_STATUS)[keyof typeof EXECUTION_STATUS];

/** Every {@link ExecutionStatus}, in the order of {@link EXECUTION_STATUS}. */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  EXECUTION_STATUS.PENDING,
  EXECUTION_STATUS.SUBMITTED,
  EXECUTION_STATUS.FILLED,
  EXECUTION_STATUS.PARTIALLY_FILLED,
  EXECUTION_STATUS.FAILED,
  EXECUTION_STATUS.SKIPPED,
];

/** The statuses of a run that may still move (the `open` index holds exactly these). */
export const OPEN_STATUSES: readonly ExecutionStatus[] = [
  EXECUTION_STATUS.PENDING,
  EXECUTION_STATUS.SUBMITTED,
];

/** The statuses of a run that bought something. */
export const BOUGHT_STATUSES: readonly ExecutionStatus[] = [
  EXECUTION_STATUS.FILLED,
  EXECUTION_STATUS.PARTIALLY_FILLED,
];

/** Why the exchange refused an order (a final failure: nothing was bought, nothing spent). */
export const REJECTION_CODES = [
  'INSUFFICIENT_FUNDS',
  'BELOW_MINIMUM',
  'MARKET_CLOSED',
  'REJECTED',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Why the decision step let a slot go without buying: recorded SKIPPED, nobody is notified. */
export const SKIP_CODES = [
  'PLAN_DELETED',
  'PLAN_PAUSED',
  'PLAN_ENDED',
  'SKIPPED_BY_USER',
  'ALREADY_HANDLED',
  'SCHEDULE_CHANGED',
  'PERIOD_ALREADY_RAN',
  'PURCHASES_DISABLED',
] as const;

export type SkipCode = (typeof SKIP_CODES)[number];

/** Why the decision step refused a slot: recorded FAILED and notified as a failure. */
export const REFUSAL_CODES = ['AMOUNT_ABOVE_LIMIT', 'WINDOW_EXPIRED'] as const;

export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** The codes the decision step answers with, skips and refusals alike. */
export type OutcomeCode = SkipCode | RefusalCode;

/**
 * The codes that are neither the exchange's nor the decision's: a run waiting to retry because
 * the exchange did not answer (the workflow's `ScheduleRetry` state), a partial fill (the
 * place-order step), and a slot that never started on time (the sweeper records it SKIPPED).
 */
export const RUN_CODES = ['EXCHANGE_UNAVAILABLE', 'PARTIAL_FILL', 'RUN_MISSED'] as const;

export type RunCode = (typeof RUN_CODES)[number];

/** Every code an execution's `failureCode` may hold. */
export type FailureCode = RejectionCode | OutcomeCode | RunCode;

/** Every {@link FailureCode}: the ones GraphQL's `Execution.failureCode` documents. */
export const FAILURE_CODES: readonly FailureCode[] = [
  ...REJECTION_CODES,
  ...REFUSAL_CODES,
  ...SKIP_CODES,
  ...RUN_CODES,
];

/** The failure codes by name, for code that writes one. */
export const FAILURE_CODE: { readonly [Code in FailureCode]: Code } = {
  INSUFFICIENT_FUNDS: 'INSUFFICIENT_FUNDS',
  BELOW_MINIMUM: 'BELOW_MINIMUM',
  MARKET_CLOSED: 'MARKET_CLOSED',
  REJECTED: 'REJECTED',
  AMOUNT_ABOVE_LIMIT: 'AMOUNT_ABOVE_LIMIT',
  WINDOW_EXPIRED: 'WINDOW_EXPIRED',
  PLAN_DELETED: 'PLAN_DELETED',
  PLAN_PAUSED: 'PLAN_PAUSED',
  PLAN_ENDED: 'PLAN_ENDED',
  SKIPPED_BY_USER: 'SKIPPED_BY_USER',
  ALREADY_HANDLED: 'ALREADY_HANDLED',
  SCHEDULE_CHANGED: 'SCHEDULE_CHANGED',
  PERIOD_ALREADY_RAN: 'PERIOD_ALREADY_RAN',
  PURCHASES_DISABLED: 'PURCHASES_DISABLED',
  EXCHANGE_UNAVAILABLE: 'EXCHANGE_UNAVAILABLE',
  PARTIAL_FILL: 'PARTIAL_FILL',
  RUN_MISSED: 'RUN_MISSED',
};

/** What the decision step tells the workflow to do (its `BuyOrSkip` state branches on it). */
export const DECISION_ACTIONS = ['BUY', 'SKIP', 'FAIL'] as const;

export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/**
 * What the place-order step answers (the workflow's `OrderOutcome` state branches on it). A fill
 * is recorded with the outcome as the execution's status, so those two are statuses too.
 */
export const ORDER_OUTCOME = {
  FILLED: EXECUTION_STATUS.FILLED,
  PARTIALLY_FILLED: EXECUTION_STATUS.PARTIALLY_FILLED,
  /** The exchange refused the order, or the window closed before it could be sent. */
  REJECTED: 'REJECTED',
  /** Another attempt already finished the run; nothing more to record. */
  ALREADY_RECORDED: 'ALREADY_RECORDED',
} as const;

export type OrderOutcome = (typeof ORDER_OUTCOME)[keyof typeof ORDER_OUTCOME];

/** Every {@link OrderOutcome}. */
export const ORDER_OUTCOMES: readonly OrderOutcome[] = [
  ORDER_OUTCOME.FILLED,
  ORDER_OUTCOME.PARTIALLY_FILLED,
  ORDER_OUTCOME.REJECTED,
  ORDER_OUTCOME.ALREADY_RECORDED,
];
