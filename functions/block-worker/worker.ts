/**
 * What one `block-orders` message does for its block: seal it, send its orders, allocate their
 * fills, release stragglers (`shared/blocks.ts` describes the items). Idempotent: any step may
 * crash and the message comes again; a duplicate message finds the block's lease taken and comes
 * back later. The order of things is the per-slot workflow's, for many slots at once:
 *
 * 1. Too early (before `sealAt`): the message comes back when the window may be sealed.
 * 2. Seal (block OPEN): every PENDING member is decided again (`decidePurchase` on its plan, read
 *    in batches, and the flags, read once); the ones not to buy end SKIPPED or FAILED as per-slot
 *    runs do, the others are sealed into parts (PENDING to SUBMITTED with `blockPart`), each part's
 *    totals come from what was really sealed, then the block is SEALED.
 * 3. Send each part not final: every member decided again right before the money moves (its plan
 *    read again, the flags, the purchase window), the part PENDING to SUBMITTED, then one market
 *    buy with the part's client order id. A part found SUBMITTED is read back and never sent again
 *    unless the exchange has no such order. Errors keep place-order's contract
 *    (`domain/exchange.ts`): unavailable means nothing was sent (back to PENDING), an unknown
 *    outcome stays SUBMITTED to be read back, a rejection fails every member.
 * 4. Allocate each fill (`domain/block-allocation.ts`): one transaction per member (its execution,
 *    its plan's totals, its holdings), then the members' PurchaseSucceeded events, then the part
 *    ALLOCATED and, once every part is, the block DONE.
 * 5. Members still PENDING in a sealed block joined too late: they leave it and go to the retry
 *    queue, so their run joins a later window.
 */
import { randomUUID } from 'node:crypto';
import { mapBounded } from '#shared/bounded.ts';
import { allocateBlock } from '#domain/block-allocation.ts';
import {
  assignParts,
  blockRetryDelaySeconds,
  decideMember,
  MAX_DELAY_SECONDS,
  orderLimitMinor,
  OverspendError,
  partialFillReason,
  partOutcome,
  shareOf,
  type MemberVerdict,
  type PartOutcome,
} from '#domain/block-execution.ts';
import { CURRENCY_DIGITS } from '#domain/currencies.ts';
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type Exchange,
} from '#domain/exchange.ts';
import type { Flags } from '#domain/flags.ts';
import { floorTo, fromUnits } from '#domain/money.ts';
import {
  BLOCK_PART_STATUS,
  BLOCK_STATUS,
  blockClientOrderId,
  parseBlockId,
  sealAt,
  type BlockOrderMessage,
} from '#shared/blocks.ts';
import { busEntry, type BusEntry } from '#shared/bus-events.ts';
import { EXECUTION_STATUS, FAILURE_CODE, type SkipCode } from '#shared/executions.ts';
import type { RetryMessage } from '#shared/retry-message.ts';
import { orderDayKey } from '#shared/tables.ts';
import {
  acquireLease,
  batchGetPlans,
  countBlockAttempt,
  countPartAttempt,
  leaseUntil,
  markBlockDone,
  markPartAllocated,
  memberId,
  movePart,
  queryMembers,
  queryParts,
  recordMemberEnd,
  recordMemberPurchase,
  releaseLease,
  releaseStraggler,
  sealMembers,
  writeSeal,
  type BlockTables,
  type MemberEnd,
  type MemberItem,
  type PartItem,
} from './store.ts';

/** What the worker needs, built once per execution environment by the handler (or by a test). */
export interface BlockWorkerDeps extends BlockTables {
  readonly exchange: Exchange;
  readonly readFlags: () => Promise<Flags>;
  readonly windowSeconds: number;
  /** The stack's most per block order, by currency (minor units). */
  readonly maxOrderMinor: Readonly<Record<string, string>>;
  /** How long after its scheduled time a slot may still buy. */
  readonly purchaseWindowMs: number;
  readonly eventBusName: string;
  /** PutEvents of at most 10 entries; throws when any entry failed. */
  readonly putEvents: (entries: readonly BusEntry[]) => Promise<void>;
  /** Sends the block's message again, delayed (at most 900 s). */
  readonly sendBlockMessage: (message: BlockOrderMessage, delaySeconds: number) => Promise<void>;
  readonly sendRetry: (message: RetryMessage) => Promise<void>;
  readonly count: (metric: string, value: number) => void;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, extra?: object) => void;
  readonly now: () => number;
}

