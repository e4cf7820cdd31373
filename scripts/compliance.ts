/**
 * `npm run compliance -- (--stack <stack> ... | --all) [--out <directory>] [--program <entry module>]
 *   [--policy-pack-config <file>]`
 *
 * Runs the Pulumi program under mocks with `Pulumi.<stack>.yaml`, evaluates the policy pack on
 * every resource and on the stack, and writes `reports/compliance-<stack>.md` and `.json`. With
 * several stacks (`--all`: every `Pulumi.<stack>.yaml`), each runs in its own process (Pulumi's
 * runtime state is per process), one at a time; a line per stack on stderr says how it went and
 * how long it took, and a table of the stacks ends the output. Exit codes: 0 no mandatory
 * violation, 1 a mandatory policy is violated (CI gates on it, no AWS account needed), 2 bad
 * arguments or a pack configuration its schema refuses, 3 the program itself failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PackConfig } from '../policies/report/evaluate.ts';
import type { ComplianceReport } from '../policies/report/report.ts';
import {
  progressLine,
  stackTable,
  stacksIn,
  type StackOutcome,
} from '../policies/report/summary.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USAGE = `usage: npm run compliance -- --stack <stack> [--stack <stack> ...] [--out <directory>] [--program <entry module>] [--policy-pack-config <file>]
       npm run compliance -- --all [...]

  --stack               a stack whose Pulumi.<stack>.yaml configures the program (dev, staging, prod); repeatable
  --all                 every stack that has a Pulumi.<stack>.yaml
  --out                 where to write compliance-<stack>.md and .json (default: reports)
  --program             the Pulumi program to evaluate (default: infra/index.ts)
  --policy-pack-config  a JSON file of policy settings, as pulumi up --policy-pack-config takes it`;

function fail(message: string): never {
  console.error(`compliance: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: {
  stack?: string[];
  all?: boolean;
  out?: string;
  program?: string;
  'policy-pack-config'?: string;
  help?: boolean;
};
try {
  ({ values } = parseArgs({
    options: {
      stack: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      out: { type: 'string', default: 'reports' },
      program: { type: 'string' },
      'policy-pack-config': { type: 'string' },
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
if (values.all === true && values.stack !== undefined) fail('give --stack or --all, not both');
const stacks = values.all === true ? stacksIn(ROOT) : [...new Set(values.stack ?? [])];
if (stacks.length === 0)
  fail(values.all === true ? 'no Pulumi.<stack>.yaml' : '--stack is required');
for (const stack of stacks) {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(join(ROOT, `Pulumi.${stack}.yaml`))) {
    fail(`no stack configuration Pulumi.${stack}.yaml`);
  }
}
const program = values.program === undefined ? undefined : resolve(values.program);
if (program !== undefined && !existsSync(program)) fail(`no program ${values.program}`);
const out = resolve(values.out ?? 'reports');

let packConfig: PackConfig | undefined;
const packConfigFile = values['policy-pack-config'];
if (packConfigFile !== undefined) {
  try {
    packConfig = JSON.parse(readFileSync(packConfigFile, 'utf8')) as PackConfig;
  } catch (error) {
    fail(
      `cannot read the policy pack configuration ${packConfigFile}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** One line per violation, under the summary of a stack. */
function printViolations(report: ComplianceReport): void {
  for (const violation of report.violations) {
    console.log(
      `  ${violation.enforcementLevel} ${violation.policy} ${violation.resource ?? '(stack)'}: ${violation.message}`,
    );
  }
}

if (stacks.length === 1) {
  const stack = stacks[0] as string;
  const started = performance.now();
  console.error(`compliance: ${stack}: running the program under mocks and evaluating the pack...`);
  // Loaded once the arguments are known good: the pack and the Pulumi SDK take a while to load.
  const { PackConfigError } = await import('../policies/lib/config.ts');
  const { runCompliance, writeReport } = await import('../policies/report/compliance.ts');
  let report: ComplianceReport;
  try {
    ({ report } = await runCompliance(stack, {
      ...(program === undefined ? {} : { program }),
      ...(packConfig === undefined ? {} : { packConfig }),
    }));
  } catch (error) {
    if (error instanceof PackConfigError) fail(error.message);
    console.error(`compliance: the program failed under mocks: ${String(error)}`);
    process.exit(3);
  }
  const written = await writeReport(report, out);
  console.error(
    `compliance: ${stack}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const { summary, coverage } = report;
  console.log(
    `${report.passed ? 'PASS' : 'FAIL'} ${report.project}/${stack}: ${summary.mandatoryViolations} mandatory and ${summary.advisoryViolations} advisory violations on ${summary.resources} resources; ${coverage.headline}.`,
  );
  printViolations(report);
  console.log(`wrote ${written.markdown} and ${written.json}`);
  // The Pulumi runtime keeps handles open after a mocked run: leave explicitly.
  process.exit(report.passed ? 0 : 1);
}

// Several stacks: check the configuration once, then one child process per stack.
if (packConfig !== undefined) {
  const { PackConfigError, assertPackConfig } = await import('../policies/lib/config.ts');
  const { policies } = await import('../policies/pack.ts');
  try {
    assertPackConfig(policies, packConfig);
  } catch (error) {
    if (error instanceof PackConfigError) fail(error.message);
    throw error;
  }
}

/** Runs this script for one stack in a child process; resolves with its exit code and stderr. */
function runChild(stack: string): Promise<{ code: number | null; stderr: string }> {
  const args = [
    fileURLToPath(import.meta.url),
    '--stack',
    stack,
    '--out',
    out,
    ...(program === undefined ? [] : ['--program', program]),
    ...(packConfigFile === undefined ? [] : ['--policy-pack-config', packConfigFile]),
  ];
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: process.cwd(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stderr }));
  });
}

console.error(`compliance: ${stacks.length} stacks (${stacks.join(', ')}), one at a time`);
const outcomes: StackOutcome[] = [];
for (const [index, stack] of stacks.entries()) {
  const started = performance.now();
  const { code, stderr } = await runChild(stack);
  const seconds = (performance.now() - started) / 1000;
  const outcome: StackOutcome =
    code === 0 || code === 1
      ? {
          stack,
          seconds,
          report: JSON.parse(
            readFileSync(join(out, `compliance-${stack}.json`), 'utf8'),
          ) as ComplianceReport,
        }
      : { stack, seconds, error: stderr.trim() };
  outcomes.push(outcome);
  console.error(progressLine(outcome, index + 1, stacks.length));
  if ('error' in outcome) console.error(outcome.error);
}

console.log(stackTable(outcomes));
for (const outcome of outcomes) {
  if ('error' in outcome || outcome.report.violations.length === 0) continue;
  console.log(`\n${outcome.stack}:`);
  printViolations(outcome.report);
}
console.log(
  `\nwrote ${stacks.map((stack) => `compliance-${stack}.md`).join(', ')} and .json to ${out}`,
);
const failed = outcomes.some((outcome) => 'error' in outcome);
const violated = outcomes.some((outcome) => 'report' in outcome && !outcome.report.passed);
process.exit(failed ? 3 : violated ? 1 : 0);
