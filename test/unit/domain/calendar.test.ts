/**
 * The plan calendar: which local dates have a slot, the UTC instant each slot runs at across DST
 * changes, periods, and how nextSlot honours notBefore, after, lastRunAt and skip. Expected
 * instants in the tables are worked out by hand from the zones' published rules; the properties
 * check the same rules over random schedules, with Temporal as the only source of zone data.
 */
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  CalendarError,
  formatInstant,
  isSlot,
  nextSlot,
  periodKey,
  type ScheduleSpec,
  type Slot,
  slotOn,
  todayIn,
  upcomingSlots,
} from '#domain/calendar.ts';

const daily = (overrides: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  frequency: 'DAILY',
  timeOfDay: '08:00',
  timezone: 'Europe/Berlin',
  startDate: '2026-01-01',
  ...overrides,
});

const weekly = (dayOfWeek: number, overrides: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  frequency: 'WEEKLY',
  timeOfDay: '08:00',
  timezone: 'Europe/Berlin',
  dayOfWeek,
  startDate: '2026-01-01',
  ...overrides,
});

const biweekly = (dayOfWeek: number, overrides: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  ...weekly(dayOfWeek, overrides),
  frequency: 'BIWEEKLY',
});

const monthly = (dayOfMonth: number, overrides: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  frequency: 'MONTHLY',
  timeOfDay: '08:00',
  timezone: 'Europe/Berlin',
  dayOfMonth,
  startDate: '2026-01-01',
  ...overrides,
});

function calendarErrorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(CalendarError);
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected a CalendarError, nothing was thrown');
}

describe('slotOn', () => {
  const cases: [rule: string, spec: ScheduleSpec, localDate: string, slot: Slot | null][] = [
    [
      'runs a DAILY plan on every date, at the time of day in winter time',
      daily(),
      '2026-01-15',
      { at: '2026-01-15T07:00:00Z', localDate: '2026-01-15', period: 'D:2026-01-15' },
    ],
    [
      'runs a DAILY plan at the time of day in summer time',
      daily(),
      '2026-06-15',
      { at: '2026-06-15T06:00:00Z', localDate: '2026-06-15', period: 'D:2026-06-15' },
    ],
    [
      'runs a DAILY plan on its startDate',
      daily({ startDate: '2026-05-10' }),
      '2026-05-10',
      { at: '2026-05-10T06:00:00Z', localDate: '2026-05-10', period: 'D:2026-05-10' },
    ],
    ['has no slot before startDate', daily({ startDate: '2026-05-10' }), '2026-05-09', null],
    [
      'runs on endDate, which is inclusive',
      daily({ endDate: '2026-01-31' }),
      '2026-01-31',
      { at: '2026-01-31T07:00:00Z', localDate: '2026-01-31', period: 'D:2026-01-31' },
    ],
    ['has no slot after endDate', daily({ endDate: '2026-01-31' }), '2026-02-01', null],
    [
      'runs a WEEKLY plan on its ISO weekday (1 = Monday)',
      weekly(1),
      '2026-12-07',
      { at: '2026-12-07T07:00:00Z', localDate: '2026-12-07', period: 'W:2026-12-07' },
    ],
    ['has no WEEKLY slot on another weekday', weekly(1), '2026-12-08', null],
    [
      'runs a WEEKLY plan on Sunday for dayOfWeek 7, in the week that began on Monday',
      weekly(7),
      '2026-12-13',
      { at: '2026-12-13T07:00:00Z', localDate: '2026-12-13', period: 'W:2026-12-07' },
    ],
    [
      'runs a BIWEEKLY plan first on the anchor, the first dayOfWeek on or after startDate',
      biweekly(1),
      '2026-01-05',
      { at: '2026-01-05T07:00:00Z', localDate: '2026-01-05', period: 'F:0' },
    ],
    [
      'has no BIWEEKLY slot on startDate when it is another weekday',
      biweekly(1),
      '2026-01-01',
      null,
    ],
    ['has no BIWEEKLY slot in the week between two slots', biweekly(1), '2026-01-12', null],
    [
      'runs a BIWEEKLY plan 14 days after the anchor',
      biweekly(1),
      '2026-01-19',
      { at: '2026-01-19T07:00:00Z', localDate: '2026-01-19', period: 'F:1' },
    ],
    [
      'anchors a BIWEEKLY plan on startDate when it is already the weekday',
      biweekly(4),
      '2026-01-01',
      { at: '2026-01-01T07:00:00Z', localDate: '2026-01-01', period: 'F:0' },
    ],
    [
      'runs a MONTHLY plan on dayOfMonth',
      monthly(15),
      '2026-02-15',
      { at: '2026-02-15T07:00:00Z', localDate: '2026-02-15', period: 'M:2026-02' },
    ],
    ['has no MONTHLY slot on another day', monthly(15), '2026-02-16', null],
    [
      'runs a MONTHLY plan for the 31st on a 31-day month',
      monthly(31),
      '2026-05-31',
      { at: '2026-05-31T06:00:00Z', localDate: '2026-05-31', period: 'M:2026-05' },
    ],
    ['has no slot on the 30th of a 31-day month for the 31st', monthly(31), '2026-05-30', null],
    [
      'runs a plan for the 31st on April 30',
      monthly(31),
      '2026-04-30',
      { at: '2026-04-30T06:00:00Z', localDate: '2026-04-30', period: 'M:2026-04' },
    ],
    [
      'runs a plan for the 31st on February 28 in 2027',
      monthly(31),
      '2027-02-28',
      { at: '2027-02-28T07:00:00Z', localDate: '2027-02-28', period: 'M:2027-02' },
    ],
    ['has no slot on February 27 2027 for the 31st', monthly(31), '2027-02-27', null],
    [
      'runs a plan for the 31st on February 29 in the leap year 2028',
      monthly(31),
      '2028-02-29',
      { at: '2028-02-29T07:00:00Z', localDate: '2028-02-29', period: 'M:2028-02' },
    ],
    ['has no slot on February 28 2028 for the 31st', monthly(31), '2028-02-28', null],
    [
      'runs a plan for the 30th on February 28 in 2027',
      monthly(30),
      '2027-02-28',
      { at: '2027-02-28T07:00:00Z', localDate: '2027-02-28', period: 'M:2027-02' },
    ],
    [
      'runs a plan for the 29th on February 28 in 2027',
      monthly(29),
      '2027-02-28',
      { at: '2027-02-28T07:00:00Z', localDate: '2027-02-28', period: 'M:2027-02' },
    ],
    [
      'runs a plan for the 29th on February 29 in 2028',
      monthly(29),
      '2028-02-29',
      { at: '2028-02-29T07:00:00Z', localDate: '2028-02-29', period: 'M:2028-02' },
    ],
    ['has no slot on February 28 2028 for the 29th', monthly(29), '2028-02-28', null],
    [
      'runs a plan for the 30th on February 29 in 2028',
      monthly(30),
      '2028-02-29',
      { at: '2028-02-29T07:00:00Z', localDate: '2028-02-29', period: 'M:2028-02' },
    ],
  ];

  it.each(cases)('%s', (_rule, spec, localDate, slot) => {
    expect(slotOn(spec, localDate)).toEqual(slot);
  });
});

