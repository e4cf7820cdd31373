/**
 * Whether a slot the scheduler fired for buys, and the exact reason the user reads when it does
 * not. The plan buys 25.00 EUR every Tuesday at 09:00 Europe/Berlin, 08:00Z in November 2026.
 */
import { describe, expect, it } from 'vitest';
import type { ScheduleSpec } from '#domain/calendar.ts';
import { DEFAULT_FLAGS } from '#domain/flags.ts';
import { userBucket } from '#domain/user-share.ts';
import {
  decidePurchase,
  type DecisionContext,
  type OutcomeCode,
  type PlanForDecision,
} from '#domain/purchase-decision.ts';

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

const skipped = (code: OutcomeCode, reason: string) => ({
  action: 'SKIP',
  code,
  reason,
  amount: '25.00',
  currency: 'EUR',
});

const buys = (amount = '25.00') => ({
  action: 'BUY',
  code: null,
  reason: null,
  amount,
  currency: 'EUR',
});

const HOUR_MS = 3_600_000;

/** A user whose bucket is below 5000 (in a 50 % share) and one whose bucket is not. */
function lowAndHigh(): { low: { user: string }; high: { user: string } } {
  const ids = Array.from({ length: 50 }, (_, index) => `user-${index}`);
  const low = ids.find((user) => userBucket('purchasesEnabledPercent', user) < 5000);
  const high = ids.find((user) => userBucket('purchasesEnabledPercent', user) >= 5000);
  if (low === undefined || high === undefined) throw new Error('no users on both sides of 50 %');
  return { low: { user: low }, high: { user: high } };
}

/** Deciding 10 minutes after the slot, with a six-hour purchase window. */
const context = (overrides: Partial<DecisionContext> = {}): DecisionContext => ({
  flags: DEFAULT_FLAGS,
  nowMs: Date.parse(SLOT) + 10 * 60_000,
  windowMs: 6 * HOUR_MS,
  ...overrides,
});

