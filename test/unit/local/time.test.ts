/**
 * The local `util.time` formatting and parsing, checked against AppSync's documented examples and
 * Java's DateTimeFormatter and ZoneId rules, which AppSync follows.
 */
import { describe, expect, it } from 'vitest';
import { formatJava, parseIso8601, TimeFormatError } from '#local/services/appsync/time.ts';

/** 2018-02-06T19:01:35.758Z, the instant of AppSync's `util.time` examples (a Tuesday). */
const EXAMPLE = 1517943695758;

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectTimeFormatError(run: () => unknown, message: string): void {
  const error = failure(run);
  expect(error).toBeInstanceOf(TimeFormatError);
  expect(error).toEqual(new TimeFormatError(message));
}

describe('formatJava', () => {
  describe("AppSync's documented examples", () => {
    it('formats now in UTC when no zone is given', () => {
      expect(formatJava(EXAMPLE, 'yyyy-MM-dd HH:mm:ssZ')).toEqual('2018-02-06 19:01:35+0000');
    });

    it('formats now in Australia/Perth', () => {
      expect(formatJava(EXAMPLE, 'yyyy-MM-dd HH:mm:ssZ', 'Australia/Perth')).toEqual(
        '2018-02-07 03:01:35+0800',
      );
    });

    it('formats now at a fixed offset given as a zone id', () => {
      expect(formatJava(EXAMPLE, 'yyyy-MM-dd HH:mm:ssZ', '+08:00')).toEqual(
        '2018-02-07 03:01:35+0800',
      );
    });
  });

  describe('fixed offset zones', () => {
    const cases: [string, string][] = [
      ['-07:00:30', '2018-02-06T12:01:05-07:00:30'],
      ['+05:30', '2018-02-07T00:31:35+05:30'],
      ['+0530', '2018-02-07T00:31:35+05:30'],
      ['+08', '2018-02-07T03:01:35+08:00'],
      ['-03:00', '2018-02-06T16:01:35-03:00'],
      ['Z', '2018-02-06T19:01:35Z'],
      ['UTC', '2018-02-06T19:01:35Z'],
    ];

    it.each(cases)("formats yyyy-MM-dd'T'HH:mm:ss[XXXXX] at %j as %j", (zone, expected) => {
      expect(formatJava(EXAMPLE, "yyyy-MM-dd'T'HH:mm:ss[XXXXX]", zone)).toEqual(expected);
    });
  });

  describe('dates in Europe/Berlin around daylight saving time', () => {
    const cases: [string, string][] = [
      ['2026-03-28T22:59:59Z', '2026-03-28 23:59:59 +01:00'],
      ['2026-03-28T23:00:00Z', '2026-03-29 00:00:00 +01:00'],
      ['2026-03-29T00:30:00Z', '2026-03-29 01:30:00 +01:00'],
      ['2026-03-29T00:59:59Z', '2026-03-29 01:59:59 +01:00'],
      ['2026-03-29T01:00:00Z', '2026-03-29 03:00:00 +02:00'],
      ['2026-03-29T01:30:00Z', '2026-03-29 03:30:00 +02:00'],
      ['2026-10-24T21:59:59Z', '2026-10-24 23:59:59 +02:00'],
      ['2026-10-24T22:00:00Z', '2026-10-25 00:00:00 +02:00'],
      ['2026-10-25T00:30:00Z', '2026-10-25 02:30:00 +02:00'],
      ['2026-10-25T00:59:59Z', '2026-10-25 02:59:59 +02:00'],
      ['2026-10-25T01:00:00Z', '2026-10-25 02:00:00 +01:00'],
      ['2026-10-25T01:30:00Z', '2026-10-25 02:30:00 +01:00'],
      ['2026-10-25T22:59:59Z', '2026-10-25 23:59:59 +01:00'],
      ['2026-10-25T23:00:00Z', '2026-10-26 00:00:00 +01:00'],
      ['2026-12-31T23:00:00Z', '2027-01-01 00:00:00 +01:00'],
    ];

    it.each(cases)('formats %s as %j', (instant, expected) => {
      expect(formatJava(Date.parse(instant), 'yyyy-MM-dd HH:mm:ss XXX', 'Europe/Berlin')).toEqual(
        expected,
      );
    });

    it('gives the local date, not the UTC date, for yyyy-MM-dd', () => {
      const instant = Date.parse('2026-03-28T23:30:00Z');
      expect([
        formatJava(instant, 'yyyy-MM-dd', 'Europe/Berlin'),
        formatJava(instant, 'yyyy-MM-dd', 'UTC'),
      ]).toEqual(['2026-03-29', '2026-03-28']);
    });
  });

  it('puts the same instant on different days in Pacific/Kiritimati and Pacific/Pago_Pago', () => {
    const instant = Date.parse('2026-01-01T10:00:00Z');
    expect([
      formatJava(instant, 'yyyy-MM-dd HH:mm XXX', 'Pacific/Kiritimati'),
      formatJava(instant, 'yyyy-MM-dd HH:mm XXX', 'Pacific/Pago_Pago'),
    ]).toEqual(['2026-01-02 00:00 +14:00', '2025-12-31 23:00 -11:00']);
  });

  it('formats instants before 1970', () => {
    expect(formatJava(Date.parse('1969-12-31T23:59:59.250Z'), 'yyyy-MM-dd HH:mm:ss.SSS')).toEqual(
      '1969-12-31 23:59:59.250',
    );
  });

  describe('pattern letters', () => {
    const cases: [string, string][] = [
      ['yyyy', '2018'],
      ['yy', '18'],
      ['uuuu', '2018'],
      ['M', '2'],
      ['MM', '02'],
      ['MMM', 'Feb'],
      ['MMMM', 'February'],
      ['d', '6'],
      ['dd', '06'],
      ['H', '19'],
      ['HH', '19'],
      ['h', '7'],
      ['hh', '07'],
      ['a', 'PM'],
      ['m', '1'],
      ['mm', '01'],
      ['ss', '35'],
      ['S', '7'],
      ['SSS', '758'],
      ['SSSSSS', '758000'],
      ['E', 'Tue'],
      ['EEE', 'Tue'],
      ['EEEE', 'Tuesday'],
    ];

    it.each(cases)('prints %j at 2018-02-06T19:01:35.758Z in UTC as %j', (pattern, expected) => {
      expect(formatJava(EXAMPLE, pattern, 'UTC')).toEqual(expected);
    });

    it('prints midnight as 12 AM on the 12-hour clock', () => {
      expect(formatJava(Date.parse('2026-01-01T00:05:00Z'), 'hh:mm a', 'UTC')).toEqual('12:05 AM');
    });

    it('prints noon as 12 PM on the 12-hour clock', () => {
      expect(formatJava(Date.parse('2026-01-01T12:05:00Z'), 'hh:mm a', 'UTC')).toEqual('12:05 PM');
    });
  });

  describe('offset pattern letters, as Java prints them', () => {
    // Java's DateTimeFormatter: X/x print +HH (plus mm when non-zero), XX/xx +HHMM, XXX/xxx
    // +HH:MM, XXXX +HHMMss, XXXXX +HH:MM:ss; X prints Z for zero. Z/ZZ/ZZZ print +HHMM, ZZZZ the
    // localized offset (GMT for zero), ZZZZZ +HH:MM:ss or Z.
    const cases: [string, string, string][] = [
      ['X', 'Europe/Berlin', '+01'],
      ['X', 'Asia/Kolkata', '+0530'],
      ['X', 'UTC', 'Z'],
      ['XX', 'Europe/Berlin', '+0100'],
      ['XX', 'UTC', 'Z'],
      ['XX', '-07:00:30', '-0700'],
      ['XXX', 'Europe/Berlin', '+01:00'],
      ['XXX', 'UTC', 'Z'],
      ['XXX', '-07:00:30', '-07:00'],
      ['XXXX', 'Europe/Berlin', '+0100'],
      ['XXXX', '-07:00:30', '-070030'],
      ['XXXXX', 'Europe/Berlin', '+01:00'],
      ['XXXXX', 'UTC', 'Z'],
      ['XXXXX', '-07:00:30', '-07:00:30'],
      ['x', 'Europe/Berlin', '+01'],
      ['xx', 'UTC', '+0000'],
      ['xxx', 'UTC', '+00:00'],
      ['xxx', 'Asia/Kolkata', '+05:30'],
      ['Z', 'Europe/Berlin', '+0100'],
      ['Z', 'UTC', '+0000'],
      ['Z', '-07:00:30', '-0700'],
      ['ZZZZ', 'Europe/Berlin', 'GMT+01:00'],
      ['ZZZZ', 'UTC', 'GMT'],
      ['ZZZZZ', 'Europe/Berlin', '+01:00'],
      ['ZZZZZ', 'UTC', 'Z'],
    ];

    it.each(cases)('prints %j in %s as %j', (pattern, zone, expected) => {
      expect(formatJava(EXAMPLE, pattern, zone)).toEqual(expected);
    });
  });

  describe('literals', () => {
    const cases: [string, string][] = [
      ["yyyy-MM-dd'T'HH:mm", '2018-02-06T19:01'],
      ["'at' HH:mm", 'at 19:01'],
      ["''yy", "'18"],
      ["HH''mm", "19'01"],
      ["HH 'o''clock'", "19 o'clock"],
      ["'It''s' HH:mm", "It's 19:01"],
      ['yyyy/MM/dd, HH:mm', '2018/02/06, 19:01'],
      ['[yyyy]', '2018'],
    ];

    it.each(cases)('prints %j as %j', (pattern, expected) => {
      expect(formatJava(EXAMPLE, pattern, 'UTC')).toEqual(expected);
    });

    it('refuses an unterminated quote', () => {
      expectTimeFormatError(
        () => formatJava(EXAMPLE, "yyyy 'at", 'UTC'),
        "Unterminated quote in pattern: yyyy 'at",
      );
    });
  });

  describe('refusals', () => {
    const letters = ['Q', 'G', 'l', 'b'];

    it.each(letters)('refuses the pattern letter %j', (letter) => {
      expectTimeFormatError(
        () => formatJava(EXAMPLE, `yyyy ${letter}`, 'UTC'),
        `Pattern letter '${letter}' is not supported by the local APPSYNC_JS runtime`,
      );
    });

    const zones: [string, string][] = [
      ['a made-up region', 'Mars/Olympus'],
      ['an empty zone', ''],
      ['a trailing space', 'Europe/Berlin '],
      ['a zone id in the wrong case, which Java does not match', 'europe/berlin'],
      ['an offset beyond Java’s ±18:00', '+25:00'],
      ['an offset with 60 or more minutes', '+08:99'],
    ];

    it.each(zones)('refuses %s (%j)', (_rule, zone) => {
      expectTimeFormatError(
        () => formatJava(EXAMPLE, 'yyyy-MM-dd', zone),
        `Unknown time zone id: ${zone}`,
      );
    });
  });
});

