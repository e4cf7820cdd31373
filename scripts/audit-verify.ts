/**
 * `npm run audit:verify`: checks the audit trail day by day: every digest's signature, the chain
 * from each day to the one before, and every object against its digest. Exits 1 naming the first
 * object that does not match, 2 on bad arguments.
 *
 * The local trail (`.local/audit/`, as `npm start` keeps it), signatures checked with the local
 * key beside it:
 *
 *   npm run audit:verify                                   every sealed day it finds
 *   npm run audit:verify -- --from 2026-12-01 --to 2026-12-31
 *   npm run audit:verify -- --dir /tmp/spb/audit --key /tmp/spb/audit-signing-key.pem
 *
 * A deployed stack's audit bucket, signatures checked with the audit key's public key (fetched
 * once from KMS; needs s3:ListBucket, s3:GetObject on the bucket and kms:GetPublicKey on the key,
 * with the usual AWS credentials and region; the stack outputs name both):
 *
 *   npm run audit:verify -- --bucket <auditBucketName> --key-id <auditSigningKeyArn> [--from --to]
 *
 * Days whose digest is not written yet (today, or days the clock has not passed) are reported as
 * not sealed, not as breaks.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  dayOfKey,
  sealedDays,
  signatureVerifies,
  storeSnapshot,
  verifyDays,
  type AuditStore,
} from '#domain/audit-digest.ts';
import { LocalObjectStore } from '#local/services/audit.ts';
import { auditPublicKey, s3AuditStore } from '../functions/lib/audit-bucket.ts';
import { kmsClient, s3Client } from '../functions/lib/aws.ts';

const DATA_DIR =
  process.env.LOCAL_DATA_DIR ?? fileURLToPath(new URL('../.local/', import.meta.url));
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function fail(message: string): never {
  console.error(`audit:verify: ${message}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      dir: { type: 'string' },
      key: { type: 'string' },
      bucket: { type: 'string' },
      'key-id': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
for (const [name, value] of [
  ['from', values.from],
  ['to', values.to],
] as const) {
  if (value !== undefined && !DAY.test(value)) fail(`--${name} must be a date such as 2026-12-01`);
}

let store: AuditStore;
let publicKey: KeyObject;
let where: string;
if (values.bucket !== undefined) {
  if (values.dir !== undefined || values.key !== undefined) {
    fail('--bucket reads a deployed trail; --dir and --key are for the local one');
  }
  if (values['key-id'] === undefined) fail('--bucket needs --key-id <auditSigningKeyArn>');
  // The Lambdas' clients: path style only against a local endpoint (AWS_ENDPOINT_URL_S3).
  store = s3AuditStore(s3Client(), values.bucket);
  publicKey = await auditPublicKey(kmsClient(), values['key-id']);
  where = `s3://${values.bucket}`;
} else {
  if (values['key-id'] !== undefined) fail('--key-id goes with --bucket');
  const dir = values.dir ?? join(DATA_DIR, 'audit');
  const keyFile = values.key ?? join(dirname(dir), 'audit-signing-key.pem');
  if (!existsSync(dir)) fail(`no audit trail at ${dir} (start the stack with npm start first)`);
  if (!existsSync(keyFile)) fail(`no signing key at ${keyFile}`);
  store = new LocalObjectStore(dir).port();
  publicKey = createPublicKey(readFileSync(keyFile, 'utf8'));
  where = dir;
}

const sealed = await sealedDays(store);
const days = sealed.filter(
  (day) =>
    (values.from === undefined || day >= values.from) &&
    (values.to === undefined || day <= values.to),
);
if (days.length === 0) {
  console.log(
    `audit:verify: no sealed day${values.from || values.to ? ' in that range' : ''} in ${where}`,
  );
  process.exit(0);
}
// The chain is checked from the first day asked for; its link to the day before is checked too
// when that day is sealed.
const index = sealed.indexOf(days[0] ?? '');
const checked = index > 0 ? [sealed[index - 1] ?? '', ...days] : days;
const snapshot = storeSnapshot(store, (message, signature) =>
  signatureVerifies(publicKey, message, signature),
);
const problem = await verifyDays(checked, snapshot);
const range = `${days[0]} to ${days.at(-1)}`;
if (problem !== null) {
  console.error(`audit:verify: BROKEN on ${problem.day} (${problem.kind}): ${problem.message}`);
  console.error(`audit:verify: first object that does not match: ${problem.key}`);
  process.exit(1);
}
let objects = 0;
for (const day of checked) objects += (await snapshot.objectKeys(day)).length;
const lastSealed = sealed.at(-1) ?? '';
const unsealed = [
  ...new Set(
    (await store.list('events/'))
      .map((key) => dayOfKey(key) ?? '')
      .filter((day) => day > lastSealed),
  ),
];
console.log(
  `audit:verify: ${checked.length} day(s) verified (${range}) in ${where}, ${objects} object(s), every digest signed and chained: OK`,
);
if (unsealed.length > 0) console.log(`audit:verify: not sealed yet: ${unsealed.join(', ')}`);