describe('decidePurchase', () => {
  it("buys the plan's amount in the plan's currency for an active plan's slot", () => {
    expect(decidePurchase(plan(), SLOT)).toEqual(buys());
  });

  it('buys the next slot after the one last run', () => {
    const ran = plan({ lastSlotAt: '2026-11-17T08:00:00Z', lastRunAt: '2026-11-17T08:00:00Z' });
    expect(decidePurchase(ran, SLOT)).toEqual(buys());
  });

  it('skips a slot of a deleted plan, with no amount or currency', () => {
    expect(decidePurchase(null, SLOT)).toEqual({
      action: 'SKIP',
      code: 'PLAN_DELETED',
      reason: 'The plan was deleted before this run.',
      amount: null,
      currency: null,
    });
  });

  it('skips a slot of a paused plan', () => {
    expect(decidePurchase(plan({ status: 'PAUSED' }), SLOT)).toEqual(
      skipped('PLAN_PAUSED', 'The plan is paused.'),
    );
  });

  it("skips, as ended, a time that is not one of an ended plan's slots", () => {
    expect(decidePurchase(plan({ status: 'ENDED' }), '2026-11-25T08:00:00Z')).toEqual(
      skipped('PLAN_ENDED', 'The plan has ended.'),
    );
  });

  it('still buys the last slot of a plan that ended while that slot was being retried', () => {
    // The sweeper or the schedule sync ends a plan with nothing ahead; its last slot, retried
    // while the exchange is down, must still buy within its window.
    const ended = plan({ status: 'ENDED', schedule: { ...tuesdays, endDate: '2026-11-24' } });
    expect(decidePurchase(ended, SLOT, context())).toEqual(buys());
    expect(
      decidePurchase({ ...ended, lastSlotAt: SLOT, lastRunAt: SLOT }, SLOT, context()),
    ).toEqual(skipped('ALREADY_HANDLED', 'This run was already handled.'));
  });

  it.each([
    ['an array', [SLOT]],
    ['a Set', new Set([SLOT])],
  ] as const)('skips a slot the user chose to skip, held in %s', (_kind, skipSlots) => {
    expect(decidePurchase(plan({ skipSlots }), SLOT)).toEqual(
      skipped('SKIPPED_BY_USER', 'You chose to skip this run.'),
    );
  });

  it.each([
    ['an array', ['2026-12-01T08:00:00Z']],
    ['a Set', new Set(['2026-12-01T08:00:00Z'])],
  ] as const)('buys a slot when only another one is skipped, held in %s', (_kind, skipSlots) => {
    expect(decidePurchase(plan({ skipSlots }), SLOT)).toEqual(buys());
  });

  it('skips the slot the plan already finished (a redelivery)', () => {
    const done = plan({ lastSlotAt: SLOT, lastRunAt: SLOT });
    expect(decidePurchase(done, SLOT)).toEqual(
      skipped('ALREADY_HANDLED', 'This run was already handled.'),
    );
  });

  it('skips a slot older than the one the plan already finished', () => {
    const done = plan({ lastSlotAt: '2026-12-01T08:00:00Z', lastRunAt: '2026-12-01T08:00:00Z' });
    expect(decidePurchase(done, SLOT)).toEqual(
      skipped('ALREADY_HANDLED', 'This run was already handled.'),
    );
  });

  it.each([
    ['the weekday changed', { ...tuesdays, dayOfWeek: 3 }],
    ['the time of day changed', { ...tuesdays, timeOfDay: '10:00' }],
    ['the time zone changed', { ...tuesdays, timezone: 'Europe/London' }],
    ['the plan now ends before the slot', { ...tuesdays, endDate: '2026-11-23' }],
    ['the plan now starts after the slot', { ...tuesdays, startDate: '2026-11-25' }],
  ])('skips a slot the schedule no longer has because %s', (_case, schedule) => {
    expect(decidePurchase(plan({ schedule }), SLOT)).toEqual(
      skipped(
        'SCHEDULE_CHANGED',
        'The plan\u2019s schedule changed, so this run was no longer planned.',
      ),
    );
  });

  it('skips a slot in a week that already had a run (Monday run, changed to Wednesday)', () => {
    const changed = plan({
      schedule: { ...tuesdays, dayOfWeek: 3 },
      lastSlotAt: '2026-11-23T08:00:00Z',
      lastRunAt: '2026-11-23T08:00:00Z',
    });
    expect(decidePurchase(changed, '2026-11-25T08:00:00Z')).toEqual(
      skipped('PERIOD_ALREADY_RAN', 'A purchase already ran in this period.'),
    );
  });

  it('buys a slot in a week whose earlier slot was skipped rather than run', () => {
    const changed = plan({
      schedule: { ...tuesdays, dayOfWeek: 3 },
      lastSlotAt: '2026-11-23T08:00:00Z',
      lastRunAt: '2026-11-16T08:00:00Z',
    });
    expect(decidePurchase(changed, '2026-11-25T08:00:00Z')).toEqual(buys());
  });

  it('buys with the current amount after an edit that keeps the slot (a compatible version)', () => {
    const edited = plan({
      amount: '40.00',
      schedule: { ...tuesdays, endDate: '2027-06-30' },
      lastSlotAt: '2026-11-17T08:00:00Z',
      lastRunAt: '2026-11-17T08:00:00Z',
    });
    expect(decidePurchase(edited, SLOT)).toEqual(buys('40.00'));
  });

  it('reports a pause before a skip the user asked for', () => {
    expect(decidePurchase(plan({ status: 'PAUSED', skipSlots: [SLOT] }), SLOT)).toEqual(
      skipped('PLAN_PAUSED', 'The plan is paused.'),
    );
  });

  it('skips with PURCHASES_DISABLED while the kill switch is off, and spends nothing', () => {
    const off = context({ flags: { ...DEFAULT_FLAGS, purchasesEnabled: false } });
    expect(decidePurchase(plan(), SLOT, off)).toEqual(
      skipped(
        'PURCHASES_DISABLED',
        'Purchases are paused for maintenance; this run did not buy and nothing was spent.',
      ),
    );
  });

  describe('with purchases on for a share of users', () => {
    const share = (percent: string, userId?: string) =>
      context({ flags: { ...DEFAULT_FLAGS, purchasesEnabledPercent: percent }, userId });
    const GRADUAL = skipped(
      'PURCHASES_DISABLED',
      'Purchases are being switched back on gradually and have not reached this plan yet; this run did not buy and nothing was spent.',
    );
    const { low: LOW, high: HIGH } = lowAndHigh();

    it('buys for a user in the share', () => {
      expect(decidePurchase(plan(), SLOT, share('50', LOW.user))).toEqual(buys());
    });

    it('skips with PURCHASES_DISABLED, saying why, for a user outside the share', () => {
      expect(decidePurchase(plan(), SLOT, share('50', HIGH.user))).toEqual(GRADUAL);
    });

    it('buys for every user at 100 and for nobody at 0', () => {
      expect(decidePurchase(plan(), SLOT, share('100', HIGH.user))).toEqual(buys());
      expect(decidePurchase(plan(), SLOT, share('0', LOW.user))).toEqual(GRADUAL);
    });

    it('reports the kill switch rather than the share when both hold', () => {
      const off = context({
        flags: { ...DEFAULT_FLAGS, purchasesEnabled: false, purchasesEnabledPercent: '0' },
        userId: LOW.user,
      });
      expect(decidePurchase(plan(), SLOT, off)).toEqual(
        skipped(
          'PURCHASES_DISABLED',
          'Purchases are paused for maintenance; this run did not buy and nothing was spent.',
        ),
      );
    });

    it('buys without a user only when the share is 100: a share it cannot check never buys', () => {
      expect(decidePurchase(plan(), SLOT, share('100.00'))).toEqual(buys());
      expect(decidePurchase(plan(), SLOT, share('99.99'))).toEqual(GRADUAL);
    });
  });

  it('reports a paused plan rather than the kill switch', () => {
    const off = context({ flags: { ...DEFAULT_FLAGS, purchasesEnabled: false } });
    expect(decidePurchase(plan({ status: 'PAUSED' }), SLOT, off)).toEqual(
      skipped('PLAN_PAUSED', 'The plan is paused.'),
    );
  });

  it('fails a run above the maximum amount per run with AMOUNT_ABOVE_LIMIT', () => {
    const limited = context({ flags: { ...DEFAULT_FLAGS, maxAmountPerRun: '20.00' } });
    expect(decidePurchase(plan(), SLOT, limited)).toEqual({
      action: 'FAIL',
      code: 'AMOUNT_ABOVE_LIMIT',
      reason:
        "25.00 EUR is above the current limit for EUR purchases of 20.00 EUR; lower the plan's amount to keep buying.",
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it.each(['25.00', '25', '500.00'])('buys an amount at or below a maximum of %s', (max) => {
    const limited = context({ flags: { ...DEFAULT_FLAGS, maxAmountPerRun: max } });
    expect(decidePurchase(plan(), SLOT, limited)).toEqual(buys());
  });

  it("fails a run above its currency's own maximum, naming that maximum, under a higher global one", () => {
    const limited = context({
      flags: {
        ...DEFAULT_FLAGS,
        maxAmountPerRun: '100.00',
        maxAmountPerRunByCurrency: { EUR: '5.00' },
      },
    });
    expect(decidePurchase(plan(), SLOT, limited)).toEqual({
      action: 'FAIL',
      code: 'AMOUNT_ABOVE_LIMIT',
      reason:
        "25.00 EUR is above the current limit for EUR purchases of 5.00 EUR; lower the plan's amount to keep buying.",
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it("fails a run above a lowered global maximum, even within its currency's own", () => {
    const limited = context({
      flags: {
        ...DEFAULT_FLAGS,
        maxAmountPerRun: '20.00',
        maxAmountPerRunByCurrency: { EUR: '25.00' },
      },
    });
    expect(decidePurchase(plan(), SLOT, limited)).toEqual({
      action: 'FAIL',
      code: 'AMOUNT_ABOVE_LIMIT',
      reason:
        "25.00 EUR is above the current limit for EUR purchases of 20.00 EUR; lower the plan's amount to keep buying.",
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it("holds a currency without its own maximum to the global one, not another currency's", () => {
    const limited = context({
      flags: {
        ...DEFAULT_FLAGS,
        maxAmountPerRun: '20.00',
        maxAmountPerRunByCurrency: { GBP: '500.00' },
      },
    });
    expect(decidePurchase(plan(), SLOT, limited).code).toBe('AMOUNT_ABOVE_LIMIT');
  });

  it('fails a run decided after its purchase window with WINDOW_EXPIRED', () => {
    const late = context({ nowMs: Date.parse(SLOT) + 6 * HOUR_MS + 1 });
    expect(decidePurchase(plan(), SLOT, late)).toEqual({
      action: 'FAIL',
      code: 'WINDOW_EXPIRED',
      reason:
        'The purchase could not be made within 6 hours of its scheduled time; nothing was spent and the next run goes ahead as planned.',
      amount: '25.00',
      currency: 'EUR',
    });
  });

  it('buys a run decided exactly at the end of its purchase window', () => {
    const last = context({ nowMs: Date.parse(SLOT) + 6 * HOUR_MS });
    expect(decidePurchase(plan(), SLOT, last)).toEqual(buys());
  });

  it('says "1 hour" for a one-hour window', () => {
    const late = context({ nowMs: Date.parse(SLOT) + 2 * HOUR_MS, windowMs: HOUR_MS });
    expect(decidePurchase(plan(), SLOT, late).reason).toBe(
      'The purchase could not be made within 1 hour of its scheduled time; nothing was spent and the next run goes ahead as planned.',
    );
  });
});
