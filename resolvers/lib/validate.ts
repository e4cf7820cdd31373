/**
 * Input rules for plans. Each check records a reason under the field's path instead of stopping,
 * so one `ValidationError` names every invalid field at once.
 */
import { util } from '@aws-appsync/utils';
import type { CurrencySettings } from '#shared/api-settings.ts';
import { compareUnits, formatUnits, parseDecimal } from '#domain/decimal.ts';
import type { Frequency, ScheduleSpec } from '#domain/plan.ts';
import { isTimeZoneName } from '#domain/timezones.ts';
import type { Problems } from './errors.ts';
import { settings } from './settings.ts';

/** The GraphQL `ScheduleInput`; absent optional fields arrive as null or undefined. */
export interface ScheduleInput {
  frequency: Frequency;
  timeOfDay: string;
  timezone: string;
  dayOfWeek?: number | null;
  dayOfMonth?: number | null;
  startDate?: string | null;
  endDate?: string | null;
}

const DIGITS = '0123456789';

function digitValue(text: string): number {
  if (text.length === 0 || !text.split('').every((char) => DIGITS.indexOf(char) >= 0)) {
    return -1;
  }
  return text.split('').reduce((total, char) => total * 10 + DIGITS.indexOf(char), 0);
}

/** The settings of a supported currency (exact upper-case ISO 4217 code), or null with a problem. */
export function checkCurrency(
  currency: string,
  problems: Problems,
  field: string,
): CurrencySettings | null {
  if (typeof currency !== 'string' || !Object.hasOwn(settings.currencies, currency)) {
    problems[field] = `must be one of ${Object.keys(settings.currencies).join(', ')}`;
    return null;
  }
  return settings.currencies[currency] ?? null;
}

/**
 * The amount normalised to the currency's digits ("25" -> "25.00"), or null with a problem when it
 * is not a plain positive decimal within the currency's limits.
 */
export function normalizeAmount(
  amount: string,
  code: string,
  currency: CurrencySettings,
  problems: Problems,
  field: string,
): string | null {
  const parsed = parseDecimal(amount, currency.digits);
  if (!parsed.ok) {
    problems[field] = parsed.reason;
    return null;
  }
  const min = parseDecimal(currency.minAmount, currency.digits);
  const max = parseDecimal(currency.maxAmount, currency.digits);
  if (parsed.units === '0') {
    problems[field] = 'must be greater than zero';
    return null;
  }
  if (min.ok && compareUnits(parsed.units, min.units) < 0) {
    problems[field] = `must be at least ${formatUnits(min.units, currency.digits)} ${code}`;
    return null;
  }
  if (max.ok && compareUnits(parsed.units, max.units) > 0) {
    problems[field] = `must be at most ${formatUnits(max.units, currency.digits)} ${code}`;
    return null;
  }
  return formatUnits(parsed.units, currency.digits);
}

function isTimeOfDay(text: string): boolean {
  if (typeof text !== 'string' || text.length !== 5 || text.charAt(2) !== ':') {
    return false;
  }
  const hours = digitValue(text.slice(0, 2));
  const minutes = digitValue(text.slice(3, 5));
  return hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59;
}

/** AWSDate also admits a zone offset ("2026-01-31Z"); a schedule's dates are local to its zone. */
function isPlainDate(text: string): boolean {
  return typeof text === 'string' && text.length === 10;
}

/** True unless `value` is null or undefined (GraphQL's two ways of leaving a field out). */
export function isPresent(value: unknown): boolean {
  return value !== null && value !== undefined;
}

/**
 * The schedule as it will be stored, or null with problems. `startDate` defaults to
 * `defaultStartDate` when given (an update keeps the plan's anchor) and otherwise to today in the
 * schedule's zone.
 */
export function normalizeSchedule(
  input: ScheduleInput,
  problems: Problems,
  field: string,
  defaultStartDate: string | null,
): ScheduleSpec | null {
  const before = Object.keys(problems).length;
  const weekly = input.frequency === 'WEEKLY' || input.frequency === 'BIWEEKLY';
  const monthly = input.frequency === 'MONTHLY';
  if (!isTimeOfDay(input.timeOfDay)) {
    problems[`${field}.timeOfDay`] = 'must be HH:MM on a 24-hour clock, from 00:00 to 23:59';
  }
  const zoneValid = isTimeZoneName(input.timezone);
  if (!zoneValid) {
    problems[`${field}.timezone`] = 'must be an IANA time zone name such as Europe/Berlin';
  }
  const dayOfWeek = input.dayOfWeek;
  if (weekly && !isPresent(dayOfWeek)) {
    problems[`${field}.dayOfWeek`] = `is required for ${input.frequency} schedules`;
  } else if (!weekly && isPresent(dayOfWeek)) {
    problems[`${field}.dayOfWeek`] = 'is only allowed for WEEKLY and BIWEEKLY schedules';
  } else if (weekly && ((dayOfWeek as number) < 1 || (dayOfWeek as number) > 7)) {
    problems[`${field}.dayOfWeek`] = 'must be from 1 (Monday) to 7 (Sunday)';
  }
  const dayOfMonth = input.dayOfMonth;
  if (monthly && !isPresent(dayOfMonth)) {
    problems[`${field}.dayOfMonth`] = 'is required for MONTHLY schedules';
  } else if (!monthly && isPresent(dayOfMonth)) {
    problems[`${field}.dayOfMonth`] = 'is only allowed for MONTHLY schedules';
  } else if (monthly && ((dayOfMonth as number) < 1 || (dayOfMonth as number) > 31)) {
    problems[`${field}.dayOfMonth`] = 'must be from 1 to 31';
  }
  const startInput = input.startDate;
  const endDate = input.endDate;
  if (isPresent(startInput) && !isPlainDate(startInput as string)) {
    problems[`${field}.startDate`] = 'must be a date without a zone offset, such as 2026-12-01';
  }
  if (isPresent(endDate) && !isPlainDate(endDate as string)) {
    problems[`${field}.endDate`] = 'must be a date without a zone offset, such as 2026-12-31';
  }
  if (!zoneValid || Object.keys(problems).length > before) {
    return null;
  }
  const today = util.time.nowFormatted('yyyy-MM-dd', input.timezone);
  const startDate = isPresent(startInput) ? (startInput as string) : (defaultStartDate ?? today);
  if (isPresent(endDate) && (endDate as string) < today) {
    problems[`${field}.endDate`] =
      `must not be in the past (today is ${today} in ${input.timezone})`;
    return null;
  }
  if (isPresent(endDate) && (endDate as string) < startDate) {
    problems[`${field}.endDate`] = `must not be before startDate (${startDate})`;
    return null;
  }
  // Built field by field, in the order the plans table has always stored them.
  const schedule: { -readonly [K in keyof ScheduleSpec]: ScheduleSpec[K] } = {
    frequency: input.frequency,
    timeOfDay: input.timeOfDay,
    timezone: input.timezone,
    startDate,
  };
  if (weekly) schedule.dayOfWeek = dayOfWeek as number;
  if (monthly) schedule.dayOfMonth = dayOfMonth as number;
  if (isPresent(endDate)) schedule.endDate = endDate as string;
  return schedule;
}
