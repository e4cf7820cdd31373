/**
 * The executions table's `open` index (keys only, by `progressAt`): a slot's claim puts its entry,
 * joining a block and sealing it leave the entry alone (no index write: they pay for the item and
 * `blockMembers` only), and the completer's query still finds the run by when it was claimed.
 * Run against DynamoDB Local with the real join and seal code and the units DynamoDB reports.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, type ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type TransactWriteCommand,
  type UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTables, LOCAL_AWS } from '#local/services/dynamodb.ts';
import { blockIdOf } from '#shared/blocks.ts';
import { executionsTable, plansTable } from '#shared/tables.ts';
import { sealMembers, type MemberItem } from '../../../functions/block-worker/store.ts';
import { joinBlock } from '../../../functions/join-block/join.ts';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';

const prefix = `t${randomUUID().slice(0, 8)}`;
const EXECUTIONS = `${prefix}-executions`;
const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: sharedDynamoDbEndpoint() });
const document = DynamoDBDocumentClient.from(client);

/** Every index a write touched, by the units DynamoDB reports for it. */
const touched: Record<string, number>[] = [];
const counting = {
  async send(command: UpdateCommand | GetCommand | TransactWriteCommand) {
    Object.assign(command.input, { ReturnConsumedCapacity: 'INDEXES' });
    const output = (await document.send(command as UpdateCommand)) as {
      ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
    };
    for (const entry of [output.ConsumedCapacity ?? []].flat()) {
      touched.push(
        Object.fromEntries(
          Object.entries(entry.GlobalSecondaryIndexes ?? {}).map(([index, units]) => [
            index,
            units.CapacityUnits ?? 0,
          ]),
        ),
      );
    }
    return output as { Item?: Record<string, unknown> };
  },
};

beforeAll(async () => {
  await ensureTables(client, [
    { table: executionsTable, name: EXECUTIONS },
    { table: plansTable, name: `${prefix}-plans` },
  ]);
});
afterAll(() => client.destroy());

const CLAIMED_AT = '2027-03-02T08:00:00.250Z';
const SLOT = {
  userId: 'u-1',
  planId: 'p-1',
  scheduledFor: '2027-03-02T08:00:00.000Z',
  amount: '25.00',
  currency: 'EUR',
  version: 1,
};
const KEY = { ownerPlan: 'u-1#p-1', scheduledFor: SLOT.scheduledFor };

describe('the open index', () => {
  it('is written by the claim, left alone by the join and the seal, and still finds the run', async () => {
    // The claim, as the workflow's ClaimSlot writes it.
    await document.send(
      new PutCommand({
        TableName: EXECUTIONS,
        Item: {
          ...KEY,
          planId: SLOT.planId,
          userId: SLOT.userId,
          status: 'PENDING',
          openShard: '7',
          clientOrderId: 'c-1',
          amount: SLOT.amount,
          currency: SLOT.currency,
          planVersion: 1,
          createdAt: CLAIMED_AT,
          updatedAt: CLAIMED_AT,
          progressAt: CLAIMED_AT,
        },
      }),
    );

    const joinedAt = Date.parse(CLAIMED_AT) + 5_000;
    const { blockId } = await joinBlock(SLOT, {
      dynamodb: counting,
      sqs: { send: async () => ({}) },
      executionsTable: EXECUTIONS,
      blockOrdersQueueUrl: 'unused',
      windowSeconds: 60,
      now: () => joinedAt,
      announced: new Map(),
    });
    expect(blockId).toBe(blockIdOf('EUR', Date.parse('2027-03-02T08:00:00.000Z')));
    const joined = (await document.send(new GetCommand({ TableName: EXECUTIONS, Key: KEY })))
      .Item as MemberItem & { updatedAt: string; progressAt: string };
    const sealedAt = new Date(joinedAt + 60_000).toISOString();
    const sealed = await sealMembers(
      {
        dynamodb: counting as unknown as DynamoDBDocumentClient,
        executionsTable: EXECUTIONS,
        plansTable: `${prefix}-plans`,
      },
      [{ member: joined, part: 0 }],
      sealedAt,
    );

    expect(sealed).toHaveLength(1);
    // The join's update, then the seal's transaction: `blockMembers` only, never `open`.
    expect(touched).toEqual([{ blockMembers: 1 }, { blockMembers: 2 }]);
    const run = (await document.send(new GetCommand({ TableName: EXECUTIONS, Key: KEY }))).Item;
    expect(run).toMatchObject({ status: 'SUBMITTED', updatedAt: sealedAt, progressAt: CLAIMED_AT });
    const { Items } = await document.send(
      new QueryCommand({
        TableName: EXECUTIONS,
        IndexName: 'open',
        KeyConditionExpression: 'openShard = :shard AND progressAt < :cutoff',
        ExpressionAttributeValues: { ':shard': '7', ':cutoff': '2027-03-02T08:31:00.000Z' },
      }),
    );
    expect(Items).toEqual([{ ...KEY, openShard: '7', progressAt: CLAIMED_AT }]);
  });
});