/** How a run for a block ended. */
export type BlockRunOutcome =
  | { readonly outcome: 'TOO_EARLY'; readonly delaySeconds: number }
  | { readonly outcome: 'BUSY'; readonly delaySeconds: number }
  | { readonly outcome: 'WAITING'; readonly delaySeconds: number }
  | { readonly outcome: 'DONE' };

/** Members whose part's totals do not match them yet: the index is behind; try again later. */
export class PartMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartMismatchError';
  }
}

const BOUGHT = new Set<string>([EXECUTION_STATUS.FILLED, EXECUTION_STATUS.PARTIALLY_FILLED]);
const OPEN = new Set<string>([EXECUTION_STATUS.PENDING, EXECUTION_STATUS.SUBMITTED]);
const FINAL_PARTS = new Set<string>([BLOCK_PART_STATUS.ALLOCATED, BLOCK_PART_STATUS.FAILED]);

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Members recorded at once after a fill: a block of 10,000 members takes about a tenth of the time
 * one at a time would (each is one transaction on items of its own: no contention between them).
 */
const ALLOCATION_CONCURRENCY = 16;

function digitsOf(currency: string): number {
  const digits = Object.hasOwn(CURRENCY_DIGITS, currency) ? CURRENCY_DIGITS[currency] : undefined;
  if (digits === undefined) throw new RangeError(`unsupported currency ${currency}`);
  return digits;
}

/** One run of the worker for `blockId`, holding the block's lease for `leaseMs` at most. */
export async function runBlock(
  deps: BlockWorkerDeps,
  blockId: string,
  leaseMs: number,
): Promise<BlockRunOutcome> {
  const { windowStart } = parseBlockId(blockId);
  const sealTime = sealAt(Date.parse(windowStart), deps.windowSeconds);
  const startedAt = deps.now();
  if (startedAt < sealTime) {
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.ceil((sealTime - startedAt) / 1000));
    await deps.sendBlockMessage({ blockId }, delaySeconds);
    return { outcome: 'TOO_EARLY', delaySeconds };
  }
  const owner = randomUUID();
  const block = await acquireLease(deps, blockId, owner, startedAt, startedAt + leaseMs);
  if (block === null) {
    // Another worker holds the block: it finishes or sends the message again itself, and a crash
    // brings its message back; this one comes back after the lease in case it does not.
    const until = await leaseUntil(deps, blockId);
    const delaySeconds = Math.min(
      MAX_DELAY_SECONDS,
      Math.max(1, Math.ceil((until - deps.now()) / 1000) + 1),
    );
    await deps.sendBlockMessage({ blockId }, delaySeconds);
    return { outcome: 'BUSY', delaySeconds };
  }
  let waitSeconds: number | null;
  try {
    if (block.status === BLOCK_STATUS.DONE) {
      // A slot that joined after the block was done still gets its run back.
      await releaseStragglers(new RunContext(deps, blockId));
      waitSeconds = null;
    } else {
      waitSeconds = await work(deps, blockId, owner, block.status);
    }
  } finally {
    await releaseLease(deps, blockId, owner).catch((error: unknown) =>
      deps.log('warn', 'could not release the block lease', { blockId, error }),
    );
  }
  // After the lease is given back, so the message can never find its own run's lease.
  if (waitSeconds === null) return { outcome: 'DONE' };
  await deps.sendBlockMessage({ blockId }, waitSeconds);
  return { outcome: 'WAITING', delaySeconds: waitSeconds };
}

/** Seals (if need be), advances every part, releases stragglers; seconds to wait, or null: done. */
async function work(
  deps: BlockWorkerDeps,
  blockId: string,
  owner: string,
  status: string | undefined,
): Promise<number | null> {
  const context = new RunContext(deps, blockId);
  let members: MemberItem[];
  let parts: PartItem[];
  if (status === undefined || status === BLOCK_STATUS.OPEN) {
    const sealed = await seal(context, owner);
    if (typeof sealed === 'number') return sealed;
    ({ members, parts } = sealed);
  } else {
    [members, parts] = await Promise.all([queryMembers(deps, blockId), queryParts(deps, blockId)]);
  }
  const waits: number[] = [];
  for (const part of parts) {
    if (FINAL_PARTS.has(part.status)) continue;
    const wait = await advancePart(
      context,
      part,
      members.filter((member) => member.blockPart === part.part),
    );
    if (wait !== null) waits.push(wait);
  }
  await releaseStragglers(context);
  if (waits.length > 0) return Math.min(...waits);
  if (parts.length > 0) await markBlockDone(deps, blockId, iso(deps.now()));
  return null;
}

