/**
 * `util.time` formatting for the local APPSYNC_JS runtime. AppSync formats with Java's
 * DateTimeFormatter patterns and zone ids; this covers the pattern letters a savings app needs
 * (dates, times, offsets, weekday and month names) and rejects the rest loudly rather than
 * printing something AppSync would not.
 *
 * Reference: https://docs.aws.amazon.com/appsync/latest/devguide/time-helpers-in-util-time-js.html
 */

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
const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
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
      Number(offset[2]) * 60 + Number(offset[3]) + (offset[4] === undefined ? 0 : Number(offset[4]) / 60);
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

function formatOffset(minutes: number, colon: boolean, zeroAsZ: boolean): string {
  if (minutes === 0 && zeroAsZ) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const total = Math.round(Math.abs(minutes) * 60);
  const hh = pad(Math.floor(total / 3600), 2);
  const mm = pad(Math.floor((total % 3600) / 60), 2);
  const ss = total % 60;
  const seconds = ss === 0 ? '' : `${colon ? ':' : ''}${pad(ss, 2)}`;
  return `${sign}${hh}${colon ? ':' : ''}${mm}${seconds}`;
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
    case 'E':
      return count >= 4
        ? (WEEKDAY_NAMES[fields.weekday - 1] ?? '')
        : (WEEKDAYS[fields.weekday - 1] ?? '');
    case 'e':
      return pad(fields.weekday, count);
    case 'Z':
      return count >= 4 ? `GMT${formatOffset(fields.offsetMinutes, true, false)}` : formatOffset(fields.offsetMinutes, false, false);
    case 'X':
      return formatOffset(fields.offsetMinutes, count >= 3, true);
    case 'x':
      return formatOffset(fields.offsetMinutes, count >= 3, false);
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
      const end = pattern.indexOf("'", index + 1);
      if (end < 0) throw new TimeFormatError(`Unterminated quote in pattern: ${pattern}`);
      output += end === index + 1 ? "'" : pattern.slice(index + 1, end);
      index = end + 1;
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
  if (Number.isNaN(epoch)) {
    throw new TimeFormatError(`Text '${text}' could not be parsed as an ISO 8601 date-time`);
  }
  return epoch;
}
