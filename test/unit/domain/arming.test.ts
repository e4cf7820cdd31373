/**
 * Which slot a plan's schedule is armed for, and the next run the user sees. Every plan buys at
 * 09:00 Europe/Berlin, which is 08:00Z in November and December 2026 (CET, UTC+1); the expected
 * slots are worked out by hand from the calendar (2026-11-23 is a Monday).
 */
import { describe, expect, it } from 'vitest';
import { armingOf, type PlanForArming } from '#domain/arming.ts';
import type { ScheduleSpec, Slot } from '#domain/calendar.ts';

const at = (iso: string): number => Date.parse(iso);

const weekly = (dayOfWeek: number, overrides: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  frequency: 'WEEKLY',
  timeOfDay: '09:00',
  timezone: 'Europe/Berlin',
  dayOfWeek,
  startDate: '2026-11-01',
  ...overrides,
});

const plan = (overrides: Partial<PlanForArming> = {}): PlanForArming => ({
  status: 'ACTIVE',
  schedule: weekly(2),
  ...overrides,
});

/** Weekly slots on Tuesdays, Wednesdays and Mondays, as armingOf reports them. */
const TUE_NOV_24: Slot = {
  at: '2026-11-24T08:00:00Z',
  localDate: '2026-11-24',
  period: 'W:2026-11-23',
};
const TUE_DEC_01: Slot = {
  at: '2026-12-01T08:00:00Z',
  localDate: '2026-12-01',
  period: 'W:2026-11-30',
};
const TUE_DEC_08: Slot = {
  at: '2026-12-08T08:00:00Z',
  localDate: '2026-12-08',
  period: 'W:2026-12-07',
};
const WED_NOV_25: Slot = {
  at: '2026-11-25T08:00:00Z',
  localDate: '2026-11-25',
  period: 'W:2026-11-23',
};
const WED_DEC_02: Slot = {
  at: '2026-12-02T08:00:00Z',
  localDate: '2026-12-02',
  period: 'W:2026-11-30',
};

describe('armingOf: status', () => {
  it.each(['PAUSED', 'ENDED'] as const)('disarms a %s plan', (status) => {
    expect(armingOf(plan({ status }), at('2026-11-20T12:00:00Z'))).toEqual({ kind: 'disarm' });
  });

  it('disarms a paused plan even when a slot is due right now', () => {
    expect(armingOf(plan({ status: 'PAUSED' }), at('2026-11-24T08:00:00Z'))).toEqual({
      kind: 'disarm',
    });
  });
});

