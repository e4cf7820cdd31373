/**
 * Aggregated execution's vocabulary, declared once (`execution.mode: aggregated`,
 * `shared/execution-settings.ts`): windows, block ids, the items a block keeps in the executions
 * table, and the attributes a slot's execution carries as a member of one.
 *
 * A slot's run claims, loads and decides as in per-slot mode, then joins the block of its market
 * (currency) and window instead of placing an order: one conditional write puts `blockId` and
 * `blockMember` on its PENDING execution, so a slot belongs to at most one block. The block worker
 * takes the window once it has ended ({@link SEAL_GRACE_MS} later), decides every member again
 * (flags, plan), seals each one it buys for into a part (PENDING to SUBMITTED with `blockPart`,
 * conditional: SUBMITTED means "an order may exist", as in per-slot mode), records each part's
 * totals, places one market buy per part with {@link blockClientOrderId} (read back before any
 * re-send), and allocates the fill with `domain/block-allocation.ts`, each member's final status,
 * the plan's totals and the holdings in one transaction.
 *
 * Items (executions table; none carries `openShard`, so the completer's index never holds them):
 * - the block: `ownerPlan = block#<currency>`, `scheduledFor = <window start ISO>`;
 * - each part: `ownerPlan = block#<blockId>`, `scheduledFor = <part, 3 digits>`, with `orderDay`
 *   and `clientOrderId` once submitted, so the daily reconciliation's `orders` index finds block
 *   orders exactly as it finds single ones.
 */
import { uuidV5 } from '#domain/ids.ts';
import { DUE_SHARDS, dueShardOf } from './tables.ts';

/** The window a run joining at `atMs` belongs to: its start, epoch milliseconds. */
export function windowStartOf(atMs: number, windowSeconds: number): number {
  const length = windowSeconds * 1000;
  return Math.floor(atMs / length) * length;
}

/**
 * A run joining this close to its window's end joins the next window instead, so that the join's
 * write has landed well before the worker seals the window.
 */
export const JOIN_MARGIN_MS = 2000;

/** How long after a window ends the worker seals it. */
export const SEAL_GRACE_MS = 5000;

/** The window a run joining at `nowMs` joins: the current one, or the next within the margin. */
export function joinWindowStart(nowMs: number, windowSeconds: number): number {
  return windowStartOf(nowMs + JOIN_MARGIN_MS, windowSeconds);
}

/** When the worker seals the window starting at `windowStartMs`. */
export function sealAt(windowStartMs: number, windowSeconds: number): number {
  return windowStartMs + windowSeconds * 1000 + SEAL_GRACE_MS;
}

/** A block's id: the market (the fiat currency bitcoin is bought with) and its window's start. */
export function blockIdOf(currency: string, windowStartMs: number): string {
  return `${currency}#${new Date(windowStartMs).toISOString()}`;
}

export class InvalidBlockIdError extends Error {
  constructor(blockId: string) {
    super(`not a block id: ${JSON.stringify(blockId)} (expected <currency>#<ISO instant>)`);
    this.name = 'InvalidBlockIdError';
  }
}

/** The currency and window start of a block id. */
export function parseBlockId(blockId: string): { currency: string; windowStart: string } {
  const match = /^([A-Z]{3})#(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/.exec(blockId);
  if (match === null) throw new InvalidBlockIdError(blockId);
  return { currency: match[1] as string, windowStart: match[2] as string };
}

/** The key of a block's item in the executions table. */
export function blockKey(blockId: string): { ownerPlan: string; scheduledFor: string } {
  const { currency, windowStart } = parseBlockId(blockId);
  return { ownerPlan: `block#${currency}`, scheduledFor: windowStart };
}

/** The key of one part (one exchange order) of a block in the executions table. */
export function blockPartKey(
  blockId: string,
  part: number,
): { ownerPlan: string; scheduledFor: string } {
  return { ownerPlan: `block#${blockId}`, scheduledFor: String(part).padStart(3, '0') };
}

/** The exchange client order id of a block's part: the same for every attempt, forever. */
export function blockClientOrderId(blockId: string, part: number): string {
  return uuidV5(BLOCK_ORDER_NAMESPACE, `${blockId}#${part}`);
}

/** The UUID namespace of block orders' client order ids (random, fixed forever). */
const BLOCK_ORDER_NAMESPACE = '3d7c9e14-8b2a-4f6d-a1e5-7c0b9d2f4e68';

/** Partitions of the executions table's `blockMembers` index per block (no hot partition). */
export const BLOCK_MEMBER_SHARDS = DUE_SHARDS;

/** The `blockMembers` index partition of a plan's slot in a block. */
export function blockMemberKey(blockId: string, planId: string): string {
  return `${blockId}#${dueShardOf(planId)}`;
}

/** Every `blockMembers` partition of a block. */
export function blockMemberKeys(blockId: string): string[] {
  return Array.from({ length: BLOCK_MEMBER_SHARDS }, (_, shard) => `${blockId}#${shard}`);
}

/** The attributes a member's execution item carries (besides the per-slot ones). */
export const MEMBER_ATTRIBUTE = {
  /** The block it joined (set once, by the join's conditional write). */
  blockId: 'blockId',
  /** Its `blockMembers` index partition ({@link blockMemberKey}). */
  blockMember: 'blockMember',
  /** What it contributes to the order: minor units, a digit string. */
  blockQuote: 'blockQuote',
  /** When it joined (ISO). */
  blockJoinedAt: 'blockJoinedAt',
  /** The part it was sealed into (a number), set with SUBMITTED. */
  blockPart: 'blockPart',
  /** After allocation: the part's client order id, exchange order id, members, average price, and this slot's share of the part's quote (a decimal fraction string). */
  blockClientOrderId: 'blockClientOrderId',
  blockOrderId: 'blockOrderId',
  blockSize: 'blockSize',
  blockAveragePrice: 'blockAveragePrice',
  blockShare: 'blockShare',
  /** Fiat minor units the slot did not spend (a partial fill), a digit string. */
  unspent: 'unspent',
} as const;

/** A block's progress (its item's `status`). */
export const BLOCK_STATUS = {
  /** Members are joining, or the worker has not sealed it yet. */
  OPEN: 'OPEN',
  /** Every part's members and totals are recorded; orders may be sent. */
  SEALED: 'SEALED',
  /** Every part is final and allocated; stragglers were released. */
  DONE: 'DONE',
} as const;

export type BlockStatus = (typeof BLOCK_STATUS)[keyof typeof BLOCK_STATUS];

/**
 * A part's progress (its item's `status`), like a single run's: PENDING (no order sent),
 * SUBMITTED (an order may exist: read it back before anything else), then FILLED,
 * PARTIALLY_FILLED or FAILED (rejected, window passed, or every member skipped), then ALLOCATED
 * once every member is final.
 */
export const BLOCK_PART_STATUS = {
  PENDING: 'PENDING',
  SUBMITTED: 'SUBMITTED',
  FILLED: 'FILLED',
  PARTIALLY_FILLED: 'PARTIALLY_FILLED',
  FAILED: 'FAILED',
  ALLOCATED: 'ALLOCATED',
} as const;

export type BlockPartStatus = (typeof BLOCK_PART_STATUS)[keyof typeof BLOCK_PART_STATUS];

/** The message on the `block-orders` queue: a block for the worker to take (again). */
export interface BlockOrderMessage {
  readonly blockId: string;
}
