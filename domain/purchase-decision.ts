/**
 * Whether a fired slot buys: the plan must still be active, the slot must still belong to its
 * schedule (the version the schedule was armed with, or a later one that keeps the slot), must not
 * be skipped, must not be one the plan already finished, and its period must not have run yet.
 */
import { isSlot, periodKey, todayIn, type ScheduleSpec } from './calendar.ts';

/** The plan as the decision needs it. */
export interface PlanForDecision {
  readonly status: 'ACTIVE' | 'PAUSED' | 'ENDED';
  readonly amount: string;
  readonly currency: string;
  readonly schedule: ScheduleSpec;
  readonly lastSlotAt?: string;
  readonly lastRunAt?: string;
  readonly skipSlots?: ReadonlySet<string> | readonly string[];
}

export interface Decision {
  readonly action: 'BUY' | 'SKIP';
  /** Why the slot is skipped, in words a user can read; null when it buys. */
  readonly reason: string | null;
  readonly amount: string | null;
  readonly currency: string | null;
}

function skip(reason: string, plan: PlanForDecision | null): Decision {
  return { action: 'SKIP', reason, amount: plan?.amount ?? null, currency: plan?.currency ?? null };
}

export function decidePurchase(plan: PlanForDecision | null, slot: string): Decision {
  if (plan === null) return skip('The plan was deleted before this run.', null);
  if (plan.status === 'PAUSED') return skip('The plan is paused.', plan);
  if (plan.status === 'ENDED') return skip('The plan has ended.', plan);
  const skipped =
    plan.skipSlots instanceof Set
      ? plan.skipSlots.has(slot)
      : (plan.skipSlots as readonly string[] | undefined)?.includes(slot);
  if (skipped === true) return skip('You chose to skip this run.', plan);
  if (plan.lastSlotAt !== undefined && slot <= plan.lastSlotAt)
    return skip('This run was already handled.', plan);
  if (!isSlot(plan.schedule, slot))
    return skip('The plan\u2019s schedule changed, so this run was no longer planned.', plan);
  if (plan.lastRunAt !== undefined) {
    const zone = plan.schedule.timezone;
    const ranIn = periodKey(plan.schedule, todayIn(zone, Date.parse(plan.lastRunAt)));
    const slotIn = periodKey(plan.schedule, todayIn(zone, Date.parse(slot)));
    if (ranIn === slotIn) return skip('A purchase already ran in this period.', plan);
  }
  return { action: 'BUY', reason: null, amount: plan.amount, currency: plan.currency };
}
