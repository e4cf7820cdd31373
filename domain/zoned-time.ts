/**
 * Dates, instants and IANA time zones for the plan calendar and the notifications, with the rules
 * of Temporal (ISO 8601, proleptic Gregorian) and nothing more than those two modules use.
 *
 * Why not Temporal itself: temporal-polyfill is about 66 KiB in every Lambda bundle that reads a
 * calendar (schedule-sync, sweeper, notifier, decide, the block worker...), for a few date
 * operations; the runtime's Intl already has the tz data the polyfill reads. The rules below are
 * the polyfill's (it computes offsets with `Intl.DateTimeFormat` the same way), and the calendar's
 * unit tests check them against Temporal over random schedules and every DST change of 2026-2030.
 *
 * Pure: no AWS SDK and no I/O. Dates are whole days since 1970-01-01 ({@link EpochDay}); instants
 * are epoch milliseconds plus the nanoseconds a parsed string may carry beyond them.
 */

/** A calendar date as the number of days since 1970-01-01 (negative before it). */
export type EpochDay = number;

/** A date's fields; `dayOfWeek` is ISO: 1 is Monday, 7 is Sunday. */
export interface DateFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly dayOfWeek: number;
}

/** An instant to the nanosecond, as an ISO string can give it. */
export interface Instant {
  /** Milliseconds since 1970-01-01T00:00:00Z, rounded down. */
  readonly epochMs: number;
  /** Nanoseconds past `epochMs`, 0 to 999 999. */
  readonly nanos: number;
}

/** What a wall clock in a zone shows at an instant. */
export interface LocalFields extends DateFields {
  readonly date: EpochDay;
  readonly hour: number;
  readonly minute: number;
}

const DAY_MS = 86_400_000;

/** The days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`). */
export function epochDayOf(year: number, month: number, day: number): EpochDay {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The fields of an {@link EpochDay} (Howard Hinnant's `civil_from_days`). */
export function dateFields(date: EpochDay): DateFields {
  const z = date + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * mp + 2) / 5) + 1,
    // 1970-01-01 was a Thursday (4).
    dayOfWeek: ((((date + 3) % 7) + 7) % 7) + 1,
  };
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** How many days `month` (1-12) of `year` has. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` date, or undefined when the text is not one or names no real day. */
export function parseDate(text: string): EpochDay | undefined {
  const match = typeof text === 'string' ? DATE_TEXT.exec(text) : null;
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return epochDayOf(year, month, day);
}

/** A year as ISO 8601 writes it: four digits, or a sign and six beyond 0000-9999. */
function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return String(year).padStart(4, '0');
  return `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
}

function two(value: number): string {
  return String(value).padStart(2, '0');
}

/** `YYYY-MM-DD`, as Temporal's `PlainDate.toString()`. */
export function formatDate(date: EpochDay): string {
  const { year, month, day } = dateFields(date);
  return `${formatYear(year)}-${two(month)}-${two(day)}`;
}

/** `YYYY-MM`, as Temporal's `PlainYearMonth.toString()`. */
export function formatYearMonth(date: EpochDay): string {
  const { year, month } = dateFields(date);
  return `${formatYear(year)}-${two(month)}`;
}

/**
 * An ISO 8601 instant: a date, `T` (or `t` or a space), a time of at least hours, and `Z` or a
 * UTC offset, as Temporal's `Instant.from` reads them (seconds 60 read as 59, as it does). Bracketed
 * annotations and six-digit years, which Temporal also reads, are not: nothing here writes them.
 */
const INSTANT_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?)$/;

