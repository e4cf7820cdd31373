/**
 * The plans table's stream consumer: every change to a plan (create, update, pause, resume,
 * delete, a finished purchase) re-syncs that plan's schedule. Partial batch failures let Lambda
 * retry only from the first failed record; records of one plan in a batch share one sync.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type {
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  DynamoDBBatchResponse,
} from 'aws-lambda';
import { USER_META_ID } from '#shared/tables.ts';
import { reconcilePlan, type ReconcileOutcome } from '../lib/scheduling.ts';
import { schedulingDepsFromEnvironment } from '../lib/scheduling-deps.ts';

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();
const deps = schedulingDepsFromEnvironment(tracer);
const processor = new BatchProcessor(EventType.DynamoDBStreams);

/** The plan a stream record is about, or undefined for other items (the per-user meta item). */
function planKeyOf(record: DynamoDBRecord): { userId: string; planId: string } | undefined {
  const userId = record.dynamodb?.Keys?.userId?.S;
  const planId = record.dynamodb?.Keys?.planId?.S;
  if (userId === undefined || planId === undefined || planId === USER_META_ID) return undefined;
  return { userId, planId };
}

export const handler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  const syncs = new Map<string, Promise<ReconcileOutcome>>();
  const recordHandler = async (record: DynamoDBRecord) => {
    const key = planKeyOf(record);
    if (key === undefined) return;
    const id = `${key.userId}/${key.planId}`;
    let sync = syncs.get(id);
    if (sync === undefined) {
      sync = reconcilePlan(deps, key.userId, key.planId);
      syncs.set(id, sync);
      const outcome = await sync;
      logger.debug('plan synced', { planId: key.planId, outcome });
      metrics.addMetric(`PlanSync_${outcome.kind}`, MetricUnit.Count, 1);
    }
    await sync;
  };
  try {
    return await processPartialResponse(event, recordHandler, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
};
