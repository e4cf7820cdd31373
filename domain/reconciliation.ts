/**
 * Daily reconciliation: the exchange's orders of a day against the ledger, matched by client
 * order id. Every mismatch is a break that someone must look at; a day with none proves the
 * ledger and the exchange agree. Pure: the job reads both sides and publishes the breaks.
 *
 * A block order (aggregated execution, `shared/blocks.ts`) is matched against its part item like
 * a single run against its execution, and then against the sum of what its members were
 * allocated: the allocation is exact, so any difference means a member was left out, counted
 * twice or given a wrong share.
 */
import { BLOCK_PART_STATUS } from '#shared/blocks.ts';
import { BOUGHT_STATUSES } from '#shared/executions.ts';
import type { ExchangeOrder } from './exchange.ts';

/** A ledger entry as reconciliation needs it (the executions table's item). */
export interface LedgerEntry {
  readonly planId: string;
  readonly userId: string;
  readonly scheduledFor: string;
  readonly clientOrderId: string;
  readonly status: string;
  /** When the order step first marked it SUBMITTED (ISO). */
  readonly submittedAt?: string;
  readonly exchangeOrderId?: string;
  /** Satoshis and fiat minor units, as digit strings (set once filled). */
  readonly btcAcquired?: string;
  readonly spent?: string;
  readonly fee?: string;
}

/** A member's allocation as reconciliation needs it (a slot's execution item in a block). */
export interface MemberAllocation {
  readonly planId: string;
  readonly userId: string;
  readonly scheduledFor: string;
  readonly status: string;
  /**
   * Satoshis and fiat minor units allocated, as digit strings (absent: nothing); `spent`
   * includes the fee, as a single run's does and as the exchange reports a block's spend.
   */
  readonly btcAcquired?: string;
  readonly spent?: string;
  readonly fee?: string;
}

/** A block order's part item (one exchange order), with the members allocated from it. */
export interface BlockPartEntry {
  readonly blockId: string;
  readonly clientOrderId: string;
  readonly status: string;
  /** The UTC day its order was sent (`YYYY-MM-DD`, from its `orderDay`). */
  readonly orderDay: string;
  /** The members sealed into it. */
  readonly memberCount: number;
  readonly exchangeOrderId?: string;
  /** The fill as the part records it and the exchange reports it (spend fee included). */
  readonly filledSats?: string;
  readonly spentMinor?: string;
  readonly feeMinor?: string;
  /** Every member whose `blockClientOrderId` is this part's. */
  readonly members: readonly MemberAllocation[];
}

export type BreakKind =
  /** The exchange filled more than one order for one client order id: a double buy. */
  | 'DUPLICATE_ORDER'
  /** The exchange has a fill the ledger knows nothing about. */
  | 'UNKNOWN_ORDER'
  /** The exchange filled the order, the ledger does not say bought (failed, open, skipped). */
  | 'LEDGER_NOT_FILLED'
  /** The ledger says bought, the exchange has no such order. */
  | 'MISSING_ON_EXCHANGE'
  /** Both sides have the fill, with different figures or order ids. */
  | 'AMOUNT_MISMATCH'
  /**
   * A block order's members were allocated more or less than the exchange filled and charged,
   * or fewer or more members than were sealed into it carry an allocation.
   */
  | 'ALLOCATION_MISMATCH';

export interface ReconciliationBreak {
  readonly kind: BreakKind;
  readonly clientOrderId: string;
  readonly planId: string | null;
  readonly userId: string | null;
  readonly scheduledFor: string | null;
  readonly ledgerStatus: string | null;
  readonly exchangeOrderIds: readonly string[];
  /** What differs, field by field: `{ field: { ledger, exchange } }`. */
  readonly differences: Readonly<Record<string, { ledger: string | null; exchange: string }>>;
  readonly message: string;
}

export interface ReconciliationResult {
  readonly day: string;
  readonly exchangeOrders: number;
  readonly ledgerEntries: number;
  readonly matched: number;
  readonly breaks: readonly ReconciliationBreak[];
}

const BOUGHT = new Set<string>(BOUGHT_STATUSES);

/** The UTC day's bounds, [start, end) as ISO instants. */
export function dayBounds(day: string): { start: string; end: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new RangeError(`a day is YYYY-MM-DD, not ${day}`);
  }
  const start = Date.parse(`${day}T00:00:00Z`);
  return {
    start: new Date(start).toISOString(),
    end: new Date(start + 86_400_000).toISOString(),
  };
}

