import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalAuditTrail } from '#local/audit.ts';
import type { StoredEvent } from '#local/eventbridge.ts';

const event = (id: string, time: string): StoredEvent => ({
  id,
  time,
  source: 'savings.purchases',
  detailType: 'PurchaseSucceeded',
  detail: { planId: 'p-1', userId: 'u-1', scheduledFor: '2026-12-07T08:00:00Z' },
  eventBusName: 'bus',
  resources: [],
  account: '000000000000',
  region: 'eu-central-1',
});

const dir = mkdtempSync(join(tmpdir(), 'audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LocalAuditTrail', () => {
  it('writes each event as the bucket holds it, by day, and lists them oldest first', () => {
    const audit = new LocalAuditTrail(dir);
    audit.record(event('b', '2026-12-07T08:00:05Z'));
    const first = audit.record(event('a', '2026-12-07T08:00:03Z'));
    expect(first.key).toBe('events/2026/12/07/2026-12-07T08:00:03Z-a.json');
    expect(JSON.parse(readFileSync(join(dir, ...first.key.split('/')), 'utf8'))).toEqual({
      version: '0',
      id: 'a',
      'detail-type': 'PurchaseSucceeded',
      source: 'savings.purchases',
      account: '000000000000',
      time: '2026-12-07T08:00:03Z',
      region: 'eu-central-1',
      resources: [],
      detail: { planId: 'p-1', userId: 'u-1', scheduledFor: '2026-12-07T08:00:00Z' },
    });
    // A new instance on the same folder (a restarted stack) finds them.
    expect(new LocalAuditTrail(dir).records().map((record) => record.key)).toEqual([
      'events/2026/12/07/2026-12-07T08:00:03Z-a.json',
      'events/2026/12/07/2026-12-07T08:00:05Z-b.json',
    ]);
  });

  it('keeps records in memory without a folder', () => {
    const audit = new LocalAuditTrail();
    audit.record(event('z', '2026-12-08T00:00:00Z'));
    expect(audit.records().map((record) => record.event.id)).toEqual(['z']);
  });
});
