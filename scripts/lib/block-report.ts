/**
 * What `npm run bench:purchases -- --execution aggregated` checks after a run: the exchange's
 * orders matched to the blocks of the ledger (a block's part `p` orders with
 * `blockClientOrderId(blockId, p)`, `shared/blocks.ts`), how many orders each market and window
 * got, and whether any block was split into more orders than `maxOrderAmount` requires.
 * Pure: the ledger items (unmarshalled) and the orders in, figures out.
 */
import { blockClientOrderId, MEMBER_ATTRIBUTE, parseBlockId } from '#shared/blocks.ts';
import type { ExecutionSettings } from '#shared/execution-settings.ts';

/** A block that got more orders than its members' quotes require. */
export interface OversplitBlock {
  readonly blockId: string;
  readonly orders: number;
  /** Orders its members' joined quotes needed at most: one, or more under `maxOrderAmount`. */
  readonly allowed: number;
}

export interface BlockReport {
  /** Blocks (market and window) that have members or parts. */
  readonly blocks: number;
  /** Slot executions that joined a block. */
  readonly members: number;
  /** The most exchange orders one market and window got. */
  readonly maxOrdersPerBlock: number;
  /** Exchange orders whose client order id is no block part's (per-slot orders). */
  readonly ordersOutsideBlocks: number;
  readonly oversplit: readonly OversplitBlock[];
}

const PART_OWNER = /^block#([A-Z]{3}#.+)$/;

/** Every part's client order id, and the block it belongs to. */
function partOrders(ledger: readonly Record<string, unknown>[]): Map<string, string> {
  const byClientOrderId = new Map<string, string>();
  for (const item of ledger) {
    const match = PART_OWNER.exec(String(item.ownerPlan));
    const part = Number(item.scheduledFor);
    if (match === null || !Number.isInteger(part)) continue;
    const blockId = match[1] as string;
    byClientOrderId.set(blockClientOrderId(blockId, part), blockId);
  }
  return byClientOrderId;
}

/** The orders a block may have: one, or as many as `maxOrderAmount` splits its quotes into. */
function allowedOrders(blockId: string, quoteMinor: bigint, settings: ExecutionSettings): number {
  const limit =
    settings.mode === 'aggregated'
      ? settings.maxOrderMinor[parseBlockId(blockId).currency]
      : undefined;
  if (limit === undefined) return 1;
  const cap = BigInt(limit);
  return Math.max(1, Number((quoteMinor + cap - 1n) / cap));
}

export function blockReport(
  ledger: readonly Record<string, unknown>[],
  orders: readonly { readonly clientOrderId: string }[],
  settings: ExecutionSettings,
): BlockReport {
  const parts = partOrders(ledger);
  const quotes = new Map<string, bigint>();
  let members = 0;
  for (const item of ledger) {
    const blockId = item[MEMBER_ATTRIBUTE.blockId];
    if (typeof item.planId !== 'string' || typeof blockId !== 'string') continue;
    members += 1;
    const quote = item[MEMBER_ATTRIBUTE.blockQuote];
    quotes.set(
      blockId,
      (quotes.get(blockId) ?? 0n) + BigInt(typeof quote === 'string' ? quote : 0),
    );
  }
  const ordersPerBlock = new Map<string, number>();
  let ordersOutsideBlocks = 0;
  for (const order of orders) {
    const blockId = parts.get(order.clientOrderId);
    if (blockId === undefined) ordersOutsideBlocks += 1;
    else ordersPerBlock.set(blockId, (ordersPerBlock.get(blockId) ?? 0) + 1);
  }
  const blocks = new Set([...quotes.keys(), ...parts.values()]);
  const oversplit: OversplitBlock[] = [];
  for (const blockId of [...blocks].sort()) {
    const count = ordersPerBlock.get(blockId) ?? 0;
    const allowed = allowedOrders(blockId, quotes.get(blockId) ?? 0n, settings);
    if (count > allowed) oversplit.push({ blockId, orders: count, allowed });
  }
  return {
    blocks: blocks.size,
    members,
    maxOrdersPerBlock: Math.max(0, ...ordersPerBlock.values()),
    ordersOutsideBlocks,
    oversplit,
  };
}
