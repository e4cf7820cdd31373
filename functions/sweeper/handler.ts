/**
 * The sweeper, run every few minutes by a recurring schedule: finds active plans whose next run
 * has passed without any execution for the armed slot, records that slot as missed (SKIPPED, so
 * a very late delivery cannot still buy), re-arms the plan for its next slot and emits
 * `PlanRunMissed`. Plans whose slot ran but were never re-armed (a lost stream record) are only
 * re-armed. Plans the user changed that the scheduler has not synced within
 * {@link SYNC_GRACE_SECONDS} (a new or resumed plan whose stream record failed has no `nextRunAt`,
 * so the `due` index cannot show it) are synced here, so no plan stops buying silently.
 *
 * It reads the sparse `due` and `unsynced` indexes shard by shard: no scan, no single hot
 * partition key.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { formatInstant } from '#domain/calendar.ts';
import { clientOrderIdFor } from '#domain/ids.ts';
import { busEntry } from '#shared/bus-events.ts';
import { EXECUTION_STATUS, FAILURE_CODE } from '#shared/executions.ts';
import { SYNC_GRACE_SECONDS } from '#shared/functions.ts';
import { DUE_SHARDS, ownerPlanKey, SYNC_SHARDS } from '#shared/tables.ts';
import { eventBridgeClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { loadPlan, syncPlanSchedule } from '../lib/scheduling.ts';
import { schedulingDepsFromEnvironment } from '../lib/scheduling-deps.ts';

const logger = new Logger();
const metrics = new Metrics();
const deps = schedulingDepsFromEnvironment();
const events = eventBridgeClient();
const env = requireEnvironment(['EXECUTIONS_TABLE', 'EVENT_BUS_NAME', 'SWEEP_GRACE_SECONDS']);
const graceMs = Number(env.SWEEP_GRACE_SECONDS) * 1000;

export interface SweepResult {
  readonly overdue: number;
  readonly missed: number;
  readonly rearmed: number;
  /** Plans changed through the API that the scheduler had not synced, synced now. */
  readonly resynced: number;
}

/** Plans changed through the API before `cutoff` and still not synced by the scheduler. */
function unsyncedPlans(
  shard: string,
  cutoff: string,
): Promise<{ userId: string; planId: string }[]> {
  return queryAll('unsynced', 'syncShard = :shard AND updatedAt < :cutoff', {
    ':shard': shard,
    ':cutoff': cutoff,
  });
}

/** Syncs plans the stream consumer never synced; answers how many it synced. */
async function resyncPlans(): Promise<number> {
  const cutoff = new Date(deps.now() - SYNC_GRACE_SECONDS * 1000).toISOString();
  const shards = await Promise.all(SYNC_SHARDS.map((shard) => unsyncedPlans(shard, cutoff)));
  let resynced = 0;
  let failed = 0;
  for (const { userId, planId } of shards.flat()) {
    try {
      const outcome = await syncPlanSchedule(deps, userId, planId);
      logger.warn('synced a plan the schedule sync had missed', { planId, outcome: outcome.kind });
      if (outcome.kind !== 'superseded') resynced += 1;
    } catch (error) {
      // One plan the scheduler refuses must not stop the others; the next sweep tries it again.
      failed += 1;
      logger.error('could not sync a plan the schedule sync had missed', { planId, error });
    }
  }
  metrics.addMetric('PlanResyncFailures', MetricUnit.Count, failed);
  return resynced;
}

