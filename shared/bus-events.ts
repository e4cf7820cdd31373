/**
 * The catalog of events on the project's bus: for each one its source, its detail-type and the
 * shape of its detail, as TypeScript types for code and as a small runtime description for tests
 * (`detailProblems`). Every publisher (the purchase workflow's `PublishXxx` states, the
 * schedule sync, the sweeper, the reconciliation job, the notifier) and every reader (rules,
 * the notifier, the audit trail and its report) names events through this module, and
 * `test/unit/statemachines/contracts.test.ts` checks the workflow's definition, which is data and
 * cannot import it, against it.
 *
 * A detail-type is the event's name, and each names one event: the catalog is keyed by it.
 * Adding an event is adding an entry here; a field that a publisher adds or drops fails the
 * compiler (Lambdas) or the contract test (the workflow).
 *
 * Imports only types and the leaves `shared/executions.ts` and `shared/contacts.ts`, so that domain modules can import it
 * without anything importing them back.
 */
import type { Frequency, PlanStatus } from '#domain/plan.ts';
import type { ReconciliationBreak } from '#domain/reconciliation.ts';
import { HELD_BACK_REASONS, type HeldBackReason } from './contacts.ts';
import { BOUGHT_STATUSES, SKIP_CODES, type SkipCode } from './executions.ts';

/** Every source on the bus: the component that publishes. */
export const EVENT_SOURCE = {
  /** The purchase workflow. */
  purchases: 'savings.purchases',
  /** The sweeper, for slots that never started. */
  scheduler: 'savings.scheduler',
  /** The plans table's stream consumers (schedule sync and resync). */
  plans: 'savings.plans',
  /** The daily exchange reconciliation job. */
  reconciliation: 'savings.reconciliation',
  /** The notifier. */
  notifications: 'savings.notifications',
} as const;

export type EventSource = (typeof EVENT_SOURCE)[keyof typeof EVENT_SOURCE];

/** `PurchaseSucceeded` (source `savings.purchases`), as the purchase workflow publishes it. */
export interface PurchaseSucceededDetail {
  readonly planId: string;
  readonly userId: string;
  /** The slot, an ISO instant in UTC. */
  readonly scheduledFor: string;
  /** PARTIALLY_FILLED: the exchange filled part of the order; the rest was not spent. */
  readonly status: 'FILLED' | 'PARTIALLY_FILLED';
  readonly clientOrderId: string;
  readonly exchangeOrderId: string;
  /** The plan's amount per run, a decimal string ("25.00"). */
  readonly amount: string;
  /** ISO 4217 code. */
  readonly currency: string;
  /** Satoshis bought, a digit string. */
  readonly btcAcquiredSats: string;
  /** Fiat taken, fee included, in minor units, a digit string. */
  readonly spentMinor: string;
  /** The part of `spentMinor` that was the exchange's fee. */
  readonly feeMinor: string;
  /** Fiat per BTC paid, fees excluded, a decimal string. */
  readonly averagePrice: string;
  readonly executionArn: string;
}

/** `PurchaseFailed` (source `savings.purchases`): nothing was bought and nothing was spent. */
export interface PurchaseFailedDetail {
  readonly planId: string;
  readonly userId: string;
  readonly scheduledFor: string;
  readonly clientOrderId: string;
  readonly amount: string;
  readonly currency: string;
  /**
   * A `FailureCode` (`shared/executions.ts`). Typed as a string because readers must also cope
   * with a code newer than themselves (the notifier then shows `failureReason`).
   */
  readonly failureCode: string;
  /** Readable, but may carry an exchange's own wording; shown only for codes the reader does not know. */
  readonly failureReason: string;
  readonly executionArn: string;
}

/**
 * `PurchaseSkipped` (source `savings.purchases`): the decision let the slot go (the plan was
 * paused, deleted or ended, the user skipped the run, purchases are switched off...). Nobody is
 * notified; the audit trail keeps it.
 */
export interface PurchaseSkippedDetail {
  readonly planId: string;
  readonly userId: string;
  readonly scheduledFor: string;
  readonly clientOrderId: string;
  readonly code: SkipCode;
  readonly reason: string;
  readonly executionArn: string;
}

