/**
 * Daily reconciliation: the exchange's orders of a day against the ledger, matched by client
 * order id. Every mismatch is a break that someone must look at; a day with none proves the
 * ledger and the exchange agree. Pure: the job reads both sides and publishes the breaks.
 */
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
  | 'AMOUNT_MISMATCH';

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
  const pairs: [string, string | undefined, string][] = [
    ['exchangeOrderId', entry.exchangeOrderId, order.exchangeOrderId],
    ['btcAcquired', entry.btcAcquired, order.filledSats.toString()],
    ['spent', entry.spent, order.spentMinor.toString()],
    ['fee', entry.fee, order.feeMinor.toString()],
  ];
  const differences: Record<string, { ledger: string | null; exchange: string }> = {};
  for (const [field, ledger, exchange] of pairs) {
    if (ledger !== exchange) differences[field] = { ledger: ledger ?? null, exchange };
  }
  return differences;
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
  return { day, exchangeOrders, ledgerEntries: ledgerOfDay.length, matched, breaks };
}
