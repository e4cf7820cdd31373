/**
 * The calendar of a savings plan: which local dates have a slot, the instant each slot runs at,
 * and the period each date belongs to.
 *
 * Pure: no AWS SDK and no I/O. Every time zone rule comes from the runtime's Intl tz data, read
 * with Temporal's rules by `zoned-time.ts`; nothing here knows an offset of its own.
 */
import type { Frequency, ScheduleSpec } from './plan.ts';
import {
  checkTimeZone,
  compareInstants,
  dateFields,
  daysInMonth,
  type EpochDay,
  epochDayOf,
  formatDate,
  formatInstantSeconds,
  formatYearMonth,
  type Instant,
  instantAt,
  instantOfLocal,
  localFieldsAt,
  parseDate as parseEpochDay,
  parseInstant as parseInstantText,
} from './zoned-time.ts';

// Declared with the rest of a plan's terms, where the resolvers can import them too.
export type { Frequency, ScheduleSpec } from './plan.ts';

/** One run of a plan. */
export interface Slot {
  /** The instant it runs, in UTC with second precision: `2026-12-07T08:00:00Z`. */
  at: string;
  /** The local date it belongs to, `YYYY-MM-DD`. */
  localDate: string;
  /** The {@link periodKey} of `localDate`. */
  period: string;
}

/** What {@link nextSlot} must respect. Every instant is an ISO string with `Z` or an offset. */
export interface NextSlotOptions {
  /** The slot must run at or after this instant. */
  notBefore: string;
  /** The slot must run strictly after this instant (the last slot already processed). */
  after?: string;
  /**
   * The last run of the plan. A slot in the same period as this run is skipped, the period being
   * taken per the spec asked about, with the run's local date in the spec's zone: changing a plan
   * never causes a second run in a period that already had one.
   */
  lastRunAt?: string;
  /** Slot instants, formatted as {@link formatInstant} does, to step over. */
  skip?: readonly string[];
}

/** Thrown for a spec, date, instant or zone this module cannot work with; the message says which. */
export class CalendarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarError';
  }
}

/**
 * How many candidate dates {@link nextSlot} looks at before giving up. Only a `skip` list can use
 * more than a handful (every other condition rules out at most two candidates), so reaching this
 * means the caller passed something pathological rather than that the schedule has no next slot.
 */
const MAX_CANDIDATES = 5000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** A spec checked once and turned into dates and a minute of the day. */
interface Calendar {
  readonly frequency: Frequency;
  /** The time of day, in minutes after midnight. */
  readonly time: number;
  readonly zone: string;
  /** 1..7 for WEEKLY and BIWEEKLY, 0 otherwise. */
  readonly dayOfWeek: number;
  /** 1..31 for MONTHLY, 0 otherwise. */
  readonly dayOfMonth: number;
  readonly start: EpochDay;
  readonly end: EpochDay | undefined;
  /** BIWEEKLY: the first date on or after `start` on `dayOfWeek`; every 14th day from it. */
  readonly anchor: EpochDay;
}

/** Specs read from DynamoDB or GraphQL may carry `null` for a field that is absent. */
function present<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

function isIntegerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function parseDate(text: string, what: string): EpochDay {
  if (typeof text !== 'string' || !DATE.test(text)) {
    throw new CalendarError(`${what} must be a date written YYYY-MM-DD, got ${String(text)}`);
  }
  const date = parseEpochDay(text);
  if (date === undefined) {
    throw new CalendarError(`${what} must be a real calendar date, got ${text}`);
  }
  return date;
}

function parseInstant(text: string, what: string): Instant {
  const instant = parseInstantText(text);
  if (instant === undefined) {
    throw new CalendarError(`${what} must be an ISO instant with Z or an offset, got ${text}`);
  }
  return instant;
}

function checkZone(zone: string): void {
  try {
    checkTimeZone(zone);
  } catch {
    throw new CalendarError(`timezone must be an IANA time zone name, got ${zone}`);
  }
}

