/**
 * The monthly audit report: purchases and amounts, failures, skipped and missed runs, plan
 * changes, reconciliation breaks and notifications of one calendar month (UTC, by the time each
 * event was published), from the audit records alone. The monthly job writes it into the audit
 * bucket (`reports/YYYY-MM.md` and `.csv`); `npm run audit:report -- --month 2026-11` writes the
 * same report from the local trail.
 *
 * Nothing is counted twice: EventBridge and Firehose deliver at least once and a workflow step
 * may publish again after a retry, so each fact is counted once by its own identity (a purchase,
 * failure or missed run by client order id, a plan change by plan, version and change, a break by
 * day, kind and client order id, a notification by its id), whatever the event id.
 * Amounts are summed as integers (minor units, satoshis) and shown as decimal strings.
 */
import { gunzipSync } from 'node:zlib';
import { BTC_DIGITS, CURRENCY_DIGITS } from './currencies.ts';
import { fromUnits } from './money.ts';
import { isDetailType, type DetailType } from '#shared/bus-events.ts';
import { dayPrefix, type AuditStore } from './audit-digest.ts';
import {
  auditEntryOf,
  eventsOfObject,
  type AuditEntry,
  type EventEnvelope,
} from './audit-entry.ts';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Thrown for a month that is not YYYY-MM, or a record whose amounts cannot be read. */
export class AuditReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditReportError';
  }
}

/** The first and last UTC day of `month` (YYYY-MM), and the days whose objects may hold its events. */
export function monthDays(month: string): { first: string; last: string; objectDays: string[] } {
  const match = MONTH.exec(month);
  if (match === null) throw new AuditReportError(`month must look like 2026-11, got ${month}`);
  const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, 1);
  const end = Date.UTC(Number(match[1]), Number(match[2]), 1);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const objectDays: string[] = [];
  // Firehose files a record by its arrival: an event of the month's last second may sit in the
  // next month's first day. The day before is read too, for clock differences.
  for (let ms = start - 86_400_000; ms <= end; ms += 86_400_000) objectDays.push(day(ms));
  return { first: day(start), last: day(end - 86_400_000), objectDays };
}

export interface CurrencyTotals {
  readonly currency: string;
  readonly purchases: number;
  /** Decimal strings in the currency's digits. */
  readonly spent: string;
  readonly fees: string;
  /** BTC with 8 decimals. */
  readonly btcAcquired: string;
}

export interface ReportLine {
  readonly entry: AuditEntry;
  readonly currency: string | null;
  readonly amount: string | null;
  readonly spent: string | null;
  readonly fee: string | null;
  readonly btcAcquired: string | null;
  /** Failure, skip or break code; notification channel and status. */
  readonly code: string | null;
  readonly reason: string | null;
}

