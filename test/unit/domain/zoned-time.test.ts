/**
 * The date and zone rules under the calendar and the notifications: proleptic Gregorian dates,
 * ISO instants read as Temporal reads them, and wall times in IANA zones disambiguated as
 * Temporal's `compatible`. Temporal (temporal-polyfill, a test dependency here) is the oracle.
 */
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  checkTimeZone,
  compareInstants,
  dateFields,
  epochDayOf,
  formatDate,
  formatInstantSeconds,
  formatYearMonth,
  instantOfLocal,
  localFieldsAt,
  offsetMsAt,
  parseDate,
  parseInstant,
} from '#domain/zoned-time.ts';

const epochDays = (text: string): number => Temporal.PlainDate.from('1970-01-01').until(text).days;

describe('dates', () => {
  it('counts days from 1970-01-01 as Temporal does, before and after it', () => {
    const dates = [
      '1970-01-01',
      '1969-12-31',
      '2000-02-29',
      '2026-12-07',
      '1600-03-01',
      '9999-12-31',
    ];
    expect(dates.map((date) => parseDate(date))).toEqual(dates.map(epochDays));
    expect(dates.map((date) => formatDate(epochDays(date)))).toEqual(dates);
  });

  it('gives ISO weekdays, 1 for Monday and 7 for Sunday', () => {
    expect(
      ['2026-12-07', '2026-12-13', '1970-01-01'].map((date) => dateFields(epochDays(date))),
    ).toEqual([
      { year: 2026, month: 12, day: 7, dayOfWeek: 1 },
      { year: 2026, month: 12, day: 13, dayOfWeek: 7 },
      { year: 1970, month: 1, day: 1, dayOfWeek: 4 },
    ]);
  });

  it('refuses dates that name no real day or are not written YYYY-MM-DD', () => {
    expect(
      ['2026-02-29', '2100-02-29', '2026-13-01', '2026-00-10', '2026-1-01', '2026-01-01T00:00'].map(
        parseDate,
      ),
    ).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(parseDate('2028-02-29')).toEqual(epochDayOf(2028, 2, 29));
  });

  it('writes years outside 0000-9999 with a sign and six digits, as Temporal does', () => {
    expect([formatDate(epochDayOf(10000, 1, 1)), formatYearMonth(epochDayOf(-1, 12, 31))]).toEqual([
      '+010000-01-01',
      '-000001-12',
    ]);
  });
});

describe('parseInstant', () => {
  const cases: [text: string][] = [
    ['2026-12-07T08:00:00Z'],
    ['2026-12-07T08:00:00.123456789+01:00'],
    ['2026-12-07T08:00Z'],
    ['2026-12-07 08:00:00z'],
    ['2026-12-07T08:00:00-05:30'],
    ['2026-12-07T08:00:00+0100'],
    ['2026-12-07T08:00:60Z'],
    ['1969-12-31T23:59:59.9999999Z'],
    ['2026-12-07T08:00:00,5Z'],
  ];

  it.each(cases)('reads %s as Temporal does, to the nanosecond', (text) => {
    const instant = parseInstant(text);
    expect(
      instant === undefined
        ? undefined
        : BigInt(instant.epochMs) * 1_000_000n + BigInt(instant.nanos),
    ).toEqual(Temporal.Instant.from(text).epochNanoseconds);
  });

  it('refuses a time without Z or an offset, an hour 24 and a day that does not exist', () => {
    expect(
      ['2026-12-07T08:00:00', '2026-12-07T24:00:00Z', '2026-02-30T08:00:00Z', 'yesterday'].map(
        parseInstant,
      ),
    ).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('orders instants by their nanoseconds within a millisecond', () => {
    const [whole, half] = ['2026-12-07T08:00:00Z', '2026-12-07T08:00:00.0000005Z'].map(
      parseInstant,
    );
    expect(
      whole === undefined || half === undefined
        ? undefined
        : [compareInstants(whole, half), compareInstants(half, whole), compareInstants(half, half)],
    ).toEqual([-1, 1, 0]);
  });

  it('formats an instant to the second in UTC, dropping milliseconds', () => {
    expect(formatInstantSeconds(Date.parse('2026-12-07T08:00:00.999Z'))).toEqual(
      '2026-12-07T08:00:00Z',
    );
  });
});

describe('zones', () => {
  it('reads offsets to the second, as the tz data has them (Monrovia in 1970: -00:44:30)', () => {
    expect([
      offsetMsAt('Europe/Berlin', Date.parse('2026-07-01T00:00:00Z')),
      offsetMsAt('Asia/Kolkata', Date.parse('2026-01-01T00:00:00Z')),
      offsetMsAt('Africa/Monrovia', Date.parse('1970-01-01T00:00:00Z')),
    ]).toEqual([2 * 3_600_000, 5.5 * 3_600_000, -(44 * 60 + 30) * 1000]);
  });

  it('shows the wall clock of a zone at an instant', () => {
    expect(localFieldsAt('Asia/Kolkata', Date.parse('2026-11-22T19:00:00Z'))).toEqual({
      date: epochDays('2026-11-23'),
      year: 2026,
      month: 11,
      day: 23,
      dayOfWeek: 1,
      hour: 0,
      minute: 30,
    });
  });

  it('refuses names that are not zones, and the ICU abbreviations Temporal refuses', () => {
    expect(
      ['Mars/Olympus_Mons', '<script>', 'PST', 'Berlin'].map((zone) => {
        try {
          checkTimeZone(zone);
          return 'accepted';
        } catch (error) {
          return error instanceof RangeError ? 'refused' : 'other';
        }
      }),
    ).toEqual(['refused', 'refused', 'refused', 'refused']);
  });

  const wallTimes: [rule: string, zone: string, date: string, time: string][] = [
    [
      'a time in a spring-forward gap runs later by the gap',
      'Europe/Berlin',
      '2026-03-29',
      '02:30',
    ],
    ['a repeated time takes its first occurrence', 'Europe/Berlin', '2026-10-25', '02:30'],
    [
      'a 30-minute DST change (Lord Howe) shifts by 30 minutes',
      'Australia/Lord_Howe',
      '2026-10-04',
      '02:15',
    ],
    [
      'a day the zone skipped (Apia, 2011-12-30) runs a day later',
      'Pacific/Apia',
      '2011-12-30',
      '09:00',
    ],
    ['a zone without DST is a fixed offset', 'Asia/Kolkata', '2026-03-29', '09:00'],
  ];

  it.each(wallTimes)('%s, as Temporal compatible', (_rule, zone, date, time) => {
    const [hours, minutes] = time.split(':').map(Number);
    expect(instantOfLocal(zone, epochDays(date), (hours ?? 0) * 60 + (minutes ?? 0))).toEqual(
      Temporal.PlainDateTime.from(`${date}T${time}`).toZonedDateTime(zone, {
        disambiguation: 'compatible',
      }).epochMilliseconds,
    );
  });
});
