/**
 * The counting proxy's capacity figures: what DynamoDB Local says each request consumed, indexes
 * included, summed by the caller named in the SDK's user agent. The purchases benchmark's cost
 * figures rest on them.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startCountingProxy } from '#local/services/counting-proxy.ts';
import { LOCAL_AWS } from '#local/services/dynamodb.ts';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';

const proxy = await startCountingProxy(sharedDynamoDbEndpoint(), { capacity: true });
const client = (appId: string) =>
  new DynamoDBClient({ ...LOCAL_AWS, endpoint: proxy.url, userAgentAppId: appId });
const table = `proxy-capacity-${process.pid}-${Date.now()}`;

afterAll(async () => {
  await proxy.close();
});

describe('the counting proxy with capacity', () => {
  it('sums the units each caller consumed, index writes and transactions included', async () => {
    const setup = client('setup');
    await setup.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'g', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byG',
            KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    );
    const writer = client('writer');
    // 1 unit for the item, 1 for its index entry.
    await writer.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, g: { S: '1' } } }),
    );
    // An attribute the index does not hold: the table alone.
    await writer.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: 'a' } },
        UpdateExpression: 'SET x = :x',
        ExpressionAttributeValues: { ':x': { S: 'y' } },
      }),
    );
    // Two items in a transaction: DynamoDB Local reports 1 unit each, where AWS bills 2 (the
    // cost model applies AWS's rule to transactions itself).
    await writer.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: { S: 'b' } } } },
          { Put: { TableName: table, Item: { pk: { S: 'c' } } } },
        ],
      }),
    );
    const reader = client('reader');
    const { Item } = await reader.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' } }, ConsistentRead: true }),
    );
    expect(Item?.x).toEqual({ S: 'y' });
    expect(Object.fromEntries(proxy.capacityByCaller)).toEqual({
      writer: { read: 0, write: 5 },
      reader: { read: 1, write: 0 },
    });
  });
});
