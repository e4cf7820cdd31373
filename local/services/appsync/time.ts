/**
 * `util.time` formatting for the local APPSYNC_JS runtime. AppSync formats with Java's
 * DateTimeFormatter patterns and zone ids; this covers the pattern letters a savings app needs
 * (dates, times, offsets, weekday and month names) and rejects the rest loudly rather than
 * printing something AppSync would not.
 *
 * Reference: https://docs.aws.amazon.com/appsync/latest/devguide/time-helpers-in-util-time-js.html
 */

import { isTimeZoneName } from '#domain/timezones.ts';

/** Thrown for a zone id or pattern that the local runtime cannot honour like AppSync. */
export class TimeFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeFormatError';
  }
}

interface ZonedFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  weekday: number;
  /** Offset from UTC in minutes, east positive. */
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    // Java's ZoneId is case-sensitive and knows tz database names only; Intl is more lenient.
    if (zone !== 'UTC' && !isTimeZoneName(zone))
      throw new TimeFormatError(`Unknown time zone id: ${zone}`);
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
        timeZoneName: 'longOffset',
      });
    } catch {
      throw new TimeFormatError(`Unknown time zone id: ${zone}`);
    }
    formatters.set(zone, formatter);
  }
  return formatter;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const WEEKDAY_NAMES = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** Java-style fixed offsets: "Z", "+08", "+08:00", "-07:00:30", "+0800". */
function parseOffsetZone(zone: string): number | undefined {
  if (zone === 'Z') return 0;
  const match = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(zone);
  if (match === null) return undefined;
  const [, sign, hours = '0', minutes = '0', seconds = '0'] = match;
  const total = Number(hours) * 60 + Number(minutes) + Number(seconds) / 60;
  // Java's ZoneOffset: at most ±18:00, minutes and seconds below 60.
  if (Number(minutes) > 59 || Number(seconds) > 59 || total > 18 * 60) {
    throw new TimeFormatError(`Unknown time zone id: ${zone}`);
  }
  return sign === '-' ? -total : total;
}

function zonedFields(epochMs: number, zone: string): ZonedFields {
  const fixed = parseOffsetZone(zone);
  if (fixed !== undefined) {
    const shifted = new Date(epochMs + fixed * 60_000);
    return {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: shifted.getUTCHours(),
      minute: shifted.getUTCMinutes(),
      second: shifted.getUTCSeconds(),
      millisecond: shifted.getUTCMilliseconds(),
      weekday: ((shifted.getUTCDay() + 6) % 7) + 1,
      offsetMinutes: fixed,
    };
  }
  const parts: Record<string, string> = {};
  for (const part of zoneFormatter(zone).formatToParts(new Date(epochMs))) {
    parts[part.type] = part.value;
  }
  const offset = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(parts.timeZoneName ?? '');
  let offsetMinutes = 0;
  if (offset?.[1] !== undefined) {
    const minutes =
      Number(offset[2]) * 60 +
      Number(offset[3]) +
      (offset[4] === undefined ? 0 : Number(offset[4]) / 60);
    offsetMinutes = offset[1] === '-' ? -minutes : minutes;
  }
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: ((epochMs % 1000) + 1000) % 1000,
    weekday: WEEKDAYS.indexOf(parts.weekday ?? '') + 1,
    offsetMinutes,
  };
}

function pad(value: number, width: number): string {
  return String(Math.abs(value)).padStart(width, '0');
}

/**
 * Java's offset styles: hour only ("+01", or "+0130" when minutes are set), hour-minute, with or
 * without colons, optional seconds, and "Z" (or "+00") for zero.
 */
function formatOffset(
  offsetMinutes: number,
  style: 'H' | 'HM' | 'HMS',
  colon: boolean,
  zero: string | null,
): string {
  const totalSeconds = Math.round(offsetMinutes * 60);
  if (totalSeconds === 0 && zero !== null) return zero;
  const sign = totalSeconds < 0 ? '-' : '+';
  const absolute = Math.abs(totalSeconds);
  const hours = pad(Math.floor(absolute / 3600), 2);
  const minutes = Math.floor((absolute % 3600) / 60);
  const seconds = absolute % 60;
  const separator = colon ? ':' : '';
  if (style === 'H' && minutes === 0) return `${sign}${hours}`;
  const hourMinute = `${sign}${hours}${separator}${pad(minutes, 2)}`;
  return style === 'HMS' && seconds !== 0
    ? `${hourMinute}${separator}${pad(seconds, 2)}`
    : hourMinute;
}