/** What the sweeper did about a missed slot's plan: re-armed it, found it ended, or neither. */
export const MISSED_RUN_ACTIONS = ['REARMED', 'ENDED', 'NONE'] as const;

/** `PlanRunMissed` (source `savings.scheduler`), as the sweeper publishes it. */
export interface PlanRunMissedDetail {
  readonly planId: string;
  readonly userId: string;
  /** The slot that did not start on time; it is recorded SKIPPED and never made up. */
  readonly scheduledFor: string;
  readonly clientOrderId: string;
  readonly amount: string;
  readonly currency: string;
  /** The plan's next run once the sweeper re-armed it, or null. */
  readonly nextRunAt: string | null;
  readonly action: (typeof MISSED_RUN_ACTIONS)[number];
}

/**
 * A plan as a {@link PlanChange} carries it. Optional fields may also arrive as null (the GraphQL
 * shape) rather than absent (the stored shape).
 */
export interface PlanSnapshot {
  readonly amount: string;
  readonly currency: string;
  readonly status: PlanStatus;
  readonly schedule: {
    readonly frequency: Frequency;
    /** `HH:MM`, 24-hour, in `timezone`. */
    readonly timeOfDay: string;
    /** IANA zone name. */
    readonly timezone: string;
    /** ISO, 1 = Monday; WEEKLY and BIWEEKLY only. */
    readonly dayOfWeek?: number | null;
    /** 1..31; MONTHLY only. */
    readonly dayOfMonth?: number | null;
    /** `YYYY-MM-DD`. */
    readonly startDate?: string | null;
    /** `YYYY-MM-DD`. */
    readonly endDate?: string | null;
  };
  readonly nextRunAt?: string | null;
}

/**
 * The changes a `PlanChanged` names. ENDED: the system ended the plan after its last run; the
 * others are the owner's changes.
 */
export const PLAN_CHANGES = [
  'CREATED',
  'UPDATED',
  'PAUSED',
  'RESUMED',
  'SKIPPED',
  'DELETED',
  'ENDED',
] as const;

/**
 * A change to a plan, as a message about it needs it. `old` is null for CREATED, `new` is null
 * for DELETED; SKIPPED means the user skipped the plan's next run (`old.nextRunAt`).
 */
export interface PlanChange {
  readonly planId: string;
  readonly userId: string;
  readonly change: (typeof PLAN_CHANGES)[number];
  readonly old: PlanSnapshot | null;
  readonly new: PlanSnapshot | null;
}

/**
 * `PlanChanged` (source `savings.plans`), as the schedule sync publishes it for a change the user
 * made. Published at least once: `planId` + `version` + `change` identify it.
 */
export interface PlanChangedDetail extends PlanChange {
  /** The plan's version after the change (before it, for DELETED). */
  readonly version: number | null;
  /** When the change was written (ISO). */
  readonly changedAt: string;
}

/**
 * `ReconciliationBreak` (source `savings.reconciliation`): one mismatch of one day, as
 * `domain/reconciliation.ts` finds it, with the day and the exchange. `kind` is a `BreakKind`,
 * carried as a string so a reader copes with kinds newer than itself.
 */
export interface ReconciliationBreakDetail extends Omit<ReconciliationBreak, 'kind'> {
  /** The UTC day reconciled, `YYYY-MM-DD`. */
  readonly day: string;
  /** The exchange's name (paper, coinbase, kraken). */
  readonly exchange: string;
  readonly kind: string;
}

/** `ReconciliationCompleted` (source `savings.reconciliation`): a day's summary, after its breaks. */
export interface ReconciliationCompletedDetail {
  readonly day: string;
  readonly exchange: string;
  readonly exchangeOrders: number;
  readonly ledgerEntries: number;
  readonly matched: number;
  /** How many `ReconciliationBreak` events came before this one. */
  readonly breaks: number;
}

