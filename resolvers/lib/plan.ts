/** Plan items as stored in the plans table, and their GraphQL shape. */
import { util, type Context } from '@aws-appsync/utils';

export type PlanStatus = 'ACTIVE' | 'PAUSED' | 'ENDED';
export type Frequency = 'DAILY' | 'WEEKLY' | 'BIWEEKLY' | 'MONTHLY';

/** A schedule as stored: optional fields are absent, never null. */
export interface StoredSchedule {
  frequency: Frequency;
  timeOfDay: string;
  timezone: string;
  dayOfWeek?: number;
  dayOfMonth?: number;
  startDate: string;
  endDate?: string;
}

/** A plan item in the plans table. */
export interface PlanItem {
  userId: string;
  planId: string;
  status: PlanStatus;
  amount: string;
  currency: string;
  asset: string;
  schedule: StoredSchedule;
  nextRunAt?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const ULID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** True for a plan id: a ULID, 26 Crockford base32 characters whose first is 0-7. */
export function isPlanId(id: unknown): boolean {
  if (typeof id !== 'string' || id.length !== 26 || '01234567'.indexOf(id.charAt(0)) < 0) {
    return false;
  }
  return id.split('').every((char) => ULID_ALPHABET.indexOf(char) >= 0);
}

/**
 * The caller's user id: the Cognito `sub`. Every key is built from it and never from an argument,
 * so no request can reach another user's data.
 */
export function callerId(ctx: Context): string {
  const identity = ctx.identity as { sub?: string } | null | undefined;
  const sub = identity ? identity.sub : undefined;
  if (!sub) {
    return util.unauthorized();
  }
  return sub;
}

/** The DynamoDB key of a plan. */
export function planKey(userId: string, planId: string) {
  return util.dynamodb.toMapValues({ userId, planId });
}

/** A stored plan as the GraphQL `SavingsPlan`. */
export function toPlan(item: PlanItem) {
  const schedule = item.schedule;
  return {
    id: item.planId,
    status: item.status,
    amount: item.amount,
    currency: item.currency,
    asset: item.asset,
    schedule: {
      frequency: schedule.frequency,
      timeOfDay: schedule.timeOfDay,
      timezone: schedule.timezone,
      dayOfWeek: schedule.dayOfWeek ?? null,
      dayOfMonth: schedule.dayOfMonth ?? null,
      startDate: schedule.startDate,
      endDate: schedule.endDate ?? null,
    },
    nextRunAt: item.nextRunAt ?? null,
    version: item.version,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}
