/** `npm run compliance`: its exit codes and the files it writes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OUT = mkdtempSync(join(tmpdir(), 'compliance-'));

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

function compliance(...args: string[]) {
  return spawnSync(process.execPath, ['scripts/compliance.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

const NONCOMPLIANT = 'test/unit/policies/fixtures/noncompliant/index.ts';

describe('bad arguments', () => {
  it.each([
    ['no stack', []],
    ['an unknown stack', ['--stack', 'nope']],
    ['an unknown option', ['--stack', 'prod', '--force']],
    ['a program that does not exist', ['--stack', 'prod', '--program', 'nowhere.ts']],
    ['both --stack and --all', ['--stack', 'prod', '--all']],
  ])('exits 2 with the usage on %s', (_case, args) => {
    const result = compliance(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: npm run compliance -- --stack <stack>');
  });
});

it('exits 1 on a mandatory violation and writes both reports', () => {
  const result = compliance('--stack', 'prod', '--out', OUT, '--program', NONCOMPLIANT);
  expect(result.status).toBe(1);
  expect(result.stdout).toMatch(
    /^FAIL savings-plan-buy\/prod: 86 mandatory and 35 advisory violations on 40 resources; 36 of 36 applicable FSBP controls enforced\.\n/,
  );
  const json = JSON.parse(readFileSync(join(OUT, 'compliance-prod.json'), 'utf8')) as {
    passed: boolean;
  };
  expect(json.passed).toBe(false);
  expect(readFileSync(join(OUT, 'compliance-prod.md'), 'utf8')).toContain(
    '- **Result: FAIL**: 86 mandatory and 35 advisory violations.',
  );
});

it('refuses a pack configuration that its schema refuses, naming each problem', () => {
  const config = join(OUT, 'bad-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      'aws-cognito-userpool-configure-password-policy': { minimumLength: 'twelve' },
      'aws-s3-bucket-enable-versionning': 'mandatory',
    }),
  );
  const result = compliance('--stack', 'prod', '--policy-pack-config', config, '--out', OUT);
  expect(result.status).toBe(2);
  expect(result.stderr).toContain(
    [
      'compliance: the policy pack configuration is invalid:',
      '  - aws-cognito-userpool-configure-password-policy: minimumLength must be integer',
      '  - aws-s3-bucket-enable-versionning: no policy of that name in the pack',
    ].join('\n'),
  );
});

it('checks every stack one at a time, a line per stack as it goes, and ends with the table', () => {
  const result = compliance('--all', '--out', OUT, '--program', NONCOMPLIANT);
  expect(result.status).toBe(1);
  const progress = result.stderr.trimEnd().split('\n');
  expect(progress.map((line) => line.replace(/\(\d+\.\d s\)$/, '(<time>)'))).toEqual([
    'compliance: 3 stacks (dev, prod, staging), one at a time',
    '[1/3] dev: FAIL, 84 mandatory, 35 advisory on 40 resources (<time>)',
    '[2/3] prod: FAIL, 86 mandatory, 35 advisory on 40 resources (<time>)',
    '[3/3] staging: FAIL, 85 mandatory, 35 advisory on 40 resources (<time>)',
  ]);
  // The time column's width depends on the times: left out.
  const table = result.stdout.split('\n').slice(0, 5);
  expect(table.map((line) => line.replace(/\s+(Time|-+|\d+\.\d s)$/, ''))).toEqual([
    'Stack    Result  Mandatory  Advisory  Resources  FSBP controls',
    '-------  ------  ---------  --------  ---------  -------------',
    'dev      FAIL           84        35         40  35 of 36',
    'prod     FAIL           86        35         40  36 of 36',
    'staging  FAIL           85        35         40  36 of 36',
  ]);
  for (const stack of ['dev', 'prod', 'staging']) {
    const report = JSON.parse(readFileSync(join(OUT, `compliance-${stack}.json`), 'utf8')) as {
      stack: string;
      passed: boolean;
    };
    expect(report).toMatchObject({ stack, passed: false });
  }
  // Three programs under mocks, one after the other.
}, 240_000);
