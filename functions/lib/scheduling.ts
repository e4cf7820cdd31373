/**
 * Keeps a plan's EventBridge Scheduler schedule in step with the plan, level-triggered: whatever
 * change arrived, read the plan as it is now and make the schedule and `nextRunAt` match it. A
 * stale or repeated trigger therefore changes nothing, and every write back to the plan is
 * conditional on the version that was read, so a stale read never wins. That write also removes the
 * plan from the `unsynced` index: its schedule now matches the version the user last changed.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { armingOf } from '#domain/arming.ts';
import type { Slot } from '#domain/calendar.ts';
import { clientOrderIdFor } from '#domain/ids.ts';
import { scheduleNameOf, type PlanRecord } from '#shared/plan-record.ts';
import { dueShardOf } from '#shared/tables.ts';

export interface SchedulingSettings {
  readonly plansTable: string;
  readonly scheduleGroup: string;
  readonly stateMachineArn: string;
  readonly schedulerRoleArn: string;
  readonly deadLetterQueueArn: string;
  readonly kmsKeyArn: string;
}

export interface SchedulingDeps {
  readonly dynamodb: DynamoDBDocumentClient;
  readonly scheduler: SchedulerClient;
  readonly settings: SchedulingSettings;
  readonly now: () => number;
}

/** What a schedule sync did, for logs, metrics and the sweeper. */
export type ScheduleSyncOutcome =
  | { readonly kind: 'removed' }
  | { readonly kind: 'disarmed' }
  | { readonly kind: 'ended' }
  | { readonly kind: 'armed'; readonly fire: string; readonly nextRunAt: string | null }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'superseded' };

/** What the scheduler delivers to the purchase workflow for a slot. */
export interface PurchaseInput {
  readonly planId: string;
  readonly userId: string;
  readonly version: number;
  readonly scheduledFor: string;
  readonly clientOrderId: string;
  readonly amount: string;
  readonly currency: string;
}

/**
 * The full definition of a plan's one-time schedule for `fire` (UpdateSchedule replaces the whole
 * schedule, so create and update send the same complete request).
 */
export function scheduleDefinition(
  plan: PlanRecord,
  fire: Slot,
  settings: SchedulingSettings,
): CreateScheduleCommandInput {
  const input: Record<keyof PurchaseInput, string | number> = {
    planId: plan.planId,
    userId: plan.userId,
    version: plan.version,
    // The scheduler substitutes the slot it fires for: the at() instant below.
    scheduledFor: '<aws.scheduler.scheduled-time>',
    clientOrderId: clientOrderIdFor(plan.planId, fire.at),
    amount: plan.amount,
    currency: plan.currency,
  };
  return {
    Name: scheduleNameOf(plan.planId),
    GroupName: settings.scheduleGroup,
    Description: `Savings plan ${plan.planId}: purchase slot ${fire.at}`,
    ScheduleExpression: `at(${fire.at.slice(0, 19)})`,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    State: 'ENABLED',
    ActionAfterCompletion: 'NONE',
    KmsKeyArn: settings.kmsKeyArn,
    Target: {
      Arn: settings.stateMachineArn,
      RoleArn: settings.schedulerRoleArn,
      Input: JSON.stringify(input),
      // Deliveries older than 15 minutes go to the dead-letter queue; the sweeper reports the slot.
      RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 20 },
      DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
    },
  };
}

async function upsertSchedule(
  deps: SchedulingDeps,
  definition: CreateScheduleCommandInput,
): Promise<void> {
  try {
    await deps.scheduler.send(new UpdateScheduleCommand(definition));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    try {
      await deps.scheduler.send(new CreateScheduleCommand(definition));
    } catch (createError) {
      if (!(createError instanceof ConflictException)) throw createError;
      await deps.scheduler.send(new UpdateScheduleCommand(definition));
    }
  }
}

