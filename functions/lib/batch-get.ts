/**
 * Consistent reads of many items of one table: BatchGetItem, 100 keys a request, with the keys
 * DynamoDB leaves unprocessed asked for again after a growing pause (100 ms, doubling up to 1 s),
 * until every key is answered. A key whose item does not exist is simply not in the answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The most keys one BatchGetItem request may hold. */
export const BATCH_GET_KEYS = 100;

export async function batchGetAll(
  dynamodb: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let pending = keys.slice(start, start + BATCH_GET_KEYS);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > 0) await sleep(Math.min(1000, 50 * 2 ** round));
      const { Responses, UnprocessedKeys } = await dynamodb.send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: [...pending], ConsistentRead: true } },
        }),
      );
      items.push(...(Responses?.[table] ?? []));
      pending = UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return items;
}
