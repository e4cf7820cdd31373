/**
 * The daily reconciliation matches a block order (aggregated execution) through its part item and
 * the members found in the `blockMembers` index, on DynamoDB Local and the paper exchange: exact
 * allocations reconcile, one satoshi more than the fill is a break.
 */
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateBlock } from '#domain/block-allocation.ts';
import { LocalClock } from '#local/clock.ts';
import type { LocalStack } from '#local/stack.ts';
import {
  blockClientOrderId,
  blockMemberKey,
  blockPartKey,
  BLOCK_PART_STATUS,
} from '#shared/blocks.ts';
import { orderDayKey, ownerPlanKey } from '#shared/tables.ts';
import { reconcileDay } from '../../support/purchases.ts';
import { startTestStack } from '../../support/stack.ts';

const DAY = '2027-10-05';
const BLOCK = 'EUR#2027-10-05T08:00:00.000Z';
const SLOT = '2027-10-05T08:00:00Z';
const MEMBERS = [
  { id: '01KAQ9ZP1VYV3M9S6N1E2B3C4D', userId: 'kim', quote: '1000' },
  { id: '01KAQ9ZP1VYV3M9S6N1E2B3C4E', userId: 'lea', quote: '2500' },
];

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ clock: new LocalClock(new Date(`${DAY}T08:01:00Z`)) });
});

afterAll(async () => {
  expect(stack.accessViolations()).toEqual([]);
  await stack.stop();
});

/** A decimal string of the paper exchange as integer units. */
const units = (decimal: string) => BigInt(decimal.replace('.', ''));

async function put(item: Record<string, unknown>): Promise<void> {
  await stack.dynamodb.send(
    new PutItemCommand({ TableName: stack.tableNames.executions, Item: marshall(item) }),
  );
}

describe('reconciling a block order', () => {
  it('matches its exact allocations, then reports one satoshi allocated beyond the fill', async () => {
    const clientOrderId = blockClientOrderId(BLOCK, 0);
    const response = await fetch(`${stack.url}/_local/exchange/api/orders`, {
      method: 'POST',
      body: JSON.stringify({ clientOrderId, currency: 'EUR', quote: '35.00' }),
    });
    const order = (await response.json()) as {
      orderId: string;
      filledSize: string;
      spent: string;
      fee: string;
    };
    const fill = {
      base: units(order.filledSize),
      spent: units(order.spent),
      fee: units(order.fee),
    };
    await put({
      ...blockPartKey(BLOCK, 0),
      status: BLOCK_PART_STATUS.ALLOCATED,
      clientOrderId,
      orderDay: orderDayKey(`${DAY}T08:00:06.000Z`, BLOCK),
      quoteMinor: '3500',
      memberCount: MEMBERS.length,
      exchangeOrderId: order.orderId,
      filledSats: fill.base.toString(),
      spentMinor: fill.spent.toString(),
      feeMinor: fill.fee.toString(),
    });
    const allocations = allocateBlock(
      MEMBERS.map((member) => ({ id: member.id, quote: member.quote })),
      // The exchange's spend includes its fee; the allocation shares the two apart.
      {
        base: fill.base.toString(),
        spent: (fill.spent - fill.fee).toString(),
        fee: fill.fee.toString(),
      },
    );
    for (const [index, member] of MEMBERS.entries()) {
      const allocation = allocations[index];
      if (allocation === undefined) throw new Error('no allocation');
      await put({
        ownerPlan: ownerPlanKey(member.userId, member.id),
        scheduledFor: SLOT,
        planId: member.id,
        userId: member.userId,
        status: 'FILLED',
        currency: 'EUR',
        clientOrderId: `slot-${member.id}`,
        blockId: BLOCK,
        blockMember: blockMemberKey(BLOCK, member.id),
        blockPart: 0,
        blockClientOrderId: clientOrderId,
        btcAcquired: allocation.base,
        // A run's `spent` includes its fee, as a single run's does.
        spent: (BigInt(allocation.spent) + BigInt(allocation.fee)).toString(),
        fee: allocation.fee,
      });
    }

    await expect(reconcileDay(stack, DAY)).resolves.toEqual({
      day: DAY,
      exchangeOrders: 1,
      ledgerEntries: 1,
      matched: 1,
      breaks: [],
    });

    const [first] = MEMBERS;
    await stack.dynamodb.send(
      new UpdateItemCommand({
        TableName: stack.tableNames.executions,
        Key: marshall({ ownerPlan: ownerPlanKey('kim', first?.id ?? ''), scheduledFor: SLOT }),
        UpdateExpression: 'SET btcAcquired = :more',
        ExpressionAttributeValues: marshall({
          ':more': (BigInt(allocations[0]?.base ?? '0') + 1n).toString(),
        }),
      }),
    );
    const result = await reconcileDay(stack, DAY);
    expect(
      result.breaks.map((found) => [found.kind, found.clientOrderId, found.differences]),
    ).toEqual([
      [
        'ALLOCATION_MISMATCH',
        clientOrderId,
        { btcAcquired: { ledger: (fill.base + 1n).toString(), exchange: fill.base.toString() } },
      ],
    ]);
  }, 300_000);
});
