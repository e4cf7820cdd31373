/**
 * Daily reconciliation: every way the exchange and the ledger can disagree is a break, and a day
 * where they agree has none. The day is 2026-11-24 (UTC).
 */
import { describe, expect, it } from 'vitest';
import type { ExchangeOrder } from '#domain/exchange.ts';
import {
  dayBounds,
  previousDay,
  reconcile,
  type BlockPartEntry,
  type LedgerEntry,
  type MemberAllocation,
} from '#domain/reconciliation.ts';

const DAY = '2026-11-24';

const order = (overrides: Partial<ExchangeOrder> = {}): ExchangeOrder => ({
  exchangeOrderId: 'x-1',
  clientOrderId: 'c-1',
  currency: 'EUR',
  status: 'FILLED',
  quoteMinor: 2500n,
  filledSats: 54_021n,
  spentMinor: 2500n,
  feeMinor: 15n,
  averagePriceMinor: 4_600_000n,
  createdAt: '2026-11-24T08:00:01.000Z',
  ...overrides,
});

const entry = (overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
  planId: 'p-1',
  userId: 'u-1',
  scheduledFor: '2026-11-24T08:00:00Z',
  clientOrderId: 'c-1',
  status: 'FILLED',
  submittedAt: '2026-11-24T08:00:00.500Z',
  exchangeOrderId: 'x-1',
  btcAcquired: '54021',
  spent: '2500',
  fee: '15',
  ...overrides,
});

describe('reconcile', () => {
  it('finds no break when every fill matches its ledger entry', () => {
    expect(reconcile(DAY, [order()], [entry()])).toEqual({
      day: DAY,
      exchangeOrders: 1,
      ledgerEntries: 1,
      matched: 1,
      breaks: [],
    });
  });

  it('reports two fills for one client order id as a DUPLICATE_ORDER', () => {
    const result = reconcile(DAY, [order(), order({ exchangeOrderId: 'x-2' })], [entry()]);
    expect(result.breaks).toEqual([
      {
        kind: 'DUPLICATE_ORDER',
        clientOrderId: 'c-1',
        planId: 'p-1',
        userId: 'u-1',
        scheduledFor: '2026-11-24T08:00:00Z',
        ledgerStatus: 'FILLED',
        exchangeOrderIds: ['x-1', 'x-2'],
        differences: {},
        message: 'The exchange filled 2 orders for one slot.',
      },
    ]);
    expect(result.matched).toBe(0);
  });

  it('reports a fill the ledger does not know as an UNKNOWN_ORDER', () => {
    const result = reconcile(DAY, [order({ clientOrderId: 'manual' })], []);
    expect(result.breaks).toEqual([
      {
        kind: 'UNKNOWN_ORDER',
        clientOrderId: 'manual',
        planId: null,
        userId: null,
        scheduledFor: null,
        ledgerStatus: null,
        exchangeOrderIds: ['x-1'],
        differences: {},
        message: 'The exchange has a fill the ledger does not know.',
      },
    ]);
  });

  it.each(['FAILED', 'SUBMITTED', 'PENDING', 'SKIPPED'])(
    'reports a fill whose ledger entry says %s as LEDGER_NOT_FILLED',
    (status) => {
      const [found] = reconcile(DAY, [order()], [entry({ status })]).breaks;
      expect(found).toMatchObject({
        kind: 'LEDGER_NOT_FILLED',
        ledgerStatus: status,
        message: `The exchange filled the order; the ledger says ${status}.`,
      });
    },
  );

  it('reports a purchase the exchange does not have as MISSING_ON_EXCHANGE', () => {
    const result = reconcile(DAY, [], [entry()]);
    expect(result.breaks).toEqual([
      {
        kind: 'MISSING_ON_EXCHANGE',
        clientOrderId: 'c-1',
        planId: 'p-1',
        userId: 'u-1',
        scheduledFor: '2026-11-24T08:00:00Z',
        ledgerStatus: 'FILLED',
        exchangeOrderIds: [],
        differences: {},
        message: 'The ledger records a purchase the exchange does not have.',
      },
    ]);
  });

  it('reports every differing figure of a fill as an AMOUNT_MISMATCH', () => {
    const result = reconcile(DAY, [order({ filledSats: 54_000n, feeMinor: 16n })], [entry()]);
    expect(result.breaks).toHaveLength(1);
    expect(result.breaks[0]).toMatchObject({
      kind: 'AMOUNT_MISMATCH',
      differences: {
        btcAcquired: { ledger: '54021', exchange: '54000' },
        fee: { ledger: '15', exchange: '16' },
      },
    });
  });

  it('matches a partial fill recorded as PARTIALLY_FILLED', () => {
    const partial = order({
      status: 'PARTIALLY_FILLED',
      spentMinor: 1000n,
      filledSats: 21_608n,
      feeMinor: 6n,
    });
    const recorded = entry({
      status: 'PARTIALLY_FILLED',
      spent: '1000',
      btcAcquired: '21608',
      fee: '6',
    });
    expect(reconcile(DAY, [partial], [recorded]).breaks).toEqual([]);
  });

  it('ignores orders that filled nothing, and failed runs without a fill', () => {
    const cancelled = order({ status: 'CANCELLED', filledSats: 0n, spentMinor: 0n, feeMinor: 0n });
    expect(reconcile(DAY, [cancelled], [entry({ status: 'FAILED' })]).breaks).toEqual([]);
  });

  it('matches across midnight: an order sent at 23:59:59.9 that the exchange dates the next day', () => {
    const late = entry({ submittedAt: '2026-11-24T23:59:59.900Z' });
    const nextDay = order({ createdAt: '2026-11-25T00:00:00.200Z' });
    expect(reconcile(DAY, [nextDay], [late])).toMatchObject({
      breaks: [],
      matched: 0,
      ledgerEntries: 1,
    });
    expect(reconcile('2026-11-25', [nextDay], [late])).toMatchObject({ breaks: [], matched: 1 });
  });

  it('leaves the neighbouring days to their own reconciliation', () => {
    const yesterday = order({ clientOrderId: 'c-0', createdAt: '2026-11-23T12:00:00Z' });
    expect(reconcile(DAY, [yesterday], [])).toMatchObject({ exchangeOrders: 0, breaks: [] });
  });
});

