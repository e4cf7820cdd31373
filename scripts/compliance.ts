/**
 * `npm run compliance -- --stack <stack> [--out <directory>] [--program <entry module>]`
 *
 * Runs the Pulumi program under mocks with `Pulumi.<stack>.yaml`, evaluates the policy pack on
 * every resource and on the stack, and writes `reports/compliance-<stack>.md` and `.json`. Exits 1
 * when a mandatory policy is violated (CI gates on it, no AWS account needed) and 2 on bad
 * arguments.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { complianceReport, writeReport } from '../policies/report/compliance.ts';
import { stackConfigFile } from '../policies/report/program.ts';

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
if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(stackConfigFile(stack))) {
  fail(`no stack configuration Pulumi.${stack}.yaml`);
}
const program = values.program === undefined ? undefined : resolve(values.program);
if (program !== undefined && !existsSync(program)) fail(`no program ${values.program}`);

const report = await complianceReport(stack, program === undefined ? {} : { program });
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
