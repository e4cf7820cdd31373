/**
 * The aggregated benchmark's check (`scripts/lib/block-report.ts`): exchange orders matched to
 * blocks by their parts' client order ids, the most orders one market and window got, and a block
 * split into more orders than `maxOrderAmount` requires.
 */
import { describe, expect, it } from 'vitest';
import { blockClientOrderId } from '#shared/blocks.ts';
import { parseExecutionSettings } from '#shared/execution-settings.ts';
import { blockReport } from '../../../scripts/lib/block-report.ts';

const EUR = 'EUR#2027-03-02T08:00:00.000Z';
const USD = 'USD#2027-03-02T08:00:00.000Z';
const member = (planId: string, blockId: string, quote: string) => ({
  ownerPlan: `u#${planId}`,
  scheduledFor: '2027-03-02T08:00:00.000Z',
  planId,
  status: 'FILLED',
  blockId,
  blockQuote: quote,
});
const part = (blockId: string, index: number) => ({
  ownerPlan: `block#${blockId}`,
  scheduledFor: String(index).padStart(3, '0'),
  status: 'ALLOCATED',
});
const order = (blockId: string, index: number) => ({
  clientOrderId: blockClientOrderId(blockId, index),
});
const aggregated = parseExecutionSettings({ mode: 'aggregated' });

describe('blockReport', () => {
  it('counts one order per market and window, and no per-slot order', () => {
    const ledger = [
      member('p-1', EUR, '2500'),
      member('p-2', EUR, '1000'),
      member('p-3', USD, '2500'),
      part(EUR, 0),
      part(USD, 0),
      { ownerPlan: 'block#EUR', scheduledFor: '2027-03-02T08:00:00.000Z', status: 'DONE' },
    ];
    expect(blockReport(ledger, [order(EUR, 0), order(USD, 0)], aggregated)).toEqual({
      blocks: 2,
      members: 3,
      maxOrdersPerBlock: 1,
      ordersOutsideBlocks: 0,
      oversplit: [],
    });
  });

  it('finds a block split into two orders with no maxOrderAmount, and an order outside any block', () => {
    const ledger = [member('p-1', EUR, '2500'), part(EUR, 0), part(EUR, 1)];
    expect(
      blockReport(ledger, [order(EUR, 0), order(EUR, 1), { clientOrderId: 'c-1' }], aggregated),
    ).toEqual({
      blocks: 1,
      members: 1,
      maxOrdersPerBlock: 2,
      ordersOutsideBlocks: 1,
      oversplit: [{ blockId: EUR, orders: 2, allowed: 1 }],
    });
  });

  it('allows as many orders as maxOrderAmount splits the members’ quotes into', () => {
    const limited = parseExecutionSettings({
      mode: 'aggregated',
      maxOrderAmount: { EUR: '30.00' },
    });
    const ledger = [
      member('p-1', EUR, '2500'),
      member('p-2', EUR, '2500'),
      part(EUR, 0),
      part(EUR, 1),
      part(EUR, 2),
    ];
    expect(blockReport(ledger, [order(EUR, 0), order(EUR, 1)], limited).oversplit).toEqual([]);
    expect(
      blockReport(ledger, [order(EUR, 0), order(EUR, 1), order(EUR, 2)], limited).oversplit,
    ).toEqual([{ blockId: EUR, orders: 3, allowed: 2 }]);
  });

  it('counts a duplicate of a block’s order against its market and window', () => {
    const ledger = [member('p-1', EUR, '2500'), part(EUR, 0)];
    expect(blockReport(ledger, [order(EUR, 0), order(EUR, 0)], aggregated).maxOrdersPerBlock).toBe(
      2,
    );
  });
});