/** What a run keeps between its steps: the block and its currency. */
class RunContext {
  readonly deps: BlockWorkerDeps;
  readonly blockId: string;
  readonly currency: string;
  readonly windowStart: string;
  readonly digits: number;

  constructor(deps: BlockWorkerDeps, blockId: string) {
    this.deps = deps;
    this.blockId = blockId;
    const { currency, windowStart } = parseBlockId(blockId);
    this.currency = currency;
    this.windowStart = windowStart;
    this.digits = digitsOf(currency);
  }

  /**
   * The flags in force now: read at the seal and again before each order (the reader keeps its own
   * short cache), so a kill switch flipped between the two holds.
   */
  flags(): Promise<Flags> {
    return this.deps.readFlags();
  }

  now(): string {
    return iso(this.deps.now());
  }
}

/**
 * Decides `members` again as a per-slot run is decided (their plans read now in batches, the flags
 * once): the ones not to buy end SKIPPED or FAILED here; answers the ones to buy.
 */
async function decideAgain(context: RunContext, members: MemberItem[]): Promise<MemberItem[]> {
  const { deps } = context;
  const plans = await batchGetPlans(deps, members);
  const flags = await context.flags();
  const nowMs = deps.now();
  const buyers: MemberItem[] = [];
  for (const member of members) {
    const verdict = decideMember(
      plans.get(`${member.userId}#${member.planId}`) ?? null,
      {
        scheduledFor: member.scheduledFor,
        amount: fromUnits(BigInt(member.blockQuote), context.digits),
        currency: context.currency,
      },
      { flags, userId: member.userId, nowMs, windowMs: deps.purchaseWindowMs },
    );
    if (verdict.action === 'BUY') {
      buyers.push(member);
    } else {
      await finishMember(context, member, endOf(verdict));
      Object.assign(member, { status: endOf(verdict).status });
    }
  }
  return buyers;
}

/** Step 2: seals the block; its members and parts, or the seconds to wait before sealing. */
async function seal(
  context: RunContext,
  owner: string,
): Promise<{ members: MemberItem[]; parts: PartItem[] } | number> {
  const { deps, blockId, currency } = context;
  const found = await queryMembers(deps, blockId);
  const alreadySealed = found.filter(
    (member) =>
      member.blockPart !== undefined && (OPEN.has(member.status) || BOUGHT.has(member.status)),
  );
  const pending = found.filter(
    (member) => member.status === EXECUTION_STATUS.PENDING && member.blockPart === undefined,
  );
  const buyers = await decideAgain(context, pending);
  // Members are decided before the market is read: while the exchange is down, every attempt
  // still ends the members whose purchase window has passed (WINDOW_EXPIRED), or that a control
  // stopped, as a per-slot run's retries do.
  let limit: bigint | null = null;
  if (buyers.length > 0) {
    try {
      const market = await deps.exchange.market(currency);
      limit = orderLimitMinor(market.maxQuoteMinor, deps.maxOrderMinor[currency]);
    } catch (error) {
      if (!(error instanceof ExchangeUnavailableError)) throw error;
      // The parts cannot be sized without the market's rules: seal once they can be read.
      const attempt = await countBlockAttempt(deps, blockId, error.name, context.now());
      return blockRetryDelaySeconds(attempt, blockId, waitAsked(error));
    }
  }
  const assigned = assignParts(
    buyers.map((member) => ({ id: memberId(member), quote: BigInt(member.blockQuote) })),
    limit,
    alreadySealed.map((member) => ({
      id: memberId(member),
      quote: BigInt(member.blockQuote),
      part: member.blockPart as number,
    })),
  );
  const newlySealed = await sealMembers(
    deps,
    buyers.map((member) => ({ member, part: assigned.get(memberId(member)) as number })),
    context.now(),
  );
  const sealed = [...alreadySealed, ...newlySealed];
  const totals = new Map<number, { quote: bigint; count: number }>();
  for (const member of sealed) {
    const part = member.blockPart as number;
    const total = totals.get(part) ?? { quote: 0n, count: 0 };
    totals.set(part, { quote: total.quote + BigInt(member.blockQuote), count: total.count + 1 });
  }
  const parts = [...totals.entries()]
    .sort(([a], [b]) => a - b)
    .map(([part, total]) => ({
      part,
      clientOrderId: blockClientOrderId(blockId, part),
      currency,
      quoteMinor: String(total.quote),
      memberCount: total.count,
    }));
  await writeSeal(deps, blockId, owner, parts, context.now());
  deps.log('info', 'sealed the block', {
    blockId,
    members: sealed.length,
    decidedNotToBuy: pending.length - buyers.length,
    parts: parts.length,
  });
  // Statuses as this run left them: the index may not show them yet.
  const byId = new Map(found.map((member) => [memberId(member), member]));
  for (const member of sealed) byId.set(memberId(member), member);
  return {
    members: [...byId.values()],
    parts: parts.map((part) => ({ ...part, status: BLOCK_PART_STATUS.PENDING })),
  };
}

