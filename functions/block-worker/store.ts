/**
 * The block worker's reads and writes in the executions and plans tables. Every state change is a
 * conditional write, so that a crash at any point, or a stale view of the `blockMembers` index
 * (eventually consistent), never moves a member, a part or the block twice:
 * - a member only moves from PENDING (or SUBMITTED, once sealed) while it carries this block's id;
 * - a part only moves forward from the status the worker read;
 * - the block's lease makes one worker at a time the only one that seals and sends.
 */
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { PlanForDecision } from '#domain/purchase-decision.ts';
import {
  BLOCK_PART_STATUS,
  BLOCK_STATUS,
  blockKey,
  blockMemberKeys,
  blockPartKey,
  MEMBER_ATTRIBUTE,
  type BlockPartStatus,
  type BlockStatus,
} from '#shared/blocks.ts';
import { EXECUTION_STATUS, type ExecutionStatus } from '#shared/executions.ts';
import { holdingsUpdate, HOUSE_HOLDINGS_KEY, type HoldingsPosting } from '#shared/holdings.ts';
import { EXECUTION_PROGRESS_ATTRIBUTE } from '#shared/tables.ts';
import { batchGetAll } from '../lib/batch-get.ts';

/** Where the worker reads and writes. */
export interface BlockTables {
  readonly dynamodb: DynamoDBDocumentClient;
  readonly executionsTable: string;
  readonly plansTable: string;
}

/** A member's execution item, as the worker reads it (the `blockMembers` index projects ALL). */
export interface MemberItem {
  readonly ownerPlan: string;
  readonly scheduledFor: string;
  readonly planId: string;
  readonly userId: string;
  readonly status: ExecutionStatus;
  readonly amount: string;
  readonly currency: string;
  readonly clientOrderId: string;
  readonly planVersion?: number;
  readonly executionArn?: string;
  readonly blockId: string;
  readonly blockQuote: string;
  readonly blockPart?: number;
}

/** A member's id in a block: its execution's key, `ownerPlan#scheduledFor`. */
export function memberId(member: Pick<MemberItem, 'ownerPlan' | 'scheduledFor'>): string {
  return `${member.ownerPlan}#${member.scheduledFor}`;
}

/** The block's own item. */
export interface BlockItem {
  readonly status?: BlockStatus;
  readonly parts?: number;
  readonly attempts?: number;
  readonly leaseOwner?: string;
  readonly leaseUntil?: number;
}

/** One part's item: one exchange order of the block. */
export interface PartItem {
  readonly part: number;
  readonly status: BlockPartStatus;
  readonly clientOrderId: string;
  readonly currency: string;
  /** The sum of its members' quotes, minor units (digit string). */
  readonly quoteMinor: string;
  readonly memberCount: number;
  readonly attempts?: number;
  readonly submittedAt?: string;
  readonly exchangeOrderId?: string;
  readonly filledSats?: string;
  readonly spentMinor?: string;
  readonly feeMinor?: string;
  readonly averagePrice?: string;
  readonly failureCode?: string;
  readonly failureReason?: string;
}

const STATUS = { '#status': 'status' } as const;

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

/** Which items of a cancelled transaction failed their condition. */
function failedConditions(error: TransactionCanceledException): boolean[] {
  return (error.CancellationReasons ?? []).map(
    (reason) => reason.Code === 'ConditionalCheckFailed',
  );
}

/**
 * Takes the block's lease until `until` (epoch ms) for `owner`, creating the block item if need
 * be; the block as it is, or null while another worker holds an unexpired lease. The lease
 * outlives the invocation that takes it, so two workers never act on one block at once.
 */