/** `NotificationSent` (source `savings.notifications`): one channel's attempt for one event. */
export interface NotificationSentDetail {
  readonly userId: string;
  readonly planId: string | null;
  /** The execution (`<planId>_<scheduledFor>`) the event was about, or null. */
  readonly executionId: string | null;
  readonly scheduledFor: string | null;
  /** A `NotificationEvent` (`domain/notifications.ts`). */
  readonly event: string;
  readonly channel: 'EMAIL' | 'SMS';
  /** HELD_BACK: recorded in the history and not sent, for `reason`. */
  readonly status: 'SENT' | 'FAILED' | 'UNCONFIRMED' | 'HELD_BACK';
  /** Why it was held back (a `HeldBackReason` of `shared/contacts.ts`); null otherwise. */
  readonly reason: HeldBackReason | null;
  /** Stable across redeliveries: `<source event identity>-<channel>`. */
  readonly notificationId: string;
  readonly sourceEventId: string;
  readonly providerMessageId: string | null;
}

/** The detail of every event, by detail-type. */
export interface BusEventDetails {
  PurchaseSucceeded: PurchaseSucceededDetail;
  PurchaseFailed: PurchaseFailedDetail;
  PurchaseSkipped: PurchaseSkippedDetail;
  PlanRunMissed: PlanRunMissedDetail;
  PlanChanged: PlanChangedDetail;
  ReconciliationBreak: ReconciliationBreakDetail;
  ReconciliationCompleted: ReconciliationCompletedDetail;
  NotificationSent: NotificationSentDetail;
}

/** An event's detail-type, which is also its name in the catalog. */
export type DetailType = keyof BusEventDetails;

/** How a detail field is checked at run time. */
export interface FieldShape {
  readonly type: 'string' | 'number' | 'object' | 'array';
  /** Null is allowed as well. */
  readonly nullable?: true;
  /** For strings: the only values allowed. */
  readonly values?: readonly string[];
}

/** One shape per field of `Detail`: no field left out, none added. */
export type DetailShape<Detail> = { readonly [Field in keyof Detail]-?: FieldShape };

/** An entry of the catalog. */
export interface BusEventSpec<Name extends DetailType> {
  readonly source: EventSource;
  readonly detailType: Name;
  readonly detail: DetailShape<BusEventDetails[Name]>;
}

const text: FieldShape = { type: 'string' };
const textOrNull: FieldShape = { type: 'string', nullable: true };
const whole: FieldShape = { type: 'number' };
const oneOf = (values: readonly string[]): FieldShape => ({ type: 'string', values });

/** The catalog: every event on the bus. */
export const BUS_EVENTS: { readonly [Name in DetailType]: BusEventSpec<Name> } = {
  PurchaseSucceeded: {
    source: EVENT_SOURCE.purchases,
    detailType: 'PurchaseSucceeded',
    detail: {
      planId: text,
      userId: text,
      scheduledFor: text,
      status: oneOf(BOUGHT_STATUSES),
      clientOrderId: text,
      exchangeOrderId: text,
      amount: text,
      currency: text,
      btcAcquiredSats: text,
      spentMinor: text,
      feeMinor: text,
      averagePrice: text,
      executionArn: text,
    },
  },
  PurchaseFailed: {
    source: EVENT_SOURCE.purchases,
    detailType: 'PurchaseFailed',
    detail: {
      planId: text,
      userId: text,
      scheduledFor: text,
      clientOrderId: text,
      amount: text,
      currency: text,
      failureCode: text,
      failureReason: text,
      executionArn: text,
    },
  },
  PurchaseSkipped: {
    source: EVENT_SOURCE.purchases,
    detailType: 'PurchaseSkipped',
    detail: {
      planId: text,
      userId: text,
      scheduledFor: text,
      clientOrderId: text,
      code: oneOf(SKIP_CODES),
      reason: text,
      executionArn: text,
    },
  },
  PlanRunMissed: {
    source: EVENT_SOURCE.scheduler,
    detailType: 'PlanRunMissed',
    detail: {
      planId: text,
      userId: text,
      scheduledFor: text,
      clientOrderId: text,
      amount: text,
      currency: text,
      nextRunAt: textOrNull,
      action: oneOf(MISSED_RUN_ACTIONS),
    },
  },
  PlanChanged: {
    source: EVENT_SOURCE.plans,
    detailType: 'PlanChanged',
    detail: {
      planId: text,
      userId: text,
      change: oneOf(PLAN_CHANGES),
      version: { type: 'number', nullable: true },
      changedAt: text,
      old: { type: 'object', nullable: true },
      new: { type: 'object', nullable: true },
    },
  },
  ReconciliationBreak: {
    source: EVENT_SOURCE.reconciliation,
    detailType: 'ReconciliationBreak',
    detail: {
      day: text,
      exchange: text,
      kind: text,
      clientOrderId: text,
      planId: textOrNull,
      userId: textOrNull,
      scheduledFor: textOrNull,
      ledgerStatus: textOrNull,
      exchangeOrderIds: { type: 'array' },
      differences: { type: 'object' },
      message: text,
    },
  },
  ReconciliationCompleted: {
    source: EVENT_SOURCE.reconciliation,
    detailType: 'ReconciliationCompleted',
    detail: {
      day: text,
      exchange: text,
      exchangeOrders: whole,
      ledgerEntries: whole,
      matched: whole,
      breaks: whole,
    },
  },
  NotificationSent: {
    source: EVENT_SOURCE.notifications,
    detailType: 'NotificationSent',
    detail: {
      userId: text,
      planId: textOrNull,
      executionId: textOrNull,
      scheduledFor: textOrNull,
      event: text,
      channel: oneOf(['EMAIL', 'SMS']),
      status: oneOf(['SENT', 'FAILED', 'UNCONFIRMED', 'HELD_BACK']),
      reason: { type: 'string', nullable: true, values: HELD_BACK_REASONS },
      notificationId: text,
      sourceEventId: text,
      providerMessageId: textOrNull,
    },
  },
};