function endOf(verdict: Exclude<MemberVerdict, { action: 'BUY' }>): MemberEnd {
  return {
    status: verdict.action === 'SKIP' ? EXECUTION_STATUS.SKIPPED : EXECUTION_STATUS.FAILED,
    code: verdict.code,
    reason: verdict.reason,
  };
}

/** Records a member that does not buy and publishes its event, as the workflow does. */
async function finishMember(
  context: RunContext,
  member: MemberItem,
  end: MemberEnd,
): Promise<void> {
  const { deps } = context;
  if (!(await recordMemberEnd(deps, member, end, context.now()))) return;
  const common = {
    planId: member.planId,
    userId: member.userId,
    scheduledFor: member.scheduledFor,
    clientOrderId: member.clientOrderId,
    executionArn: member.executionArn ?? '',
  };
  await deps.putEvents([
    end.status === EXECUTION_STATUS.SKIPPED
      ? busEntry(deps.eventBusName, 'PurchaseSkipped', {
          ...common,
          code: end.code as SkipCode,
          reason: end.reason,
        })
      : busEntry(deps.eventBusName, 'PurchaseFailed', {
          ...common,
          amount: member.amount,
          currency: member.currency,
          failureCode: end.code,
          failureReason: end.reason,
        }),
  ]);
}

/** Seconds the exchange asked to wait (an open circuit, a rate limit), or 0. */
function waitAsked(error: unknown): number {
  if (error instanceof ExchangeRateLimitedError) return error.retryAfterSeconds ?? 0;
  const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof retryAfter === 'number' ? retryAfter : 0;
}

/** Step 3 and 4 for one part; the seconds to wait before the next attempt, or null: final. */
async function advancePart(
  context: RunContext,
  initial: PartItem,
  members: MemberItem[],
): Promise<number | null> {
  const { blockId } = context;
  let part = initial;
  // PENDING -> SUBMITTED -> (read back: none) PENDING -> SUBMITTED at most, then a fill.
  for (let step = 0; step < 6; step += 1) {
    if (part.status === BLOCK_PART_STATUS.PENDING) {
      const next = await sendPart(context, part, members);
      if (typeof next === 'number') return next;
      part = next;
    } else if (part.status === BLOCK_PART_STATUS.SUBMITTED) {
      const next = await readBackPart(context, part);
      if (typeof next === 'number') return next;
      part = next;
    } else if (
      part.status === BLOCK_PART_STATUS.FILLED ||
      part.status === BLOCK_PART_STATUS.PARTIALLY_FILLED
    ) {
      await allocatePart(context, part, members);
      return null;
    } else if (part.status === BLOCK_PART_STATUS.FAILED) {
      const end: MemberEnd = {
        status: EXECUTION_STATUS.FAILED,
        code: part.failureCode ?? FAILURE_CODE.REJECTED,
        reason: part.failureReason ?? 'The block order could not be placed. Nothing was spent.',
      };
      for (const member of members.filter((candidate) => OPEN.has(candidate.status))) {
        await finishMember(context, member, end);
      }
      return null;
    } else {
      return null;
    }
  }
  throw new Error(`part ${part.part} of ${blockId} did not settle`);
}

/** Records an attempt that must wait; the seconds until the next one. */
async function waitForExchange(context: RunContext, part: PartItem, error: Error): Promise<number> {
  const attempt = await countPartAttempt(
    context.deps,
    context.blockId,
    part.part,
    error.name,
    'The exchange is not responding right now. We keep trying within the purchase window; nothing is spent twice.',
    context.now(),
  );
  return blockRetryDelaySeconds(attempt, part.clientOrderId, waitAsked(error));
}