/** The UTC day before the one `nowMs` falls in: the last complete day. */
export function previousDay(nowMs: number): string {
  return new Date(nowMs - 86_400_000).toISOString().slice(0, 10);
}

function breakOf(
  kind: BreakKind,
  clientOrderId: string,
  entry: LedgerEntry | undefined,
  orders: readonly ExchangeOrder[],
  message: string,
  differences: ReconciliationBreak['differences'] = {},
): ReconciliationBreak {
  return {
    kind,
    clientOrderId,
    planId: entry?.planId ?? null,
    userId: entry?.userId ?? null,
    scheduledFor: entry?.scheduledFor ?? null,
    ledgerStatus: entry?.status ?? null,
    exchangeOrderIds: orders.map((order) => order.exchangeOrderId),
    differences,
    message,
  };
}

function compare(entry: LedgerEntry, order: ExchangeOrder): ReconciliationBreak['differences'] {
  return differencesOf([
    ['exchangeOrderId', entry.exchangeOrderId, order.exchangeOrderId],
    ['btcAcquired', entry.btcAcquired, order.filledSats.toString()],
    ['spent', entry.spent, order.spentMinor.toString()],
    ['fee', entry.fee, order.feeMinor.toString()],
  ]);
}

function differencesOf(
  pairs: readonly [string, string | undefined, string][],
): ReconciliationBreak['differences'] {
  const differences: Record<string, { ledger: string | null; exchange: string }> = {};
  for (const [field, ledger, exchange] of pairs) {
    if (ledger !== exchange) differences[field] = { ledger: ledger ?? null, exchange };
  }
  return differences;
}

/** What a block part's members were allocated, summed. */
function allocated(part: BlockPartEntry): { sats: bigint; spent: bigint; fee: bigint } {
  return part.members.reduce(
    (sum, member) => ({
      sats: sum.sats + BigInt(member.btcAcquired ?? '0'),
      spent: sum.spent + BigInt(member.spent ?? '0'),
      fee: sum.fee + BigInt(member.fee ?? '0'),
    }),
    { sats: 0n, spent: 0n, fee: 0n },
  );
}

/** A part that says its order filled, in part or in whole (allocated or not yet). */
function partBought(part: BlockPartEntry): boolean {
  if (BOUGHT.has(part.status)) return true;
  return part.status === BLOCK_PART_STATUS.ALLOCATED && BigInt(part.filledSats ?? '0') > 0n;
}

function partBreak(
  kind: BreakKind,
  part: BlockPartEntry,
  orders: readonly ExchangeOrder[],
  message: string,
  differences: ReconciliationBreak['differences'] = {},
): ReconciliationBreak {
  return {
    kind,
    clientOrderId: part.clientOrderId,
    planId: null,
    userId: null,
    scheduledFor: null,
    ledgerStatus: part.status,
    exchangeOrderIds: orders.map((order) => order.exchangeOrderId),
    differences,
    message: `Block ${part.blockId}: ${message}`,
  };
}

/**
 * A block order filled at the exchange against its part and its members. The part must record
 * the exchange's fill exactly (AMOUNT_MISMATCH otherwise); the members' allocations must add up
 * to what the exchange filled and charged, one allocation per member sealed into the part
 * (ALLOCATION_MISMATCH otherwise, `ledger` being the members' sums and count).
 */
function reconcilePart(part: BlockPartEntry, order: ExchangeOrder): ReconciliationBreak[] {
  if (!partBought(part)) {
    return [
      partBreak(
        'LEDGER_NOT_FILLED',
        part,
        [order],
        `the exchange filled the block order; its part says ${part.status}.`,
      ),
    ];
  }
  const breaks: ReconciliationBreak[] = [];
  const recorded = differencesOf([
    ['exchangeOrderId', part.exchangeOrderId, order.exchangeOrderId],
    ['btcAcquired', part.filledSats, order.filledSats.toString()],
    ['spent', part.spentMinor, order.spentMinor.toString()],
    ['fee', part.feeMinor, order.feeMinor.toString()],
  ]);
  if (Object.keys(recorded).length > 0) {
    breaks.push(
      partBreak(
        'AMOUNT_MISMATCH',
        part,
        [order],
        'its part and the exchange disagree on the fill.',
        recorded,
      ),
    );
  }
  const sums = allocated(part);
  const shared = differencesOf([
    ['members', String(part.members.length), String(part.memberCount)],
    ['btcAcquired', sums.sats.toString(), order.filledSats.toString()],
    ['spent', sums.spent.toString(), order.spentMinor.toString()],
    ['fee', sums.fee.toString(), order.feeMinor.toString()],
  ]);
  if (Object.keys(shared).length > 0) {
    breaks.push(
      partBreak(
        'ALLOCATION_MISMATCH',
        part,
        [order],
        `its ${part.members.length} allocations do not add up to the fill of its ${part.memberCount} members.`,
        shared,
      ),
    );
  }
  return breaks;
}