describe('slot instants across DST', () => {
  const cases: [
    rule: string,
    timezone: string,
    localDate: string,
    timeOfDay: string,
    at: string,
  ][] = [
    [
      'Europe/Berlin: 02:30 on the spring-forward day runs at 03:30 CEST, shifted by the gap',
      'Europe/Berlin',
      '2026-03-29',
      '02:30',
      '2026-03-29T01:30:00Z',
    ],
    [
      'Europe/Berlin: 02:00, the first minute of the gap, runs at 03:00 CEST',
      'Europe/Berlin',
      '2026-03-29',
      '02:00',
      '2026-03-29T01:00:00Z',
    ],
    [
      'Europe/Berlin: 02:59, the last minute of the gap, runs at 03:59 CEST',
      'Europe/Berlin',
      '2026-03-29',
      '02:59',
      '2026-03-29T01:59:00Z',
    ],
    [
      'Europe/Berlin: 03:00 on the spring-forward day is not in the gap',
      'Europe/Berlin',
      '2026-03-29',
      '03:00',
      '2026-03-29T01:00:00Z',
    ],
    [
      'Europe/Berlin: 08:00 on the spring-forward day is summer time',
      'Europe/Berlin',
      '2026-03-29',
      '08:00',
      '2026-03-29T06:00:00Z',
    ],
    [
      'Europe/Berlin: 02:30 on the day before spring forward is winter time',
      'Europe/Berlin',
      '2026-03-28',
      '02:30',
      '2026-03-28T01:30:00Z',
    ],
    [
      'Europe/Berlin: 02:30 on the fall-back day runs once, at the first occurrence (CEST)',
      'Europe/Berlin',
      '2026-10-25',
      '02:30',
      '2026-10-25T00:30:00Z',
    ],
    [
      'Europe/Berlin: 02:30 on the day after fall back is winter time',
      'Europe/Berlin',
      '2026-10-26',
      '02:30',
      '2026-10-26T01:30:00Z',
    ],
    [
      'America/New_York: 02:30 on the spring-forward day runs at 03:30 EDT',
      'America/New_York',
      '2026-03-08',
      '02:30',
      '2026-03-08T07:30:00Z',
    ],
    [
      'America/New_York: 01:30 on the fall-back day runs at the first occurrence (EDT)',
      'America/New_York',
      '2026-11-01',
      '01:30',
      '2026-11-01T05:30:00Z',
    ],
    [
      'America/New_York: 01:30 on the day after fall back is EST',
      'America/New_York',
      '2026-11-02',
      '01:30',
      '2026-11-02T06:30:00Z',
    ],
    [
      'Australia/Sydney: 02:30 on the April fall-back day runs at the first occurrence (AEDT)',
      'Australia/Sydney',
      '2026-04-05',
      '02:30',
      '2026-04-04T15:30:00Z',
    ],
    [
      'Australia/Sydney: 02:30 on the day after fall back is AEST',
      'Australia/Sydney',
      '2026-04-06',
      '02:30',
      '2026-04-05T16:30:00Z',
    ],
    [
      'Australia/Sydney: 02:30 on the October spring-forward day runs at 03:30 AEDT',
      'Australia/Sydney',
      '2026-10-04',
      '02:30',
      '2026-10-03T16:30:00Z',
    ],
    [
      'Asia/Kolkata: 09:00 is 03:30 UTC, at +05:30',
      'Asia/Kolkata',
      '2026-03-29',
      '09:00',
      '2026-03-29T03:30:00Z',
    ],
    [
      'Asia/Kolkata: has no DST, so 09:00 is 03:30 UTC in October too',
      'Asia/Kolkata',
      '2026-10-25',
      '09:00',
      '2026-10-25T03:30:00Z',
    ],
    [
      'Pacific/Chatham: 03:00 in the 02:45-03:45 gap runs at 04:00 +13:45',
      'Pacific/Chatham',
      '2026-09-27',
      '03:00',
      '2026-09-26T14:15:00Z',
    ],
  ];

  it.each(cases)('%s', (_rule, timezone, localDate, timeOfDay, at) => {
    expect(slotOn(daily({ timezone, timeOfDay }), localDate)?.at).toEqual(at);
  });

  it('runs a DAILY plan once on each date around a fall back, never twice', () => {
    expect(
      upcomingSlots(daily({ timeOfDay: '02:30' }), '2026-10-24T00:00:00Z', 3).map(
        (slot) => slot.at,
      ),
    ).toEqual(['2026-10-24T00:30:00Z', '2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z']);
  });

  it('runs a DAILY plan once on each date around a spring forward, never skipping one', () => {
    expect(
      upcomingSlots(daily({ timeOfDay: '02:30' }), '2026-03-28T00:00:00Z', 3).map(
        (slot) => slot.at,
      ),
    ).toEqual(['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z']);
  });
});