/** The instant an ISO string names, or undefined when it names none (a time without Z or offset). */
export function parseInstant(text: string): Instant | undefined {
  const match = typeof text === 'string' ? INSTANT_TEXT.exec(text) : null;
  if (match === null) return undefined;
  const field = (index: number): number => Number(match[index] ?? '0');
  const [month, day, hour, minute] = [field(2), field(3), field(4), field(5)];
  const second = Math.min(field(6), 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(field(1), month)) return undefined;
  if (hour > 23 || minute > 59 || field(6) > 60) return undefined;
  const fraction = Number((match[7] ?? '').padEnd(9, '0'));
  let offsetNanos = 0;
  if (match[9] !== undefined) {
    const [offsetHours, offsetMinutes, offsetSeconds] = [field(10), field(11), field(12)];
    if (offsetHours > 23 || offsetMinutes > 59 || offsetSeconds > 59) return undefined;
    offsetNanos =
      (match[9] === '-' ? -1 : 1) *
      ((offsetHours * 3600 + offsetMinutes * 60 + offsetSeconds) * 1e9 +
        Number((match[13] ?? '').padEnd(9, '0')));
  }
  // Whole milliseconds stay exact in a double; the nanoseconds are carried apart.
  const wholeMs =
    epochDayOf(field(1), month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
  const totalNanos = fraction - offsetNanos;
  const carryMs = Math.floor(totalNanos / 1e6);
  const instant = { epochMs: wholeMs + carryMs, nanos: totalNanos - carryMs * 1e6 };
  return Math.abs(instant.epochMs) > 8.64e15 ? undefined : instant;
}

/** The instant at a whole millisecond. */
export function instantAt(epochMs: number): Instant {
  return { epochMs, nanos: 0 };
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareInstants(a: Instant, b: Instant): number {
  return Math.sign(a.epochMs - b.epochMs || a.nanos - b.nanos);
}

/**
 * An instant in UTC to the second, `2026-12-07T08:00:00Z`, as Temporal's `Instant.toString({
 * smallestUnit: 'second' })` (milliseconds dropped). Throws a RangeError outside the range of
 * `Date`.
 */
export function formatInstantSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Three-letter ICU ids that are not IANA names; Temporal refuses them, so does this module. */
const ICU_ONLY_ZONE =
  /^(AC|AE|AG|AR|AS|BE|BS|CA|CN|CS|CT|EA|EC|IE|IS|JS|MI|NE|NS|PL|PN|PR|PS|SS|VS)T$/;
const BAD_ZONE_CHARACTERS = /[^\w/:+-]/;

/** One formatter per zone: creating one costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock formatter of `zone`; throws a RangeError for a name that is not a zone. */
function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    if (typeof zone !== 'string' || BAD_ZONE_CHARACTERS.test(zone) || ICU_ONLY_ZONE.test(zone)) {
      throw new RangeError(`invalid time zone: ${String(zone)}`);
    }
    formatter = new Intl.DateTimeFormat('en-u-hc-h23', {
      calendar: 'iso8601',
      timeZone: zone,
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Throws a RangeError unless `zone` is a time zone the runtime knows. */
export function checkTimeZone(zone: string): void {
  formatterOf(zone);
}

/**
 * The UTC offset of `zone` at `epochMs`, in milliseconds (whole seconds: the tz data has no
 * finer offsets): the wall clock Intl shows, read as if it were UTC, minus the instant.
 */
export function offsetMsAt(zone: string, epochMs: number): number {
  const second = Math.floor(epochMs / 1000) * 1000;
  const parts: Record<string, string> = {};
  for (const part of formatterOf(zone).formatToParts(second)) parts[part.type] = part.value;
  const yearOfEra = Number(parts.year);
  // Before year 1 Intl counts eras backwards: 1 BC is year 0.
  const year = /^b/i.test(parts.era ?? '') ? 1 - yearOfEra : yearOfEra;
  const wall =
    epochDayOf(year, Number(parts.month), Number(parts.day)) * DAY_MS +
    ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000;
  return wall - second;
}

/** What the wall clock of `zone` shows at `epochMs`. */
export function localFieldsAt(zone: string, epochMs: number): LocalFields {
  const wall = epochMs + offsetMsAt(zone, epochMs);
  const date = Math.floor(wall / DAY_MS);
  const minuteOfDay = Math.floor((wall - date * DAY_MS) / 60_000);
  return {
    ...dateFields(date),
    date,
    hour: Math.floor(minuteOfDay / 60),
    minute: minuteOfDay % 60,
  };
}

/**
 * The instants at which the wall clock of `zone` shows `wall` (epoch milliseconds of the wall
 * time read as UTC): one, two in an overlap (earlier first), none in a gap. Looks at the offsets a
 * day either side, as Temporal does, so two transitions within a day are not told apart.
 */
function possibleInstants(zone: string, wall: number): number[] {
  const before = offsetMsAt(zone, wall - DAY_MS);
  const after = offsetMsAt(zone, wall + DAY_MS);
  if (before === after) return [wall - before];
  const early = offsetMsAt(zone, wall - before);
  if (early === offsetMsAt(zone, wall - after)) return [wall - early];
  return before > after ? [wall - before, wall - after] : [];
}

/**
 * The instant (epoch milliseconds) of `minuteOfDay` on `date` in `zone`, disambiguated as
 * Temporal's `compatible`: a wall time that occurs twice takes its first occurrence, one in a
 * spring-forward gap runs later by the length of the gap.
 */
export function instantOfLocal(zone: string, date: EpochDay, minuteOfDay: number): number {
  const wall = date * DAY_MS + minuteOfDay * 60_000;
  const found = possibleInstants(zone, wall);
  const first = found[0];
  if (first !== undefined) return first;
  const gap = offsetMsAt(zone, wall + DAY_MS) - offsetMsAt(zone, wall - DAY_MS);
  const later = possibleInstants(zone, wall + gap);
  const last = later.at(-1);
  if (last === undefined) throw new RangeError(`no instant for that wall time in ${zone}`);
  return last;
}
