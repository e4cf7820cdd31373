/**
 * The pack's conventions (STYLE.md, "Policies"): one policy per file under
 * `policies/aws/<service>/<Resource>/<name>.ts`, exported as `<name>`, named
 * `aws-<service>-<resource>-<kebab-name>`, with a verb from the fixed set, a "Checks that"
 * description, remediation steps, a mandatory or advisory level, and an FSBP mapping or the
 * own-rule mark. Every file is in the pack, and the pack covers every applicable FSBP control.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as aws from '@pulumi/aws';
import { describe, expect, it } from 'vitest';
import { TAGGABLE_TYPES } from '../../../policies/aws/all/Resource/missingRequiredTags.ts';
import {
  ADJACENT_FSBP_CONTROLS,
  APPLICABLE_FSBP_CONTROLS,
  OWN_RULE_TAG,
  controlsOf,
} from '../../../policies/lib/controls.ts';
import { isStackPolicy, type PackPolicy } from '../../../policies/lib/policy.ts';
import { policies } from '../../../policies/pack.ts';
import { takesTags } from './aws-types.ts';

const AWS_DIR = fileURLToPath(new URL('../../../policies/aws', import.meta.url));
const VERBS = ['missing', 'disallow', 'enable', 'disable', 'configure', 'enforce'];

function files(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(directory, entry.name)) : [join(directory, entry.name)],
  );
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

const policyFiles = await Promise.all(
  files(AWS_DIR)
    .sort()
    .map(async (file) => {
      const path = relative(AWS_DIR, file).split(sep);
      return { path, module: (await import(file)) as Record<string, PackPolicy> };
    }),
);

describe.each(policyFiles.map(({ path, module }) => [path.join('/'), path, module] as const))(
  'policies/aws/%s',
  (_file, path, module) => {
    const [service = '', resource = '', file = ''] = path;
    const name = file.replace(/\.ts$/, '');
    const policy = module[name] as PackPolicy;

    it('sits at <service>/<Resource>/<name>.ts', () => {
      expect(path).toHaveLength(3);
      expect(file).toMatch(/^[a-z][A-Za-z]+\.ts$/);
    });

    it('names an @pulumi/aws module and resource class (or all/Resource for every resource)', () => {
      if (service === 'all') expect(resource).toBe('Resource');
      // `index` is the package's top-level module, where `aws.Provider` lives (`pulumi:providers:aws`).
      else if (service === 'index') {
        expect(typeof (aws as unknown as Record<string, unknown>)[resource]).toBe('function');
      } else {
        const namespace = (aws as unknown as Record<string, Record<string, unknown>>)[service];
        expect(typeof namespace?.[resource]).toBe('function');
      }
    });

    it('exports one policy, named after the file (and at most data it reads, in UPPER_CASE)', () => {
      const others = Object.keys(module).filter((key) => key !== name);
      expect(policy).toBeDefined();
      expect(others.filter((key) => !/^[A-Z][A-Z0-9_]+$/.test(key))).toEqual([]);
    });

    it('has the name aws-<service>-<resource>-<kebab-name>, starting with a verb of the set', () => {
      expect(policy.name).toBe(`aws-${service}-${resource.toLowerCase()}-${kebab(name)}`);
      expect(VERBS).toContain(kebab(name).split('-')[0]);
    });

    it('is mandatory or advisory', () => {
      expect(['mandatory', 'advisory']).toContain(policy.enforcementLevel);
    });

    it('describes itself with "Checks that ..." and says how to remediate', () => {
      expect(policy.description).toMatch(/^Checks that .+\.$/);
      expect(policy.remediationSteps).toMatch(/^[A-Z].+\.$/);
    });

    it('validates resources or the stack, not both', () => {
      const hasResource = 'validateResource' in policy;
      expect(hasResource).toBe(!isStackPolicy(policy));
    });

    it('maps to FSBP controls or is marked as an own rule', () => {
      const controls = controlsOf(policy);
      const known: readonly string[] = [...APPLICABLE_FSBP_CONTROLS, ...ADJACENT_FSBP_CONTROLS];
      if (controls.length === 0) {
        expect(policy.tags).toEqual([OWN_RULE_TAG]);
        expect(policy.framework).toBeUndefined();
      } else {
        expect(controls.every((control) => known.includes(control))).toBe(true);
        expect(policy.framework?.reference).toBe(controls.join(', '));
      }
    });
  },
);

describe('the pack', () => {
  it('holds every policy file once, and nothing else', () => {
    const fromFiles = policyFiles.map(({ path, module }) => {
      const name = (path[2] ?? '').replace(/\.ts$/, '');
      return (module[name] as PackPolicy).name;
    });
    expect(policies.map((policy) => policy.name).sort()).toEqual(fromFiles.sort());
  });

  it('has unique policy names', () => {
    expect(new Set(policies.map((policy) => policy.name)).size).toBe(policies.length);
  });

  it('maps a policy to every FSBP control in the denominator', () => {
    const mapped = new Set(policies.flatMap(controlsOf));
    expect(APPLICABLE_FSBP_CONTROLS.filter((control) => !mapped.has(control))).toEqual([]);
  });

  it('keeps hygiene advisory and everything else mandatory', () => {
    expect(
      policies
        .filter((policy) => policy.enforcementLevel === 'advisory')
        .map((policy) => policy.name)
        .sort(),
    ).toEqual([
      'aws-all-resource-missing-required-tags',
      'aws-cloudwatch-loggroup-configure-retention',
      'aws-dynamodb-table-configure-capacity-scaling',
      'aws-lambda-eventsourcemapping-configure-failure-destination',
      'aws-lambda-function-configure-failure-destination',
      'aws-lambda-function-configure-reserved-concurrency',
      'aws-lambda-function-enable-tracing',
      'aws-s3-bucket-enable-event-notifications',
      'aws-secretsmanager-secret-enable-rotation',
      'aws-sfn-statemachine-enable-tracing',
      'aws-sns-topic-enable-delivery-status-logging',
    ]);
  });

  it('lists as taggable only types that take tags in @pulumi/aws', () => {
    expect([...TAGGABLE_TYPES].filter((type) => !takesTags(type))).toEqual([]);
  });
});