describe('periodKey', () => {
  const cases: [rule: string, spec: ScheduleSpec, localDate: string, period: string][] = [
    ['keys a DAILY period by the date', daily(), '2026-11-23', 'D:2026-11-23'],
    ['keys a WEEKLY period by the Monday of the ISO week', weekly(3), '2026-11-25', 'W:2026-11-23'],
    [
      'puts a Sunday in the week that began the Monday before',
      weekly(3),
      '2026-11-29',
      'W:2026-11-23',
    ],
    ['starts a new WEEKLY period on Monday', weekly(3), '2026-11-30', 'W:2026-11-30'],
    ['keys a week across New Year by its Monday', weekly(3), '2027-01-01', 'W:2026-12-28'],
    ['keys the anchor fortnight as F:0', biweekly(1), '2026-01-05', 'F:0'],
    ['keeps the 13th day after the anchor in F:0', biweekly(1), '2026-01-18', 'F:0'],
    ['keys the next fortnight as F:1', biweekly(1), '2026-01-19', 'F:1'],
    ['keys the days just before the anchor as F:-1', biweekly(1), '2026-01-04', 'F:-1'],
    ['keys startDate, before the anchor, as F:-1', biweekly(1), '2026-01-01', 'F:-1'],
    ['keeps 14 days before the anchor in F:-1', biweekly(1), '2025-12-22', 'F:-1'],
    ['keys 15 days before the anchor as F:-2', biweekly(1), '2025-12-21', 'F:-2'],
    ['keys a MONTHLY period by year and month', monthly(20), '2026-11-23', 'M:2026-11'],
  ];

  it.each(cases)('%s', (_rule, spec, localDate, period) => {
    expect(periodKey(spec, localDate)).toEqual(period);
  });
});

