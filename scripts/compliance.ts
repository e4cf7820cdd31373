/**
 * `npm run compliance -- --stack <stack> [--out <directory>] [--program <entry module>]`
 *
 * Runs the Pulumi program under mocks with `Pulumi.<stack>.yaml`, evaluates the policy pack on
 * every resource and on the stack, and writes `reports/compliance-<stack>.md` and `.json`. Exit
 * codes: 0 no mandatory violation, 1 a mandatory policy is violated (CI gates on it, no AWS
 * account needed), 2 bad arguments, 3 the program itself failed.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USAGE = `usage: npm run compliance -- --stack <stack> [--out <directory>] [--program <entry module>]

  --stack    the stack whose Pulumi.<stack>.yaml configures the program (dev, staging, prod)
  --out      where to write compliance-<stack>.md and .json (default: reports)
  --program  the Pulumi program to evaluate (default: infra/index.ts)`;

function fail(message: string): never {
  console.error(`compliance: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: { stack?: string; out?: string; program?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      stack: { type: 'string' },
      out: { type: 'string', default: 'reports' },
      program: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help === true) {
  console.log(USAGE);
  process.exit(0);
}
const stack = values.stack;
if (stack === undefined || stack === '') fail('--stack is required');
if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(join(ROOT, `Pulumi.${stack}.yaml`))) {
  fail(`no stack configuration Pulumi.${stack}.yaml`);
}
const program = values.program === undefined ? undefined : resolve(values.program);
if (program !== undefined && !existsSync(program)) fail(`no program ${values.program}`);

// Loaded once the arguments are known good: the pack and the Pulumi SDK take a while to load.
const { runCompliance, writeReport } = await import('../policies/report/compliance.ts');
let report: Awaited<ReturnType<typeof runCompliance>>['report'];
try {
  ({ report } = await runCompliance(stack, program === undefined ? {} : { program }));
} catch (error) {
  console.error(`compliance: the program failed under mocks: ${String(error)}`);
  process.exit(3);
}
const written = await writeReport(report, resolve(values.out ?? 'reports'));
const { summary, coverage } = report;
console.log(
  `${report.passed ? 'PASS' : 'FAIL'} ${report.project}/${stack}: ${summary.mandatoryViolations} mandatory and ${summary.advisoryViolations} advisory violations on ${summary.resources} resources; ${coverage.headline}.`,
);
for (const violation of report.violations) {
  console.log(
    `  ${violation.enforcementLevel} ${violation.policy} ${violation.resource ?? '(stack)'}: ${violation.message}`,
  );
}
console.log(`wrote ${written.markdown} and ${written.json}`);
// The Pulumi runtime keeps handles open after a mocked run: leave explicitly.
process.exit(report.passed ? 0 : 1);