/** The local date in `zone` at `instant`. */
function localDateAt(instant: Instant, zone: string): EpochDay {
  checkZone(zone);
  return localFieldsAt(zone, instant.epochMs).date;
}

function calendarOf(spec: ScheduleSpec): Calendar {
  const { frequency } = spec;
  if (
    frequency !== 'DAILY' &&
    frequency !== 'WEEKLY' &&
    frequency !== 'BIWEEKLY' &&
    frequency !== 'MONTHLY'
  ) {
    throw new CalendarError(`frequency must be DAILY, WEEKLY, BIWEEKLY or MONTHLY`);
  }
  if (typeof spec.timeOfDay !== 'string' || !TIME.test(spec.timeOfDay)) {
    throw new CalendarError(`timeOfDay must be HH:MM, got ${String(spec.timeOfDay)}`);
  }
  const time = Number(spec.timeOfDay.slice(0, 2)) * 60 + Number(spec.timeOfDay.slice(3));
  const byWeekday = frequency === 'WEEKLY' || frequency === 'BIWEEKLY';
  if (byWeekday !== present(spec.dayOfWeek)) {
    throw new CalendarError(
      byWeekday
        ? `a ${frequency} schedule needs dayOfWeek`
        : `dayOfWeek belongs to WEEKLY and BIWEEKLY schedules, not ${frequency}`,
    );
  }
  if (byWeekday && !isIntegerIn(spec.dayOfWeek, 1, 7)) {
    throw new CalendarError(`dayOfWeek must be 1 (Monday) to 7 (Sunday)`);
  }
  const monthly = frequency === 'MONTHLY';
  if (monthly !== present(spec.dayOfMonth)) {
    throw new CalendarError(
      monthly
        ? 'a MONTHLY schedule needs dayOfMonth'
        : `dayOfMonth belongs to MONTHLY schedules, not ${frequency}`,
    );
  }
  if (monthly && !isIntegerIn(spec.dayOfMonth, 1, 31)) {
    throw new CalendarError('dayOfMonth must be 1 to 31');
  }
  const start = parseDate(spec.startDate, 'startDate');
  const end = present(spec.endDate) ? parseDate(spec.endDate, 'endDate') : undefined;
  if (end !== undefined && end < start) {
    throw new CalendarError('endDate must not be before startDate');
  }
  // Fails here, once, rather than on the first slot, when the zone is unknown.
  checkZone(spec.timezone);
  const dayOfWeek = byWeekday ? (spec.dayOfWeek ?? 0) : 0;
  return {
    frequency,
    time,
    zone: spec.timezone,
    dayOfWeek,
    dayOfMonth: monthly ? (spec.dayOfMonth ?? 0) : 0,
    start,
    end,
    anchor: byWeekday ? start + ((dayOfWeek - dateFields(start).dayOfWeek + 7) % 7) : start,
  };
}

/** The day of `dayOfMonth` in the month of `date`, or the month's last day when it is shorter. */
function monthlyDateIn(year: number, month: number, dayOfMonth: number): EpochDay {
  return epochDayOf(year, month, Math.min(dayOfMonth, daysInMonth(year, month)));
}

/** The first date on or after `date` that the frequency picks, ignoring start and end. */
function firstCandidateFrom(calendar: Calendar, date: EpochDay): EpochDay {
  switch (calendar.frequency) {
    case 'DAILY':
      return date;
    case 'WEEKLY':
      return date + ((calendar.dayOfWeek - dateFields(date).dayOfWeek + 7) % 7);
    case 'BIWEEKLY': {
      const days = date - calendar.anchor;
      return days <= 0 ? calendar.anchor : calendar.anchor + Math.ceil(days / 14) * 14;
    }
    case 'MONTHLY': {
      const { year, month } = dateFields(date);
      const inMonth = monthlyDateIn(year, month, calendar.dayOfMonth);
      if (inMonth >= date) return inMonth;
      return month === 12
        ? monthlyDateIn(year + 1, 1, calendar.dayOfMonth)
        : monthlyDateIn(year, month + 1, calendar.dayOfMonth);
    }
  }
}

