/**
 * A plan item in the plans table, declared once for the Lambdas and the resolvers: what the API
 * writes plus the scheduling and purchase bookkeeping the system keeps on it. Its status and
 * schedule are declared with the rest of a plan's terms in `domain/plan.ts`.
 */
import type { PlanStatus, ScheduleSpec } from '#domain/plan.ts';

/**
 * A plan item. `SlotSet` is how the reader receives the `skipSlots` string set: the
 * DocumentClient unmarshalls it to a Set ({@link PlanRecord}), AppSync hands resolvers a list.
 */
export interface StoredPlan<SlotSet = ReadonlySet<string>> {
  readonly userId: string;
  readonly planId: string;
  readonly status: PlanStatus;
  /** Decimal string in the currency's digits. */
  readonly amount: string;
  readonly currency: string;
  readonly asset: string;
  readonly schedule: ScheduleSpec;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The next slot that will buy (skipped slots excluded); what the API shows. */
  readonly nextRunAt?: string;
  /** The `due` index partition; present exactly when `nextRunAt` is. */
  readonly dueShard?: string;
  /** The slot the plan's schedule is armed for (may be a skipped one). */
  readonly armedSlot?: string;
  readonly armedVersion?: number;
  /**
   * The `unsynced` index partition: present from a change through the API until the scheduler
   * has synced the plan's schedule with that version.
   */
  readonly syncShard?: string;
  /** The last slot the workflow finished (bought, failed or skipped). */
  readonly lastSlotAt?: string;
  /** The last slot that bought or failed: its period has had its run. */
  readonly lastRunAt?: string;
  /** Slots the user asked to skip (`skipNextRun`). */
  readonly skipSlots?: SlotSet;
  readonly executionCount?: number;
  /** Fiat spent, fees included, in minor units. */
  readonly totalSpentMinor?: number;
  /** Fiat spent, fees excluded, in minor units. */
  readonly totalNetMinor?: number;
  readonly totalSats?: number;
}

/** A plan item as the Lambdas read it through the DocumentClient. */
export type PlanRecord = StoredPlan<ReadonlySet<string>>;

/** Schedule names: one per plan, in the stack's schedule group. */
export function scheduleNameOf(planId: string): string {
  return `plan-${planId}`;
}
