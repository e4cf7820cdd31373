/**
 * The local audit bucket: records by day as Firehose writes them, days sealed with signed,
 * chained digests, and `npm run audit:verify` passing an untouched trail and naming the first
 * object that was edited.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDays } from '#domain/audit-digest.ts';
import { LocalAuditSigner, LocalAuditTrail } from '#local/services/audit.ts';
import type { StoredEvent } from '#local/services/eventbridge.ts';

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

const root = mkdtempSync(join(tmpdir(), 'audit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function verifyScript(dataDir: string, ...args: string[]) {
  return spawnSync(
    process.execPath,
    [
      'scripts/audit-verify.ts',
      '--dir',
      join(dataDir, 'audit'),
      '--key',
      join(dataDir, 'audit-signing-key.pem'),
      ...args,
    ],
    { encoding: 'utf8' },
  );
}

describe('LocalAuditTrail', () => {
  it('writes each event as the bucket holds it, by day, and lists them oldest first', async () => {
    const dir = join(root, 'records');
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

  it('keeps records in memory without a folder, and seals them there too', async () => {
    const audit = new LocalAuditTrail();
    const signer = new LocalAuditSigner();
    audit.record(event('z', '2026-12-08T00:00:00Z'));
    expect(audit.records().map((record) => record.event.id)).toEqual(['z']);
    expect(await audit.sealThrough('2026-12-09', signer)).toEqual(['2026-12-08', '2026-12-09']);
    expect(await verifyDays(await audit.sealedDays(), audit.snapshot(signer.publicKey))).toBeNull();
  });

  it('seals every ended day once, chained without gaps, and only new days later', async () => {
    const audit = new LocalAuditTrail(join(root, 'seal'));
    const signer = new LocalAuditSigner(join(root, 'seal-key.pem'));
    audit.record(event('a', '2026-12-07T08:00:03Z'));
    audit.record(event('c', '2026-12-09T10:00:00Z'));
    expect(await audit.sealThrough('2026-12-09', signer)).toEqual([
      '2026-12-07',
      '2026-12-08',
      '2026-12-09',
    ]);
    expect(await audit.sealThrough('2026-12-09', signer)).toEqual([]);
    expect(await audit.sealThrough('2026-12-10', signer)).toEqual(['2026-12-10']);
    expect(await verifyDays(await audit.sealedDays(), audit.snapshot(signer.publicKey))).toBeNull();
    // Another key did not sign these digests.
    expect(
      await verifyDays(await audit.sealedDays(), audit.snapshot(new LocalAuditSigner().publicKey)),
    ).toMatchObject({ kind: 'SIGNATURE_INVALID', day: '2026-12-07' });
  });
});

describe('npm run audit:verify', () => {
  const dataDir = join(root, 'stack');
  const audit = new LocalAuditTrail(join(dataDir, 'audit'));
  const signer = new LocalAuditSigner(join(dataDir, 'audit-signing-key.pem'));
  audit.record(event('a', '2026-12-07T08:00:03Z'));
  const edited = audit.record(event('b', '2026-12-08T08:00:03Z'));
  audit.record(event('c', '2026-12-10T08:00:03Z'));
  beforeAll(() => audit.sealThrough('2026-12-09', signer));

  it('passes an untouched trail and says which days are not sealed yet', async () => {
    const result = verifyScript(dataDir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      `3 day(s) verified (2026-12-07 to 2026-12-09) in ${join(dataDir, 'audit')}, 2 object(s), every digest signed and chained: OK`,
    );
    expect(result.stdout).toContain('not sealed yet: 2026-12-10');
  });

  it('fails after an audit file is edited, naming the object', async () => {
    const file = join(dataDir, 'audit', ...edited.key.split('/'));
    writeFileSync(file, readFileSync(file, 'utf8').replace('p-1', 'p-2'));
    const result = verifyScript(dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('BROKEN on 2026-12-08 (OBJECT_CHANGED)');
    expect(result.stderr).toContain(`first object that does not match: ${edited.key}`);
    // A range before the edit still verifies.
    expect(verifyScript(dataDir, '--to', '2026-12-07').status).toBe(0);
  });

  it('refuses a bad range and a missing trail with a clear message', async () => {
    expect(verifyScript(dataDir, '--from', 'yesterday')).toMatchObject({
      status: 2,
      stderr: 'audit:verify: --from must be a date such as 2026-12-01\n',
    });
    expect(verifyScript(join(root, 'nothing')).stderr).toMatch(/^audit:verify: no audit trail at /);
  });
});
