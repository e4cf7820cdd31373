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
import { changesSchedule } from '#domain/schedule-inputs.ts';
import { busEntry } from '#shared/bus-events.ts';
import type { PlanRecord } from '#shared/plan-record.ts';
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
 * Where a record's sync takes the plan from. `image`: the record's new image, for the stream's
 * own consumer, which handles a plan's changes in the order they were made (a later change
 * re-syncs from its own image). `table`: a consistent read of the plan as it is now, for a
 * consumer that reads records back late and out of step with the stream (`schedule-resync`).
 */
export type PlanSource = 'image' | 'table';

/**
 * A handler for the records of one batch. A record whose change cannot move the schedule
 * (`domain/schedule-inputs.ts`: the sync's own write back, purchase totals) costs nothing. The
 * others sync the plan: from their own images in order (`image`), or, level-triggered, once per
 * plan and batch from the plan as it is now (`table`). Each record's change is published after
 * its plan's sync.
 */
export function planRecordHandler(
  deps: PlanStreamDeps,
  source: PlanSource = 'table',
): (record: DynamoDBRecord) => Promise<void> {
  const syncs = new Map<string, Promise<unknown>>();
  const synced = async (planId: string, sync: Promise<ScheduleSyncOutcome>) => {
    const outcome = await sync;
    deps.logger.debug('plan synced', { planId, outcome });
    deps.metrics.addMetric(`PlanSync_${outcome.kind}`, MetricUnit.Count, 1);
  };
  return async (record) => {
    const key = planKeyOf(record);
    if (key === undefined) return;
    const id = `${key.userId}/${key.planId}`;
    // Synchronous up to here: records are handed over in stream order, possibly all at once, and
    // each plan's syncs must chain in that order before anything is awaited.
    if (changesSchedule(record.dynamodb?.OldImage, record.dynamodb?.NewImage)) {
      if (source === 'image') {
        const plan = planImage(record.dynamodb?.NewImage as Image) as PlanRecord | undefined;
        // After the previous record's sync of this plan; failing with it, so that the batch is
        // retried from that record on, in order.
        const previous = syncs.get(id) ?? Promise.resolve();
        syncs.set(
          id,
          previous.then(() =>
            synced(
              key.planId,
              syncPlanSchedule(deps.scheduling, key.userId, key.planId, { plan: plan ?? null }),
            ),
          ),
        );
      } else if (!syncs.has(id)) {
        syncs.set(
          id,
          synced(key.planId, syncPlanSchedule(deps.scheduling, key.userId, key.planId)),
        );
      }
    }
    await syncs.get(id);
    await publishChange(deps, record, key);
  };
}