describe('parseIso8601', () => {
  const accepted: [string, number][] = [
    ['2018-02-01T17:21:05.180+08:00', 1517476865180],
    ['2018-02-01T09:21:05.180Z', 1517476865180],
    ['2018-02-01T17:21:05+08:00', 1517476865000],
    ['2018-02-01T11:51:05.180+02:30', 1517476865180],
    ['2018-02-01T17:21+08:00', 1517476860000],
    ['2018-02-01T09:21:05.180123Z', 1517476865180],
  ];

  it.each(accepted)('reads %j as %i', (text, expected) => {
    expect(parseIso8601(text)).toEqual(expected);
  });

  const refused: [string, string][] = [
    ['a timestamp without an offset', '2018-02-01T17:21:05.180'],
    ['a date without a time', '2018-02-01'],
    ['a space instead of T', '2018-02-01 17:21:05Z'],
    ['an offset of hours only', '2018-02-01T17:21:05+08'],
    ['epoch milliseconds', '1517476865180'],
    ['words', 'yesterday'],
    ['an empty text', ''],
    ['a month that does not exist', '2018-13-01T00:00:00Z'],
    ['a minute that does not exist', '2018-02-01T17:60:00Z'],
    ['a day the month does not have', '2018-02-30T00:00:00Z'],
    ['hour 24, which Java refuses', '2018-02-01T24:00:00Z'],
  ];

  it.each(refused)('refuses %s (%j)', (_rule, text) => {
    expectTimeFormatError(
      () => parseIso8601(text),
      `Text '${text}' could not be parsed as an ISO 8601 date-time`,
    );
  });
});
