/**
 * Daily reconciliation: every way the exchange and the ledger can disagree is a break, and a day
 * where they agree has none. The day is 2026-11-24 (UTC).
 */
import { describe, expect, it } from 'vitest';
import type { ExchangeOrder } from '#domain/exchange.ts';
import { dayBounds, previousDay, reconcile, type LedgerEntry } from '#domain/reconciliation.ts';

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