/**
 * A PENDING part: each member decided again right before the money moves (plan and flags read
 * now), then PENDING -> SUBMITTED and the order. The part as it now is, or the seconds to wait.
 */
async function sendPart(
  context: RunContext,
  pendingPart: PartItem,
  allMembers: MemberItem[],
): Promise<PartItem | number> {
  const { deps, blockId } = context;
  let part = pendingPart;
  // The whole decision again, plans read now: a pause, a delete or a skip since the seal holds on
  // the first send and on every send after a read-back found no order, as a per-slot run's
  // decision does after its read-back.
  const members = await decideAgain(
    context,
    allMembers.filter((candidate) => OPEN.has(candidate.status)),
  );
  const quote = members.reduce((sum, member) => sum + BigInt(member.blockQuote), 0n);
  if (members.length === 0) {
    await movePart(
      deps,
      blockId,
      part.part,
      [BLOCK_PART_STATUS.PENDING],
      BLOCK_PART_STATUS.FAILED,
      context.now(),
      {
        failureCode: 'NO_MEMBERS',
        failureReason: 'No member of this part may buy any more; nothing was sent.',
        quoteMinor: '0',
        memberCount: 0,
      },
    );
    // FAILED with no member left open: the part is final and nothing was sent.
    return { ...part, status: BLOCK_PART_STATUS.FAILED };
  }
  if (members.length !== part.memberCount || String(quote) !== part.quoteMinor) {
    // Some members left: the order is for those that remain, and the part's totals say so.
    part = { ...part, memberCount: members.length, quoteMinor: String(quote) };
  }
  const now = context.now();
  const claimed = await movePart(
    deps,
    blockId,
    part.part,
    [BLOCK_PART_STATUS.PENDING],
    BLOCK_PART_STATUS.SUBMITTED,
    now,
    { quoteMinor: part.quoteMinor, memberCount: part.memberCount },
    { orderDay: orderDayKey(now, blockId), submittedAt: now },
  );
  if (!claimed) throw new Error(`part ${part.part} of ${blockId} moved under the lease`);
  part = { ...part, status: BLOCK_PART_STATUS.SUBMITTED, submittedAt: part.submittedAt ?? now };
  let phase: 'before' | 'placing' = 'before';
  try {
    const market = await deps.exchange.market(context.currency);
    // Never spend more than the members' quotes: round down to the market's increment.
    const quoteMinor = floorTo(quote, market.quoteIncrementMinor);
    if (quoteMinor < market.minQuoteMinor) {
      throw new ExchangeRejectedError(
        'BELOW_MINIMUM',
        `${fromUnits(quote, context.digits)} ${context.currency} is below the exchange's minimum order of ${fromUnits(market.minQuoteMinor, context.digits)} ${context.currency}.`,
      );
    }
    phase = 'placing';
    const order = await deps.exchange.placeMarketBuy({
      clientOrderId: part.clientOrderId,
      currency: context.currency,
      quoteMinor,
    });
    deps.count('BlockOrdersPlaced', 1);
    return recordOutcome(context, part, partOutcomeCounted(context, order, quote));
  } catch (error) {
    if (error instanceof ExchangeRejectedError) {
      return failPart(context, part, error.code, error.message);
    }
    if (phase === 'before' || (phase === 'placing' && error instanceof ExchangeUnavailableError)) {
      // Nothing was sent: back to PENDING, decided again next time.
      await movePart(
        deps,
        blockId,
        part.part,
        [BLOCK_PART_STATUS.SUBMITTED],
        BLOCK_PART_STATUS.PENDING,
        context.now(),
      );
      if (
        error instanceof ExchangeUnavailableError ||
        error instanceof ExchangeUnknownOutcomeError
      ) {
        return waitForExchange(context, { ...part, status: BLOCK_PART_STATUS.PENDING }, error);
      }
      throw error;
    }
    if (error instanceof ExchangeUnknownOutcomeError) return waitForExchange(context, part, error);
    throw error;
  }
}

function partOutcomeCounted(
  context: RunContext,
  order: Parameters<typeof partOutcome>[0],
  quote: bigint,
): PartOutcome {
  try {
    return partOutcome(order, quote, context.digits);
  } catch (error) {
    if (error instanceof OverspendError) {
      context.deps.log('error', "refused a block order that spent more than its part's quote", {
        error,
      });
      context.deps.count('OverspendBlocked', 1);
    }
    throw error;
  }
}

