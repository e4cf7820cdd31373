/**
 * `npm run audit:report -- --month 2026-11`: the monthly audit report of the local trail
 * (`.local/audit/`, as `npm start` keeps it), the same report the monthly job writes into the
 * audit bucket (`domain/audit-report.ts`): `reports/audit-2026-11.md` and `.csv`.
 *
 *   npm run audit:report -- --month 2026-11 [--dir .local/audit] [--out reports]
 *
 * Exits 2 on bad arguments or a trail it cannot read.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  buildMonthlyReport,
  monthDays,
  monthEvents,
  reportCsv,
  reportMarkdown,
} from '#domain/audit-report.ts';
import { LocalObjectStore } from '#local/services/audit.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA_DIR = process.env.LOCAL_DATA_DIR ?? join(ROOT, '.local');

function fail(message: string): never {
  console.error(`audit:report: ${message}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      month: { type: 'string' },
      dir: { type: 'string' },
      out: { type: 'string' },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
const month = values.month;
if (month === undefined) fail('say which month: --month 2026-11');
try {
  monthDays(month);
} catch (error) {
  fail((error as Error).message);
}
const dir = values.dir ?? join(DATA_DIR, 'audit');
if (!existsSync(dir)) fail(`no audit trail at ${dir} (start the stack with npm start first)`);
const out = values.out ?? join(ROOT, 'reports');

let report;
try {
  report = buildMonthlyReport(month, await monthEvents(new LocalObjectStore(dir).port(), month));
} catch (error) {
  fail((error as Error).message);
}
mkdirSync(out, { recursive: true });
const markdown = join(out, `audit-${month}.md`);
const csv = join(out, `audit-${month}.csv`);
writeFileSync(markdown, reportMarkdown(report));
writeFileSync(csv, reportCsv(report));
console.log(
  `audit:report: ${month}: ${report.purchases.count} purchase(s), ${report.failures.count} failure(s), ${report.missedRuns.count} missed run(s), ${report.planChanges.count} plan change(s), ${report.reconciliation.breaks.length} reconciliation break(s)`,
);
console.log(`audit:report: wrote ${markdown} and ${csv}`);