function isCandidate(calendar: Calendar, date: EpochDay): boolean {
  return firstCandidateFrom(calendar, date) === date;
}

function periodOf(calendar: Calendar, date: EpochDay): string {
  switch (calendar.frequency) {
    case 'DAILY':
      return `D:${formatDate(date)}`;
    case 'WEEKLY':
      return `W:${formatDate(date - (dateFields(date).dayOfWeek - 1))}`;
    case 'BIWEEKLY': {
      const days = date - calendar.anchor;
      // `+ 0` turns the -0 of Math.floor(-0 / 14) into 0.
      return `F:${Math.floor(days / 14) + 0}`;
    }
    case 'MONTHLY':
      return `M:${formatYearMonth(date)}`;
  }
}

/**
 * The instant of the slot on `date`. `compatible` is the rule the product promises: a wall time
 * in a spring-forward gap runs later by the gap, a wall time that occurs twice runs at its first
 * occurrence, so no date is ever skipped or doubled by a DST change.
 */
function instantOn(calendar: Calendar, date: EpochDay): Instant {
  return instantAt(instantOfLocal(calendar.zone, date, calendar.time));
}

function slotAt(calendar: Calendar, date: EpochDay, instant: Instant): Slot {
  return {
    at: formatInstant(instant.epochMs),
    localDate: formatDate(date),
    period: periodOf(calendar, date),
  };
}

function afterEnd(calendar: Calendar, date: EpochDay): boolean {
  return calendar.end !== undefined && date > calendar.end;
}

/**
 * Slot dates and instants in date order, from the first candidate on or after `from` (and on or
 * after startDate) until endDate; endless without one.
 */
function* slotsFrom(
  calendar: Calendar,
  from: EpochDay,
): Generator<{ date: EpochDay; instant: Instant }> {
  const first = from < calendar.start ? calendar.start : from;
  for (
    let date = firstCandidateFrom(calendar, first);
    !afterEnd(calendar, date);
    date = firstCandidateFrom(calendar, date + 1)
  ) {
    yield { date, instant: instantOn(calendar, date) };
  }
}

/**
 * The first local date whose slot can be at or after `instant`. A slot runs on its own local date
 * or, pushed through a gap that spans midnight (Pacific/Apia skipped 2011-12-30 entirely), on a
 * later one; so the day before the instant's local date is the earliest that can qualify.
 */
function earliestDateFor(calendar: Calendar, instant: Instant): EpochDay {
  return localDateAt(instant, calendar.zone) - 1;
}

/**
 * Formats an instant as EventBridge Scheduler writes `<aws.scheduler.scheduled-time>`: UTC, second
 * precision, `Z` (`2026-12-07T08:00:00Z`); milliseconds are dropped.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 */
export function formatInstant(epochMs: number): string {
  if (!Number.isFinite(epochMs)) {
    throw new CalendarError(`an instant must be a finite number of milliseconds, got ${epochMs}`);
  }
  try {
    return formatInstantSeconds(Math.floor(epochMs));
  } catch {
    throw new CalendarError(`${epochMs} ms is outside the range of instants`);
  }
}

/** The local date (`YYYY-MM-DD`) in `timezone` at `epochMs`. */
export function todayIn(timezone: string, epochMs: number): string {
  if (!Number.isFinite(epochMs)) {
    throw new CalendarError(`an instant must be a finite number of milliseconds, got ${epochMs}`);
  }
  return formatDate(localDateAt(instantAt(Math.floor(epochMs)), timezone));
}