describe('nextSlot', () => {
  it('returns a slot exactly at notBefore, which is inclusive', () => {
    expect(nextSlot(weekly(1), { notBefore: '2026-12-07T07:00:00Z' })).toEqual({
      at: '2026-12-07T07:00:00Z',
      localDate: '2026-12-07',
      period: 'W:2026-12-07',
    });
  });

  it('moves to the next slot when notBefore is a second past a slot', () => {
    expect(nextSlot(weekly(1), { notBefore: '2026-12-07T07:00:01Z' })).toEqual({
      at: '2026-12-14T07:00:00Z',
      localDate: '2026-12-14',
      period: 'W:2026-12-14',
    });
  });

  it('accepts notBefore with milliseconds or an offset', () => {
    expect(nextSlot(weekly(1), { notBefore: '2026-12-07T07:59:59.999+01:00' })?.at).toEqual(
      '2026-12-07T07:00:00Z',
    );
  });

  it('excludes the slot given as after, the last one processed', () => {
    expect(
      nextSlot(weekly(1), { notBefore: '2026-12-07T07:00:00Z', after: '2026-12-07T07:00:00Z' })?.at,
    ).toEqual('2026-12-14T07:00:00Z');
  });

  it('honours after when it is later than notBefore', () => {
    expect(
      nextSlot(weekly(1), { notBefore: '2026-12-01T00:00:00Z', after: '2026-12-07T07:00:00Z' })?.at,
    ).toEqual('2026-12-14T07:00:00Z');
  });

  it('honours notBefore when it is later than after', () => {
    expect(
      nextSlot(weekly(1), { notBefore: '2026-12-08T00:00:00Z', after: '2026-11-30T07:00:00Z' })?.at,
    ).toEqual('2026-12-14T07:00:00Z');
  });

  it('starts at startDate when notBefore is earlier', () => {
    expect(
      nextSlot(daily({ startDate: '2026-05-10' }), { notBefore: '2026-01-01T00:00:00Z' }),
    ).toEqual({ at: '2026-05-10T06:00:00Z', localDate: '2026-05-10', period: 'D:2026-05-10' });
  });

  it('runs on endDate and returns null once endDate has passed', () => {
    const spec = daily({ timezone: 'UTC', endDate: '2026-01-31' });
    expect(nextSlot(spec, { notBefore: '2026-01-31T08:00:00Z' })?.at).toEqual(
      '2026-01-31T08:00:00Z',
    );
    expect(nextSlot(spec, { notBefore: '2026-01-31T08:00:01Z' })).toEqual(null);
  });

  it('keeps BIWEEKLY parity from the anchor when a plan resumes weeks later', () => {
    // Anchor 2026-01-05 (first Monday on or after Thursday 2026-01-01); 2026-06-08 is 154 = 11 * 14
    // days later, so resuming on Wednesday 2026-06-10 runs on 06-22, not on the next Monday 06-15.
    expect(nextSlot(biweekly(1), { notBefore: '2026-06-10T00:00:00Z' })).toEqual({
      at: '2026-06-22T06:00:00Z',
      localDate: '2026-06-22',
      period: 'F:12',
    });
  });

  it('skips this week when a WEEKLY plan that ran on Monday is moved to Wednesday', () => {
    const spec = weekly(3);
    const notBefore = '2026-11-23T10:00:00Z';
    expect(nextSlot(spec, { notBefore })?.at).toEqual('2026-11-25T07:00:00Z');
    expect(nextSlot(spec, { notBefore, lastRunAt: '2026-11-23T07:00:00Z' })).toEqual({
      at: '2026-12-02T07:00:00Z',
      localDate: '2026-12-02',
      period: 'W:2026-11-30',
    });
  });

  it('skips this month when a MONTHLY plan that ran on the 5th is moved to the 20th', () => {
    const spec = monthly(20);
    const notBefore = '2026-11-06T12:00:00Z';
    expect(nextSlot(spec, { notBefore })?.at).toEqual('2026-11-20T07:00:00Z');
    expect(nextSlot(spec, { notBefore, lastRunAt: '2026-11-05T07:00:00Z' })).toEqual({
      at: '2026-12-20T07:00:00Z',
      localDate: '2026-12-20',
      period: 'M:2026-12',
    });
  });

  it('skips today when a DAILY plan that ran at 09:00 is moved to 18:00', () => {
    const spec = daily({ timeOfDay: '18:00' });
    const notBefore = '2026-11-23T08:00:01Z';
    expect(nextSlot(spec, { notBefore })?.at).toEqual('2026-11-23T17:00:00Z');
    expect(nextSlot(spec, { notBefore, lastRunAt: '2026-11-23T08:00:00Z' })).toEqual({
      at: '2026-11-24T17:00:00Z',
      localDate: '2026-11-24',
      period: 'D:2026-11-24',
    });
  });

  it("takes the last run's local date in the spec's zone, not in UTC", () => {
    // 23:30 UTC on the 22nd is 00:30 on the 23rd in Berlin: the 23rd already had its run.
    expect(
      nextSlot(daily({ timeOfDay: '18:00' }), {
        notBefore: '2026-11-23T00:00:00Z',
        lastRunAt: '2026-11-22T23:30:00Z',
      })?.at,
    ).toEqual('2026-11-24T17:00:00Z');
  });

  it('does not skip anything for a last run in an earlier period', () => {
    expect(
      nextSlot(weekly(3), {
        notBefore: '2026-11-23T10:00:00Z',
        lastRunAt: '2026-11-18T07:00:00Z',
      })?.at,
    ).toEqual('2026-11-25T07:00:00Z');
  });

  it('steps over the slots listed in skip', () => {
    expect(
      nextSlot(weekly(1), { notBefore: '2026-12-01T00:00:00Z', skip: ['2026-12-07T07:00:00Z'] })
        ?.at,
    ).toEqual('2026-12-14T07:00:00Z');
    expect(
      nextSlot(weekly(1), {
        notBefore: '2026-12-01T00:00:00Z',
        skip: ['2026-12-07T07:00:00Z', '2026-12-14T07:00:00Z'],
      })?.at,
    ).toEqual('2026-12-21T07:00:00Z');
  });

  it('ignores skip entries that are not slots', () => {
    expect(
      nextSlot(weekly(1), { notBefore: '2026-12-01T00:00:00Z', skip: ['2026-12-07T08:00:00Z'] })
        ?.at,
    ).toEqual('2026-12-07T07:00:00Z');
  });

  it('returns null when skip covers every slot left before endDate', () => {
    expect(
      nextSlot(weekly(1, { endDate: '2026-12-14' }), {
        notBefore: '2026-12-01T00:00:00Z',
        skip: ['2026-12-07T07:00:00Z', '2026-12-14T07:00:00Z'],
      }),
    ).toEqual(null);
  });

  it('throws a CalendarError instead of looping through a pathological skip list', () => {
    const spec = daily({ timezone: 'UTC' });
    const skip = upcomingSlots(spec, '2026-01-01T00:00:00Z', 6000).map((slot) => slot.at);
    expect(
      calendarErrorOf(() => nextSlot(spec, { notBefore: '2026-01-01T00:00:00Z', skip })),
    ).toEqual('no slot within 5000 candidate dates; check skip');
  });

  it('answers fast for a startDate in 2100 and for a query in 2090', () => {
    const future = monthly(31, { startDate: '2100-01-01' });
    const old = biweekly(5, { startDate: '2026-01-01' });
    expect(nextSlot(future, { notBefore: '2026-01-01T00:00:00Z' })?.at).toEqual(
      '2100-01-31T07:00:00Z',
    );
    // Anchor Friday 2026-01-02; Friday 2090-06-02 is 23527 days on, an odd week, so 06-09.
    expect(nextSlot(old, { notBefore: '2090-06-01T00:00:00Z' })?.localDate).toEqual('2090-06-09');
    const started = performance.now();
    for (let round = 0; round < 100; round += 1) {
      nextSlot(future, { notBefore: '2026-01-01T00:00:00Z' });
      nextSlot(old, { notBefore: '2090-06-01T00:00:00Z' });
    }
    // Walking from startDate would take tens of thousands of dates per call, seconds in all.
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('upcomingSlots', () => {
  it('lists the next slots from notBefore, inclusive', () => {
    expect(upcomingSlots(weekly(1), '2026-12-07T07:00:00Z', 3)).toEqual([
      { at: '2026-12-07T07:00:00Z', localDate: '2026-12-07', period: 'W:2026-12-07' },
      { at: '2026-12-14T07:00:00Z', localDate: '2026-12-14', period: 'W:2026-12-14' },
      { at: '2026-12-21T07:00:00Z', localDate: '2026-12-21', period: 'W:2026-12-21' },
    ]);
  });

  it('lists month ends for a plan on the 31st', () => {
    expect(
      upcomingSlots(monthly(31, { timezone: 'UTC' }), '2027-01-01T00:00:00Z', 4).map(
        (slot) => slot.localDate,
      ),
    ).toEqual(['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30']);
  });

  it('lists fewer slots when the schedule ends first', () => {
    expect(
      upcomingSlots(daily({ timezone: 'UTC', endDate: '2026-01-31' }), '2026-01-29T00:00:00Z', 5),
    ).toEqual([
      { at: '2026-01-29T08:00:00Z', localDate: '2026-01-29', period: 'D:2026-01-29' },
      { at: '2026-01-30T08:00:00Z', localDate: '2026-01-30', period: 'D:2026-01-30' },
      { at: '2026-01-31T08:00:00Z', localDate: '2026-01-31', period: 'D:2026-01-31' },
    ]);
  });

  it('lists nothing for a count of 0', () => {
    expect(upcomingSlots(daily(), '2026-01-01T00:00:00Z', 0)).toEqual([]);
  });

  it('rejects a count that is not a whole number', () => {
    expect(calendarErrorOf(() => upcomingSlots(daily(), '2026-01-01T00:00:00Z', 1.5))).toEqual(
      'count must be a whole number of slots, got 1.5',
    );
  });
});

describe('isSlot', () => {
  const cases: [rule: string, spec: ScheduleSpec, instant: string, expected: boolean][] = [
    ['accepts a slot instant', weekly(1), '2026-12-07T07:00:00Z', true],
    [
      'accepts the same instant written with an offset',
      weekly(1),
      '2026-12-07T08:00:00+01:00',
      true,
    ],
    ['refuses an instant a second off', weekly(1), '2026-12-07T07:00:01Z', false],
    ['refuses the time of day on another weekday', weekly(1), '2026-12-08T07:00:00Z', false],
    [
      'refuses a slot date before startDate',
      daily({ startDate: '2026-05-10' }),
      '2026-05-09T06:00:00Z',
      false,
    ],
    [
      'refuses a slot date after endDate',
      daily({ endDate: '2026-01-31' }),
      '2026-02-01T07:00:00Z',
      false,
    ],
    [
      'accepts a time shifted through the spring-forward gap',
      daily({ timeOfDay: '02:30' }),
      '2026-03-29T01:30:00Z',
      true,
    ],
    [
      'accepts the first occurrence of a repeated time',
      daily({ timeOfDay: '02:30' }),
      '2026-10-25T00:30:00Z',
      true,
    ],
    [
      'refuses the second occurrence of a repeated time',
      daily({ timeOfDay: '02:30' }),
      '2026-10-25T01:30:00Z',
      false,
    ],
  ];

  it.each(cases)('%s', (_rule, spec, instant, expected) => {
    expect(isSlot(spec, instant)).toEqual(expected);
  });
});

describe('todayIn and formatInstant', () => {
  it("gives the local date in the zone, which can be ahead of UTC's", () => {
    const instant = Date.parse('2026-11-22T19:00:00Z');
    expect(todayIn('Asia/Kolkata', instant)).toEqual('2026-11-23');
    expect(todayIn('America/New_York', instant)).toEqual('2026-11-22');
    expect(todayIn('UTC', instant)).toEqual('2026-11-22');
  });

  it('formats instants as EventBridge Scheduler does, in UTC to the second', () => {
    expect(formatInstant(Date.parse('2026-12-07T08:00:00.999Z'))).toEqual('2026-12-07T08:00:00Z');
    expect(formatInstant(0)).toEqual('1970-01-01T00:00:00Z');
  });
});

describe('CalendarError', () => {
  const cases: [rule: string, action: () => unknown, message: string][] = [
    [
      'rejects a WEEKLY spec without dayOfWeek',
      () => slotOn({ ...daily(), frequency: 'WEEKLY' }, '2026-01-01'),
      'a WEEKLY schedule needs dayOfWeek',
    ],
    [
      'rejects a BIWEEKLY spec without dayOfWeek',
      () => slotOn({ ...daily(), frequency: 'BIWEEKLY' }, '2026-01-01'),
      'a BIWEEKLY schedule needs dayOfWeek',
    ],
    [
      'rejects a MONTHLY spec without dayOfMonth',
      () => slotOn({ ...daily(), frequency: 'MONTHLY' }, '2026-01-01'),
      'a MONTHLY schedule needs dayOfMonth',
    ],
    [
      'rejects dayOfWeek on a DAILY spec',
      () => slotOn(daily({ dayOfWeek: 1 }), '2026-01-01'),
      'dayOfWeek belongs to WEEKLY and BIWEEKLY schedules, not DAILY',
    ],
    [
      'rejects dayOfMonth on a WEEKLY spec',
      () => slotOn(weekly(1, { dayOfMonth: 1 }), '2026-01-01'),
      'dayOfMonth belongs to MONTHLY schedules, not WEEKLY',
    ],
    [
      'rejects dayOfWeek 0',
      () => slotOn(weekly(0), '2026-01-01'),
      'dayOfWeek must be 1 (Monday) to 7 (Sunday)',
    ],
    [
      'rejects dayOfWeek 8',
      () => slotOn(weekly(8), '2026-01-01'),
      'dayOfWeek must be 1 (Monday) to 7 (Sunday)',
    ],
    [
      'rejects dayOfMonth 32',
      () => slotOn(monthly(32), '2026-01-01'),
      'dayOfMonth must be 1 to 31',
    ],
    [
      'rejects a timeOfDay without two-digit hours',
      () => slotOn(daily({ timeOfDay: '8:00' }), '2026-01-01'),
      'timeOfDay must be HH:MM, got 8:00',
    ],
    [
      'rejects timeOfDay 24:00',
      () => slotOn(daily({ timeOfDay: '24:00' }), '2026-01-01'),
      'timeOfDay must be HH:MM, got 24:00',
    ],
    [
      'rejects a startDate that is not a calendar date',
      () => slotOn(daily({ startDate: '2026-02-30' }), '2026-03-01'),
      'startDate must be a real calendar date, got 2026-02-30',
    ],
    [
      'rejects an endDate before startDate',
      () => slotOn(daily({ endDate: '2025-12-31' }), '2026-01-01'),
      'endDate must not be before startDate',
    ],
    [
      'rejects an unknown time zone',
      () => slotOn(daily({ timezone: 'Mars/Olympus_Mons' }), '2026-01-01'),
      'timezone must be an IANA time zone name, got Mars/Olympus_Mons',
    ],
    [
      'rejects a local date with a time',
      () => slotOn(daily(), '2026-01-01T08:00'),
      'localDate must be a date written YYYY-MM-DD, got 2026-01-01T08:00',
    ],
    [
      'rejects a notBefore without Z or an offset',
      () => nextSlot(daily(), { notBefore: '2026-01-01T08:00:00' }),
      'notBefore must be an ISO instant with Z or an offset, got 2026-01-01T08:00:00',
    ],
  ];

  it.each(cases)('%s', (_rule, action, message) => {
    expect(calendarErrorOf(action)).toEqual(message);
  });
});

// Properties over random schedules. Zones cover both hemispheres, half-hour and 45-minute offsets
// (St John's, Chatham, Kolkata) and zones without DST.

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/St_Johns',
  'UTC',
  'Europe/London',
] as const;

const FIRST_DAY = Temporal.PlainDate.from('2026-01-01');
const LAST_DAY = Temporal.PlainDate.from('2030-12-31');
const DAYS = FIRST_DAY.until(LAST_DAY).days;

const dateArb = fc.integer({ min: 0, max: DAYS }).map((days) => FIRST_DAY.add({ days }));

/** Any time of day, with extra weight on the small hours where DST changes happen. */
const timeOfDayArb = fc
  .oneof(
    fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 59 })),
  )
  .map(([hour, minute]) => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`);

const specArb: fc.Arbitrary<ScheduleSpec> = fc
  .record({
    frequency: fc.constantFrom('DAILY', 'WEEKLY', 'BIWEEKLY', 'MONTHLY' as const),
    timeOfDay: timeOfDayArb,
    timezone: fc.constantFrom(...ZONES),
    dayOfWeek: fc.integer({ min: 1, max: 7 }),
    dayOfMonth: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 28, max: 31 })),
    start: dateArb,
    length: fc.option(fc.integer({ min: 0, max: 800 }), { nil: undefined }),
  })
  .map(({ frequency, timeOfDay, timezone, dayOfWeek, dayOfMonth, start, length }) => ({
    frequency,
    timeOfDay,
    timezone,
    startDate: start.toString(),
    ...(frequency === 'WEEKLY' || frequency === 'BIWEEKLY' ? { dayOfWeek } : {}),
    ...(frequency === 'MONTHLY' ? { dayOfMonth } : {}),
    ...(length === undefined ? {} : { endDate: start.add({ days: length }).toString() }),
  }));

const instantArb = fc
  .integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2031, 0, 1) - 1 })
  .map((epochMs) => new Date(epochMs).toISOString());

const NUM_RUNS = 150;

function localDateOf(instant: string, timezone: string): Temporal.PlainDate {
  return Temporal.Instant.from(instant).toZonedDateTimeISO(timezone).toPlainDate();
}

function later(a: Temporal.PlainDate, b: Temporal.PlainDate): Temporal.PlainDate {
  return Temporal.PlainDate.compare(a, b) >= 0 ? a : b;
}

/** The slots of `spec` on the local dates from `from` to `to`, found by asking date by date. */
function slotsByDate(spec: ScheduleSpec, from: Temporal.PlainDate, to: Temporal.PlainDate): Slot[] {
  const slots: Slot[] = [];
  for (let date = from; Temporal.PlainDate.compare(date, to) <= 0; date = date.add({ days: 1 })) {
    const slot = slotOn(spec, date.toString());
    if (slot !== null) {
      slots.push(slot);
    }
  }
  return slots;
}

/**
 * The slot runs at its wall time, or, when that wall time does not exist that day, later by
 * exactly the gap; when the wall time exists twice, at the first occurrence.
 */
function expectWallTime(spec: ScheduleSpec, slot: Slot): void {
  const requested = Temporal.PlainDate.from(slot.localDate).toPlainDateTime(
    Temporal.PlainTime.from(spec.timeOfDay),
  );
  const zoned = Temporal.Instant.from(slot.at).toZonedDateTimeISO(spec.timezone);
  const wall = zoned.toPlainDateTime();
  if (wall.equals(requested)) {
    const first = requested.toZonedDateTime(spec.timezone, { disambiguation: 'earlier' });
    expect(slot.at).toEqual(formatInstant(first.epochMilliseconds));
    return;
  }
  expect(() => requested.toZonedDateTime(spec.timezone, { disambiguation: 'reject' })).toThrow(
    RangeError,
  );
  // The transition at or before the slot: a slot at the first minute after a gap is on it.
  const transition = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition('previous');
  expect(transition).not.toEqual(null);
  if (transition !== null) {
    const before = transition.subtract({ nanoseconds: 1 });
    const gapMinutes = (transition.offsetNanoseconds - before.offsetNanoseconds) / 60e9;
    expect(requested.until(wall, { largestUnit: 'hours' }).total({ unit: 'minutes' })).toEqual(
      gapMinutes,
    );
  }
}

function expectStep(spec: ScheduleSpec, previous: Slot, next: Slot): void {
  const from = Temporal.PlainDate.from(previous.localDate);
  const to = Temporal.PlainDate.from(next.localDate);
  switch (spec.frequency) {
    case 'DAILY':
      expect(from.until(to).days).toEqual(1);
      break;
    case 'WEEKLY':
      expect(from.until(to).days).toEqual(7);
      break;
    case 'BIWEEKLY':
      expect(from.until(to).days).toEqual(14);
      break;
    case 'MONTHLY':
      expect(from.toPlainYearMonth().add({ months: 1 }).equals(to.toPlainYearMonth())).toEqual(
        true,
      );
      break;
  }
}

function expectOnItsDay(spec: ScheduleSpec, slot: Slot): void {
  const date = Temporal.PlainDate.from(slot.localDate);
  if (spec.dayOfWeek !== undefined) {
    expect(date.dayOfWeek).toEqual(spec.dayOfWeek);
  }
  if (spec.dayOfMonth !== undefined) {
    expect(date.day).toEqual(Math.min(spec.dayOfMonth, date.daysInMonth));
  }
}

describe('nextSlot over random schedules', () => {
  it('is the earliest slot at or after notBefore, or null only after endDate', () => {
    fc.assert(
      fc.property(specArb, instantArb, (spec, notBefore) => {
        const slot = nextSlot(spec, { notBefore });
        const start = Temporal.PlainDate.from(spec.startDate);
        // No slot date before startDate exists (tested above), so the walk starts at the later
        // of startDate and two days before notBefore's local date.
        const from = later(start, localDateOf(notBefore, spec.timezone).subtract({ days: 2 }));
        if (slot === null) {
          expect(spec.endDate).not.toEqual(undefined);
          const end = Temporal.PlainDate.from(spec.endDate ?? spec.startDate);
          const missed = slotsByDate(spec, from, end).filter(
            (other) => Date.parse(other.at) >= Date.parse(notBefore),
          );
          expect(missed).toEqual([]);
          return;
        }
        expect(Date.parse(slot.at)).toBeGreaterThanOrEqual(Date.parse(notBefore));
        expect(isSlot(spec, slot.at)).toEqual(true);
        expect(slotOn(spec, slot.localDate)).toEqual(slot);
        expectOnItsDay(spec, slot);
        expectWallTime(spec, slot);
        const earlier = slotsByDate(
          spec,
          from,
          Temporal.PlainDate.from(slot.localDate).subtract({ days: 1 }),
        ).filter((other) => Date.parse(other.at) >= Date.parse(notBefore));
        expect(earlier).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('returns a slot itself when notBefore is its instant, and skips its period after it ran', () => {
    fc.assert(
      fc.property(specArb, instantArb, (spec, notBefore) => {
        const [first, second] = upcomingSlots(spec, notBefore, 2);
        if (first === undefined) {
          return;
        }
        expect(nextSlot(spec, { notBefore: first.at })).toEqual(first);
        expect(nextSlot(spec, { notBefore, after: first.at })).toEqual(second ?? null);
        expect(nextSlot(spec, { notBefore: first.at, lastRunAt: first.at })).toEqual(
          second ?? null,
        );
        expect(nextSlot(spec, { notBefore, skip: [first.at] })).toEqual(second ?? null);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('upcomingSlots over random schedules', () => {
  it('lists slots one per local date, strictly increasing, each a frequency step apart', () => {
    fc.assert(
      fc.property(specArb, instantArb, (spec, notBefore) => {
        const slots = upcomingSlots(spec, notBefore, 12);
        expect(slots[0] ?? null).toEqual(nextSlot(spec, { notBefore }));
        const runDates = new Set(
          slots.map((slot) => localDateOf(slot.at, spec.timezone).toString()),
        );
        expect(runDates.size).toEqual(slots.length);
        slots.forEach((slot, index) => {
          expect(slotOn(spec, slot.localDate)).toEqual(slot);
          expect(periodKey(spec, slot.localDate)).toEqual(slot.period);
          expectOnItsDay(spec, slot);
          expectWallTime(spec, slot);
          const previous = slots[index - 1];
          if (previous !== undefined) {
            expect(Date.parse(slot.at)).toBeGreaterThan(Date.parse(previous.at));
            expect(slot.period).not.toEqual(previous.period);
            expect(nextSlot(spec, { notBefore, after: previous.at })).toEqual(slot);
            expectStep(spec, previous, slot);
          }
        });
        if (slots.length < 12) {
          const last = slots.at(-1);
          expect(
            nextSlot(spec, { notBefore, ...(last === undefined ? {} : { after: last.at }) }),
          ).toEqual(null);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

/** Every UTC offset change of the DST zones from 2026 to 2030, as Temporal knows them. */
const TRANSITIONS: { timezone: string; localDate: Temporal.PlainDate }[] = ZONES.flatMap(
  (timezone) => {
    const found: { timezone: string; localDate: Temporal.PlainDate }[] = [];
    let at = FIRST_DAY.toZonedDateTime({ timeZone: timezone }).getTimeZoneTransition('next');
    while (at !== null && Temporal.PlainDate.compare(at.toPlainDate(), LAST_DAY) <= 0) {
      found.push({ timezone, localDate: at.toPlainDate() });
      at = at.getTimeZoneTransition('next');
    }
    return found;
  },
);

describe('DAILY slots around every DST change from 2026 to 2030', () => {
  it('finds DST changes to test in each zone that has them', () => {
    expect(new Set(TRANSITIONS.map((transition) => transition.timezone))).toEqual(
      new Set([
        'Europe/Berlin',
        'America/New_York',
        'Australia/Sydney',
        'Pacific/Chatham',
        'America/St_Johns',
        'Europe/London',
      ]),
    );
    expect(TRANSITIONS.length).toEqual(6 * 2 * 5);
  });

  it('runs exactly once on the day before, the day of and the day after, at the wall time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TRANSITIONS), timeOfDayArb, (transition, timeOfDay) => {
        const { timezone, localDate } = transition;
        const spec = daily({
          timezone,
          timeOfDay,
          startDate: localDate.subtract({ days: 1 }).toString(),
          endDate: localDate.add({ days: 1 }).toString(),
        });
        const notBefore = formatInstant(
          localDate.subtract({ days: 2 }).toZonedDateTime({ timeZone: timezone }).epochMilliseconds,
        );
        const slots = upcomingSlots(spec, notBefore, 5);
        expect(slots.map((slot) => slot.localDate)).toEqual([
          localDate.subtract({ days: 1 }).toString(),
          localDate.toString(),
          localDate.add({ days: 1 }).toString(),
        ]);
        slots.forEach((slot) => expectWallTime(spec, slot));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
