/**
 * Aggregated mode's join (`shared/blocks.ts`): a slot the workflow has just decided to buy joins
 * the block of its market (currency) and window, with one conditional write on its PENDING
 * execution. The condition makes the join happen once: a slot belongs to at most one block, and a
 * run that is already in one (a duplicate delivery, a retried invoke whose first attempt wrote) or
 * no longer PENDING is answered with the block it is in, never joined again.
 *
 * Before the first join of a block in an execution environment, the block's message goes on the
 * `block-orders` queue, delayed until the worker may seal the window: a member is never written
 * without a message for its block having been sent (by this environment, or another). The worker
 * is idempotent, so one message per environment and block costs a read at most.
 *
 * SDK-free apart from the commands it builds: the handler hands in the clients, tests hand in
 * recorders.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CURRENCY_DIGITS } from '#domain/currencies.ts';
import { MoneyError, toUnits } from '#domain/money.ts';
import {
  blockIdOf,
  blockMemberKey,
  joinWindowStart,
  MEMBER_ATTRIBUTE,
  sealAt,
  type BlockOrderMessage,
} from '#shared/blocks.ts';
import { EXECUTION_STATUS } from '#shared/executions.ts';
import type { JoinBlockProbeAnswer } from '#shared/release.ts';
import { ownerPlanKey } from '#shared/tables.ts';

/** What the purchase workflow's `JoinBlock` state sends, after Decide said BUY. */
export interface JoinBlockEvent {
  readonly userId: string;
  readonly planId: string;
  readonly scheduledFor: string;
  /** The decided amount (a decimal string in the currency's digits) and its currency. */
  readonly amount: string;
  readonly currency: string;
  /** The plan version the slot was scheduled with. */
  readonly version: number;
}

/** The block the slot is in: the one it joined now or earlier; null when it is in none (final). */
export interface JoinBlockResult {
  readonly blockId: string | null;
}

/** Thrown for an event the workflow could not have sent. */
export class InvalidJoinEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJoinEventError';
  }
}

/** The longest delay SQS gives a message. */
export const MAX_DELAY_SECONDS = 900;

/** What a join needs: the clients (or test recorders), names and the window length. */
export interface JoinDependencies {
  readonly dynamodb: {
    send(command: UpdateCommand | GetCommand): Promise<{ Item?: Record<string, unknown> }>;
  };
  readonly sqs: { send(command: SendMessageCommand): Promise<unknown> };
  readonly executionsTable: string;
  readonly blockOrdersQueueUrl: string;
  readonly windowSeconds: number;
  readonly now: () => number;
  /**
   * The blocks whose message this execution environment has sent, with the instant each is
   * sealed (entries past it are dropped: a later window has a block of its own).
   */
  readonly announced: Map<string, number>;
}

/** The event checked, with the amount in minor units. */
export function validateJoinEvent(event: JoinBlockEvent): JoinBlockEvent & {
  readonly quoteMinor: bigint;
} {
  for (const field of ['userId', 'planId', 'scheduledFor', 'amount', 'currency'] as const) {
    if (typeof event?.[field] !== 'string' || event[field].length === 0) {
      throw new InvalidJoinEventError(`${field} must be a non-empty string`);
    }
  }
  if (Number.isNaN(Date.parse(event.scheduledFor))) {
    throw new InvalidJoinEventError('scheduledFor must be an ISO instant');
  }
  if (!Number.isInteger(event.version) || event.version < 0) {
    throw new InvalidJoinEventError('version must be a whole number');
  }
  const digits = Object.hasOwn(CURRENCY_DIGITS, event.currency)
    ? CURRENCY_DIGITS[event.currency]
    : undefined;
  if (digits === undefined) {
    throw new InvalidJoinEventError(`unsupported currency ${event.currency}`);
  }
  let quoteMinor: bigint;
  try {
    quoteMinor = toUnits(event.amount, digits);
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    throw new InvalidJoinEventError(error.message);
  }
  if (quoteMinor <= 0n) throw new InvalidJoinEventError('amount must be more than zero');
  return { ...event, quoteMinor };
}

/** Seconds from `nowMs` until the worker may seal the window (SQS's delay, at most 900). */
export function sealDelaySeconds(
  windowStartMs: number,
  windowSeconds: number,
  nowMs: number,
): number {
  const wait = Math.ceil((sealAt(windowStartMs, windowSeconds) - nowMs) / 1000);
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, wait));
}

