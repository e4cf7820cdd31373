/** The bounded contexts (one dashboard each) and which context each resource belongs to. */
import type { FunctionName } from '../functions.ts';
import type { QueueKey, RuleKey } from '../topology.ts';

export const CONTEXTS = [
  'api',
  'scheduling',
  'purchases',
  'exchange',
  'notifications',
  'audit',
] as const;
export type MonitoringContext = (typeof CONTEXTS)[number];

/** The function that turns purchase outcome events into the SLO's metrics. */
export const OUTCOMES_FUNCTION = 'slot-outcomes' satisfies FunctionName;

const FUNCTION_CONTEXTS: Readonly<Record<string, MonitoringContext>> = {
  'schedule-sync': 'scheduling',
  'schedule-resync': 'scheduling',
  sweeper: 'scheduling',
  decide: 'purchases',
  'place-order': 'exchange',
  'join-block': 'purchases',
  // Places the block orders, as place-order places single ones.
  'block-worker': 'exchange',
  'retry-dispatcher': 'purchases',
  completer: 'purchases',
  reconcile: 'exchange',
  notifier: 'notifications',
  'email-feedback': 'notifications',
  'audit-digest': 'audit',
  'audit-report': 'audit',
  calendar: 'api',
  'schedule-preview': 'api',
  // Gates the releases of the purchase path's functions.
  'pre-traffic': 'purchases',
  [OUTCOMES_FUNCTION]: 'purchases',
};

const QUEUE_CONTEXTS: Readonly<Record<QueueKey, MonitoringContext>> = {
  'purchase-retries': 'purchases',
  'purchase-retries-dlq': 'purchases',
  'plan-stream-failures': 'scheduling',
  'plan-stream-failures-dlq': 'scheduling',
  notifications: 'notifications',
  'notifications-dlq': 'notifications',
  'plan-change-notifications': 'notifications',
  'plans-dlq': 'scheduling',
  'audit-dlq': 'audit',
  'slot-outcomes': 'purchases',
  'slot-outcomes-dlq': 'purchases',
  'email-feedback': 'notifications',
  'email-feedback-dlq': 'notifications',
  'block-orders': 'purchases',
  'block-orders-dlq': 'purchases',
};

const RULE_CONTEXTS: Readonly<Record<RuleKey, MonitoringContext>> = {
  notifications: 'notifications',
  'plan-change-notifications': 'notifications',
  audit: 'audit',
  outcomes: 'purchases',
  'email-feedback': 'notifications',
};

/** The context a function's alarms and graphs belong to (a new function: purchases, until said). */
export function functionContext(name: string): MonitoringContext {
  return FUNCTION_CONTEXTS[name] ?? 'purchases';
}

/** The context a queue's alarms and graphs belong to (a new queue: purchases, until said). */
export function queueContext(key: QueueKey): MonitoringContext {
  return (
    (QUEUE_CONTEXTS as Readonly<Record<string, MonitoringContext | undefined>>)[key] ?? 'purchases'
  );
}

/** The context a bus rule's alarms belong to. */
export function ruleContext(key: RuleKey): MonitoringContext {
  return RULE_CONTEXTS[key];
}
