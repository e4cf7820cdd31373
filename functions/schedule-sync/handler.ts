/**
 * The plans table's stream consumer: every change to a plan (create, update, pause, resume,
 * delete, a finished purchase) re-syncs that plan's schedule. Partial batch failures let Lambda
 * retry only from the first failed record; records of one plan in a batch share one sync.
 *
 * It also tells the bus what the user changed (`PlanChanged`, for notifications and the audit
 * trail): EventBridge Pipes could forward the records without code, but its filters cannot
 * compare the old image with the new one, which is what tells a user's change (the version
 * moved) from the system's bookkeeping and names the change (`domain/plan-changes.ts`).
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
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { classifyPlanChange, snapshotOf, type PlanImage } from '#domain/plan-changes.ts';
import { USER_META_ID } from '#shared/tables.ts';
import { eventBridgeClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { reconcilePlan, type ReconcileOutcome } from '../lib/scheduling.ts';
import { schedulingDepsFromEnvironment } from '../lib/scheduling-deps.ts';

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();
const deps = schedulingDepsFromEnvironment(tracer);
const processor = new BatchProcessor(EventType.DynamoDBStreams);
const { EVENT_BUS_NAME } = requireEnvironment(['EVENT_BUS_NAME']);
const events = eventBridgeClient(tracer);

type Image = Record<string, AttributeValue> | undefined;
const planImage = (image: Image) =>
  image === undefined ? undefined : (unmarshall(image) as PlanImage & { updatedAt?: string });

/**
 * Publishes `PlanChanged` for a change the user made (not for bookkeeping). A record that fails
 * here is retried with its batch, so the event is at least once: `planId` + `version` + `change`
 * identify it for consumers.
 */
async function publishChange(record: DynamoDBRecord, key: { userId: string; planId: string }) {
  const before = planImage(record.dynamodb?.OldImage as Image);
  const after = planImage(record.dynamodb?.NewImage as Image);
  const change = classifyPlanChange(before, after);
  if (change === null) return;
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  const changedAt =
    after?.updatedAt ??
    (seconds === undefined ? new Date() : new Date(seconds * 1000)).toISOString();
  await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: EVENT_BUS_NAME,
          Source: 'savings.plans',
          DetailType: 'PlanChanged',
          Detail: JSON.stringify({
            ...key,
            change,
            version: after?.version ?? before?.version ?? null,
            changedAt,
            old: before === undefined ? null : snapshotOf(before),
            new: after === undefined ? null : snapshotOf(after),
          }),
        },
      ],
    }),
  );
  metrics.addMetric(`PlanChanged_${change}`, MetricUnit.Count, 1);
}

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
    await publishChange(record, key);
  };
  try {
    return await processPartialResponse(event, recordHandler, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
};
