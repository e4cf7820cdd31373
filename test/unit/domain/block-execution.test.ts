/**
 * The block worker's pure rules: how members are split into parts (one order each), how a
 * member's share reads, what a member's decision and a part's order mean for its members, and when
 * a waiting block comes back.
 */
import { describe, expect, it } from 'vitest';
import {
  assignParts,
  blockRetryDelaySeconds,
  decideMember,
  orderLimitMinor,
  OverspendError,
  partialFillReason,
  partOutcome,
  shareOf,
} from '#domain/block-execution.ts';
import { ExchangeUnknownOutcomeError, type ExchangeOrder } from '#domain/exchange.ts';
import { DEFAULT_FLAGS } from '#domain/flags.ts';
import { retryDelayMs } from '#domain/retry-backoff.ts';
import type { PlanForDecision } from '#domain/purchase-decision.ts';

describe('orderLimitMinor', () => {
  it("takes the lower of the market's maximum and the stack's", () => {
    expect(orderLimitMinor(500_000n, '250000')).toBe(250_000n);
    expect(orderLimitMinor(100_000n, '250000')).toBe(100_000n);
  });

  it('is whichever is set, or null when neither is', () => {
    expect(orderLimitMinor(undefined, '250000')).toBe(250_000n);
    expect(orderLimitMinor(90n, undefined)).toBe(90n);
    expect(orderLimitMinor(undefined, undefined)).toBeNull();
  });
});

describe('assignParts', () => {
  const members = [
    { id: 'c', quote: 40n },
    { id: 'a', quote: 50n },
    { id: 'b', quote: 30n },
    { id: 'd', quote: 20n },
  ];

  it('puts every member in part 0 when nothing limits an order', () => {
    expect(assignParts(members, null)).toEqual(
      new Map([
        ['a', 0],
        ['b', 0],
        ['c', 0],
        ['d', 0],
      ]),
    );
  });

  it('opens a new part, in id order, only where the current one would exceed the limit', () => {
    // a 50 + b 30 = 80; + c 40 > 100: part 1 with c 40 + d 20 = 60.
    expect(assignParts(members, 100n)).toEqual(
      new Map([
        ['a', 0],
        ['b', 0],
        ['c', 1],
        ['d', 1],
      ]),
    );
  });

  it('gives a member above the limit a part of its own rather than splitting it', () => {
    expect(
      assignParts(
        [
          { id: 'a', quote: 10n },
          { id: 'b', quote: 500n },
          { id: 'c', quote: 10n },
        ],
        100n,
      ),
    ).toEqual(
      new Map([
        ['a', 0],
        ['b', 1],
        ['c', 2],
      ]),
    );
  });

  it('is the same whatever order the members come in', () => {
    expect(assignParts([...members].reverse(), 100n)).toEqual(assignParts(members, 100n));
  });

  it('continues from the last part an interrupted seal filled, keeping what it placed', () => {
    const sealed = [
      { id: 'a', quote: 50n, part: 0 },
      { id: 'b', quote: 30n, part: 1 },
    ];
    expect(
      assignParts(
        [
          { id: 'c', quote: 60n },
          { id: 'd', quote: 20n },
        ],
        100n,
        sealed,
      ),
    ).toEqual(
      new Map([
        ['c', 1],
        ['d', 2],
      ]),
    );
  });
});

describe('shareOf', () => {
  it('is the quote over the part quote with 8 decimal places', () => {
    expect(shareOf(2500n, 10_000n)).toBe('0.25000000');
    expect(shareOf(10_000n, 10_000n)).toBe('1.00000000');
  });

  it('rounds down', () => {
    expect(shareOf(1n, 3n)).toBe('0.33333333');
    expect(shareOf(2n, 3n)).toBe('0.66666666');
  });

  it('refuses a quote above the part quote', () => {
    expect(() => shareOf(4n, 3n)).toThrow(RangeError);
  });
});

