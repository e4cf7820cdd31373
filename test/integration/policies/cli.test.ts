/** `npm run compliance`: its exit codes and the files it writes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    timeout: 60_000,
  });
}

describe('bad arguments', () => {
  it.each([
    ['no stack', []],
    ['an unknown stack', ['--stack', 'nope']],
    ['an unknown option', ['--stack', 'prod', '--force']],
    ['a program that does not exist', ['--stack', 'prod', '--program', 'nowhere.ts']],
  ])('exits 2 with the usage on %s', (_case, args) => {
    const result = compliance(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: npm run compliance -- --stack <stack>');
  });
});

it('exits 1 on a mandatory violation and writes both reports', () => {
  const result = compliance(
    '--stack',
    'prod',
    '--out',
    OUT,
    '--program',
    'test/unit/policies/fixtures/noncompliant/index.ts',
  );
  expect(result.status).toBe(1);
  expect(result.stdout).toMatch(
    /^FAIL savings-plan-buy\/prod: 81 mandatory and 33 advisory violations on 38 resources; 36 of 36 applicable FSBP controls enforced\.\n/,
  );
  const json = JSON.parse(readFileSync(join(OUT, 'compliance-prod.json'), 'utf8')) as {
    passed: boolean;
  };
  expect(json.passed).toBe(false);
  expect(readFileSync(join(OUT, 'compliance-prod.md'), 'utf8')).toContain(
    '- **Result: FAIL**: 81 mandatory and 33 advisory violations.',
  );
});
