/**
 * The domain events on the project's bus that rules route, in one place: Pulumi's rules and the
 * local stack's routing use the same patterns.
 */

/** An EventBridge pattern of the simple kind used here: top-level fields, lists of exact values. */
export type EventPattern = Readonly<Record<'source' | 'detail-type', readonly string[]>>;

/** Events a person is told about (the notifier decides by their preferences). */
export const NOTIFICATIONS_EVENT_PATTERN: EventPattern = {
  source: ['savings.purchases', 'savings.scheduler', 'savings.plans'],
  'detail-type': ['PurchaseSucceeded', 'PurchaseFailed', 'PlanRunMissed', 'PlanChanged'],
};

/** Whether an event with this source and detail type matches `pattern`. */
export function matchesPattern(
  pattern: EventPattern,
  event: { readonly source: string; readonly detailType: string },
): boolean {
  return pattern.source.includes(event.source) && pattern['detail-type'].includes(event.detailType);
}