/** Sends the block's message unless this environment already has; remembers it once sent. */
async function announce(
  deps: JoinDependencies,
  blockId: string,
  windowStartMs: number,
  nowMs: number,
): Promise<void> {
  for (const [known, sealed] of deps.announced) {
    if (sealed < nowMs) deps.announced.delete(known);
  }
  if (deps.announced.has(blockId)) return;
  const message: BlockOrderMessage = { blockId };
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.blockOrdersQueueUrl,
      MessageBody: JSON.stringify(message),
      DelaySeconds: sealDelaySeconds(windowStartMs, deps.windowSeconds, nowMs),
    }),
  );
  deps.announced.set(blockId, sealAt(windowStartMs, deps.windowSeconds));
}

/** Joins the slot to its block for the current window (once); answers the block it is in. */
export async function joinBlock(
  event: JoinBlockEvent,
  deps: JoinDependencies,
): Promise<JoinBlockResult> {
  const slot = validateJoinEvent(event);
  const nowMs = deps.now();
  const windowStartMs = joinWindowStart(nowMs, deps.windowSeconds);
  const blockId = blockIdOf(slot.currency, windowStartMs);
  await announce(deps, blockId, windowStartMs, nowMs);
  const key = {
    ownerPlan: ownerPlanKey(slot.userId, slot.planId),
    scheduledFor: slot.scheduledFor,
  };
  const now = new Date(nowMs).toISOString();
  try {
    await deps.dynamodb.send(
      new UpdateCommand({
        TableName: deps.executionsTable,
        Key: key,
        UpdateExpression:
          'SET #blockId = :blockId, #blockMember = :member, #blockQuote = :quote, #blockJoinedAt = :now, updatedAt = :now',
        ConditionExpression: '#status = :pending AND attribute_not_exists(#blockId)',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#blockId': MEMBER_ATTRIBUTE.blockId,
          '#blockMember': MEMBER_ATTRIBUTE.blockMember,
          '#blockQuote': MEMBER_ATTRIBUTE.blockQuote,
          '#blockJoinedAt': MEMBER_ATTRIBUTE.blockJoinedAt,
        },
        ExpressionAttributeValues: {
          ':pending': EXECUTION_STATUS.PENDING,
          ':blockId': blockId,
          ':member': blockMemberKey(blockId, slot.planId),
          ':quote': slot.quoteMinor.toString(),
          ':now': now,
        },
      }),
    );
    return { blockId };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  // Already in a block, or no longer PENDING: say which block it is in, if any.
  const { Item } = await deps.dynamodb.send(
    new GetCommand({
      TableName: deps.executionsTable,
      Key: key,
      ProjectionExpression: '#blockId',
      ExpressionAttributeNames: { '#blockId': MEMBER_ATTRIBUTE.blockId },
      ConsistentRead: true,
    }),
  );
  const current = Item?.[MEMBER_ATTRIBUTE.blockId];
  return { blockId: typeof current === 'string' ? current : null };
}

/** The slot {@link answerProbe} reads: plan ids are ULIDs, so no plan has it and nothing is found. */
export const PROBE_SLOT = {
  userId: 'pre-traffic',
  planId: 'probe',
  scheduledFor: '1970-01-01T00:00:00.000Z',
} as const;

/**
 * The pre-traffic hook's probe (`JOIN_BLOCK_PROBE` in `shared/release.ts`): one read of the
 * execution of {@link PROBE_SLOT}, with the function's configuration, client and role, and the
 * answer whether it exists. No message is sent and nothing is written.
 */
export async function answerProbe(
  deps: Pick<JoinDependencies, 'dynamodb' | 'executionsTable'>,
): Promise<JoinBlockProbeAnswer> {
  const { Item } = await deps.dynamodb.send(
    new GetCommand({
      TableName: deps.executionsTable,
      Key: {
        ownerPlan: ownerPlanKey(PROBE_SLOT.userId, PROBE_SLOT.planId),
        scheduledFor: PROBE_SLOT.scheduledFor,
      },
      ProjectionExpression: '#status',
      ExpressionAttributeNames: { '#status': 'status' },
      ConsistentRead: true,
    }),
  );
  return { probe: 'pre-traffic', executionFound: Item !== undefined };
}
