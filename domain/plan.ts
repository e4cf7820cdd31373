/**
 * What a savings plan is made of, declared once for the resolvers, the Lambdas and the tests:
 * how often it buys, when (its schedule) and whether it runs (its status). The GraphQL enums
 * `Frequency` and `PlanStatus` list the same values; a test compares them.
 *
 * Plain constants and types with no imports, within APPSYNC_JS's rules: resolvers import it too
 * (types cost their bundles nothing).
 */

/** How often a plan buys, in the order of the GraphQL enum. */
export const FREQUENCIES = ['DAILY', 'WEEKLY', 'BIWEEKLY', 'MONTHLY'] as const;

/** How often a plan buys. */
export type Frequency = (typeof FREQUENCIES)[number];

/**
 * Whether a plan runs, in the order of the GraphQL enum: an ACTIVE plan buys at its slots, a
 * PAUSED one waits to be resumed, an ENDED one has no slot left and can no longer change.
 */
export const PLAN_STATUSES = ['ACTIVE', 'PAUSED', 'ENDED'] as const;

/** Whether a plan runs. */
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/**
 * When a plan buys, as the user sees it and the plans table stores it: local dates and a local
 * time of day in an IANA zone; optional fields are absent, never null. `dayOfWeek` (ISO,
 * 1 = Monday) belongs to WEEKLY and BIWEEKLY only, `dayOfMonth` (1..31) to MONTHLY only.
 * `startDate` and `endDate` are both inclusive; without `endDate` the plan never ends.
 */
export interface ScheduleSpec {
  readonly frequency: Frequency;
  /** `HH:MM`, 24-hour. */
  readonly timeOfDay: string;
  /** IANA time zone name, such as `Europe/Berlin`. */
  readonly timezone: string;
  readonly dayOfWeek?: number;
  readonly dayOfMonth?: number;
  /** `YYYY-MM-DD`. */
  readonly startDate: string;
  /** `YYYY-MM-DD`. */
  readonly endDate?: string;
}