/** Pattern letters X and x: counts 1 to 5 pick the style; X prints "Z" for zero, x "+00...". */
function isoOffset(offsetMinutes: number, count: number, zuluForZero: boolean): string {
  const styles: ['H' | 'HM' | 'HMS', boolean][] = [
    ['H', false],
    ['HM', false],
    ['HM', true],
    ['HMS', false],
    ['HMS', true],
  ];
  const [style, colon] = styles[Math.min(count, 5) - 1] ?? ['HM', false];
  const zero = zuluForZero ? 'Z' : style === 'H' ? '+00' : colon ? '+00:00' : '+0000';
  return formatOffset(offsetMinutes, style, colon, zero);
}

function formatField(letter: string, count: number, fields: ZonedFields): string {
  switch (letter) {
    case 'y':
    case 'u':
      return count === 2 ? pad(fields.year % 100, 2) : pad(fields.year, count);
    case 'M':
      if (count >= 4) return MONTH_NAMES[fields.month - 1] ?? '';
      if (count === 3) return (MONTH_NAMES[fields.month - 1] ?? '').slice(0, 3);
      return pad(fields.month, count);
    case 'd':
      return pad(fields.day, count);
    case 'H':
      return pad(fields.hour, count);
    case 'h':
      return pad(fields.hour % 12 === 0 ? 12 : fields.hour % 12, count);
    case 'a':
      return fields.hour < 12 ? 'AM' : 'PM';
    case 'm':
      return pad(fields.minute, count);
    case 's':
      return pad(fields.second, count);
    case 'S':
      return pad(fields.millisecond, 3).slice(0, count).padEnd(count, '0');
    case 'E': {
      const name = WEEKDAY_NAMES[fields.weekday - 1] ?? '';
      if (count === 5) return name.slice(0, 1);
      return count === 4 ? name : name.slice(0, 3);
    }
    case 'e':
      return pad(fields.weekday, count);
    case 'Z':
      if (count <= 3) return formatOffset(fields.offsetMinutes, 'HM', false, '+0000');
      if (count === 4) {
        return fields.offsetMinutes === 0
          ? 'GMT'
          : `GMT${formatOffset(fields.offsetMinutes, 'HMS', true, null)}`;
      }
      return formatOffset(fields.offsetMinutes, 'HMS', true, 'Z');
    case 'X':
      return isoOffset(fields.offsetMinutes, count, true);
    case 'x':
      return isoOffset(fields.offsetMinutes, count, false);
    default:
      throw new TimeFormatError(
        `Pattern letter '${letter}' is not supported by the local APPSYNC_JS runtime`,
      );
  }
}

/** Formats `epochMs` in `zone` (IANA region or offset id; default UTC) with a Java pattern. */
export function formatJava(epochMs: number, pattern: string, zone = 'UTC'): string {
  const fields = zonedFields(epochMs, zone);
  let output = '';
  let index = 0;
  while (index < pattern.length) {
    const char = pattern.charAt(index);
    if (char === "'") {
      if (pattern.charAt(index + 1) === "'") {
        output += "'";
        index += 2;
        continue;
      }
      // A quoted literal runs to the next single quote; '' inside it is one quote.
      let cursor = index + 1;
      let literal = '';
      for (;;) {
        const end = pattern.indexOf("'", cursor);
        if (end < 0) throw new TimeFormatError(`Unterminated quote in pattern: ${pattern}`);
        literal += pattern.slice(cursor, end);
        if (pattern.charAt(end + 1) !== "'") {
          cursor = end + 1;
          break;
        }
        literal += "'";
        cursor = end + 2;
      }
      output += literal;
      index = cursor;
    } else if (/[A-Za-z]/.test(char)) {
      let count = 1;
      while (pattern.charAt(index + count) === char) count += 1;
      output += formatField(char, count, fields);
      index += count;
    } else {
      // Optional-section brackets print their content; everything else is literal.
      if (char !== '[' && char !== ']') output += char;
      index += 1;
    }
  }
  return output;
}

/** Parses an ISO 8601 timestamp with an explicit offset or `Z`, as AppSync requires. */
export function parseIso8601(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    throw new TimeFormatError(`Text '${text}' could not be parsed as an ISO 8601 date-time`);
  }
  const epoch = Date.parse(text);
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const [hour, minute, second = 0] = text
    .slice(11, 19)
    .split(':')
    .map((part) => Number.parseInt(part, 10)) as [number, number, number?];
  const validDay = day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (
    Number.isNaN(epoch) ||
    month < 1 ||
    month > 12 ||
    !validDay ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new TimeFormatError(`Text '${text}' could not be parsed as an ISO 8601 date-time`);
  }
  return epoch;
}
