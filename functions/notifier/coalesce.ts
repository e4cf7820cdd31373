/**
 * Bursts of plan changes become one message. A `PlanChanged` reaches the notifier only after
 * `coalesceSeconds` (its queue's delay), so by then a later change of the same plan, if the
 * person made one, is already written: the plan's `version` has moved past the event's, or the
 * plan is gone. Then the later change is told instead and this one is held back (COALESCED);
 * the last change of a burst, and a deletion, are always told.
 *
 * The plan item knows only its latest change's time (`updatedAt`), not each one's. A burst is the
 * run of later changes coming, on average, within `coalesceSeconds` of each other: the latest
 * came at most `coalesceSeconds` per later version after this one. So pausing and resuming 300
 * times over ten minutes is one burst (one message), while a change told late (a backlog) whose
 * next change came hours after it is still told on its own.
 *
 * Pure: the notifier reads the plan (consistently) and hands it in.
 */

/** The change a `PlanChanged` is about. */
export interface ChangeSeen {
  readonly change: string;
  /** The plan's version after the change (before it, for DELETED); null when unknown. */
  readonly version: number | null;
  /** ISO-8601: when the change was written. */
  readonly changedAt: string;
}

/** The plan as it is now: its version and its latest change's time, or undefined when deleted. */
export interface PlanNow {
  readonly version: number;
  readonly updatedAt?: string;
}

/** Whether the change is held back because a later change of its burst is told instead. */
export function coalesced(
  event: ChangeSeen,
  plan: PlanNow | undefined,
  coalesceSeconds: number,
): boolean {
  // A deletion is the last word on a plan: always told.
  if (event.change === 'DELETED') return false;
  // Deleted since: the DELETED change is told.
  if (plan === undefined) return true;
  if (event.version === null || plan.version <= event.version) return false;
  const changedAt = Date.parse(event.changedAt);
  const latest = plan.updatedAt === undefined ? Number.NaN : Date.parse(plan.updatedAt);
  // Without times, the later version alone decides: a message about an older state is stale.
  if (Number.isNaN(changedAt) || Number.isNaN(latest)) return true;
  const laterChanges = plan.version - event.version;
  return latest - changedAt <= laterChanges * coalesceSeconds * 1000;
}
