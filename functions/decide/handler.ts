/**
 * Purchase workflow step: decides whether a fired slot buys, from the plan as the workflow just
 * read it (DynamoDB JSON from the GetItem state), the operational flags (AppConfig: kill switch,
 * the share of users it lets buy, evaluated for the event's user, and maximum per run) and the
 * purchase window. The workflow runs this step again before every retry that has no order yet, so
 * a flag changed meanwhile holds for retried and redriven runs too.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { decidePurchase, type Decision, type PlanForDecision } from '#domain/purchase-decision.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flagsFromEnvironment } from '../lib/flags.ts';

const env = requireEnvironment(['PURCHASE_WINDOW_SECONDS']);
const windowMs = Number(env.PURCHASE_WINDOW_SECONDS) * 1000;
if (!Number.isInteger(windowMs) || windowMs <= 0) {
  throw new Error(
    `PURCHASE_WINDOW_SECONDS must be a positive whole number, not ${env.PURCHASE_WINDOW_SECONDS}`,
  );
}
const readFlags = flagsFromEnvironment();

export interface DecideEvent {
  readonly plan: { Item?: Record<string, AttributeValue> };
  readonly planId: string;
  readonly userId: string;
  readonly scheduledFor: string;
  readonly version: number;
}

/** Thrown for an event the workflow could not have sent. */
export class InvalidDecideEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDecideEventError';
  }
}

export const handler = async (event: DecideEvent): Promise<Decision> => {
  if (
    typeof event?.scheduledFor !== 'string' ||
    typeof event.planId !== 'string' ||
    typeof event.userId !== 'string' ||
    event.userId === '' ||
    event.plan === undefined
  ) {
    throw new InvalidDecideEventError('expected { plan, planId, userId, scheduledFor, version }');
  }
  const plan =
    event.plan.Item === undefined ? null : (unmarshall(event.plan.Item) as PlanForDecision);
  return decidePurchase(plan, event.scheduledFor, {
    flags: await readFlags(),
    userId: event.userId,
    nowMs: Date.now(),
    windowMs,
  });
};
