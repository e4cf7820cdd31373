/**
 * Whether a slot the scheduler fired for buys, and the exact reason the user reads when it does
 * not. The plan buys 25.00 EUR every Tuesday at 09:00 Europe/Berlin, 08:00Z in November 2026.
 */
import { describe, expect, it } from 'vitest';
import type { ScheduleSpec } from '#domain/calendar.ts';
import { decidePurchase, type PlanForDecision } from '#domain/purchase-decision.ts';

const SLOT = '2026-11-24T08:00:00Z';

const tuesdays: ScheduleSpec = {
  frequency: 'WEEKLY',
  timeOfDay: '09:00',
  timezone: 'Europe/Berlin',
  dayOfWeek: 2,
  startDate: '2026-11-01',
};

const plan = (overrides: Partial<PlanForDecision> = {}): PlanForDecision => ({
  status: 'ACTIVE',
  amount: '25.00',
  currency: 'EUR',
  schedule: tuesdays,
  ...overrides,
});

const skipped = (reason: string) => ({
  action: 'SKIP',
  reason,
  amount: '25.00',
  currency: 'EUR',
});

describe('decidePurchase', () => {
  it("buys the plan's amount in the plan's currency for an active plan's slot", () => {
    expect(decidePurchase(plan(), SLOT)).toEqual({
      action: 'BUY',
      reason: null,
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it('buys the next slot after the one last run', () => {
    const ran = plan({ lastSlotAt: '2026-11-17T08:00:00Z', lastRunAt: '2026-11-17T08:00:00Z' });
    expect(decidePurchase(ran, SLOT)).toEqual({
      action: 'BUY',
      reason: null,
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it('skips a slot of a deleted plan, with no amount or currency', () => {
    expect(decidePurchase(null, SLOT)).toEqual({
      action: 'SKIP',
      reason: 'The plan was deleted before this run.',
      amount: null,
      currency: null,
    });
  });

  it('skips a slot of a paused plan', () => {
    expect(decidePurchase(plan({ status: 'PAUSED' }), SLOT)).toEqual(
      skipped('The plan is paused.'),
    );
  });

  it('skips a slot of an ended plan', () => {
    expect(decidePurchase(plan({ status: 'ENDED' }), SLOT)).toEqual(skipped('The plan has ended.'));
  });

  it.each([
    ['an array', [SLOT]],
    ['a Set', new Set([SLOT])],
  ] as const)('skips a slot the user chose to skip, held in %s', (_kind, skipSlots) => {
    expect(decidePurchase(plan({ skipSlots }), SLOT)).toEqual(
      skipped('You chose to skip this run.'),
    );
  });

  it.each([
    ['an array', ['2026-12-01T08:00:00Z']],
    ['a Set', new Set(['2026-12-01T08:00:00Z'])],
  ] as const)('buys a slot when only another one is skipped, held in %s', (_kind, skipSlots) => {
    expect(decidePurchase(plan({ skipSlots }), SLOT)).toEqual({
      action: 'BUY',
      reason: null,
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it('skips the slot the plan already finished (a redelivery)', () => {
    const done = plan({ lastSlotAt: SLOT, lastRunAt: SLOT });
    expect(decidePurchase(done, SLOT)).toEqual(skipped('This run was already handled.'));
  });

  it('skips a slot older than the one the plan already finished', () => {
    const done = plan({ lastSlotAt: '2026-12-01T08:00:00Z', lastRunAt: '2026-12-01T08:00:00Z' });
    expect(decidePurchase(done, SLOT)).toEqual(skipped('This run was already handled.'));
  });

  it.each([
    ['the weekday changed', { ...tuesdays, dayOfWeek: 3 }],
    ['the time of day changed', { ...tuesdays, timeOfDay: '10:00' }],
    ['the time zone changed', { ...tuesdays, timezone: 'Europe/London' }],
    ['the plan now ends before the slot', { ...tuesdays, endDate: '2026-11-23' }],
    ['the plan now starts after the slot', { ...tuesdays, startDate: '2026-11-25' }],
  ])('skips a slot the schedule no longer has because %s', (_case, schedule) => {
    expect(decidePurchase(plan({ schedule }), SLOT)).toEqual(
      skipped('The plan\u2019s schedule changed, so this run was no longer planned.'),
    );
  });

  it('skips a slot in a week that already had a run (Monday run, changed to Wednesday)', () => {
    const changed = plan({
      schedule: { ...tuesdays, dayOfWeek: 3 },
      lastSlotAt: '2026-11-23T08:00:00Z',
      lastRunAt: '2026-11-23T08:00:00Z',
    });
    expect(decidePurchase(changed, '2026-11-25T08:00:00Z')).toEqual(
      skipped('A purchase already ran in this period.'),
    );
  });

  it('buys a slot in a week whose earlier slot was skipped rather than run', () => {
    const changed = plan({
      schedule: { ...tuesdays, dayOfWeek: 3 },
      lastSlotAt: '2026-11-23T08:00:00Z',
      lastRunAt: '2026-11-16T08:00:00Z',
    });
    expect(decidePurchase(changed, '2026-11-25T08:00:00Z')).toEqual({
      action: 'BUY',
      reason: null,
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it('buys with the current amount after an edit that keeps the slot (a compatible version)', () => {
    const edited = plan({
      amount: '40.00',
      schedule: { ...tuesdays, endDate: '2027-06-30' },
      lastSlotAt: '2026-11-17T08:00:00Z',
      lastRunAt: '2026-11-17T08:00:00Z',
    });
    expect(decidePurchase(edited, SLOT)).toEqual({
      action: 'BUY',
      reason: null,
      amount: '40.00',
      currency: 'EUR',
    });
  });

  it('reports a pause before a skip the user asked for', () => {
    expect(decidePurchase(plan({ status: 'PAUSED', skipSlots: [SLOT] }), SLOT)).toEqual(
      skipped('The plan is paused.'),
    );
  });
});