async function deleteSchedule(deps: SchedulingDeps, planId: string): Promise<void> {
  try {
    await deps.scheduler.send(
      new DeleteScheduleCommand({
        Name: scheduleNameOf(planId),
        GroupName: deps.settings.scheduleGroup,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}

/** Runs a conditional update; false when the condition failed (the plan moved on). */
async function conditionalUpdate(deps: SchedulingDeps, command: UpdateCommand): Promise<boolean> {
  try {
    await deps.dynamodb.send(command);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function loadPlan(
  deps: SchedulingDeps,
  userId: string,
  planId: string,
): Promise<PlanRecord | undefined> {
  const { Item } = await deps.dynamodb.send(
    new GetCommand({
      TableName: deps.settings.plansTable,
      Key: { userId, planId },
      ConsistentRead: true,
    }),
  );
  return Item as PlanRecord | undefined;
}

export interface SyncOptions {
  /**
   * The write back also requires the plan still to show this next run (the sweeper uses it so
   * that two sweeps never both act on one missed slot).
   */
  readonly expectedNextRunAt?: string;
  /**
   * The plan as a change to it left it (the plans stream's new image; null: deleted), instead of
   * a consistent read. Only for a consumer that sees every later change of the plan after this
   * one, as the stream's in-order consumer does: a later change re-syncs from its own image, and
   * the write back is still conditional on the version, so a stale image never has the last word.
   */
  readonly plan?: PlanRecord | null;
}

/**
 * Makes the schedule and the plan's `nextRunAt` match the plan as it is now (or as
 * `options.plan` shows it).
 */
export async function syncPlanSchedule(
  deps: SchedulingDeps,
  userId: string,
  planId: string,
  options: SyncOptions = {},
): Promise<ScheduleSyncOutcome> {
  const plan =
    options.plan === undefined ? await loadPlan(deps, userId, planId) : (options.plan ?? undefined);
  if (plan === undefined) {
    await deleteSchedule(deps, planId);
    return { kind: 'removed' };
  }
  const arming = armingOf(plan, deps.now());
  const condition = {
    ConditionExpression:
      options.expectedNextRunAt === undefined
        ? '#version = :version'
        : '#version = :version AND nextRunAt = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
  };
  const values = (extra: Record<string, unknown>) => ({
    ':version': plan.version,
    ...(options.expectedNextRunAt === undefined ? {} : { ':expected': options.expectedNextRunAt }),
    ...extra,
  });
  const key = { userId, planId };

  if (arming.kind === 'disarm') {
    await deleteSchedule(deps, planId);
    if (
      plan.nextRunAt === undefined &&
      plan.armedSlot === undefined &&
      plan.dueShard === undefined &&
      plan.syncShard === undefined
    ) {
      return { kind: 'unchanged' };
    }
    const done = await conditionalUpdate(
      deps,
      new UpdateCommand({
        TableName: deps.settings.plansTable,
        Key: key,
        UpdateExpression: 'REMOVE nextRunAt, dueShard, armedSlot, armedVersion, syncShard',
        ...condition,
        ExpressionAttributeValues: values({}),
      }),
    );
    return done ? { kind: 'disarmed' } : { kind: 'superseded' };
  }

  if (arming.kind === 'end') {
    const done = await conditionalUpdate(
      deps,
      new UpdateCommand({
        TableName: deps.settings.plansTable,
        Key: key,
        UpdateExpression:
          'SET #status = :ended, #version = #version + :one, updatedAt = :now REMOVE nextRunAt, dueShard, armedSlot, armedVersion, syncShard',
        ...condition,
        ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, '#status': 'status' },
        ExpressionAttributeValues: values({
          ':ended': 'ENDED',
          ':one': 1,
          ':now': new Date(deps.now()).toISOString(),
        }),
      }),
    );
    if (done) await deleteSchedule(deps, planId);
    return done ? { kind: 'ended' } : { kind: 'superseded' };
  }

  const nextRunAt = arming.nextRun?.at ?? null;
  if (
    plan.armedSlot === arming.fire.at &&
    (plan.nextRunAt ?? null) === nextRunAt &&
    plan.syncShard === undefined &&
    options.expectedNextRunAt === undefined
  ) {
    return { kind: 'unchanged' };
  }
  await upsertSchedule(deps, scheduleDefinition(plan, arming.fire, deps.settings));
  const done = await conditionalUpdate(
    deps,
    new UpdateCommand({
      TableName: deps.settings.plansTable,
      Key: key,
      UpdateExpression:
        nextRunAt === null
          ? 'SET armedSlot = :fire, armedVersion = :version REMOVE nextRunAt, dueShard, syncShard'
          : 'SET armedSlot = :fire, armedVersion = :version, nextRunAt = :next, dueShard = :shard REMOVE syncShard',
      ...condition,
      ExpressionAttributeValues: values({
        ':fire': arming.fire.at,
        ...(nextRunAt === null ? {} : { ':next': nextRunAt, ':shard': dueShardOf(planId) }),
      }),
    }),
  );
  return done ? { kind: 'armed', fire: arming.fire.at, nextRunAt } : { kind: 'superseded' };
}
