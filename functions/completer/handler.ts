/**
 * The completer, run every few minutes by a recurring schedule: finds purchase runs that have not
 * reached a final state and have not moved for longer than the SLA (a run that crashed, a retry
 * message that was lost or dead-lettered, an order whose outcome is still unknown), and sends
 * each back through the retry queue (a member of a block order: its block back to the block worker,
 * `redrive.ts`). The workflow then reads the exchange by client order id
 * before anything else, and finishes the run: FILLED when the order exists, the decision's outcome
 * (or WINDOW_EXPIRED) when it does not.
 *
 * It reads the sparse `open` index shard by shard: no scan, only unfinished runs, by when they last
 * made progress (`progressAt`, `shared/tables.ts`). The index holds keys only, so the runs it
 * finds are read in batches, consistently, and kept only if still open and stale. A run it sends
 * is stamped first (conditionally), so it is not sent again before another SLA has passed.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { EXECUTION_STATUS } from '#shared/executions.ts';
import { EXECUTION_PROGRESS_ATTRIBUTE, EXECUTION_SHARDS } from '#shared/tables.ts';
import { documentClient, sqsClient } from '../lib/aws.ts';
import { batchGetAll } from '../lib/batch-get.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { redrivesOf, type OpenRun } from './redrive.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment([
  'EXECUTIONS_TABLE',
  'RETRY_QUEUE_URL',
  'BLOCK_ORDERS_QUEUE_URL',
  'COMPLETER_SLA_SECONDS',
]);
const slaMs = Number(env.COMPLETER_SLA_SECONDS) * 1000;
const dynamodb = documentClient();
const sqs = sqsClient();

export interface CompleterResult {
  readonly stale: number;
  /** Runs sent back through the retry queue. */
  readonly sent: number;
  /** Blocks (of stale members, aggregated mode) sent to the block worker again. */
  readonly blocks: number;
}

/** The keys of a run in the `open` index, which holds keys only. */
type OpenKey = Pick<OpenRun, 'ownerPlan' | 'scheduledFor'>;

async function staleKeys(shard: number, cutoff: string): Promise<OpenKey[]> {
  const found: OpenKey[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: env.EXECUTIONS_TABLE,
        IndexName: 'open',
        KeyConditionExpression: 'openShard = :shard AND #progressAt < :cutoff',
        ExpressionAttributeNames: { '#progressAt': EXECUTION_PROGRESS_ATTRIBUTE },
        ExpressionAttributeValues: { ':shard': String(shard), ':cutoff': cutoff },
        ExclusiveStartKey: startKey,
      }),
    );
    found.push(...((page.Items ?? []) as OpenKey[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return found;
}

/**
 * The runs behind `keys`, read consistently (100 keys a request), that are still open and still
 * stale: the index is eventually consistent, and a run may have finished since.
 */
async function staleRuns(keys: readonly OpenKey[], cutoff: string): Promise<OpenRun[]> {
  const runs = (await batchGetAll(
    dynamodb,
    env.EXECUTIONS_TABLE,
    keys.map(({ ownerPlan, scheduledFor }) => ({ ownerPlan, scheduledFor })),
  )) as unknown as OpenRun[];
  return runs.filter(
    (run) =>
      (run.status === EXECUTION_STATUS.PENDING || run.status === EXECUTION_STATUS.SUBMITTED) &&
      run.progressAt < cutoff,
  );
}

/** Stamps the run so the next completer pass leaves it alone; false if it moved meanwhile. */
async function claim(run: OpenRun, now: string): Promise<boolean> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: env.EXECUTIONS_TABLE,
        Key: { ownerPlan: run.ownerPlan, scheduledFor: run.scheduledFor },
        UpdateExpression:
          'SET updatedAt = :now, #progressAt = :now, lastError = :completer ADD attempts :one',
        ConditionExpression: '#progressAt = :seen AND #status IN (:pending, :submitted)',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#progressAt': EXECUTION_PROGRESS_ATTRIBUTE,
        },
        ExpressionAttributeValues: {
          ':now': now,
          ':seen': run.progressAt,
          ':completer': 'completer',
          ':one': 1,
          ':pending': EXECUTION_STATUS.PENDING,
          ':submitted': EXECUTION_STATUS.SUBMITTED,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

async function send(queueUrl: string, messages: readonly object[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    const { Failed } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(message),
        })),
      }),
    );
    if (Failed !== undefined && Failed.length > 0) {
      // Stamped but not sent: they are due again after the next SLA; say so loudly.
      logger.error('some stale runs or blocks could not be queued', { failed: Failed });
    }
  }
}

export const handler = async (_event: unknown, context: Context): Promise<CompleterResult> => {
  logger.addContext(context);
  try {
    const now = new Date();
    const cutoff = new Date(now.getTime() - slaMs).toISOString();
    const shards = await Promise.all(
      Array.from({ length: EXECUTION_SHARDS }, (_, shard) => staleKeys(shard, cutoff)),
    );
    const stale = await staleRuns(shards.flat(), cutoff);
    // Counted as soon as they are found (zero included), so a claim or send that fails does not
    // hide them from the slots-not-final alarm.
    metrics.addMetric('StaleRuns', MetricUnit.Count, stale.length);
    const claimed: OpenRun[] = [];
    for (const run of stale) {
      if (await claim(run, now.toISOString())) claimed.push(run);
    }
    const { retries, blocks } = redrivesOf(claimed);
    await send(env.RETRY_QUEUE_URL, retries);
    await send(env.BLOCK_ORDERS_QUEUE_URL, blocks);
    if (stale.length > 0) {
      logger.warn('re-drove runs stuck past their SLA', {
        runs: stale.map((run) => ({
          planId: run.planId,
          scheduledFor: run.scheduledFor,
          status: run.status,
        })),
      });
    }
    return { stale: stale.length, sent: retries.length, blocks: blocks.length };
  } finally {
    flushMetrics(metrics);
  }
};
