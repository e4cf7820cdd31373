/**
 * What a plan's schedule should be: the slot to arm (the next one the schedule fires for, which
 * may be a slot the user skipped) and the next run the user will see. Pure, so the stream
 * consumer, the sweeper and the tests agree on it.
 */
import { formatInstant, nextSlot, type ScheduleSpec, type Slot } from './calendar.ts';
import type { PlanStatus } from './plan.ts';

export interface PlanForArming {
  readonly status: PlanStatus;
  readonly schedule: ScheduleSpec;
  readonly lastSlotAt?: string;
  readonly lastRunAt?: string;
  readonly skipSlots?: ReadonlySet<string> | readonly string[];
}

export type Arming =
  /** Not active: no schedule, no next run. */
  | { readonly kind: 'disarm' }
  /** Active but no slot remains (endDate passed): the plan ends. */
  | { readonly kind: 'end' }
  /** Fire at `fire`; the next purchase is `nextRun` (null when every remaining slot is skipped). */
  | { readonly kind: 'arm'; readonly fire: Slot; readonly nextRun: Slot | null };

/**
 * The arming of `plan` at `nowMs`: the earliest slot at or after now that comes after the last
 * finished slot, outside the period of the last run (a change never causes a second run in a
 * period that already had one). Slots missed while paused are not made up.
 */
export function armingOf(plan: PlanForArming, nowMs: number): Arming {
  if (plan.status !== 'ACTIVE') return { kind: 'disarm' };
  const base = {
    notBefore: formatInstant(nowMs),
    ...(plan.lastSlotAt === undefined ? {} : { after: plan.lastSlotAt }),
    ...(plan.lastRunAt === undefined ? {} : { lastRunAt: plan.lastRunAt }),
  };
  const fire = nextSlot(plan.schedule, base);
  if (fire === null) return { kind: 'end' };
  const skip = [...(plan.skipSlots ?? [])];
  const nextRun = skip.includes(fire.at) ? nextSlot(plan.schedule, { ...base, skip }) : fire;
  return { kind: 'arm', fire, nextRun };
}