/**
 * A SUBMITTED part: an order may exist. Read it back by its client order id: found, it is the
 * outcome; none, the part goes back to PENDING and is decided again before anything is sent.
 */
async function readBackPart(context: RunContext, part: PartItem): Promise<PartItem | number> {
  const { deps, blockId } = context;
  let order;
  try {
    order = await deps.exchange.findOrder(
      part.clientOrderId,
      context.currency,
      context.windowStart,
    );
  } catch (error) {
    if (error instanceof ExchangeUnavailableError || error instanceof ExchangeUnknownOutcomeError) {
      return waitForExchange(context, part, error);
    }
    throw error;
  }
  if (order === null) {
    await movePart(
      deps,
      blockId,
      part.part,
      [BLOCK_PART_STATUS.SUBMITTED],
      BLOCK_PART_STATUS.PENDING,
      context.now(),
    );
    deps.count('BlockPartsDecidedAgain', 1);
    return { ...part, status: BLOCK_PART_STATUS.PENDING };
  }
  deps.count('BlockOrdersRecovered', 1);
  try {
    return await recordOutcome(
      context,
      part,
      partOutcomeCounted(context, order, BigInt(part.quoteMinor)),
    );
  } catch (error) {
    if (error instanceof ExchangeUnknownOutcomeError) return waitForExchange(context, part, error);
    throw error;
  }
}

/** Records the order's outcome on the part: its fill (before anything is allocated) or a failure. */
async function recordOutcome(
  context: RunContext,
  part: PartItem,
  outcome: PartOutcome,
): Promise<PartItem> {
  if (outcome.status === 'REJECTED') {
    await movePart(
      context.deps,
      context.blockId,
      part.part,
      [BLOCK_PART_STATUS.SUBMITTED],
      BLOCK_PART_STATUS.FAILED,
      context.now(),
      {
        failureCode: outcome.code,
        failureReason: outcome.reason,
      },
    );
    return {
      ...part,
      status: BLOCK_PART_STATUS.FAILED,
      failureCode: outcome.code,
      failureReason: outcome.reason,
    };
  }
  const fill = {
    exchangeOrderId: outcome.exchangeOrderId,
    filledSats: String(outcome.filledSats),
    spentMinor: String(outcome.spentMinor),
    feeMinor: String(outcome.feeMinor),
    averagePrice: outcome.averagePrice,
  };
  await movePart(
    context.deps,
    context.blockId,
    part.part,
    [BLOCK_PART_STATUS.SUBMITTED],
    outcome.status,
    context.now(),
    fill,
  );
  return { ...part, ...fill, status: outcome.status };
}

/** The exchange refused the part's order: the part FAILED, then every member with its code. */
async function failPart(
  context: RunContext,
  part: PartItem,
  code: string,
  reason: string,
): Promise<PartItem> {
  await movePart(
    context.deps,
    context.blockId,
    part.part,
    [BLOCK_PART_STATUS.PENDING, BLOCK_PART_STATUS.SUBMITTED],
    BLOCK_PART_STATUS.FAILED,
    context.now(),
    { failureCode: code, failureReason: reason },
  );
  context.deps.count(`BlockOrdersRejected_${code}`, 1);
  return { ...part, status: BLOCK_PART_STATUS.FAILED, failureCode: code, failureReason: reason };
}