/**
 * The period `localDate` belongs to, so that a plan runs at most once per period even when its
 * schedule changes: DAILY `D:2026-11-23`, WEEKLY `W:<Monday of the ISO week>`, BIWEEKLY `F:<n>`
 * with n the number of whole fortnights from the anchor (negative before it), MONTHLY `M:2026-11`.
 * Defined for every date, also outside startDate..endDate.
 */
export function periodKey(spec: ScheduleSpec, localDate: string): string {
  return periodOf(calendarOf(spec), parseDate(localDate, 'localDate'));
}

/** The slot on `localDate`, or null when the spec has no slot that day. */
export function slotOn(spec: ScheduleSpec, localDate: string): Slot | null {
  const calendar = calendarOf(spec);
  const date = parseDate(localDate, 'localDate');
  if (date < calendar.start || afterEnd(calendar, date) || !isCandidate(calendar, date)) {
    return null;
  }
  return slotAt(calendar, date, instantOn(calendar, date));
}

/**
 * The earliest slot that meets every condition in `options`, or null when the schedule has ended
 * before one. Starts at the first candidate date near the bound, not at startDate, so the cost
 * does not grow with the distance between them.
 */
export function nextSlot(spec: ScheduleSpec, options: NextSlotOptions): Slot | null {
  const calendar = calendarOf(spec);
  const notBefore = parseInstant(options.notBefore, 'notBefore');
  const after = present(options.after) ? parseInstant(options.after, 'after') : undefined;
  const bound = after !== undefined && compareInstants(after, notBefore) > 0 ? after : notBefore;
  const lastPeriod = present(options.lastRunAt)
    ? periodOf(calendar, localDateAt(parseInstant(options.lastRunAt, 'lastRunAt'), calendar.zone))
    : undefined;
  const skip = new Set(options.skip ?? []);
  let candidates = 0;
  for (const { date, instant } of slotsFrom(calendar, earliestDateFor(calendar, bound))) {
    candidates += 1;
    if (candidates > MAX_CANDIDATES) {
      throw new CalendarError(`no slot within ${MAX_CANDIDATES} candidate dates; check skip`);
    }
    if (
      compareInstants(instant, notBefore) < 0 ||
      (after !== undefined && compareInstants(instant, after) <= 0)
    ) {
      continue;
    }
    const slot = slotAt(calendar, date, instant);
    if (!skip.has(slot.at) && slot.period !== lastPeriod) {
      return slot;
    }
  }
  return null;
}

/**
 * The next `count` slots at or after `notBefore`, in strictly increasing order; fewer when the
 * schedule ends first.
 */
export function upcomingSlots(spec: ScheduleSpec, notBefore: string, count: number): Slot[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new CalendarError(`count must be a whole number of slots, got ${count}`);
  }
  const calendar = calendarOf(spec);
  let bound = parseInstant(notBefore, 'notBefore');
  let inclusive = true;
  const slots: Slot[] = [];
  if (count === 0) {
    return slots;
  }
  for (const { date, instant } of slotsFrom(calendar, earliestDateFor(calendar, bound))) {
    const order = compareInstants(instant, bound);
    if (order > 0 || (order === 0 && inclusive)) {
      slots.push(slotAt(calendar, date, instant));
      if (slots.length === count) {
        break;
      }
      bound = instant;
      inclusive = false;
    }
  }
  return slots;
}

/** True when `instant` is exactly the instant of one of the spec's slots. */
export function isSlot(spec: ScheduleSpec, instant: string): boolean {
  const calendar = calendarOf(spec);
  const target = parseInstant(instant, 'instant');
  const localDate = localDateAt(target, calendar.zone);
  // The day before counts too: a slot pushed through a gap over midnight lands on the next date.
  return [localDate - 1, localDate].some(
    (date) =>
      date >= calendar.start &&
      !afterEnd(calendar, date) &&
      isCandidate(calendar, date) &&
      compareInstants(instantOn(calendar, date), target) === 0,
  );
}
