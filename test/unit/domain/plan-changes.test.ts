import { describe, expect, it } from 'vitest';
import { classifyPlanChange, snapshotOf, type PlanImage } from '#domain/plan-changes.ts';

const PLAN: PlanImage = {
  amount: '25.00',
  currency: 'EUR',
  status: 'ACTIVE',
  schedule: { frequency: 'WEEKLY', timeOfDay: '09:00', timezone: 'Europe/Berlin', dayOfWeek: 1 },
  nextRunAt: '2027-03-08T08:00:00Z',
  version: 3,
};

describe('classifyPlanChange', () => {
  it.each<[string, PlanImage | undefined, PlanImage | undefined, string | null]>([
    ['a new plan', undefined, PLAN, 'CREATED'],
    ['a deleted plan', PLAN, undefined, 'DELETED'],
    ['a pause', PLAN, { ...PLAN, status: 'PAUSED', version: 4 }, 'PAUSED'],
    ['a resume', { ...PLAN, status: 'PAUSED' }, { ...PLAN, version: 4 }, 'RESUMED'],
    [
      'a skipped run',
      { ...PLAN, skipSlots: ['2027-03-01T08:00:00Z'] },
      { ...PLAN, version: 4, skipSlots: ['2027-03-01T08:00:00Z', '2027-03-08T08:00:00Z'] },
      'SKIPPED',
    ],
    ['a first skipped run', PLAN, { ...PLAN, version: 4, skipSlots: ['x'] }, 'SKIPPED'],
    ['a new amount', PLAN, { ...PLAN, amount: '40.00', version: 4 }, 'UPDATED'],
    ['re-arming (bookkeeping)', PLAN, { ...PLAN, nextRunAt: '2027-03-15T08:00:00Z' }, null],
    ['ending after the last slot', PLAN, { ...PLAN, status: 'ENDED', version: 4 }, 'ENDED'],
    ['an ended plan re-read (no new version)', PLAN, { ...PLAN, status: 'ENDED' }, null],
    ['nothing at all', undefined, undefined, null],
  ])('reads %s', (_case, before, after, expected) => {
    expect(classifyPlanChange(before, after)).toBe(expected);
  });
});

describe('snapshotOf', () => {
  it('keeps what a person would recognise and drops bookkeeping', () => {
    expect(snapshotOf({ ...PLAN, skipSlots: ['x'] })).toEqual({
      amount: '25.00',
      currency: 'EUR',
      status: 'ACTIVE',
      schedule: PLAN.schedule,
      nextRunAt: '2027-03-08T08:00:00Z',
    });
  });
});
