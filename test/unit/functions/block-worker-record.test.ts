/**
 * How the block worker records one member's purchase when its transaction is cancelled: only a
 * failed condition moves it to a lesser variant; a conflict with another write of the same item
 * (two purchases of one saver posting to the same holdings at once) tries the same one again.
 * DynamoDB Local serializes transactions, so these cancellations are played by a stand-in client.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { recordMemberPurchase, type MemberItem } from '../../../functions/block-worker/store.ts';

const MEMBER: MemberItem = {
  ownerPlan: 'u1#p1',
  scheduledFor: '2027-03-02T08:00:00Z',
  planId: 'p1',
  userId: 'u1',
  status: 'SUBMITTED',
  amount: '25.00',
  currency: 'EUR',
  clientOrderId: 'c1',
  blockId: 'EUR#2027-03-02T08:00:00.000Z',
  blockQuote: '2500',
  blockPart: 0,
};

const PURCHASE = {
  status: 'FILLED',
  code: null,
  reason: null,
  sats: 54_000n,
  spentMinor: 2500n,
  feeMinor: 15n,
  unspentMinor: 0n,
  amount: '25.00',
  averagePrice: '46000.00',
  exchangeOrderId: 'o1',
  blockClientOrderId: 'b1',
  blockSize: 3,
  blockShare: '0.33333333',
} as const;

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

/** A client that answers each transaction with the next of `answers` (undefined: success). */
function standIn(answers: (Error | undefined)[]) {
  const sent: { items: number; expression: string }[] = [];
  const dynamodb = {
    send: (command: { input: { TransactItems: { Update: { UpdateExpression: string } }[] } }) => {
      const items = command.input.TransactItems;
      sent.push({ items: items.length, expression: items[1]?.Update.UpdateExpression ?? '' });
      const answer = answers.shift();
      return answer === undefined ? Promise.resolve({}) : Promise.reject(answer);
    },
  } as unknown as DynamoDBDocumentClient;
  return { tables: { dynamodb, executionsTable: 'executions', plansTable: 'plans' }, sent };
}

describe('recording a member’s purchase', () => {
  it('tries the same transaction again after a conflict, never one without the plan’s totals', async () => {
    const { tables, sent } = standIn([
      cancelled('None', 'None', 'TransactionConflict'),
      cancelled('None', 'TransactionConflict', 'None'),
      undefined,
    ]);
    expect(await recordMemberPurchase(tables, MEMBER, PURCHASE, 'now')).toBe(true);
    expect(sent.map(({ items, expression }) => [items, expression.includes('lastRunAt')])).toEqual([
      [3, true],
      [3, true],
      [3, true],
    ]);
  });

  it('records without the last run when the plan’s condition failed, and stops when the run is final', async () => {
    const { tables, sent } = standIn([cancelled('None', 'ConditionalCheckFailed', 'None')]);
    expect(await recordMemberPurchase(tables, MEMBER, PURCHASE, 'now')).toBe(true);
    expect(sent.map(({ items, expression }) => [items, expression.includes('lastRunAt')])).toEqual([
      [3, true],
      [3, false],
    ]);
    const final = standIn([cancelled('ConditionalCheckFailed', 'None', 'None')]);
    expect(await recordMemberPurchase(final.tables, MEMBER, PURCHASE, 'now')).toBe(false);
    expect(final.sent).toHaveLength(1);
  });

  it('gives up with the error after five conflicts in a row, so the message comes back', async () => {
    const conflict = () => cancelled('None', 'None', 'TransactionConflict');
    const { tables, sent } = standIn([conflict(), conflict(), conflict(), conflict(), conflict()]);
    await expect(recordMemberPurchase(tables, MEMBER, PURCHASE, 'now')).rejects.toThrow(
      TransactionCanceledException,
    );
    expect(sent).toHaveLength(5);
  });
});