describe('decideMember', () => {
  const SLOT = '2026-11-24T08:00:00.000Z';
  const plan: PlanForDecision = {
    status: 'ACTIVE',
    amount: '25.00',
    currency: 'EUR',
    schedule: {
      frequency: 'WEEKLY',
      timeOfDay: '09:00',
      timezone: 'Europe/Berlin',
      dayOfWeek: 2,
      startDate: '2026-11-01',
    },
  };
  const member = { scheduledFor: SLOT, amount: '25.00', currency: 'EUR' };
  const context = {
    flags: DEFAULT_FLAGS,
    userId: 'user-1',
    nowMs: Date.parse(SLOT) + 60_000,
    windowMs: 6 * 3_600_000,
  };

  it('buys for an active plan whose slot this is', () => {
    expect(decideMember(plan, member, context)).toEqual({ action: 'BUY' });
  });

  it('skips a paused plan with PLAN_PAUSED, as a per-slot run does', () => {
    expect(decideMember({ ...plan, status: 'PAUSED' }, member, context)).toEqual({
      action: 'SKIP',
      code: 'PLAN_PAUSED',
      reason: 'The plan is paused.',
    });
  });

  it('skips a deleted plan with PLAN_DELETED', () => {
    expect(decideMember(null, member, context)).toEqual({
      action: 'SKIP',
      code: 'PLAN_DELETED',
      reason: 'The plan was deleted before this run.',
    });
  });

  it('skips with PURCHASES_DISABLED while the kill switch is off', () => {
    expect(
      decideMember(plan, member, {
        ...context,
        flags: { ...DEFAULT_FLAGS, purchasesEnabled: false },
      }),
    ).toEqual({
      action: 'SKIP',
      code: 'PURCHASES_DISABLED',
      reason: 'Purchases are paused for maintenance; this run did not buy and nothing was spent.',
    });
  });

  it('holds the amount the member joined with to the per-run maximum, not the plan’s current one', () => {
    expect(
      decideMember(
        { ...plan, amount: '10.00' },
        { ...member, amount: '30.00' },
        { ...context, flags: { ...DEFAULT_FLAGS, maxAmountPerRun: '20.00' } },
      ),
    ).toEqual({
      action: 'FAIL',
      code: 'AMOUNT_ABOVE_LIMIT',
      reason:
        "30.00 EUR is above the current limit for EUR purchases of 20.00 EUR; lower the plan's amount to keep buying.",
    });
  });

  it('fails a member whose purchase window has passed with WINDOW_EXPIRED', () => {
    expect(
      decideMember(plan, member, { ...context, nowMs: Date.parse(SLOT) + 6 * 3_600_000 + 1 }),
    ).toEqual({
      action: 'FAIL',
      code: 'WINDOW_EXPIRED',
      reason:
        'The purchase could not be made within 6 hours of its scheduled time; nothing was spent and the next run goes ahead as planned.',
    });
  });
});

describe('partOutcome', () => {
  const order: ExchangeOrder = {
    exchangeOrderId: 'order-1',
    clientOrderId: 'client-1',
    currency: 'EUR',
    status: 'FILLED',
    quoteMinor: 10_000n,
    filledSats: 216_000n,
    spentMinor: 10_000n,
    feeMinor: 60n,
    averagePriceMinor: 4_600_000n,
    createdAt: '2026-11-24T08:01:05.000Z',
  };

  it('is the fill to allocate, with the average price as a decimal string', () => {
    expect(partOutcome(order, 10_000n, 2)).toEqual({
      status: 'FILLED',
      exchangeOrderId: 'order-1',
      filledSats: 216_000n,
      spentMinor: 10_000n,
      feeMinor: 60n,
      averagePrice: '46000.00',
    });
  });

  it('keeps a partial fill partial', () => {
    expect(
      partOutcome({ ...order, status: 'PARTIALLY_FILLED', spentMinor: 5000n }, 10_000n, 2),
    ).toMatchObject({ status: 'PARTIALLY_FILLED', spentMinor: 5000n });
  });

  it('is a rejection when the order was cancelled with nothing filled', () => {
    expect(
      partOutcome({ ...order, status: 'CANCELLED', filledSats: 0n, spentMinor: 0n }, 10_000n, 2),
    ).toEqual({
      status: 'REJECTED',
      code: 'REJECTED',
      reason: 'The exchange cancelled the order before any of it was filled. Nothing was spent.',
    });
  });

  it('is no outcome yet while the order is open', () => {
    expect(() => partOutcome({ ...order, status: 'OPEN' }, 10_000n, 2)).toThrow(
      ExchangeUnknownOutcomeError,
    );
  });

  it("refuses an order that spent more than the part's quote", () => {
    expect(() => partOutcome({ ...order, spentMinor: 10_001n }, 10_000n, 2)).toThrow(
      OverspendError,
    );
  });
});

describe('partialFillReason', () => {
  it('says what the member was charged of what it contributed', () => {
    expect(partialFillReason(1250n, 2500n, 'EUR', 2)).toBe(
      'Only 12.50 EUR of 25.00 EUR could be bought: the exchange could not fill the whole order. The rest was not spent.',
    );
  });
});

describe('blockRetryDelaySeconds', () => {
  it('backs off from about a minute, never beyond the longest SQS delay', () => {
    expect(blockRetryDelaySeconds(1, 'block')).toBe(Math.ceil(retryDelayMs(1, 'block') / 1000));
    expect(blockRetryDelaySeconds(20, 'block')).toBe(Math.ceil(retryDelayMs(20, 'block') / 1000));
    expect(Math.ceil(retryDelayMs(20, 'block') / 1000)).toBeLessThanOrEqual(900);
  });

  it('waits at least as long as the exchange asked, capped at 900 s', () => {
    expect(blockRetryDelaySeconds(1, 'block', 300)).toBe(300);
    expect(blockRetryDelaySeconds(1, 'block', 5000)).toBe(900);
  });
});
