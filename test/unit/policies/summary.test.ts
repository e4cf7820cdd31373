/** What `npm run compliance` prints over several stacks: a progress line per stack, a table. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../../policies/report/report.ts';
import {
  progressLine,
  stackTable,
  stacksIn,
  type StackOutcome,
} from '../../../policies/report/summary.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function outcome(
  stack: string,
  seconds: number,
  fields: {
    passed: boolean;
    mandatory: number;
    advisory: number;
    resources: number;
    enforced: number;
  },
): StackOutcome {
  const report = {
    stack,
    passed: fields.passed,
    summary: {
      resources: fields.resources,
      policies: 69,
      mandatoryViolations: fields.mandatory,
      advisoryViolations: fields.advisory,
    },
    coverage: { enforced: fields.enforced, applicable: 36 },
  } as unknown as ComplianceReport;
  return { stack, seconds, report };
}

const dev = outcome('dev', 14.24, {
  passed: true,
  mandatory: 0,
  advisory: 0,
  resources: 319,
  enforced: 35,
});
const prod = outcome('prod', 9.96, {
  passed: false,
  mandatory: 12,
  advisory: 3,
  resources: 1322,
  enforced: 36,
});
const broken: StackOutcome = { stack: 'staging', seconds: 2.01, error: 'TypeError: boom' };

describe('the compliance summary', () => {
  it('knows the stacks by their Pulumi.<stack>.yaml', () => {
    expect(stacksIn(ROOT)).toEqual(['dev', 'prod', 'staging']);
  });

  it('says per stack how it went and how long it took', () => {
    expect([progressLine(dev, 1, 3), progressLine(prod, 2, 3), progressLine(broken, 3, 3)]).toEqual(
      [
        '[1/3] dev: PASS, 0 mandatory, 0 advisory on 319 resources (14.2 s)',
        '[2/3] prod: FAIL, 12 mandatory, 3 advisory on 1322 resources (10.0 s)',
        '[3/3] staging: ERROR, the program failed under mocks (2.0 s)',
      ],
    );
  });

  it('ends with a table of the stacks, counts aligned right', () => {
    expect(stackTable([dev, prod, broken])).toBe(
      [
        'Stack    Result  Mandatory  Advisory  Resources  FSBP controls    Time',
        '-------  ------  ---------  --------  ---------  -------------  ------',
        'dev      PASS            0         0        319  35 of 36       14.2 s',
        'prod     FAIL           12         3       1322  36 of 36       10.0 s',
        'staging  ERROR           -         -          -  -               2.0 s',
      ].join('\n'),
    );
  });
});
