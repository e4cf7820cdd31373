/**
 * The dependency gates' configuration: the audit's allow-list is reviewed (a reason and an expiry
 * per entry), and the lockfile installs only from the npm registry over https with sha512 hashes
 * (`npx lockfile-lint`, in `npm test`, checks the `resolved` URLs; this checks what it skips).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  auditAllowlistProblems,
  lockfileProblems,
  type AuditConfig,
  type Lockfile,
} from '../../support/pipeline.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const AUDIT = JSON.parse(read('audit-ci.json')) as AuditConfig;
const LOCKFILE = JSON.parse(read('package-lock.json')) as Lockfile;
const TODAY = new Date('2026-12-07T00:00:00Z');

describe('the audit allow-list', () => {
  it('fails on moderate advisories, dev tools included, with only reviewed exceptions', () => {
    expect(auditAllowlistProblems(AUDIT, new Date())).toEqual([]);
  });

  it('accepts an advisory with a reason that expires within 90 days', () => {
    const reviewed = {
      ...AUDIT,
      allowlist: [
        {
          'GHSA-rp65-9cf3-cjxr|some-tool>nth-check': {
            active: true,
            notes: 'Build-time only, never given user input; reviewed by the platform team.',
            expiry: '2027-03-01',
          },
        },
      ],
    };
    expect(auditAllowlistProblems(reviewed, TODAY)).toEqual([]);
  });

  it('refuses a bare id, an entry without a reason, and one that never expires', () => {
    const loose = {
      ...AUDIT,
      allowlist: [
        'GHSA-rp65-9cf3-cjxr',
        { 'GHSA-rp65-9cf3-cjxr': { active: true, expiry: '2027-01-01' } },
        { 'GHSA-rp65-9cf3-cjxr': { active: true, notes: 'Not reachable from any handler.' } },
        {
          lodash: {
            active: true,
            notes: 'The whole module, for every advisory.',
            expiry: '2027-01-01',
          },
        },
      ],
    };
    expect(auditAllowlistProblems(loose, TODAY)).toEqual([
      'audit-ci.json allowlist[0] must be one record { "<GHSA id>": { active, notes, expiry } }',
      'audit-ci.json allowlist[1] (GHSA-rp65-9cf3-cjxr) must say why in notes (why it does not affect us, who reviewed it)',
      'audit-ci.json allowlist[2] (GHSA-rp65-9cf3-cjxr) must expire within 90 days (expiry: YYYY-MM-DD)',
      'audit-ci.json allowlist[3] must name a GitHub advisory (GHSA-xxxx-xxxx-xxxx), not lodash',
    ]);
  });

  it('refuses a weaker threshold and skipping the dev tools', () => {
    expect(auditAllowlistProblems({ ...AUDIT, moderate: false, 'skip-dev': true }, TODAY)).toEqual([
      'audit-ci.json must fail on moderate advisories and above',
      'audit-ci.json must audit devDependencies too',
    ]);
  });
});

describe('the lockfile', () => {
  it('has a sha512 integrity for every package and resolves nothing outside the npm registry', () => {
    expect(lockfileProblems(LOCKFILE)).toEqual([]);
  });

  it('refuses a package without a hash, with a sha1 hash, or from another host or over http', () => {
    const packages = { ...LOCKFILE.packages };
    const yaml = packages['node_modules/yaml'];
    const { integrity: _dropped, ...unhashed } = packages['node_modules/ulid'] ?? {};
    const broken: Lockfile = {
      ...LOCKFILE,
      packages: {
        '': {},
        'node_modules/ulid': unhashed,
        'node_modules/yaml': { ...yaml, integrity: 'sha1-2jmh3Q8fd1d2v3cXx9K4YnO7y4E=' },
        'node_modules/acorn': {
          ...packages['node_modules/acorn'],
          resolved: 'https://registry.example.com/acorn/-/acorn-8.19.0.tgz',
        },
        'node_modules/jose': {
          ...packages['node_modules/jose'],
          resolved: 'http://registry.npmjs.org/jose/-/jose-6.2.18.tgz',
        },
      },
    };
    expect(lockfileProblems(broken)).toEqual([
      'node_modules/ulid has no sha512 integrity',
      'node_modules/yaml has no sha512 integrity',
      'node_modules/acorn resolves outside https://registry.npmjs.org/: https://registry.example.com/acorn/-/acorn-8.19.0.tgz',
      'node_modules/jose resolves outside https://registry.npmjs.org/: http://registry.npmjs.org/jose/-/jose-6.2.18.tgz',
    ]);
  });

  it('is installed from the npm registry over https, which .npmrc and lockfile-lint both name', () => {
    expect(
      read('.npmrc')
        .split('\n')
        .filter((line) => line.startsWith('registry=')),
    ).toEqual(['registry=https://registry.npmjs.org/']);
    expect(JSON.parse(read('.lockfile-lintrc.json'))).toEqual({
      path: 'package-lock.json',
      type: 'npm',
      'allowed-hosts': ['npm'],
      'validate-https': true,
      'validate-integrity': true,
      'validate-package-names': true,
      'empty-hostname': false,
    });
  });
});
