/**
 * The bus's rules, in one place: Pulumi's rules and the local stack's routing use the same
 * patterns, built from the event catalog (`shared/bus-events.ts`).
 */
import { BUS_EVENTS, type DetailType } from './bus-events.ts';

/** An EventBridge pattern of the simple kind used here: top-level fields, lists of exact values. */
export type EventPattern = Readonly<Record<'source' | 'detail-type', readonly string[]>>;

/** The events a person may be told about (the notifier decides by their preferences). */
export const NOTIFYING_EVENTS = [
  'PurchaseSucceeded',
  'PurchaseFailed',
  'PlanRunMissed',
  'PlanChanged',
] as const satisfies readonly DetailType[];

export type NotifyingEvent = (typeof NOTIFYING_EVENTS)[number];

/** The pattern that matches exactly `events`: their sources (each once) and detail-types. */
export function patternOf(events: readonly DetailType[]): EventPattern {
  return {
    source: [...new Set(events.map((name) => BUS_EVENTS[name].source))],
    'detail-type': [...events],
  };
}

/**
 * Plan changes wait out the coalescing delay in their own queue (a burst becomes one message):
 * the plan-change-notifications rule routes them there.
 */
export const DELAYED_NOTIFYING_EVENTS = [
  'PlanChanged',
] as const satisfies readonly NotifyingEvent[];

/**
 * Events a person is told about at once: the notifications rule routes these to the notifier's
 * queue (every notifying event but the delayed ones).
 */
export const NOTIFICATIONS_EVENT_PATTERN: EventPattern = patternOf(
  NOTIFYING_EVENTS.filter(
    (event) => !(DELAYED_NOTIFYING_EVENTS as readonly NotifyingEvent[]).includes(event),
  ),
);

/** Plan changes, for the notifier after `coalesceSeconds`: the plan-change-notifications rule. */
export const PLAN_CHANGE_NOTIFICATIONS_EVENT_PATTERN: EventPattern =
  patternOf(DELAYED_NOTIFYING_EVENTS);

/**
 * Every final outcome of a slot: the workflow's three (the slot was bought, failed or let go) and
 * the sweeper's (the slot never started). The outcomes rule routes these to `slot-outcomes`.
 */
export const OUTCOME_EVENTS = [
  'PurchaseSucceeded',
  'PurchaseFailed',
  'PurchaseSkipped',
  'PlanRunMissed',
] as const satisfies readonly DetailType[];

export type OutcomeEvent = (typeof OUTCOME_EVENTS)[number];

/** Slots' final outcomes: the outcomes rule routes these to the slot-outcomes queue. */
export const OUTCOMES_EVENT_PATTERN: EventPattern = patternOf(OUTCOME_EVENTS);

/** Whether an event with this source and detail type matches `pattern`. */
export function matchesPattern(
  pattern: EventPattern,
  event: { readonly source: string; readonly detailType: string },
): boolean {
  return pattern.source.includes(event.source) && pattern['detail-type'].includes(event.detailType);
}
