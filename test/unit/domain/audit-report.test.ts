/**
 * The monthly audit report and the audit entry: each fact counted once whatever the event id,
 * amounts summed as integers, the month's edges respected, CSV and Markdown a reader can trust.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { auditEntryOf, eventsOfObject, type EventEnvelope } from '#domain/audit-entry.ts';
import {
  buildMonthlyReport,
  monthDays,
  monthEvents,
  monthsBetween,
  reportCsv,
  reportMarkdown,
} from '#domain/audit-report.ts';
import type { AuditStore } from '#domain/audit-digest.ts';

const event = (
  id: string,
  time: string,
  type: string,
  detail: Record<string, unknown>,
  source = 'savings.purchases',
): EventEnvelope => ({ id, time, source, 'detail-type': type, detail });

const bought = (id: string, time: string, order: string, currency = 'EUR', spent = '2450') =>
  event(id, time, 'PurchaseSucceeded', {
    userId: 'u-1',
    planId: 'p-1',
    scheduledFor: time,
    clientOrderId: order,
    exchangeOrderId: `x-${order}`,
    executionArn: `arn:aws:states:eu-central-1:1:express:p:${order}`,
    amount: '25.00',
    currency,
    spentMinor: spent,
    feeMinor: '50',
    btcAcquiredSats: '31250',
    status: 'FILLED',
  });

describe('auditEntryOf', () => {
  it("names the owner for a person's plan change and the component for the system's", () => {
    const change = event(
      'e1',
      '2026-11-02T10:00:00Z',
      'PlanChanged',
      {
        userId: 'u-1',
        planId: 'p-1',
        change: 'UPDATED',
        old: { amount: '25.00' },
        new: { amount: '40.00' },
      },
      'savings.plans',
    );
    expect(auditEntryOf(change)).toEqual({
      eventId: 'e1',
      when: '2026-11-02T10:00:00Z',
      what: 'PlanChanged',
      change: 'UPDATED',
      who: { kind: 'user', id: 'u-1' },
      userId: 'u-1',
      planId: 'p-1',
      scheduledFor: null,
      clientOrderId: null,
      exchangeOrderId: null,
      executionArn: null,
      old: { amount: '25.00' },
      new: { amount: '40.00' },
    });
    expect(auditEntryOf({ ...change, detail: { ...change.detail, change: 'ENDED' } }).who).toEqual({
      kind: 'system',
      id: 'savings.plans',
    });
    expect(auditEntryOf(bought('e2', '2026-11-02T08:00:00Z', 'o-1'))).toMatchObject({
      who: { kind: 'system', id: 'savings.purchases' },
      clientOrderId: 'o-1',
      exchangeOrderId: 'x-o-1',
      old: null,
      new: null,
    });
  });
});

describe('eventsOfObject', () => {
  it('reads one event per line and names the object and line that is not an event', () => {
    const line = JSON.stringify(bought('e1', '2026-11-02T08:00:00Z', 'o-1'));
    expect(eventsOfObject('k', `${line}\n\n${line}\n`)).toHaveLength(2);
    expect(() => eventsOfObject('events/2026/11/02/x.jsonl', `${line}\n{"id":1}\n`)).toThrow(
      'events/2026/11/02/x.jsonl line 2 is not an EventBridge event',
    );
    expect(() => eventsOfObject('k', 'nope')).toThrow('k line 1 is not JSON');
  });
});

describe('monthDays and monthsBetween', () => {
  it("reads the month's days, the day before and the next month's first day", () => {
    const days = monthDays('2026-02');
    expect(days.first).toBe('2026-02-01');
    expect(days.last).toBe('2026-02-28');
    expect(days.objectDays[0]).toBe('2026-01-31');
    expect(days.objectDays.at(-1)).toBe('2026-03-01');
    expect(days.objectDays).toHaveLength(30);
    expect(() => monthDays('2026-13')).toThrow('month must look like 2026-11, got 2026-13');
    expect(monthsBetween('2026-11', '2027-02')).toEqual([
      '2026-11',
      '2026-12',
      '2027-01',
      '2027-02',
    ]);
  });
});

describe('buildMonthlyReport', () => {
  const events = [
    bought('e1', '2026-11-02T08:00:00Z', 'o-1'),
    // The same purchase published again after a retry: a new event id, the same order.
    bought('e1-again', '2026-11-02T08:00:01Z', 'o-1'),
    bought('e2', '2026-11-09T08:00:00Z', 'o-2', 'EUR', '2500'),
    bought('e3', '2026-11-09T08:00:00Z', 'o-3', 'USD', '1000'),
    // Other months.
    bought('e4', '2026-10-31T23:59:59Z', 'o-4'),
    bought('e5', '2026-12-01T00:00:00Z', 'o-5'),
    event('f1', '2026-11-16T08:00:00Z', 'PurchaseFailed', {
      clientOrderId: 'o-6',
      failureCode: 'INSUFFICIENT_FUNDS',
      failureReason: 'Not enough funds, =cmd|',
      amount: '25.00',
      currency: 'EUR',
    }),
    event(
      'm1',
      '2026-11-17T08:30:00Z',
      'PlanRunMissed',
      { clientOrderId: 'o-7', action: 'REARMED' },
      'savings.scheduler',
    ),
    event(
      'c1',
      '2026-11-18T09:00:00Z',
      'PlanChanged',
      { userId: 'u-1', planId: 'p-1', version: 2, change: 'UPDATED' },
      'savings.plans',
    ),
    event(
      'c1-again',
      '2026-11-18T09:00:02Z',
      'PlanChanged',
      { userId: 'u-1', planId: 'p-1', version: 2, change: 'UPDATED' },
      'savings.plans',
    ),
    event(
      'r1',
      '2026-11-20T00:15:00Z',
      'ReconciliationBreak',
      {
        day: '2026-11-19',
        kind: 'MISSING_IN_LEDGER',
        clientOrderId: 'o-8',
        message: 'on the exchange, not in the ledger',
      },
      'savings.reconciliation',
    ),
    event(
      'r2',
      '2026-11-20T00:15:01Z',
      'ReconciliationCompleted',
      { day: '2026-11-19' },
      'savings.reconciliation',
    ),
    event(
      'n1',
      '2026-11-02T08:00:05Z',
      'NotificationSent',
      { notificationId: 'a-email', channel: 'EMAIL', status: 'SENT' },
      'savings.notifications',
    ),
  ];
  const report = buildMonthlyReport('2026-11', events);

  it('counts each fact once and sums amounts per currency as integers', () => {
    expect(report.purchases).toEqual({
      count: 3,
      byCurrency: [
        { currency: 'EUR', purchases: 2, spent: '49.50', fees: '1.00', btcAcquired: '0.00062500' },
        { currency: 'USD', purchases: 1, spent: '10.00', fees: '0.50', btcAcquired: '0.00031250' },
      ],
    });
    expect(report.failures).toEqual({ count: 1, byCode: { INSUFFICIENT_FUNDS: 1 } });
    expect(report.missedRuns).toEqual({ count: 1, byAction: { REARMED: 1 } });
    expect(report.planChanges).toEqual({ count: 1, byChange: { UPDATED: 1 } });
    expect(report.reconciliation.daysReconciled).toBe(1);
    expect(report.reconciliation.breaks.map((line) => line.entry.clientOrderId)).toEqual(['o-8']);
    expect(report.notifications).toEqual({ 'EMAIL SENT': 1 });
  });

  it('writes a CSV row per fact, quoted where needed and with formulas defused', () => {
    const csv = reportCsv(report);
    const rows = csv.split('\r\n');
    expect(rows[0]).toBe(
      'when,what,change,who,userId,planId,scheduledFor,clientOrderId,exchangeOrderId,executionArn,currency,amount,spent,fee,btcAcquired,code,reason,eventId',
    );
    expect(rows).toHaveLength(report.lines.length + 2);
    expect(csv).toContain(
      '2026-11-02T08:00:00Z,PurchaseSucceeded,,system:savings.purchases,u-1,p-1,2026-11-02T08:00:00Z,o-1,x-o-1,arn:aws:states:eu-central-1:1:express:p:o-1,EUR,25.00,24.50,0.50,0.00031250,FILLED,,e1\r\n',
    );
    expect(csv).toContain(',INSUFFICIENT_FUNDS,"Not enough funds, =cmd|",f1');
    const formula = buildMonthlyReport('2026-11', [
      event('x', '2026-11-03T00:00:00Z', 'PurchaseSkipped', {
        clientOrderId: 'o',
        code: '=HYPERLINK()',
      }),
    ]);
    expect(reportCsv(formula)).toContain(",'=HYPERLINK(),");
  });

  it('writes Markdown with the totals and every break', () => {
    const markdown = reportMarkdown(report);
    expect(markdown).toContain('# Audit report 2026-11');
    expect(markdown).toContain('| EUR | 2 | 49.50 | 1.00 | 0.00062500 |');
    expect(markdown).toContain('| INSUFFICIENT_FUNDS | 1 |');
    expect(markdown).toContain('1 day(s) reconciled, 1 break(s).');
    expect(markdown).toContain('| MISSING_IN_LEDGER | o-8 |');
  });

  it('refuses amounts it cannot read, naming the event', () => {
    expect(() =>
      buildMonthlyReport('2026-11', [bought('bad', '2026-11-02T08:00:00Z', 'o-1', 'EUR', '24.50')]),
    ).toThrow('event bad: spentMinor must be a digit string, got 24.50');
  });
});

describe('monthEvents', () => {
  it('reads plain and gzip objects of the days that may hold the month', async () => {
    const line = (id: string, time: string) => `${JSON.stringify(bought(id, time, id))}\n`;
    const objects = new Map<string, Uint8Array>([
      ['events/2026/10/31/a.json', Buffer.from(line('a', '2026-10-31T23:59:59Z'))],
      [
        'events/2026/11/15/b.jsonl.gz',
        gzipSync(line('b', '2026-11-15T08:00:00Z') + line('c', '2026-11-15T09:00:00Z')),
      ],
      ['events/2026/12/01/d.json', Buffer.from(line('d', '2026-11-30T23:59:59Z'))],
      ['events/2026/12/02/e.json', Buffer.from(line('e', '2026-12-02T00:00:00Z'))],
    ]);
    const store: AuditStore = {
      list: (prefix) =>
        Promise.resolve([...objects.keys()].filter((key) => key.startsWith(prefix)).sort()),
      first: () => Promise.resolve(undefined),
      get: (key) => Promise.resolve(objects.get(key)),
      create: () => Promise.resolve(false),
    };
    const events = await monthEvents(store, '2026-11');
    expect(events.map((each) => each.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(buildMonthlyReport('2026-11', events).purchases.count).toBe(3);
  });
});
