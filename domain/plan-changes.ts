/**
 * Which change a user made to a plan, from the plan's item before and after a write (the plans
 * table's stream images): the `PlanChanged` event's `change`, or null for the system's own
 * bookkeeping (re-arming, purchase totals, ending after the last slot), which users did not do.
 *
 * User changes always bump `version` (create, update, pause, resume, skip); bookkeeping never
 * does, so the version tells them apart without knowing which attributes bookkeeping touches.
 */
import type { PlanChange, PlanSnapshot } from '#shared/bus-events.ts';

/** The part of a plan item a change is read from (the item as the stream's images hold it). */
export interface PlanImage extends PlanSnapshot {
  readonly version: number;
  readonly skipSlots?: readonly string[];
}

export type ChangeKind = PlanChange['change'];

export function classifyPlanChange(
  before: PlanImage | undefined,
  after: PlanImage | undefined,
): ChangeKind | null {
  if (before === undefined && after === undefined) return null;
  if (before === undefined) return 'CREATED';
  if (after === undefined) return 'DELETED';
  if (after.version === before.version) return null;
  // The system ends a plan after its last run (a person deletes or pauses one instead).
  if (before.status !== 'ENDED' && after.status === 'ENDED') return 'ENDED';
  if (before.status === 'ACTIVE' && after.status === 'PAUSED') return 'PAUSED';
  if (before.status === 'PAUSED' && after.status === 'ACTIVE') return 'RESUMED';
  if ((after.skipSlots?.length ?? 0) > (before.skipSlots?.length ?? 0)) return 'SKIPPED';
  return 'UPDATED';
}

/** The snapshot an event carries: what a person would recognise, no bookkeeping. */
export function snapshotOf(image: PlanImage): PlanSnapshot {
  return {
    amount: image.amount,
    currency: image.currency,
    status: image.status,
    schedule: image.schedule,
    nextRunAt: image.nextRunAt ?? null,
  };
}
