/**
 * What the completer sends for stale runs (`functions/completer/redrive.ts`): a per-slot run goes
 * back through the retry queue; a member of a block order is never restarted, its block goes to
 * the block worker again, once per block.
 */
import { describe, expect, it } from 'vitest';
import { redrivesOf, type OpenRun } from '../../../functions/completer/redrive.ts';

const RUN: OpenRun = {
  ownerPlan: 'u#p-1',
  scheduledFor: '2027-03-02T08:00:00.000Z',
  planId: 'p-1',
  userId: 'u',
  planVersion: 2,
  clientOrderId: 'c-1',
  amount: '25.00',
  currency: 'EUR',
  status: 'PENDING',
  updatedAt: '2027-03-02T08:00:05.000Z',
  progressAt: '2027-03-02T08:00:00.000Z',
  attempts: 1,
};
const BLOCK = 'EUR#2027-03-02T08:00:00.000Z';

describe('redrivesOf', () => {
  it('restarts a stale per-slot run through the retry queue as its next attempt', () => {
    expect(redrivesOf([RUN])).toEqual({
      retries: [
        {
          planId: 'p-1',
          userId: 'u',
          version: 2,
          scheduledFor: RUN.scheduledFor,
          clientOrderId: 'c-1',
          amount: '25.00',
          currency: 'EUR',
          attempt: 2,
          error: 'completer',
        },
      ],
      blocks: [],
    });
  });

  it('never restarts a member of a block: it sends its block to the worker, once per block', () => {
    const members = [
      { ...RUN, blockId: BLOCK },
      { ...RUN, planId: 'p-2', ownerPlan: 'u#p-2', blockId: BLOCK, status: 'SUBMITTED' },
      { ...RUN, planId: 'p-3', ownerPlan: 'u#p-3', blockId: 'USD#2027-03-02T08:00:00.000Z' },
    ];
    expect(redrivesOf(members)).toEqual({
      retries: [],
      blocks: [{ blockId: BLOCK }, { blockId: 'USD#2027-03-02T08:00:00.000Z' }],
    });
  });
});