/** Step 4: shares a part's fill among its members and records each one. */
async function allocatePart(
  context: RunContext,
  part: PartItem,
  members: MemberItem[],
): Promise<void> {
  const { deps, blockId, currency, digits } = context;
  const inOrder = members.filter((member) => OPEN.has(member.status) || BOUGHT.has(member.status));
  const quote = inOrder.reduce((sum, member) => sum + BigInt(member.blockQuote), 0n);
  if (inOrder.length !== part.memberCount || String(quote) !== part.quoteMinor) {
    throw new PartMismatchError(
      `part ${part.part} of ${blockId} has ${part.memberCount} members for ${part.quoteMinor}, the index shows ${inOrder.length} for ${quote}`,
    );
  }
  const filledSats = BigInt(part.filledSats ?? '0');
  const spentMinor = BigInt(part.spentMinor ?? '0');
  const feeMinor = BigInt(part.feeMinor ?? '0');
  const allocations = allocateBlock(
    inOrder.map((member) => ({ id: memberId(member), quote: member.blockQuote })),
    { base: String(filledSats), spent: String(spentMinor - feeMinor), fee: String(feeMinor) },
  );
  const byId = new Map(inOrder.map((member) => [memberId(member), member]));
  const partial = part.status === BLOCK_PART_STATUS.PARTIALLY_FILLED;
  let sats = 0n;
  let charged = 0n;
  let fees = 0n;
  for (const allocation of allocations) {
    sats += BigInt(allocation.base);
    charged += BigInt(allocation.spent) + BigInt(allocation.fee);
    fees += BigInt(allocation.fee);
  }
  // One transaction per member, ALLOCATION_CONCURRENCY at a time: each is conditional on the
  // member still being SUBMITTED in this block, so a re-run records only what is left.
  const recordedEntries = await mapBounded(
    allocations,
    ALLOCATION_CONCURRENCY,
    async (allocation) => {
      const member = byId.get(allocation.id) as MemberItem;
      const memberQuote = BigInt(member.blockQuote);
      const memberCharged = BigInt(allocation.spent) + BigInt(allocation.fee);
      if (member.status !== EXECUTION_STATUS.SUBMITTED) return null;
      const status = partial ? EXECUTION_STATUS.PARTIALLY_FILLED : EXECUTION_STATUS.FILLED;
      const amount = fromUnits(memberQuote, digits);
      const recorded = await recordMemberPurchase(
        deps,
        member,
        {
          status,
          code: partial ? FAILURE_CODE.PARTIAL_FILL : null,
          reason: partial ? partialFillReason(memberCharged, memberQuote, currency, digits) : null,
          sats: BigInt(allocation.base),
          spentMinor: memberCharged,
          feeMinor: BigInt(allocation.fee),
          unspentMinor: BigInt(allocation.unspent),
          amount,
          averagePrice: part.averagePrice ?? '0',
          exchangeOrderId: part.exchangeOrderId ?? '',
          blockClientOrderId: part.clientOrderId,
          blockSize: part.memberCount,
          blockShare: shareOf(memberQuote, BigInt(part.quoteMinor)),
        },
        context.now(),
      );
      if (!recorded) return null;
      return busEntry(deps.eventBusName, 'PurchaseSucceeded', {
        planId: member.planId,
        userId: member.userId,
        scheduledFor: member.scheduledFor,
        status,
        clientOrderId: member.clientOrderId,
        exchangeOrderId: part.exchangeOrderId ?? '',
        amount,
        currency,
        btcAcquiredSats: allocation.base,
        spentMinor: String(memberCharged),
        feeMinor: allocation.fee,
        averagePrice: part.averagePrice ?? '0',
        executionArn: member.executionArn ?? '',
      });
    },
  );
  const entries = recordedEntries.filter((entry): entry is BusEntry => entry !== null);
  for (let index = 0; index < entries.length; index += 10) {
    await deps.putEvents(entries.slice(index, index + 10));
  }
  const residue =
    sats === filledSats && charged === spentMinor && fees === feeMinor
      ? null
      : {
          currency,
          sats: filledSats - sats,
          spentMinor: spentMinor - charged,
          feeMinor: feeMinor - fees,
        };
  if (residue !== null) {
    deps.log('error', 'a block fill left a residue beyond its allocations', {
      blockId,
      part: part.part,
    });
    deps.count('BlockResidue', 1);
  }
  await markPartAllocated(deps, blockId, part.part, residue, context.now());
}

/** Step 5: members still PENDING in the sealed block leave it and go to the retry queue. */
async function releaseStragglers(context: RunContext): Promise<void> {
  const { deps, blockId } = context;
  const stragglers = (await queryMembers(deps, blockId)).filter(
    (member) => member.status === EXECUTION_STATUS.PENDING && member.blockPart === undefined,
  );
  for (const member of stragglers) {
    if (!(await releaseStraggler(deps, member, context.now()))) continue;
    await deps.sendRetry({
      planId: member.planId,
      userId: member.userId,
      version: member.planVersion ?? 0,
      scheduledFor: member.scheduledFor,
      clientOrderId: member.clientOrderId,
      amount: member.amount,
      currency: member.currency,
      attempt: 1,
      error: 'BlockSealed',
    });
    deps.count('BlockStragglersReleased', 1);
  }
}
