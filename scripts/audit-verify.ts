/**
 * `npm run audit:verify`: checks the local audit trail (`.local/audit/`, as `npm start` keeps it)
 * day by day: every digest's signature, the chain from each day to the one before, and every
 * object against its digest. Exits 1 naming the first object that does not match.
 *
 *   npm run audit:verify                                   every sealed day it finds
 *   npm run audit:verify -- --from 2026-12-01 --to 2026-12-31
 *   npm run audit:verify -- --dir /tmp/spb/audit --key /tmp/spb/audit-signing-key.pem
 *
 * Days whose digest is not written yet (today, or days the local clock has not passed) are
 * reported as not sealed, not as breaks.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { verifyDays } from '#domain/audit-digest.ts';
import { LocalAuditTrail } from '#local/audit.ts';

const DATA_DIR =
  process.env.LOCAL_DATA_DIR ?? fileURLToPath(new URL('../.local/', import.meta.url));
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function fail(message: string): never {
  console.error(`audit:verify: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    key: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});
const dir = values.dir ?? join(DATA_DIR, 'audit');
const keyFile = values.key ?? join(dirname(dir), 'audit-signing-key.pem');
for (const [name, value] of [
  ['from', values.from],
  ['to', values.to],
] as const) {
  if (value !== undefined && !DAY.test(value)) fail(`--${name} must be a date such as 2026-12-01`);
}
if (!existsSync(dir)) fail(`no audit trail at ${dir} (start the stack with npm start first)`);
if (!existsSync(keyFile)) fail(`no signing key at ${keyFile}`);

const publicKey = createPublicKey(readFileSync(keyFile, 'utf8'));
const trail = new LocalAuditTrail(dir);
const sealed = trail.sealedDays();
const days = sealed.filter(
  (day) =>
    (values.from === undefined || day >= values.from) &&
    (values.to === undefined || day <= values.to),
);
if (days.length === 0) {
  console.log(
    `audit:verify: no sealed day${values.from || values.to ? ' in that range' : ''} in ${dir}`,
  );
  process.exit(0);
}
// The chain is checked from the first day asked for; its link to the day before is checked too
// when that day is sealed.
const index = sealed.indexOf(days[0] ?? '');
const checked = index > 0 ? [sealed[index - 1] ?? '', ...days] : days;
const problem = verifyDays(checked, trail.snapshot(publicKey));
const range = `${days[0]} to ${days.at(-1)}`;
if (problem !== null) {
  console.error(`audit:verify: BROKEN on ${problem.day} (${problem.kind}): ${problem.message}`);
  console.error(`audit:verify: first object that does not match: ${problem.key}`);
  process.exit(1);
}
const objects = checked.reduce(
  (total, day) => total + trail.snapshot(publicKey).objectKeys(day).length,
  0,
);
const unsealed = trail
  .records()
  .map((record) =>
    record.key.slice('events/'.length, 'events/YYYY/MM/DD'.length).replaceAll('/', '-'),
  )
  .filter((day, position, all) => all.indexOf(day) === position && !sealed.includes(day));
console.log(
  `audit:verify: ${checked.length} day(s) verified (${range}), ${objects} object(s), every digest signed and chained: OK`,
);
if (unsealed.length > 0) console.log(`audit:verify: not sealed yet: ${unsealed.join(', ')}`);
