/**
 * `node scripts/sarif-gate.ts <directory>`: fails (exit 1) when a SARIF file in the directory
 * (CodeQL's output in `.github/workflows/codeql.yml`) has a result of high or critical security
 * severity, listing each; exit 2 when the directory holds no SARIF file (the analysis did not
 * write one, which must not pass as clean).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockingResults, HIGH_SECURITY_SEVERITY, type SarifLog } from './lib/sarif.ts';

const directory = process.argv[2];
if (directory === undefined) {
  console.error('usage: node scripts/sarif-gate.ts <directory of .sarif files>');
  process.exit(2);
}
const files = readdirSync(directory).filter((name) => name.endsWith('.sarif'));
if (files.length === 0) {
  console.error(`sarif-gate: no .sarif file in ${directory}`);
  process.exit(2);
}
let found = 0;
for (const name of files) {
  const log = JSON.parse(readFileSync(join(directory, name), 'utf8')) as SarifLog;
  for (const result of blockingResults(log)) {
    found += 1;
    console.error(
      `${result.location}: ${result.rule} (security severity ${result.securitySeverity}): ${result.message}`,
    );
  }
}
console.error(
  `sarif-gate: ${found} result(s) of security severity ${HIGH_SECURITY_SEVERITY} or more in ${files.join(', ')}`,
);
process.exit(found === 0 ? 0 : 1);