/** Every detail-type, in the catalog's order. */
export const DETAIL_TYPES = Object.keys(BUS_EVENTS) as readonly DetailType[];

/** Whether `value` names an event of the catalog. */
export function isDetailType(value: string): value is DetailType {
  return Object.hasOwn(BUS_EVENTS, value);
}

/** The entry of `PutEvents` that publishes one event (the SDK's `PutEventsRequestEntry`). */
export interface BusEntry {
  readonly EventBusName: string;
  readonly Source: EventSource;
  readonly DetailType: DetailType;
  readonly Detail: string;
}

/** The `PutEvents` entry for `detail`: its source and detail-type come from the catalog. */
export function busEntry<Name extends DetailType>(
  eventBusName: string,
  detailType: Name,
  detail: BusEventDetails[Name],
): BusEntry {
  return {
    EventBusName: eventBusName,
    Source: BUS_EVENTS[detailType].source,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
  };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * What is wrong with an event of this source, detail-type and detail, by the catalog: an unknown
 * event, a source other than the event's, a field missing, extra, of another type or with a value
 * the catalog does not list. Empty when the event matches.
 */
export function detailProblems(source: string, detailType: string, detail: unknown): string[] {
  if (!isDetailType(detailType)) return [`${detailType} is not an event of the catalog`];
  const spec = BUS_EVENTS[detailType];
  const problems: string[] = [];
  if (source !== spec.source)
    problems.push(`${detailType} comes from ${spec.source}, not ${source}`);
  if (typeOf(detail) !== 'object') return [...problems, `${detailType}'s detail is not an object`];
  const fields = detail as Record<string, unknown>;
  const shapes: Readonly<Record<string, FieldShape>> = spec.detail;
  for (const [field, shape] of Object.entries(shapes)) {
    if (!Object.hasOwn(fields, field)) {
      problems.push(`${detailType}.${field} is missing`);
      continue;
    }
    const value = fields[field];
    const actual = typeOf(value);
    if (actual === 'null' && shape.nullable === true) continue;
    if (actual !== shape.type) {
      problems.push(`${detailType}.${field} must be ${shape.type}, not ${actual}`);
    } else if (shape.values !== undefined && !shape.values.includes(value as string)) {
      problems.push(
        `${detailType}.${field} must be one of ${shape.values.join(', ')}, not ${String(value)}`,
      );
    }
  }
  for (const field of Object.keys(fields)) {
    if (!Object.hasOwn(shapes, field))
      problems.push(`${detailType}.${field} is not in the catalog`);
  }
  return problems;
}
