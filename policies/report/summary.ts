/**
 * What `npm run compliance` prints while it checks several stacks: one progress line per stack
 * (to stderr, as each finishes, with the time it took) and, at the end, one table row per stack.
 * Plain text, fixed columns, no colours: it reads the same in a terminal and in a CI log.
 */
import { readdirSync } from 'node:fs';
import type { ComplianceReport } from './report.ts';

/** The stacks that have a `Pulumi.<stack>.yaml` in `directory`, by name. */
export function stacksIn(directory: string): string[] {
  return readdirSync(directory)
    .map((file) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/** The outcome of one stack: its report, or why the program could not run. */
export type StackOutcome =
  | { readonly stack: string; readonly seconds: number; readonly report: ComplianceReport }
  | { readonly stack: string; readonly seconds: number; readonly error: string };

/** Seconds with one decimal: `14.2 s`. */
export function duration(seconds: number): string {
  return `${seconds.toFixed(1)} s`;
}

/** The progress line of a finished stack: `[2/3] prod: PASS, 0 mandatory, 0 advisory on 322 resources (14.2 s)`. */
export function progressLine(outcome: StackOutcome, index: number, total: number): string {
  const head = `[${index}/${total}] ${outcome.stack}:`;
  if ('error' in outcome) {
    return `${head} ERROR, the program failed under mocks (${duration(outcome.seconds)})`;
  }
  const { report } = outcome;
  return `${head} ${report.passed ? 'PASS' : 'FAIL'}, ${report.summary.mandatoryViolations} mandatory, ${report.summary.advisoryViolations} advisory on ${report.summary.resources} resources (${duration(outcome.seconds)})`;
}

/** The final table: one row per stack, columns aligned. */
export function stackTable(outcomes: readonly StackOutcome[]): string {
  const header = ['Stack', 'Result', 'Mandatory', 'Advisory', 'Resources', 'FSBP controls', 'Time'];
  const rows = outcomes.map((outcome) =>
    'error' in outcome
      ? [outcome.stack, 'ERROR', '-', '-', '-', '-', duration(outcome.seconds)]
      : [
          outcome.stack,
          outcome.report.passed ? 'PASS' : 'FAIL',
          String(outcome.report.summary.mandatoryViolations),
          String(outcome.report.summary.advisoryViolations),
          String(outcome.report.summary.resources),
          `${outcome.report.coverage.enforced} of ${outcome.report.coverage.applicable}`,
          duration(outcome.seconds),
        ],
  );
  // Text columns align left, counts and times right.
  const numeric = [false, false, true, true, true, false, true];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        numeric[column] === true
          ? cell.padStart(widths[column] ?? 0)
          : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}