describe('days', () => {
  it('bounds a UTC day', () => {
    expect(dayBounds('2026-11-24')).toEqual({
      start: '2026-11-24T00:00:00.000Z',
      end: '2026-11-25T00:00:00.000Z',
    });
  });

  it('refuses a day that is not YYYY-MM-DD', () => {
    expect(() => dayBounds('24.11.2026')).toThrow('a day is YYYY-MM-DD, not 24.11.2026');
  });

  it('takes the last complete UTC day', () => {
    expect(previousDay(Date.parse('2026-11-25T00:15:00Z'))).toBe('2026-11-24');
  });
});

describe('reconcile, block orders', () => {
  const BLOCK = 'EUR#2026-11-24T08:00:00.000Z';
  // 10,000 + 15,000 + 25,000 of quote: the exchange filled 108,042 sats for 500.00 EUR, 3.00 fee.
  const blockOrder = order({
    exchangeOrderId: 'bx-1',
    clientOrderId: 'b-1',
    quoteMinor: 50_000n,
    filledSats: 108_042n,
    spentMinor: 50_000n,
    feeMinor: 300n,
  });
  const member = (
    planId: string,
    btcAcquired: string,
    spent: string,
    fee: string,
  ): MemberAllocation => ({
    planId,
    userId: `u-${planId}`,
    scheduledFor: '2026-11-24T08:00:00Z',
    status: 'FILLED',
    btcAcquired,
    spent,
    fee,
  });
  const MEMBERS = [
    member('p-1', '21608', '10000', '60'),
    member('p-2', '32413', '15000', '90'),
    member('p-3', '54021', '25000', '150'),
  ];
  const part = (overrides: Partial<BlockPartEntry> = {}): BlockPartEntry => ({
    blockId: BLOCK,
    clientOrderId: 'b-1',
    status: 'ALLOCATED',
    orderDay: DAY,
    memberCount: 3,
    exchangeOrderId: 'bx-1',
    filledSats: '108042',
    spentMinor: '50000',
    feeMinor: '300',
    members: MEMBERS,
    ...overrides,
  });

  it('matches a block order whose members’ allocations add up to its fill exactly', () => {
    expect(reconcile(DAY, [blockOrder, order()], [entry()], [part()])).toEqual({
      day: DAY,
      exchangeOrders: 2,
      ledgerEntries: 2,
      matched: 2,
      breaks: [],
    });
  });

  it('reports one satoshi allocated beyond the fill as an ALLOCATION_MISMATCH', () => {
    const members = [member('p-1', '21609', '10000', '60'), ...MEMBERS.slice(1)];
    expect(reconcile(DAY, [blockOrder], [], [part({ members })]).breaks).toEqual([
      {
        kind: 'ALLOCATION_MISMATCH',
        clientOrderId: 'b-1',
        planId: null,
        userId: null,
        scheduledFor: null,
        ledgerStatus: 'ALLOCATED',
        exchangeOrderIds: ['bx-1'],
        differences: { btcAcquired: { ledger: '108043', exchange: '108042' } },
        message: `Block ${BLOCK}: its 3 allocations do not add up to the fill of its 3 members.`,
      },
    ]);
  });

  it('reports a member without its allocation as an ALLOCATION_MISMATCH naming the count and the sums', () => {
    const result = reconcile(DAY, [blockOrder], [], [part({ members: MEMBERS.slice(0, 2) })]);
    expect(result.matched).toBe(0);
    expect(result.breaks).toEqual([
      {
        kind: 'ALLOCATION_MISMATCH',
        clientOrderId: 'b-1',
        planId: null,
        userId: null,
        scheduledFor: null,
        ledgerStatus: 'ALLOCATED',
        exchangeOrderIds: ['bx-1'],
        differences: {
          members: { ledger: '2', exchange: '3' },
          btcAcquired: { ledger: '54021', exchange: '108042' },
          spent: { ledger: '25000', exchange: '50000' },
          fee: { ledger: '150', exchange: '300' },
        },
        message: `Block ${BLOCK}: its 2 allocations do not add up to the fill of its 3 members.`,
      },
    ]);
  });

  it('reports a part that recorded another fill than the exchange’s as an AMOUNT_MISMATCH', () => {
    expect(
      reconcile(DAY, [blockOrder], [], [part({ filledSats: '108041' })]).breaks.map((found) => [
        found.kind,
        found.differences,
      ]),
    ).toEqual([['AMOUNT_MISMATCH', { btcAcquired: { ledger: '108041', exchange: '108042' } }]]);
  });

  it('reports a filled block order whose part is still SUBMITTED as LEDGER_NOT_FILLED', () => {
    const submitted = part({ status: 'SUBMITTED', members: [] });
    expect(reconcile(DAY, [blockOrder], [], [submitted]).breaks).toEqual([
      {
        kind: 'LEDGER_NOT_FILLED',
        clientOrderId: 'b-1',
        planId: null,
        userId: null,
        scheduledFor: null,
        ledgerStatus: 'SUBMITTED',
        exchangeOrderIds: ['bx-1'],
        differences: {},
        message: `Block ${BLOCK}: the exchange filled the block order; its part says SUBMITTED.`,
      },
    ]);
  });

  it('reports a bought part of the day that the exchange does not have as MISSING_ON_EXCHANGE', () => {
    const result = reconcile(
      DAY,
      [],
      [],
      [part(), part({ clientOrderId: 'b-2', orderDay: '2026-11-23' })],
    );
    expect(result.breaks.map((found) => [found.kind, found.clientOrderId])).toEqual([
      ['MISSING_ON_EXCHANGE', 'b-1'],
    ]);
    expect(result.ledgerEntries).toBe(1);
  });

  it('takes a failed part that sent nothing as agreeing with an exchange that has nothing', () => {
    const failed = part({ status: 'ALLOCATED', filledSats: '0', members: [] });
    expect(reconcile(DAY, [], [], [failed]).breaks).toEqual([]);
  });

  it('reports two fills for one block order as a DUPLICATE_ORDER', () => {
    expect(
      reconcile(
        DAY,
        [blockOrder, { ...blockOrder, exchangeOrderId: 'bx-2' }],
        [],
        [part()],
      ).breaks.map((found) => [found.kind, found.exchangeOrderIds]),
    ).toEqual([['DUPLICATE_ORDER', ['bx-1', 'bx-2']]]);
  });
});
