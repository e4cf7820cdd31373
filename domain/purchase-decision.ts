/**
 * Whether a fired slot buys: the plan must still be active, the slot must still belong to its
 * schedule (the version the schedule was armed with, or a later one that keeps the slot), must not
 * be skipped, must not be one the plan already finished, and its period must not have run yet;
 * purchases must be switched on for the plan's user (the switch and the share of users it holds),
 * the amount within the per-run maximum, and the run still within its purchase window.
 */
import { isSlot, periodKey, todayIn, type ScheduleSpec } from './calendar.ts';
import {
  DEFAULT_FLAGS,
  exceedsMaximum,
  maximumFor,
  purchasesEnabledFor,
  type Flags,
} from './flags.ts';
import type { PlanStatus } from './plan.ts';
import { SHARE_BUCKETS, shareBasisPoints } from './user-share.ts';
import type { DecisionAction, OutcomeCode } from '#shared/executions.ts';

/** The plan as the decision needs it. */
export interface PlanForDecision {
  readonly status: PlanStatus;
  readonly amount: string;
  readonly currency: string;
  readonly schedule: ScheduleSpec;
  readonly lastSlotAt?: string;
  readonly lastRunAt?: string;
  readonly skipSlots?: ReadonlySet<string> | readonly string[];
}

/** Why a run did not buy, as machine-readable codes next to the readable reasons. */
export type { OutcomeCode };

export interface Decision {
  /** BUY; SKIP (recorded SKIPPED); FAIL (recorded FAILED and notified as a failure). */
  readonly action: DecisionAction;
  /** Why the slot does not buy, in words a user can read; null when it buys. */
  readonly reason: string | null;
  readonly code: OutcomeCode | null;
  readonly amount: string | null;
  readonly currency: string | null;
}

export interface DecisionContext {
  readonly flags: Flags;
  /**
   * The plan's owner, whom `flags.purchasesEnabledPercent` is evaluated for. Without it, only a
   * share of 100 buys: a run never buys on a share it could not check.
   */
  readonly userId?: string;
  readonly nowMs: number;
  /** How long after its scheduled time a run may still buy. */
  readonly windowMs: number;
}

const DEFAULT_CONTEXT: DecisionContext = {
  flags: DEFAULT_FLAGS,
  nowMs: 0,
  windowMs: Number.POSITIVE_INFINITY,
};

function outcome(
  action: 'SKIP' | 'FAIL',
  code: OutcomeCode,
  reason: string,
  plan: Pick<PlanForDecision, 'amount' | 'currency'> | null,
): Decision {
  return { action, code, reason, amount: plan?.amount ?? null, currency: plan?.currency ?? null };
}

function hours(ms: number): string {
  const value = ms / 3_600_000;
  return `${value} hour${value === 1 ? '' : 's'}`;
}

/**
 * Whether a slot's purchase window has passed at `nowMs`: no order may be placed for it any more.
 * The place-order step asks again just before sending, after any retries.
 */
export function windowExpired(
  slot: string,
  nowMs: number,
  windowMs: number,
): { readonly code: 'WINDOW_EXPIRED'; readonly reason: string } | null {
  if (nowMs - Date.parse(slot) <= windowMs) return null;
  return {
    code: 'WINDOW_EXPIRED',
    reason: `The purchase could not be made within ${hours(windowMs)} of its scheduled time; nothing was spent and the next run goes ahead as planned.`,
  };
}

function sharesPurchases(context: DecisionContext): boolean {
  if (context.userId === undefined || context.userId === '') {
    return shareBasisPoints(context.flags.purchasesEnabledPercent) === SHARE_BUCKETS;
  }
  return purchasesEnabledFor(context.flags, context.userId);
}

export function decidePurchase(
  plan: PlanForDecision | null,
  slot: string,
  context: DecisionContext = DEFAULT_CONTEXT,
): Decision {
  if (plan === null)
    return outcome('SKIP', 'PLAN_DELETED', 'The plan was deleted before this run.', null);
  if (plan.status === 'PAUSED') return outcome('SKIP', 'PLAN_PAUSED', 'The plan is paused.', plan);
  // The system ends a plan once no slot of its schedule lies ahead, which can happen while its
  // last slot is still being retried (the exchange down): that slot still buys in its window.
  if (plan.status === 'ENDED' && !isSlot(plan.schedule, slot)) {
    return outcome('SKIP', 'PLAN_ENDED', 'The plan has ended.', plan);
  }
  const skipped =
    plan.skipSlots instanceof Set
      ? plan.skipSlots.has(slot)
      : (plan.skipSlots as readonly string[] | undefined)?.includes(slot);
  if (skipped === true)
    return outcome('SKIP', 'SKIPPED_BY_USER', 'You chose to skip this run.', plan);
  if (plan.lastSlotAt !== undefined && slot <= plan.lastSlotAt) {
    return outcome('SKIP', 'ALREADY_HANDLED', 'This run was already handled.', plan);
  }
  if (!isSlot(plan.schedule, slot)) {
    return outcome(
      'SKIP',
      'SCHEDULE_CHANGED',
      'The plan\u2019s schedule changed, so this run was no longer planned.',
      plan,
    );
  }
  if (plan.lastRunAt !== undefined) {
    const zone = plan.schedule.timezone;
    const ranIn = periodKey(plan.schedule, todayIn(zone, Date.parse(plan.lastRunAt)));
    const slotIn = periodKey(plan.schedule, todayIn(zone, Date.parse(slot)));
    if (ranIn === slotIn)
      return outcome('SKIP', 'PERIOD_ALREADY_RAN', 'A purchase already ran in this period.', plan);
  }
  return decideControls(plan, slot, context);
}

/**
 * The controls that stop money moving, for a run whose plan already allows it: purchases switched
 * on for the user (the switch and the share), the amount within the per-run maximum, and the
 * purchase window still open. {@link decidePurchase} ends with them; the block worker asks them
 * again for each sealed member right before its block order is sent, as the per-slot workflow
 * decides again before every send.
 */
export function decideControls(
  plan: Pick<PlanForDecision, 'amount' | 'currency'>,
  slot: string,
  context: DecisionContext,
): Decision {
  if (!context.flags.purchasesEnabled) {
    return outcome(
      'SKIP',
      'PURCHASES_DISABLED',
      'Purchases are paused for maintenance; this run did not buy and nothing was spent.',
      plan,
    );
  }
  if (!sharesPurchases(context)) {
    // The same code as the switch: for the user, purchases are off; the reason says why.
    return outcome(
      'SKIP',
      'PURCHASES_DISABLED',
      'Purchases are being switched back on gradually and have not reached this plan yet; this run did not buy and nothing was spent.',
      plan,
    );
  }
  if (exceedsMaximum(context.flags, plan.amount, plan.currency)) {
    return outcome(
      'FAIL',
      'AMOUNT_ABOVE_LIMIT',
      `${plan.amount} ${plan.currency} is above the current limit for ${plan.currency} purchases of ${maximumFor(context.flags, plan.currency)} ${plan.currency}; lower the plan's amount to keep buying.`,
      plan,
    );
  }
  const expired = windowExpired(slot, context.nowMs, context.windowMs);
  if (expired !== null) return outcome('FAIL', expired.code, expired.reason, plan);
  return { action: 'BUY', reason: null, code: null, amount: plan.amount, currency: plan.currency };
}
