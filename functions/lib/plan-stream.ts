/**
 * What the plans table's stream consumer does with each record, shared by the consumer itself
 * (`schedule-sync`) and by the one that takes over the batches it gave up on (`schedule-resync`):
 * re-sync the plan's schedule from the plan as it is now, and tell the bus what the user changed
 * (`PlanChanged`, for notifications and the audit trail).
 *
 * EventBridge Pipes could forward the records without code, but its filters cannot compare the
 * old image with the new one, which is what tells a user's change (the version moved) from the
 * system's bookkeeping and names the change (`domain/plan-changes.ts`).
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBRecord } from 'aws-lambda';
import { classifyPlanChange, snapshotOf, type PlanImage } from '#domain/plan-changes.ts';
import { busEntry } from '#shared/bus-events.ts';
import { USER_META_ID } from '#shared/tables.ts';
import { syncPlanSchedule, type ScheduleSyncOutcome, type SchedulingDeps } from './scheduling.ts';

export interface PlanStreamDeps {
  readonly scheduling: SchedulingDeps;
  readonly events: EventBridgeClient;
  readonly eventBusName: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

type Image = Record<string, AttributeValue> | undefined;
const planImage = (image: Image) =>
  image === undefined ? undefined : (unmarshall(image) as PlanImage & { updatedAt?: string });

/** The plan a stream record is about, or undefined for other items (the per-user meta item). */
export function planKeyOf(record: DynamoDBRecord): { userId: string; planId: string } | undefined {
  const userId = record.dynamodb?.Keys?.userId?.S;
  const planId = record.dynamodb?.Keys?.planId?.S;
  if (userId === undefined || planId === undefined || planId === USER_META_ID) return undefined;
  return { userId, planId };
}

/**
 * Publishes `PlanChanged` for a change the user made (not for bookkeeping). A record handled
 * twice publishes twice, so the event is at least once: `planId` + `version` + `change` identify
 * it for consumers.
 */
async function publishChange(
  deps: PlanStreamDeps,
  record: DynamoDBRecord,
  key: { userId: string; planId: string },
): Promise<void> {
  const before = planImage(record.dynamodb?.OldImage as Image);
  const after = planImage(record.dynamodb?.NewImage as Image);
  const change = classifyPlanChange(before, after);
  if (change === null) return;
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  const changedAt =
    after?.updatedAt ??
    (seconds === undefined ? new Date() : new Date(seconds * 1000)).toISOString();
  await deps.events.send(
    new PutEventsCommand({
      Entries: [
        busEntry(deps.eventBusName, 'PlanChanged', {
          ...key,
          change,
          version: after?.version ?? before?.version ?? null,
          changedAt,
          old: before === undefined ? null : snapshotOf(before),
          new: after === undefined ? null : snapshotOf(after),
        }),
      ],
    }),
  );
  deps.metrics.addMetric(`PlanChanged_${change}`, MetricUnit.Count, 1);
}

/**
 * A handler for the records of one batch: records of one plan share one sync (it is
 * level-triggered: the plan as it is now), and each record's change is published after it.
 */
export function planRecordHandler(deps: PlanStreamDeps): (record: DynamoDBRecord) => Promise<void> {
  const syncs = new Map<string, Promise<ScheduleSyncOutcome>>();
  return async (record) => {
    const key = planKeyOf(record);
    if (key === undefined) return;
    const id = `${key.userId}/${key.planId}`;
    let sync = syncs.get(id);
    if (sync === undefined) {
      sync = syncPlanSchedule(deps.scheduling, key.userId, key.planId);
      syncs.set(id, sync);
      const outcome = await sync;
      deps.logger.debug('plan synced', { planId: key.planId, outcome });
      deps.metrics.addMetric(`PlanSync_${outcome.kind}`, MetricUnit.Count, 1);
    }
    await sync;
    await publishChange(deps, record, key);
  };
}
