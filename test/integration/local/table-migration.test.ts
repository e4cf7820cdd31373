/**
 * Kept local data meets a newer version of the tables (`npm start` keeps DynamoDB Local's files):
 * `ensureTables` keeps the items and rebuilds each index whose keys or projection changed, as
 * Pulumi does on AWS, so the code never queries an index shaped as an older version left it.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureTables,
  LOCAL_AWS,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '#local/services/dynamodb.ts';
import { executionsTable, type TableDefinition } from '#shared/tables.ts';

// A DynamoDB Local of its own, as `npm start` has when it meets kept data: on the suite's shared
// one, busy with every other test's tables, rebuilding an index once stalled for minutes.
let local: DynamoDbLocal;
let client: DynamoDBClient;
let dynamodb: DynamoDBDocumentClient;
beforeAll(async () => {
  local = await startDynamoDbLocal();
  client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: local.endpoint });
  dynamodb = DynamoDBDocumentClient.from(client);
}, 120_000);
afterAll(async () => {
  client.destroy();
  await local.stop();
});

/** The executions table as an older version defined it: `open` by `updatedAt`, all attributes. */
const older: TableDefinition = {
  ...executionsTable,
  globalSecondaryIndexes: [
    {
      name: 'open',
      hashKey: { name: 'openShard', type: 'S' },
      rangeKey: { name: 'updatedAt', type: 'S' },
    },
    { name: 'retired', hashKey: { name: 'retiredKey', type: 'S' } },
    ...(executionsTable.globalSecondaryIndexes ?? []).filter(
      (index) => index.name !== 'open' && index.name !== 'blockMembers',
    ),
  ],
};

async function indexes(name: string): Promise<Record<string, string>> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  return Object.fromEntries(
    (Table?.GlobalSecondaryIndexes ?? []).map((index) => [
      index.IndexName,
      `${(index.KeySchema ?? []).map((key) => key.AttributeName).join(',')}/${index.Projection?.ProjectionType}`,
    ]),
  );
}

describe('ensureTables on kept data', () => {
  it('keeps the items, rebuilds changed indexes, adds new ones and drops retired ones', async () => {
    const name = `t${randomUUID().slice(0, 8)}-executions`;
    expect(await ensureTables(client, [{ table: older, name }])).toEqual([]);
    const run = {
      ownerPlan: 'u#p',
      scheduledFor: '2027-01-04T08:00:00.000Z',
      status: 'PENDING',
      openShard: '3',
      updatedAt: '2027-01-04T08:00:01.000Z',
      progressAt: '2027-01-04T08:00:00.000Z',
    };
    await dynamodb.send(new PutCommand({ TableName: name, Item: run }));

    const changed = await ensureTables(client, [{ table: executionsTable, name }]);

    expect(changed.sort()).toEqual([`${name}.blockMembers`, `${name}.open`, `${name}.retired`]);
    expect(await indexes(name)).toEqual({
      open: 'openShard,progressAt/KEYS_ONLY',
      openByPlan: 'ownerPlan,openShard/KEYS_ONLY',
      orders: 'orderDay,clientOrderId/ALL',
      blockMembers: 'blockMember,ownerPlan/ALL',
    });
    const { Items } = await dynamodb.send(
      new QueryCommand({
        TableName: name,
        IndexName: 'open',
        KeyConditionExpression: 'openShard = :shard AND progressAt < :cutoff',
        ExpressionAttributeValues: { ':shard': '3', ':cutoff': '2027-01-04T09:00:00.000Z' },
      }),
    );
    expect(Items).toEqual([
      {
        ownerPlan: run.ownerPlan,
        scheduledFor: run.scheduledFor,
        openShard: '3',
        progressAt: run.progressAt,
      },
    ]);
    // Nothing left to change: a second start changes nothing.
    expect(await ensureTables(client, [{ table: executionsTable, name }])).toEqual([]);
    // About a second per index change; more on a loaded machine.
  }, 180_000);
});