describe('armingOf: the end of a plan', () => {
  it('ends an active plan whose endDate has passed', () => {
    const ended = plan({ schedule: weekly(2, { endDate: '2026-11-10' }) });
    expect(armingOf(ended, at('2026-11-20T12:00:00Z'))).toEqual({ kind: 'end' });
  });

  it('ends an active plan once its last slot is finished', () => {
    const lastOne = plan({
      schedule: weekly(2, { endDate: '2026-11-24' }),
      lastSlotAt: '2026-11-24T08:00:00Z',
      lastRunAt: '2026-11-24T08:00:00Z',
    });
    expect(armingOf(lastOne, at('2026-11-24T08:00:05Z'))).toEqual({ kind: 'end' });
  });

  it('arms the slot on endDate itself, which is inclusive', () => {
    const lastOne = plan({ schedule: weekly(2, { endDate: '2026-11-24' }) });
    expect(armingOf(lastOne, at('2026-11-20T12:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_NOV_24,
      nextRun: TUE_NOV_24,
    });
  });
});

describe('armingOf: the next slot', () => {
  it('arms the next slot after now', () => {
    expect(armingOf(plan(), at('2026-11-20T12:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_NOV_24,
      nextRun: TUE_NOV_24,
    });
  });

  it('arms a slot that falls exactly at now', () => {
    expect(armingOf(plan(), at('2026-11-24T08:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_NOV_24,
      nextRun: TUE_NOV_24,
    });
  });

  it('arms the following slot one second after a slot', () => {
    expect(armingOf(plan(), at('2026-11-24T08:00:01Z'))).toEqual({
      kind: 'arm',
      fire: TUE_DEC_01,
      nextRun: TUE_DEC_01,
    });
  });

  it('never arms a slot before startDate', () => {
    const later = plan({ schedule: weekly(2, { startDate: '2026-11-25' }) });
    expect(armingOf(later, at('2026-11-20T12:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_DEC_01,
      nextRun: TUE_DEC_01,
    });
  });
});

describe('armingOf: after a finished slot', () => {
  it('never re-arms the finished slot when now is that slot', () => {
    const ran = plan({ lastSlotAt: '2026-11-24T08:00:00Z', lastRunAt: '2026-11-24T08:00:00Z' });
    expect(armingOf(ran, at('2026-11-24T08:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_DEC_01,
      nextRun: TUE_DEC_01,
    });
  });

  it('never re-arms the finished slot when the clock is behind it', () => {
    const ran = plan({ lastSlotAt: '2026-11-24T08:00:00Z', lastRunAt: '2026-11-24T08:00:00Z' });
    expect(armingOf(ran, at('2026-11-24T07:59:58Z'))).toEqual({
      kind: 'arm',
      fire: TUE_DEC_01,
      nextRun: TUE_DEC_01,
    });
  });

  it('never re-arms a finished slot that was skipped', () => {
    const skipped = plan({ lastSlotAt: '2026-11-24T08:00:00Z', lastRunAt: '2026-11-17T08:00:00Z' });
    expect(armingOf(skipped, at('2026-11-24T07:59:58Z'))).toEqual({
      kind: 'arm',
      fire: TUE_DEC_01,
      nextRun: TUE_DEC_01,
    });
  });
});

describe('armingOf: schedule changes', () => {
  it('never arms a second run in a week that already had one (Monday run, changed to Wednesday)', () => {
    const changed = plan({
      schedule: weekly(3),
      lastSlotAt: '2026-11-23T08:00:00Z',
      lastRunAt: '2026-11-23T08:00:00Z',
    });
    expect(armingOf(changed, at('2026-11-23T10:00:00Z'))).toEqual({
      kind: 'arm',
      fire: WED_DEC_02,
      nextRun: WED_DEC_02,
    });
  });

  it('arms the new weekday in the same week when that week has not run yet', () => {
    const changed = plan({
      schedule: weekly(3),
      lastSlotAt: '2026-11-16T08:00:00Z',
      lastRunAt: '2026-11-16T08:00:00Z',
    });
    expect(armingOf(changed, at('2026-11-23T06:00:00Z'))).toEqual({
      kind: 'arm',
      fire: WED_NOV_25,
      nextRun: WED_NOV_25,
    });
  });

  it('arms the new weekday in a week whose only slot was skipped, not run', () => {
    const changed = plan({
      schedule: weekly(3),
      lastSlotAt: '2026-11-23T08:00:00Z',
      lastRunAt: '2026-11-16T08:00:00Z',
    });
    expect(armingOf(changed, at('2026-11-23T10:00:00Z'))).toEqual({
      kind: 'arm',
      fire: WED_NOV_25,
      nextRun: WED_NOV_25,
    });
  });
});

describe('armingOf: skipped slots', () => {
  it.each([
    ['an array', ['2026-11-24T08:00:00Z']],
    ['a Set', new Set(['2026-11-24T08:00:00Z'])],
  ] as const)(
    'fires for a skipped slot but shows the following one as the next run (%s)',
    (_kind, skipSlots) => {
      expect(armingOf(plan({ skipSlots }), at('2026-11-20T12:00:00Z'))).toEqual({
        kind: 'arm',
        fire: TUE_NOV_24,
        nextRun: TUE_DEC_01,
      });
    },
  );

  it('steps over every skipped slot in a row for the next run', () => {
    const skipSlots = ['2026-11-24T08:00:00Z', '2026-12-01T08:00:00Z'];
    expect(armingOf(plan({ skipSlots }), at('2026-11-20T12:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_NOV_24,
      nextRun: TUE_DEC_08,
    });
  });

  it('shows no next run when every remaining slot is skipped', () => {
    const skipSlots = ['2026-11-24T08:00:00Z'];
    const lastOne = plan({ schedule: weekly(2, { endDate: '2026-11-24' }), skipSlots });
    expect(armingOf(lastOne, at('2026-11-20T12:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_NOV_24,
      nextRun: null,
    });
  });

  it('ignores a skipped slot that is not the one armed', () => {
    const skipSlots = ['2026-12-01T08:00:00Z'];
    expect(armingOf(plan({ skipSlots }), at('2026-11-20T12:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_NOV_24,
      nextRun: TUE_NOV_24,
    });
  });
});

describe('armingOf: resuming', () => {
  it('does not make up the weekly slots missed while paused', () => {
    const resumed = plan({ lastSlotAt: '2026-11-03T08:00:00Z', lastRunAt: '2026-11-03T08:00:00Z' });
    expect(armingOf(resumed, at('2026-11-26T12:00:00Z'))).toEqual({
      kind: 'arm',
      fire: TUE_DEC_01,
      nextRun: TUE_DEC_01,
    });
  });

  it('does not make up the daily slot that passed earlier today', () => {
    const resumed = plan({
      schedule: {
        frequency: 'DAILY',
        timeOfDay: '09:00',
        timezone: 'Europe/Berlin',
        startDate: '2026-11-01',
      },
      lastSlotAt: '2026-11-20T08:00:00Z',
      lastRunAt: '2026-11-20T08:00:00Z',
    });
    expect(armingOf(resumed, at('2026-11-26T10:00:00Z'))).toEqual({
      kind: 'arm',
      fire: { at: '2026-11-27T08:00:00Z', localDate: '2026-11-27', period: 'D:2026-11-27' },
      nextRun: { at: '2026-11-27T08:00:00Z', localDate: '2026-11-27', period: 'D:2026-11-27' },
    });
  });

  describe('a BIWEEKLY plan on Mondays from 2026-11-02 (slots 11-02, 11-16, 11-30, 12-14, 12-28)', () => {
    const biweekly = plan({
      schedule: weekly(1, { frequency: 'BIWEEKLY', startDate: '2026-11-02' }),
      lastSlotAt: '2026-11-16T08:00:00Z',
      lastRunAt: '2026-11-16T08:00:00Z',
    });
    const DEC_14: Slot = { at: '2026-12-14T08:00:00Z', localDate: '2026-12-14', period: 'F:3' };
    const DEC_28: Slot = { at: '2026-12-28T08:00:00Z', localDate: '2026-12-28', period: 'F:4' };

    it.each([
      ['the day after a missed slot', '2026-12-01T12:00:00Z', DEC_14],
      ['the Monday between two slots', '2026-12-07T12:00:00Z', DEC_14],
      ['the day after the next slot', '2026-12-15T12:00:00Z', DEC_28],
    ])('keeps its fortnight parity when resumed on %s', (_case, now, slot) => {
      expect(armingOf(biweekly, at(now))).toEqual({ kind: 'arm', fire: slot, nextRun: slot });
    });
  });
});
