/**
 * What the completer sends for the stale runs it stamped: each run back through the retry queue,
 * except a member of a block order (aggregated mode), which is never restarted: its block goes to
 * the block worker again instead, once per block (the worker is idempotent and finishes every
 * member, so a member whose worker message was lost still finishes).
 */
import type { BlockOrderMessage } from '#shared/blocks.ts';
import type { RetryMessage } from '#shared/retry-message.ts';

/** A stale run, as the completer reads it from the table. */
export interface OpenRun {
  readonly ownerPlan: string;
  readonly scheduledFor: string;
  readonly planId: string;
  readonly userId: string;
  readonly planVersion: number;
  readonly clientOrderId: string;
  readonly amount: string;
  readonly currency: string;
  readonly status: string;
  readonly updatedAt: string;
  /** When it last made progress (`shared/tables.ts`, `EXECUTION_PROGRESS_ATTRIBUTE`). */
  readonly progressAt: string;
  readonly attempts?: number;
  /** Set on a member of a block order (`shared/blocks.ts`). */
  readonly blockId?: string;
}

export interface Redrives {
  /** Runs to restart through the retry queue. */
  readonly retries: RetryMessage[];
  /** Blocks to hand to the block worker again, each once. */
  readonly blocks: BlockOrderMessage[];
}

function retryOf(run: OpenRun): RetryMessage {
  return {
    planId: run.planId,
    userId: run.userId,
    version: Number(run.planVersion),
    scheduledFor: run.scheduledFor,
    clientOrderId: run.clientOrderId,
    amount: run.amount,
    currency: run.currency,
    attempt: (run.attempts ?? 0) + 1,
    error: 'completer',
  };
}

export function redrivesOf(runs: readonly OpenRun[]): Redrives {
  const retries: RetryMessage[] = [];
  const blockIds = new Set<string>();
  for (const run of runs) {
    if (typeof run.blockId === 'string') blockIds.add(run.blockId);
    else retries.push(retryOf(run));
  }
  return { retries, blocks: [...blockIds].map((blockId) => ({ blockId })) };
}
