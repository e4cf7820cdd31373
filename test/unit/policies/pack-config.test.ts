/**
 * The pack checks its configuration against its JSON Schema (`policies/lib/config.ts`, Ajv 8), as
 * `pulumi policy validate-config` does: its own schemas at construction, a configuration before
 * the offline report runs, and the settings a policy is handed at run time.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyConfigSchema } from '@pulumi/policy';
import {
  PackConfigError,
  assertPackConfig,
  packConfigProblems,
  packSchemaProblems,
  policyConfigJsonSchema,
  withValidatedConfig,
} from '../../../policies/lib/config.ts';
import type { PackPolicy, PackStackPolicy } from '../../../policies/lib/policy.ts';
import { policies } from '../../../policies/pack.ts';
import { runCompliance } from '../../../policies/report/compliance.ts';
import { buildReport } from '../../../policies/report/report.ts';
import { messages, result } from './harness.ts';
import { byName, fixture } from './rules.ts';

const PASSWORDS = 'aws-cognito-userpool-configure-password-policy';
const ROTATION = 'aws-secretsmanager-secret-enable-rotation';

describe("the pack's own schemas", () => {
  it('all compile, declare a type and a default per setting, and hold their own defaults', () => {
    expect(packSchemaProblems(policies)).toEqual([]);
  });

  it('are the JSON Schema the CLI builds from a configSchema (an object of the properties)', () => {
    expect(policyConfigJsonSchema(byName(ROTATION).configSchema as PolicyConfigSchema)).toEqual({
      type: 'object',
      properties: {
        maximumRotationDays: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 90,
          description: 'Longest interval between rotations (SecretsManager.4 defaults to 90 days).',
        },
      },
      additionalProperties: false,
    });
  });

  const broken = (configSchema: PolicyConfigSchema): PackPolicy => ({
    ...byName(ROTATION),
    name: 'broken',
    configSchema,
  });

  it('refuses a schema with a keyword JSON Schema does not have', () => {
    const problems = packSchemaProblems([
      broken({ properties: { days: { type: 'integer', default: 1, minimal: 1 } as never } }),
    ]);
    expect(problems).toEqual([
      'broken: its configSchema is not valid JSON Schema: strict mode: unknown keyword: "minimal"',
    ]);
  });

  it('refuses a default that its own schema refuses', () => {
    expect(
      packSchemaProblems([
        broken({ properties: { days: { type: 'integer', minimum: 1, default: 0 } } }),
      ]),
    ).toEqual(["broken: days must be >= 1 (in the schema's own defaults)"]);
  });

  it('refuses a setting without a type or a default', () => {
    expect(
      packSchemaProblems([broken({ properties: { days: { description: 'days' } as never } })]),
    ).toEqual([
      'broken: setting "days" must declare its type',
      'broken: setting "days" must have a default',
    ]);
  });

  it("refuses enforcementLevel as a setting (the CLI's key)", () => {
    expect(
      packSchemaProblems([
        broken({ properties: { enforcementLevel: { type: 'string', default: 'advisory' } } }),
      ]),
    ).toEqual(['broken: "enforcementLevel" is the CLI\'s key, not a setting']);
  });
});

describe('a pack configuration', () => {
  it('is accepted with levels, settings and the "all" key, as --policy-pack-config takes them', () => {
    expect(
      packConfigProblems(policies, {
        all: 'mandatory',
        [PASSWORDS]: { enforcementLevel: 'advisory', minimumLength: 14 },
        [ROTATION]: 'disabled',
        'aws-dynamodb-table-enable-deletion-protection': { stacks: ['prod'] },
      }),
    ).toEqual([]);
  });

  it('is refused with one line per problem, each naming its policy and setting', () => {
    expect(
      packConfigProblems(policies, {
        all: 'strict',
        [PASSWORDS]: { minimumLength: 'twelve', requireEmoji: true },
        [ROTATION]: { enforcementLevel: 'loud', maximumRotationDays: 2000 },
        'aws-dynamodb-table-enable-deletion-protection': { stacks: ['prod', 'prod'] },
        'aws-s3-bucket-enable-versionning': 'mandatory',
        'aws-lambda-function-enable-tracing': { sampleRate: 1 },
      }),
    ).toEqual([
      'all: enforcementLevel must be one of "advisory", "mandatory", "remediate", "disabled", not "strict"',
      `${PASSWORDS}: has no setting "requireEmoji"`,
      `${PASSWORDS}: minimumLength must be integer`,
      `${ROTATION}: enforcementLevel must be one of "advisory", "mandatory", "remediate", "disabled", not "loud"`,
      `${ROTATION}: maximumRotationDays must be <= 1000`,
      'aws-dynamodb-table-enable-deletion-protection: stacks must NOT have duplicate items (items ## 1 and 0 are identical)',
      'aws-s3-bucket-enable-versionning: no policy of that name in the pack',
      'aws-lambda-function-enable-tracing: has no setting "sampleRate" (the policy takes no configuration)',
    ]);
  });

  it('throws one error that lists every problem', () => {
    expect(() => assertPackConfig(policies, { [PASSWORDS]: { minimumLength: 4 } })).toThrow(
      new PackConfigError([`${PASSWORDS}: minimumLength must be >= 8`]),
    );
    expect(() => assertPackConfig(policies, { [PASSWORDS]: { minimumLength: 4 } })).toThrow(
      `the policy pack configuration is invalid:\n  - ${PASSWORDS}: minimumLength must be >= 8`,
    );
  });

  it('is refused by the offline report before the program runs', async () => {
    await expect(
      runCompliance('dev', { packConfig: { [ROTATION]: { maximumRotationDays: '90' } } }),
    ).rejects.toThrow(new PackConfigError([`${ROTATION}: maximumRotationDays must be integer`]));
    await expect(
      buildReport({
        project: 'savings-plan-buy',
        stack: 'dev',
        program: 'infra/index.ts',
        policies,
        resources: [],
        packConfig: { nope: 'advisory' },
      }),
    ).rejects.toThrow(new PackConfigError(['nope: no policy of that name in the pack']));
  });

  it("reaches a policy without the CLI's enforcementLevel", async () => {
    const policy = byName('aws-lambda-function-enforce-supported-runtime');
    const lambda = fixture('aws:lambda/function:Function', { runtime: 'nodejs22.x' });
    expect(
      await messages(policy, [lambda], {
        config: {
          [policy.name]: { enforcementLevel: 'mandatory', runtimes: ['nodejs22.x'] },
        },
      }),
    ).toEqual([]);
  });
});

describe('a policy served by the pack (withValidatedConfig)', () => {
  it('runs with settings that match its schema', async () => {
    const policy = withValidatedConfig(byName(ROTATION));
    expect(
      (await result(policy, [], { config: { [ROTATION]: { maximumRotationDays: 30 } } }))
        .violations,
    ).toEqual([]);
  });

  it('refuses to run a stack policy with settings its schema refuses', async () => {
    const policy = withValidatedConfig(byName(ROTATION)) as PackStackPolicy;
    await expect(
      result(policy, [], { config: { [ROTATION]: { maximumRotationDays: 'ninety' } } }),
    ).rejects.toThrow(new PackConfigError([`${ROTATION}: maximumRotationDays must be integer`]));
  });

  it('refuses to run a resource policy with settings its schema refuses, keeping its resource type', async () => {
    const policy = withValidatedConfig(byName(PASSWORDS));
    const pool = fixture('aws:cognito/userPool:UserPool', {});
    await expect(
      result(policy, [pool], { config: { [PASSWORDS]: { minimumLength: 200 } } }),
    ).rejects.toThrow(new PackConfigError([`${PASSWORDS}: minimumLength must be <= 99`]));
    // Still typed: a resource of another type is not examined at all.
    const other = await result(policy, [fixture('aws:sqs/queue:Queue', {})], {
      config: { [PASSWORDS]: { minimumLength: 200 } },
    });
    expect(other.examined).toBe(0);
  });

  it('is returned as it is when it takes no configuration', () => {
    const policy = byName('aws-lambda-function-enable-tracing');
    expect(withValidatedConfig(policy)).toBe(policy);
  });
});