export async function acquireLease(
  tables: BlockTables,
  blockId: string,
  owner: string,
  nowMs: number,
  until: number,
): Promise<BlockItem | null> {
  try {
    const { Attributes } = await tables.dynamodb.send(
      new UpdateCommand({
        TableName: tables.executionsTable,
        Key: blockKey(blockId),
        UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until, blockId = :block',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
        ExpressionAttributeValues: {
          ':owner': owner,
          ':until': until,
          ':now': nowMs,
          ':block': blockId,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as BlockItem;
  } catch (error) {
    if (isConditionFailure(error)) return null;
    throw error;
  }
}

/** When the block's current lease ends (epoch ms), for a worker that could not take it. */
export async function leaseUntil(tables: BlockTables, blockId: string): Promise<number> {
  const { Item } = await tables.dynamodb.send(
    new GetCommand({
      TableName: tables.executionsTable,
      Key: blockKey(blockId),
      ProjectionExpression: 'leaseUntil',
      ConsistentRead: true,
    }),
  );
  return (Item?.leaseUntil as number | undefined) ?? 0;
}

/** Gives the lease back (only the owner's), so the next message need not wait for it to expire. */
export async function releaseLease(
  tables: BlockTables,
  blockId: string,
  owner: string,
): Promise<void> {
  try {
    await tables.dynamodb.send(
      new UpdateCommand({
        TableName: tables.executionsTable,
        Key: blockKey(blockId),
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Counts a seal that had to wait (the exchange's market rules unreadable); the new count. */
export async function countBlockAttempt(
  tables: BlockTables,
  blockId: string,
  reason: string,
  now: string,
): Promise<number> {
  const { Attributes } = await tables.dynamodb.send(
    new UpdateCommand({
      TableName: tables.executionsTable,
      Key: blockKey(blockId),
      UpdateExpression: 'SET lastError = :reason, updatedAt = :now ADD attempts :one',
      ExpressionAttributeValues: { ':reason': reason, ':now': now, ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Attributes?.attempts as number;
}

/** Every member the `blockMembers` index holds for the block (all its partitions, all pages). */
export async function queryMembers(tables: BlockTables, blockId: string): Promise<MemberItem[]> {
  const pages = await Promise.all(
    blockMemberKeys(blockId).map(async (partition) => {
      const items: MemberItem[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await tables.dynamodb.send(
          new QueryCommand({
            TableName: tables.executionsTable,
            IndexName: 'blockMembers',
            KeyConditionExpression: 'blockMember = :partition',
            ExpressionAttributeValues: { ':partition': partition },
            ExclusiveStartKey: start,
          }),
        );
        items.push(...((page.Items ?? []) as MemberItem[]));
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
      return items;
    }),
  );
  return pages.flat().filter((member) => member.blockId === blockId);
}

/** A member's execution item, read consistently (the truth after a failed condition). */
export async function readMember(
  tables: BlockTables,
  member: Pick<MemberItem, 'ownerPlan' | 'scheduledFor'>,
): Promise<MemberItem | undefined> {
  const { Item } = await tables.dynamodb.send(
    new GetCommand({
      TableName: tables.executionsTable,
      Key: { ownerPlan: member.ownerPlan, scheduledFor: member.scheduledFor },
      ConsistentRead: true,
    }),
  );
  return Item as MemberItem | undefined;
}

/** The plans of these members, by `userId#planId` (absent: deleted), 100 keys per request. */
export async function batchGetPlans(
  tables: BlockTables,
  keys: readonly { userId: string; planId: string }[],
): Promise<Map<string, PlanForDecision>> {
  const unique = [...new Map(keys.map((key) => [`${key.userId}#${key.planId}`, key])).values()];
  const found = await batchGetAll(
    tables.dynamodb,
    tables.plansTable,
    unique.map(({ userId, planId }) => ({ userId, planId })),
  );
  const plans = new Map<string, PlanForDecision>();
  for (const plan of found) {
    plans.set(
      `${plan.userId as string}#${plan.planId as string}`,
      plan as unknown as PlanForDecision,
    );
  }
  return plans;
}

/** The block's parts, read consistently. */
export async function queryParts(tables: BlockTables, blockId: string): Promise<PartItem[]> {
  const parts: PartItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await tables.dynamodb.send(
      new QueryCommand({
        TableName: tables.executionsTable,
        KeyConditionExpression: 'ownerPlan = :block',
        ExpressionAttributeValues: { ':block': blockPartKey(blockId, 0).ownerPlan },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    parts.push(...((page.Items ?? []) as PartItem[]));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return parts.sort((a, b) => a.part - b.part);
}

const memberKey = (member: Pick<MemberItem, 'ownerPlan' | 'scheduledFor'>) => ({
  ownerPlan: member.ownerPlan,
  scheduledFor: member.scheduledFor,
});

function sealUpdate(tables: BlockTables, member: MemberItem, part: number, now: string) {
  return {
    TableName: tables.executionsTable,
    Key: memberKey(member),
    UpdateExpression: `SET #status = :submitted, ${MEMBER_ATTRIBUTE.blockPart} = :part, updatedAt = :now`,
    ConditionExpression: `#status = :pending AND ${MEMBER_ATTRIBUTE.blockId} = :block`,
    ExpressionAttributeNames: STATUS,
    ExpressionAttributeValues: {
      ':submitted': EXECUTION_STATUS.SUBMITTED,
      ':pending': EXECUTION_STATUS.PENDING,
      ':part': part,
      ':now': now,
      ':block': member.blockId,
    },
  };
}

/**
 * Seals members into their parts (PENDING to SUBMITTED with `blockPart`), 100 per transaction; a
 * cancelled transaction is retried one by one, and a member whose condition fails is read
 * consistently. Returns the members really sealed, each with its part as stored.
 */
export async function sealMembers(
  tables: BlockTables,
  members: readonly { member: MemberItem; part: number }[],
  now: string,
): Promise<MemberItem[]> {
  const sealed: MemberItem[] = [];
  for (let index = 0; index < members.length; index += 100) {
    const batch = members.slice(index, index + 100);
    try {
      await tables.dynamodb.send(
        new TransactWriteCommand({
          TransactItems: batch.map(({ member, part }) => ({
            Update: sealUpdate(tables, member, part, now),
          })),
        }),
      );
      sealed.push(
        ...batch.map(({ member, part }) => ({
          ...member,
          status: EXECUTION_STATUS.SUBMITTED,
          blockPart: part,
        })),
      );
      continue;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
    }
    for (const { member, part } of batch) {
      try {
        await tables.dynamodb.send(new UpdateCommand(sealUpdate(tables, member, part, now)));
        sealed.push({ ...member, status: EXECUTION_STATUS.SUBMITTED, blockPart: part });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const truth = await readMember(tables, member);
        if (
          truth?.blockId === member.blockId &&
          truth.blockPart !== undefined &&
          truth.status === EXECUTION_STATUS.SUBMITTED
        ) {
          sealed.push(truth);
        }
      }
    }
  }
  return sealed;
}

/**
 * Writes the parts' items (PENDING, with their totals) while this worker holds the lease, then
 * marks the block SEALED (or DONE when it has no part). A part already past PENDING is never
 * overwritten.
 */
export async function writeSeal(
  tables: BlockTables,
  blockId: string,
  owner: string,
  parts: readonly Omit<PartItem, 'status'>[],
  now: string,
): Promise<void> {
  const lease = {
    TableName: tables.executionsTable,
    Key: blockKey(blockId),
    ConditionExpression: 'leaseOwner = :owner',
    ExpressionAttributeValues: { ':owner': owner },
  };
  for (let index = 0; index < parts.length; index += 99) {
    await tables.dynamodb.send(
      new TransactWriteCommand({
        TransactItems: [
          { ConditionCheck: lease },
          ...parts.slice(index, index + 99).map((part) => ({
            Put: {
              TableName: tables.executionsTable,
              Item: {
                ...blockPartKey(blockId, part.part),
                ...part,
                blockId,
                status: BLOCK_PART_STATUS.PENDING,
                createdAt: now,
                updatedAt: now,
              },
              ConditionExpression: 'attribute_not_exists(ownerPlan) OR #status = :pending',
              ExpressionAttributeNames: STATUS,
              ExpressionAttributeValues: { ':pending': BLOCK_PART_STATUS.PENDING },
            },
          })),
        ],
      }),
    );
  }
  await tables.dynamodb.send(
    new UpdateCommand({
      TableName: tables.executionsTable,
      Key: blockKey(blockId),
      UpdateExpression: 'SET #status = :status, parts = :parts, sealedAt = :now, updatedAt = :now',
      ConditionExpression:
        'leaseOwner = :owner AND (attribute_not_exists(#status) OR #status = :open)',
      ExpressionAttributeNames: STATUS,
      ExpressionAttributeValues: {
        ':status': parts.length === 0 ? BLOCK_STATUS.DONE : BLOCK_STATUS.SEALED,
        ':parts': parts.length,
        ':now': now,
        ':owner': owner,
        ':open': BLOCK_STATUS.OPEN,
      },
    }),
  );
}

/** Marks the block DONE (every part final, stragglers released). */
export async function markBlockDone(
  tables: BlockTables,
  blockId: string,
  now: string,
): Promise<void> {
  await tables.dynamodb
    .send(
      new UpdateCommand({
        TableName: tables.executionsTable,
        Key: blockKey(blockId),
        UpdateExpression: 'SET #status = :done, doneAt = :now, updatedAt = :now',
        ConditionExpression: '#status = :sealed',
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: {
          ':done': BLOCK_STATUS.DONE,
          ':sealed': BLOCK_STATUS.SEALED,
          ':now': now,
        },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}

/**
 * Moves a part from one of `from` to `to`, setting `fields`; false when the part is not in one of
 * `from` any more.
 */
export async function movePart(
  tables: BlockTables,
  blockId: string,
  part: number,
  from: readonly BlockPartStatus[],
  to: BlockPartStatus,
  now: string,
  fields: Record<string, unknown> = {},
  ifNotExists: Record<string, unknown> = {},
): Promise<boolean> {
  const names: Record<string, string> = { ...STATUS };
  const values: Record<string, unknown> = { ':to': to, ':now': now };
  const sets = ['#status = :to', 'updatedAt = :now'];
  for (const [index, [field, value]] of Object.entries(fields).entries()) {
    names[`#f${index}`] = field;
    values[`:f${index}`] = value;
    sets.push(`#f${index} = :f${index}`);
  }
  for (const [index, [field, value]] of Object.entries(ifNotExists).entries()) {
    names[`#n${index}`] = field;
    values[`:n${index}`] = value;
    sets.push(`#n${index} = if_not_exists(#n${index}, :n${index})`);
  }
  from.forEach((status, index) => (values[`:from${index}`] = status));
  try {
    await tables.dynamodb.send(
      new UpdateCommand({
        TableName: tables.executionsTable,
        Key: blockPartKey(blockId, part),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: `#status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Counts an attempt that has to wait (the exchange down, an outcome unknown), with its reason. */
export async function countPartAttempt(
  tables: BlockTables,
  blockId: string,
  part: number,
  error: string,
  reason: string,
  now: string,
): Promise<number> {
  const { Attributes } = await tables.dynamodb.send(
    new UpdateCommand({
      TableName: tables.executionsTable,
      Key: blockPartKey(blockId, part),
      UpdateExpression:
        'SET lastError = :error, failureCode = :code, failureReason = :reason, updatedAt = :now ADD attempts :one',
      ExpressionAttributeValues: {
        ':error': error,
        ':code': 'EXCHANGE_UNAVAILABLE',
        ':reason': reason,
        ':now': now,
        ':one': 1,
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Attributes?.attempts as number;
}

/** A member that ends without buying: SKIPPED (the decision) or FAILED (a refusal, a rejection). */
export interface MemberEnd {
  readonly status: typeof EXECUTION_STATUS.SKIPPED | typeof EXECUTION_STATUS.FAILED;
  readonly code: string;
  readonly reason: string;
}

/**
 * Records a member that did not buy, as the workflow's RecordSkipped / RecordFailed do: the
 * execution (from PENDING, or SUBMITTED once sealed, while it is in this block) and the plan's
 * last slot (and last run, for a failure) in one transaction, the execution alone when the plan
 * is gone or has a later slot. False when the member was already final (nothing recorded).
 */
export async function recordMemberEnd(
  tables: BlockTables,
  member: MemberItem,
  end: MemberEnd,
  now: string,
): Promise<boolean> {
  const execution = {
    TableName: tables.executionsTable,
    Key: memberKey(member),
    UpdateExpression:
      'SET #status = :status, failureReason = :reason, failureCode = :code, updatedAt = :now REMOVE openShard',
    ConditionExpression: `#status IN (:pending, :submitted) AND ${MEMBER_ATTRIBUTE.blockId} = :block`,
    ExpressionAttributeNames: STATUS,
    ExpressionAttributeValues: {
      ':status': end.status,
      ':reason': end.reason,
      ':code': end.code,
      ':now': now,
      ':pending': EXECUTION_STATUS.PENDING,
      ':submitted': EXECUTION_STATUS.SUBMITTED,
      ':block': member.blockId,
    },
  };
  const skipped = end.status === EXECUTION_STATUS.SKIPPED;
  const plan = {
    TableName: tables.plansTable,
    Key: { userId: member.userId, planId: member.planId },
    UpdateExpression: skipped
      ? 'SET lastSlotAt = :slot DELETE skipSlots :slotSet'
      : 'SET lastRunAt = :slot, lastSlotAt = :slot',
    ConditionExpression:
      'attribute_exists(planId) AND (attribute_not_exists(lastSlotAt) OR lastSlotAt < :slot)',
    ExpressionAttributeValues: skipped
      ? { ':slot': member.scheduledFor, ':slotSet': new Set([member.scheduledFor]) }
      : { ':slot': member.scheduledFor },
  };
  try {
    await tables.dynamodb.send(
      new TransactWriteCommand({ TransactItems: [{ Update: execution }, { Update: plan }] }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    if (failedConditions(error)[0] === true) return false;
  }
  try {
    await tables.dynamodb.send(new UpdateCommand(execution));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** A member's share of its part's fill, as recorded. */
export interface MemberPurchase {
  readonly status: typeof EXECUTION_STATUS.FILLED | typeof EXECUTION_STATUS.PARTIALLY_FILLED;
  readonly code: string | null;
  readonly reason: string | null;
  readonly sats: bigint;
  /** Fiat taken, fee included. */
  readonly spentMinor: bigint;
  readonly feeMinor: bigint;
  readonly unspentMinor: bigint;
  /** The member's amount as recorded: its quote as a decimal string. */
  readonly amount: string;
  readonly averagePrice: string;
  readonly exchangeOrderId: string;
  readonly blockClientOrderId: string;
  readonly blockSize: number;
  readonly blockShare: string;
}

/**
 * Records a member's purchase in ONE transaction, as the workflow's RecordPurchase does: the
 * execution (from SUBMITTED, in this block) with its share of the fill and the block's figures,
 * the plan's totals and last run, and the holdings posting. Its fallbacks too: an older slot
 * finishing late counts in the totals without moving the last run; a plan gone or in another
 * currency gets no totals. False when the member was already recorded.
 */
export async function recordMemberPurchase(
  tables: BlockTables,
  member: MemberItem,
  purchase: MemberPurchase,
  now: string,
): Promise<boolean> {
  const execution = {
    Update: {
      TableName: tables.executionsTable,
      Key: memberKey(member),
      UpdateExpression: [
        'SET #status = :status, btcAcquired = :sats, fee = :fee, spent = :spent, averagePrice = :price',
        'exchangeOrderId = :orderId, amount = :amount, currency = :currency, failureCode = :code',
        'failureReason = :reason, updatedAt = :now',
        `${MEMBER_ATTRIBUTE.blockClientOrderId} = :blockClientOrderId`,
        `${MEMBER_ATTRIBUTE.blockOrderId} = :orderId, ${MEMBER_ATTRIBUTE.blockSize} = :blockSize`,
        `${MEMBER_ATTRIBUTE.blockAveragePrice} = :price, ${MEMBER_ATTRIBUTE.blockShare} = :share`,
        `${MEMBER_ATTRIBUTE.unspent} = :unspent REMOVE openShard`,
      ].join(', '),
      ConditionExpression: `#status = :submitted AND ${MEMBER_ATTRIBUTE.blockId} = :block`,
      ExpressionAttributeNames: STATUS,
      ExpressionAttributeValues: {
        ':status': purchase.status,
        ':sats': String(purchase.sats),
        ':fee': String(purchase.feeMinor),
        ':spent': String(purchase.spentMinor),
        ':price': purchase.averagePrice,
        ':orderId': purchase.exchangeOrderId,
        ':amount': purchase.amount,
        ':currency': member.currency,
        ':code': purchase.code,
        ':reason': purchase.reason,
        ':now': now,
        ':blockClientOrderId': purchase.blockClientOrderId,
        ':blockSize': purchase.blockSize,
        ':share': purchase.blockShare,
        ':unspent': String(purchase.unspentMinor),
        ':submitted': EXECUTION_STATUS.SUBMITTED,
        ':block': member.blockId,
      },
    },
  };
  const totals = (withLastRun: boolean) => ({
    Update: {
      TableName: tables.plansTable,
      Key: { userId: member.userId, planId: member.planId },
      UpdateExpression: `ADD executionCount :one, totalSpentMinor :spent, totalNetMinor :net, totalSats :sats ${withLastRun ? 'SET lastRunAt = :slot, lastSlotAt = :slot ' : ''}DELETE skipSlots :slotSet`,
      ConditionExpression: withLastRun
        ? 'attribute_exists(planId) AND #currency = :currency AND (attribute_not_exists(lastSlotAt) OR lastSlotAt < :slot)'
        : 'attribute_exists(planId) AND #currency = :currency',
      ExpressionAttributeNames: { '#currency': 'currency' },
      ExpressionAttributeValues: {
        ':one': 1,
        ':spent': Number(purchase.spentMinor),
        ':net': Number(purchase.spentMinor - purchase.feeMinor),
        ':sats': Number(purchase.sats),
        ':slotSet': new Set([member.scheduledFor]),
        ':currency': member.currency,
        ...(withLastRun ? { ':slot': member.scheduledFor } : {}),
      },
    },
  });
  const posting: HoldingsPosting = {
    userId: member.userId,
    currency: member.currency,
    sats: purchase.sats,
    spentMinor: purchase.spentMinor,
    feeMinor: purchase.feeMinor,
  };
  const holdings = holdingsUpdate(tables.executionsTable, posting, now);
  for (const variant of [
    [execution, totals(true), holdings],
    [execution, totals(false), holdings],
    [execution, holdings],
  ]) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await tables.dynamodb.send(new TransactWriteCommand({ TransactItems: variant }));
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const failed = failedConditions(error);
        // The execution is final already: another attempt recorded it, postings included.
        if (failed[0] === true) return false;
        // The plan's condition failed (gone, another currency, a later slot recorded): the next
        // variant records the purchase without what that condition guarded.
        if (failed.some(Boolean)) break;
        // No condition failed: a conflict with another write of the same item (two purchases of
        // one saver posting to the same holdings at once) or throttling. The same variant again,
        // never a lesser one; beyond the attempts the message comes back and the run resumes.
        if (attempt >= RECORD_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
      }
    }
  }
  throw new Error(`could not record the purchase of ${memberId(member)}`);
}

/** Attempts of one member's record transaction against conflicts and throttling. */
const RECORD_ATTEMPTS = 5;

/**
 * Marks a filled part ALLOCATED once every member is recorded, posting to the house account any
 * residue between the fill and the allocations' sum in the same transaction (exactly once).
 */
export async function markPartAllocated(
  tables: BlockTables,
  blockId: string,
  part: number,
  residue: { currency: string; sats: bigint; spentMinor: bigint; feeMinor: bigint } | null,
  now: string,
): Promise<void> {
  const allocated = {
    Update: {
      TableName: tables.executionsTable,
      Key: blockPartKey(blockId, part),
      UpdateExpression: 'SET #status = :allocated, allocatedAt = :now, updatedAt = :now',
      ConditionExpression: '#status IN (:filled, :partial)',
      ExpressionAttributeNames: STATUS,
      ExpressionAttributeValues: {
        ':allocated': BLOCK_PART_STATUS.ALLOCATED,
        ':filled': BLOCK_PART_STATUS.FILLED,
        ':partial': BLOCK_PART_STATUS.PARTIALLY_FILLED,
        ':now': now,
      },
    },
  };
  const house =
    residue === null
      ? []
      : [
          {
            Update: {
              ...holdingsUpdate(tables.executionsTable, { userId: 'house', ...residue }, now)
                .Update,
              Key: { ownerPlan: HOUSE_HOLDINGS_KEY, scheduledFor: residue.currency },
            },
          },
        ];
  try {
    await tables.dynamodb.send(new TransactWriteCommand({ TransactItems: [allocated, ...house] }));
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
  }
}

/**
 * Releases a member that joined after the block was sealed: its block attributes removed while it
 * is still PENDING in this block, so its run can join a later window. False when it is not.
 */
export async function releaseStraggler(
  tables: BlockTables,
  member: MemberItem,
  now: string,
): Promise<boolean> {
  try {
    await tables.dynamodb.send(
      new UpdateCommand({
        TableName: tables.executionsTable,
        Key: memberKey(member),
        UpdateExpression: `SET updatedAt = :now, ${EXECUTION_PROGRESS_ATTRIBUTE} = :now REMOVE ${MEMBER_ATTRIBUTE.blockId}, ${MEMBER_ATTRIBUTE.blockMember}, ${MEMBER_ATTRIBUTE.blockQuote}, ${MEMBER_ATTRIBUTE.blockJoinedAt}`,
        ConditionExpression: `#status = :pending AND ${MEMBER_ATTRIBUTE.blockId} = :block AND attribute_not_exists(${MEMBER_ATTRIBUTE.blockPart})`,
        ExpressionAttributeNames: STATUS,
        ExpressionAttributeValues: {
          ':pending': EXECUTION_STATUS.PENDING,
          ':block': member.blockId,
          ':now': now,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