/** Every item of an index query, page by page. */
async function queryAll<Item>(
  indexName: string,
  condition: string,
  values: Record<string, string>,
): Promise<Item[]> {
  const found: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.dynamodb.send(
      new QueryCommand({
        TableName: deps.settings.plansTable,
        IndexName: indexName,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ExclusiveStartKey: startKey,
      }),
    );
    found.push(...((page.Items ?? []) as Item[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return found;
}

function overduePlans(
  shard: number,
  cutoff: string,
): Promise<{ userId: string; planId: string; nextRunAt: string }[]> {
  return queryAll('due', 'dueShard = :shard AND nextRunAt < :cutoff', {
    ':shard': String(shard),
    ':cutoff': cutoff,
  });
}

/** Records the armed slot as missed; false when an execution for it exists already. */
async function claimMissedSlot(
  userId: string,
  planId: string,
  slot: string,
  amount: string,
  currency: string,
  nextRun: string,
) {
  const now = new Date(deps.now()).toISOString();
  try {
    await deps.dynamodb.send(
      new PutCommand({
        TableName: env.EXECUTIONS_TABLE,
        Item: {
          ownerPlan: ownerPlanKey(userId, planId),
          scheduledFor: slot,
          planId,
          userId,
          status: EXECUTION_STATUS.SKIPPED,
          clientOrderId: clientOrderIdFor(planId, slot),
          amount,
          currency,
          failureReason: `This run did not start on time and was not made up; ${nextRun}`,
          failureCode: FAILURE_CODE.RUN_MISSED,
          createdAt: now,
          updatedAt: now,
        },
        ConditionExpression: 'attribute_not_exists(ownerPlan)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

async function sweepPlan(
  userId: string,
  planId: string,
  seenNextRunAt: string,
): Promise<'missed' | 'rearmed' | 'none'> {
  const plan = await loadPlan(deps, userId, planId);
  if (plan?.status !== 'ACTIVE' || plan.nextRunAt !== seenNextRunAt) return 'none';
  const slot = plan.armedSlot ?? seenNextRunAt;
  const claimed = await claimMissedSlot(
    userId,
    planId,
    slot,
    plan.amount,
    plan.currency,
    'the plan continues with its next slot.',
  );
  if (!claimed) {
    // The slot ran; only the re-arming was lost.
    await syncPlanSchedule(deps, userId, planId);
    return 'rearmed';
  }
  await deps.dynamodb
    .send(
      new UpdateCommand({
        TableName: deps.settings.plansTable,
        Key: { userId, planId },
        UpdateExpression: 'SET lastSlotAt = :slot',
        ConditionExpression: 'attribute_not_exists(lastSlotAt) OR lastSlotAt < :slot',
        ExpressionAttributeValues: { ':slot': slot },
      }),
    )
    .catch((error: unknown) => {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    });
  const outcome = await syncPlanSchedule(deps, userId, planId);
  await events.send(
    new PutEventsCommand({
      Entries: [
        busEntry(env.EVENT_BUS_NAME, 'PlanRunMissed', {
          planId,
          userId,
          scheduledFor: slot,
          clientOrderId: clientOrderIdFor(planId, slot),
          amount: plan.amount,
          currency: plan.currency,
          nextRunAt: outcome.kind === 'armed' ? outcome.nextRunAt : null,
          action:
            outcome.kind === 'armed' ? 'REARMED' : outcome.kind === 'ended' ? 'ENDED' : 'NONE',
        }),
      ],
    }),
  );
  return 'missed';
}

export const handler = async (_event: unknown, context: Context): Promise<SweepResult> => {
  logger.addContext(context);
  try {
    const cutoff = formatInstant(deps.now() - graceMs);
    const shards = await Promise.all(
      Array.from({ length: DUE_SHARDS }, (_, shard) => overduePlans(shard, cutoff)),
    );
    const overdue = shards.flat();
    let missed = 0;
    let rearmed = 0;
    let failed = 0;
    for (const plan of overdue) {
      try {
        const result = await sweepPlan(plan.userId, plan.planId, plan.nextRunAt);
        if (result === 'missed') missed += 1;
        if (result === 'rearmed') rearmed += 1;
      } catch (error) {
        // One plan that cannot be swept must not stop the others; the next sweep tries it again.
        failed += 1;
        logger.error('could not sweep an overdue plan', { planId: plan.planId, error });
      }
    }
    metrics.addMetric('SweepFailures', MetricUnit.Count, failed);
    // Counted before the resync, and published even when it fails: a slot claimed missed here is
    // never claimed again, so its count (the missed-runs alarm's) must not go down with the run.
    metrics.addMetric('OverduePlans', MetricUnit.Count, overdue.length);
    metrics.addMetric('MissedRuns', MetricUnit.Count, missed);
    // After the overdue plans: a plan synced here must not have its fresh slot swept as missed.
    const resynced = await resyncPlans();
    metrics.addMetric('PlansResynced', MetricUnit.Count, resynced);
    if (overdue.length > 0 || resynced > 0)
      logger.info('sweep', { cutoff, overdue: overdue.length, missed, rearmed, resynced });
    return { overdue: overdue.length, missed, rearmed, resynced };
  } finally {
    flushMetrics(metrics);
  }
};
