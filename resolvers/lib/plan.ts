/** Plan items as stored in the plans table, and their GraphQL shape. */
import { util, type Context } from '@aws-appsync/utils';
import { divideUnits, formatUnits } from '#domain/decimal.ts';
import type { StoredPlan } from '#shared/plan-record.ts';
import { settings } from './settings.ts';

/** A plan item as AppSync hands it to resolvers: the `skipSlots` string set arrives as a list. */
export type PlanItem = StoredPlan<readonly string[]>;

const BTC_DIGITS = 8;
/** Appending these to a digit string multiplies it by 10^8, the satoshis in one bitcoin. */
const TIMES_SATS_PER_BTC = '00000000';

/** Digits of a currency; a currency no longer offered keeps the ISO default of two. */
export function currencyDigits(currency: string): number {
  const known = Object.hasOwn(settings.currencies, currency)
    ? settings.currencies[currency]
    : undefined;
  return known ? known.digits : 2;
}

/** A whole number of units (DynamoDB numbers arrive as JS numbers) as a digit string. */
function units(value: number | undefined): string {
  return value ? `${value}` : '0';
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
    ...totalsOf(item),
  };
}

/** The plan's purchase totals, exact: decimal strings from integer minor units and satoshis. */
function totalsOf(item: PlanItem) {
  const digits = currencyDigits(item.currency);
  const sats = units(item.totalSats);
  return {
    totalInvested: formatUnits(units(item.totalSpentMinor), digits),
    totalAcquired: formatUnits(sats, BTC_DIGITS),
    executionCount: item.executionCount ?? 0,
    averagePrice:
      sats === '0'
        ? null
        : formatUnits(
            divideUnits(`${units(item.totalNetMinor)}${TIMES_SATS_PER_BTC}`, sats),
            digits,
          ),
    lastRunAt: item.lastRunAt ?? null,
  };
}