export interface MonthlyReport {
  readonly month: string;
  readonly events: number;
  readonly purchases: { readonly count: number; readonly byCurrency: readonly CurrencyTotals[] };
  readonly failures: { readonly count: number; readonly byCode: Readonly<Record<string, number>> };
  readonly skipped: { readonly count: number; readonly byCode: Readonly<Record<string, number>> };
  readonly missedRuns: {
    readonly count: number;
    readonly byAction: Readonly<Record<string, number>>;
  };
  readonly planChanges: {
    readonly count: number;
    readonly byChange: Readonly<Record<string, number>>;
  };
  readonly reconciliation: {
    readonly daysReconciled: number;
    readonly breaks: readonly ReportLine[];
  };
  readonly notifications: Readonly<Record<string, number>>;
  /** Every counted fact, oldest first: the CSV's rows. */
  readonly lines: readonly ReportLine[];
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function units(event: EventEnvelope, field: string): bigint {
  const value = event.detail[field];
  if (typeof value !== 'string' || !/^\d{1,30}$/.test(value)) {
    throw new AuditReportError(
      `event ${event.id}: ${field} must be a digit string, got ${String(value)}`,
    );
  }
  return BigInt(value);
}

function digitsOf(event: EventEnvelope, currency: string | null): number {
  const digits = currency === null ? undefined : CURRENCY_DIGITS[currency];
  if (digits === undefined) {
    throw new AuditReportError(`event ${event.id}: unknown currency ${String(currency)}`);
  }
  return digits;
}

/** The event's detail-type if the catalog has it; null for any other event. */
const detailTypeOf = (event: EventEnvelope): DetailType | null =>
  isDetailType(event['detail-type']) ? event['detail-type'] : null;

/** The identity a fact is counted once by, or null for events the report does not count. */
function factKey(event: EventEnvelope): string | null {
  const detail = event.detail;
  const type = detailTypeOf(event);
  switch (type) {
    case 'PurchaseSucceeded':
    case 'PurchaseFailed':
    case 'PurchaseSkipped':
    case 'PlanRunMissed':
      return `${type}#${String(detail.clientOrderId)}`;
    case 'PlanChanged':
      return `PlanChanged#${String(detail.planId)}#${String(detail.version)}#${String(detail.change)}`;
    case 'ReconciliationBreak':
      return `ReconciliationBreak#${String(detail.day)}#${String(detail.kind)}#${String(detail.clientOrderId)}`;
    case 'ReconciliationCompleted':
      return `ReconciliationCompleted#${String(detail.day)}`;
    case 'NotificationSent':
      return `NotificationSent#${String(detail.notificationId)}`;
    case null:
      return null;
  }
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** The report of `month` from `events` (any order, duplicates and other months included). */
export function buildMonthlyReport(month: string, events: readonly EventEnvelope[]): MonthlyReport {
  const { first, last } = monthDays(month);
  const inMonth = events
    .filter((event) => event.time.slice(0, 10) >= first && event.time.slice(0, 10) <= last)
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  const seen = new Set<string>();
  const totals = new Map<
    string,
    { purchases: number; spent: bigint; fees: bigint; sats: bigint }
  >();
  const failures: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const missed: Record<string, number> = {};
  const changes: Record<string, number> = {};
  const notifications: Record<string, number> = {};
  const lines: ReportLine[] = [];
  const breaks: ReportLine[] = [];
  let reconciledDays = 0;
  for (const event of inMonth) {
    const key = factKey(event);
    if (key === null || seen.has(key)) continue;
    seen.add(key);
    const detail = event.detail;
    const entry = auditEntryOf(event);
    const line: {
      -readonly [Field in keyof ReportLine]: ReportLine[Field];
    } = {
      entry,
      currency: str(detail.currency),
      amount: str(detail.amount),
      spent: null,
      fee: null,
      btcAcquired: null,
      code: null,
      reason: null,
    };
    switch (detailTypeOf(event)) {
      case 'PurchaseSucceeded': {
        const currency = str(detail.currency);
        const digits = digitsOf(event, currency);
        const spent = units(event, 'spentMinor');
        const fee = units(event, 'feeMinor');
        const sats = units(event, 'btcAcquiredSats');
        const total = totals.get(currency ?? '') ?? { purchases: 0, spent: 0n, fees: 0n, sats: 0n };
        totals.set(currency ?? '', {
          purchases: total.purchases + 1,
          spent: total.spent + spent,
          fees: total.fees + fee,
          sats: total.sats + sats,
        });
        line.spent = fromUnits(spent, digits);
        line.fee = fromUnits(fee, digits);
        line.btcAcquired = fromUnits(sats, BTC_DIGITS);
        line.code = str(detail.status);
        break;
      }
      case 'PurchaseFailed':
        line.code = str(detail.failureCode) ?? 'UNKNOWN';
        line.reason = str(detail.failureReason);
        bump(failures, line.code);
        break;
      case 'PurchaseSkipped':
        line.code = str(detail.code) ?? 'UNKNOWN';
        line.reason = str(detail.reason);
        bump(skipped, line.code);
        break;
      case 'PlanRunMissed':
        line.code = str(detail.action) ?? 'UNKNOWN';
        bump(missed, line.code);
        break;
      case 'PlanChanged':
        line.code = entry.change ?? 'UNKNOWN';
        bump(changes, line.code);
        break;
      case 'ReconciliationBreak':
        line.code = str(detail.kind) ?? 'UNKNOWN';
        line.reason = str(detail.message);
        breaks.push(line);
        break;
      case 'ReconciliationCompleted':
        reconciledDays += 1;
        break;
      case 'NotificationSent':
        line.code = `${String(detail.channel)} ${String(detail.status)}`;
        bump(notifications, line.code);
        break;
    }
    if (detailTypeOf(event) !== 'ReconciliationCompleted') lines.push(line);
  }
  const count = (counts: Record<string, number>) =>
    Object.values(counts).reduce((sum, value) => sum + value, 0);
  return {
    month,
    events: inMonth.length,
    purchases: {
      count: [...totals.values()].reduce((sum, total) => sum + total.purchases, 0),
      byCurrency: [...totals.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([currency, total]) => ({
          currency,
          purchases: total.purchases,
          spent: fromUnits(total.spent, CURRENCY_DIGITS[currency] ?? 0),
          fees: fromUnits(total.fees, CURRENCY_DIGITS[currency] ?? 0),
          btcAcquired: fromUnits(total.sats, BTC_DIGITS),
        })),
    },
    failures: { count: count(failures), byCode: sorted(failures) },
    skipped: { count: count(skipped), byCode: sorted(skipped) },
    missedRuns: { count: count(missed), byAction: sorted(missed) },
    planChanges: { count: count(changes), byChange: sorted(changes) },
    reconciliation: { daysReconciled: reconciledDays, breaks },
    notifications: sorted(notifications),
    lines,
  };
}

const sorted = (counts: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));

const CSV_COLUMNS = [
  'when',
  'what',
  'change',
  'who',
  'userId',
  'planId',
  'scheduledFor',
  'clientOrderId',
  'exchangeOrderId',
  'executionArn',
  'currency',
  'amount',
  'spent',
  'fee',
  'btcAcquired',
  'code',
  'reason',
  'eventId',
] as const;

/** A CSV cell: quoted when needed; text a spreadsheet would run as a formula is defused. */
function cell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One row per counted fact, oldest first (RFC 4180, CRLF line ends). */
export function reportCsv(report: MonthlyReport): string {
  const rows = report.lines.map((line) => {
    const { entry } = line;
    const values: Record<(typeof CSV_COLUMNS)[number], string | null> = {
      when: entry.when,
      what: entry.what,
      change: entry.change,
      who: `${entry.who.kind}:${entry.who.id}`,
      userId: entry.userId,
      planId: entry.planId,
      scheduledFor: entry.scheduledFor,
      clientOrderId: entry.clientOrderId,
      exchangeOrderId: entry.exchangeOrderId,
      executionArn: entry.executionArn,
      currency: line.currency,
      amount: line.amount,
      spent: line.spent,
      fee: line.fee,
      btcAcquired: line.btcAcquired,
      code: line.code,
      reason: line.reason,
      eventId: entry.eventId,
    };
    return CSV_COLUMNS.map((column) => cell(values[column])).join(',');
  });
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

const mdCell = (value: string) => value.replaceAll('|', '\\|').replaceAll('\n', ' ');

function countTable(title: string, counts: Readonly<Record<string, number>>): string[] {
  const entries = Object.entries(counts);
  if (entries.length === 0) return [];
  return [
    `| ${title} | Count |`,
    '| --- | ---: |',
    ...entries.map(([key, n]) => `| ${mdCell(key)} | ${n} |`),
    '',
  ];
}

/** The report for people: totals first, then every break. */
export function reportMarkdown(report: MonthlyReport): string {
  const { first, last } = monthDays(report.month);
  const out = [
    `# Audit report ${report.month}`,
    '',
    `Events published from ${first} to ${last} (UTC), read from the audit trail: ${report.events} (each fact counted once).`,
    '',
    '## Purchases',
    '',
    `${report.purchases.count} purchase(s) filled.`,
    '',
  ];
  if (report.purchases.byCurrency.length > 0) {
    out.push(
      '| Currency | Purchases | Spent | Fees | BTC acquired |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...report.purchases.byCurrency.map(
        (total) =>
          `| ${total.currency} | ${total.purchases} | ${total.spent} | ${total.fees} | ${total.btcAcquired} |`,
      ),
      '',
    );
  }
  out.push('## Failures', '', `${report.failures.count} purchase(s) failed.`, '');
  out.push(...countTable('Failure code', report.failures.byCode));
  out.push('## Skipped and missed runs', '');
  out.push(`${report.skipped.count} run(s) skipped, ${report.missedRuns.count} run(s) missed.`, '');
  out.push(...countTable('Skip code', report.skipped.byCode));
  out.push(...countTable('Missed run: what the system did', report.missedRuns.byAction));
  out.push('## Plan changes', '', `${report.planChanges.count} plan change(s).`, '');
  out.push(...countTable('Change', report.planChanges.byChange));
  out.push(
    '## Reconciliation',
    '',
    `${report.reconciliation.daysReconciled} day(s) reconciled, ${report.reconciliation.breaks.length} break(s).`,
    '',
  );
  if (report.reconciliation.breaks.length > 0) {
    out.push(
      '| When | Kind | Client order id | Plan | What |',
      '| --- | --- | --- | --- | --- |',
      ...report.reconciliation.breaks.map(
        (line) =>
          `| ${line.entry.when} | ${mdCell(line.code ?? '')} | ${mdCell(line.entry.clientOrderId ?? '')} | ${mdCell(line.entry.planId ?? '')} | ${mdCell(line.reason ?? '')} |`,
      ),
      '',
    );
  }
  out.push('## Notifications', '');
  const sent = countTable('Channel and status', report.notifications);
  out.push(...(sent.length === 0 ? ['No notifications.', ''] : sent));
  return `${out.join('\n').trimEnd()}\n`;
}

/** Where the monthly job writes a month's report in the audit bucket. */
export const reportKeys = (month: string) => ({
  markdown: `reports/${month}.md`,
  csv: `reports/${month}.csv`,
});

/** Every event in the audit objects that may hold `month`'s events (gzip objects unpacked). */
export async function monthEvents(store: AuditStore, month: string): Promise<EventEnvelope[]> {
  const events: EventEnvelope[] = [];
  for (const day of monthDays(month).objectDays) {
    for (const key of await store.list(dayPrefix(day))) {
      const body = (await store.get(key)) ?? new Uint8Array();
      const bytes = key.endsWith('.gz') ? gunzipSync(body) : Buffer.from(body);
      events.push(...eventsOfObject(key, bytes.toString('utf8')));
    }
  }
  return events;
}

/** The months from `firstMonth` through `lastMonth` (both YYYY-MM), ascending. */
export function monthsBetween(firstMonth: string, lastMonth: string): string[] {
  monthDays(firstMonth);
  monthDays(lastMonth);
  const months: string[] = [];
  let [year, month] = firstMonth.split('-').map(Number) as [number, number];
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    if (current > lastMonth) return months;
    months.push(current);
    month += 1;
    if (month === 13) {
      month = 1;
      year += 1;
    }
  }
}