/**
 * Matches one UTC day. `orders` are the exchange's orders around the day (a margin either side
 * absorbs clock differences between the ledger and the exchange); `ledger` the entries whose
 * order was sent that day and the days either side. Each side is checked for the day itself.
 */
export function reconcile(
  day: string,
  orders: readonly ExchangeOrder[],
  ledger: readonly LedgerEntry[],
  parts: readonly BlockPartEntry[] = [],
): ReconciliationResult {
  const { start, end } = dayBounds(day);
  const inDay = (instant: string | undefined) =>
    instant !== undefined && instant >= start && instant < end;
  const filled = orders.filter((order) => order.filledSats > 0n);
  const byClientId = new Map<string, ExchangeOrder[]>();
  for (const order of filled) {
    byClientId.set(order.clientOrderId, [...(byClientId.get(order.clientOrderId) ?? []), order]);
  }
  const entries = new Map(ledger.map((entry) => [entry.clientOrderId, entry]));
  const partsById = new Map(parts.map((part) => [part.clientOrderId, part]));
  const breaks: ReconciliationBreak[] = [];
  let matched = 0;
  let exchangeOrders = 0;

  for (const [clientOrderId, group] of byClientId) {
    if (!group.some((order) => inDay(order.createdAt))) continue;
    exchangeOrders += group.length;
    const entry = entries.get(clientOrderId);
    if (group.length > 1) {
      breaks.push(
        breakOf(
          'DUPLICATE_ORDER',
          clientOrderId,
          entry,
          group,
          `The exchange filled ${group.length} orders for one slot.`,
        ),
      );
      continue;
    }
    const order = group[0] as ExchangeOrder;
    const part = partsById.get(clientOrderId);
    if (part !== undefined) {
      const found = reconcilePart(part, order);
      breaks.push(...found);
      if (found.length === 0) matched += 1;
      continue;
    }
    if (entry === undefined) {
      breaks.push(
        breakOf(
          'UNKNOWN_ORDER',
          clientOrderId,
          entry,
          group,
          'The exchange has a fill the ledger does not know.',
        ),
      );
      continue;
    }
    if (!BOUGHT.has(entry.status)) {
      breaks.push(
        breakOf(
          'LEDGER_NOT_FILLED',
          clientOrderId,
          entry,
          group,
          `The exchange filled the order; the ledger says ${entry.status}.`,
        ),
      );
      continue;
    }
    const differences = compare(entry, order);
    if (Object.keys(differences).length > 0) {
      breaks.push(
        breakOf(
          'AMOUNT_MISMATCH',
          clientOrderId,
          entry,
          group,
          'The ledger and the exchange disagree on the fill.',
          differences,
        ),
      );
      continue;
    }
    matched += 1;
  }

  const ledgerOfDay = ledger.filter((entry) => inDay(entry.submittedAt));
  for (const entry of ledgerOfDay) {
    if (BOUGHT.has(entry.status) && !byClientId.has(entry.clientOrderId)) {
      breaks.push(
        breakOf(
          'MISSING_ON_EXCHANGE',
          entry.clientOrderId,
          entry,
          [],
          'The ledger records a purchase the exchange does not have.',
        ),
      );
    }
  }
  const partsOfDay = parts.filter((part) => part.orderDay === day);
  for (const part of partsOfDay) {
    if (partBought(part) && !byClientId.has(part.clientOrderId)) {
      breaks.push(
        partBreak(
          'MISSING_ON_EXCHANGE',
          part,
          [],
          'its part records a fill the exchange does not have.',
        ),
      );
    }
  }
  return {
    day,
    exchangeOrders,
    ledgerEntries: ledgerOfDay.length + partsOfDay.length,
    matched,
    breaks,
  };
}
