/**
 * The pack's configuration, checked against its JSON Schema the way the Pulumi CLI checks it
 * (`pulumi policy validate-config`, and `pulumi up --policy-pack-config`): each policy's
 * `configSchema` becomes `{ type: "object", properties, required }` and the policy's settings are
 * validated against it, each error reported as `<policy>: <what is wrong>`. The CLI does this with
 * gojsonschema; the pack does it with Ajv 8 (draft-07, the CLI's dialect), so the offline report
 * and the pack itself refuse what the CLI would refuse.
 *
 * Stricter than the CLI, on purpose: a policy name that is not in the pack and a property that
 * is not in the policy's schema are refused too. The CLI ignores both, so a typo in a policy
 * configuration silently leaves the default in force.
 *
 * https://www.pulumi.com/docs/iac/cli/commands/pulumi_policy_validate-config/
 * https://www.pulumi.com/docs/insights/policy/configuration/
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type {
  PolicyConfigSchema,
  ResourceValidation,
  ResourceValidationArgs,
  StackValidationArgs,
} from '@pulumi/policy';
import { isStackPolicy, type PackPolicy } from './policy.ts';

/** The enforcement levels a configuration may set (for one policy, or for `all`). */
export const ENFORCEMENT_LEVELS = ['advisory', 'mandatory', 'remediate', 'disabled'] as const;

/**
 * A pack configuration as the CLI reads it from `--policy-pack-config`: by policy name, an
 * enforcement level or an object of settings (with an optional `enforcementLevel`); `all` sets
 * the level of every policy.
 */
export type PackConfigDocument = Readonly<Record<string, unknown>>;

/** A configuration the pack refuses: the message lists every problem, one per line. */
export class PackConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `the policy pack configuration is invalid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.name = 'PackConfigError';
    this.problems = problems;
  }
}

/** Draft-07 like the CLI; strict, so a schema with a misspelt keyword fails to compile. */
function newAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: true });
}

/**
 * A policy's settings as JSON Schema, as the CLI builds it from `configSchema` (plus
 * `additionalProperties: false`, see the module comment). `enforcementLevel` is the CLI's own key,
 * taken out before the settings are validated.
 */
export function policyConfigJsonSchema(schema: PolicyConfigSchema): Record<string, unknown> {
  return {
    type: 'object',
    properties: schema.properties,
    ...(schema.required === undefined || schema.required.length === 0
      ? {}
      : { required: schema.required }),
    additionalProperties: false,
  };
}

/** One Ajv error as a phrase: `minimumLength must be integer`, `must have property "stacks"`. */
function describe(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    message = `has no setting "${extra}"`;
  } else if (error.keyword === 'required') {
    message = `must set "${String((error.params as { missingProperty: string }).missingProperty)}"`;
  } else if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    message = `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  return path === '' ? message : `${path} ${message}`;
}

const validators = new WeakMap<PolicyConfigSchema, ValidateFunction>();

/** The compiled validator of a policy's settings (compiled once per schema). */
function validatorOf(schema: PolicyConfigSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (validate === undefined) {
    validate = newAjv().compile(policyConfigJsonSchema(schema));
    validators.set(schema, validate);
  }
  return validate;
}

/** The problems of one policy's settings (without `enforcementLevel`), as `<policy>: ...`. */
export function policySettingsProblems(
  policy: Pick<PackPolicy, 'name' | 'configSchema'>,
  settings: Readonly<Record<string, unknown>>,
): string[] {
  if (policy.configSchema === undefined) {
    return Object.keys(settings).map(
      (key) => `${policy.name}: has no setting "${key}" (the policy takes no configuration)`,
    );
  }
  const validate = validatorOf(policy.configSchema);
  if (validate(settings)) return [];
  return (validate.errors ?? []).map((error) => `${policy.name}: ${describe(error)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function levelProblem(key: string, level: unknown): string[] {
  return (ENFORCEMENT_LEVELS as readonly unknown[]).includes(level)
    ? []
    : [
        `${key}: enforcementLevel must be one of ${ENFORCEMENT_LEVELS.map((value) => `"${value}"`).join(', ')}, not ${JSON.stringify(level)}`,
      ];
}

/**
 * Every problem of a pack configuration, in the order of its keys: unknown policies, bad
 * enforcement levels, and settings that do not match their policy's schema.
 */
export function packConfigProblems(
  policies: readonly PackPolicy[],
  config: PackConfigDocument,
): string[] {
  if (!isRecord(config)) return ['the configuration must be an object keyed by policy name'];
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  return Object.entries(config).flatMap(([key, value]) => {
    if (key === 'all') {
      if (typeof value === 'string') return levelProblem('all', value);
      if (!isRecord(value)) return ['all: must be an enforcement level or { enforcementLevel }'];
      const { enforcementLevel, ...rest } = value;
      return [
        ...levelProblem('all', enforcementLevel),
        ...Object.keys(rest).map((extra) => `all: has no setting "${extra}"`),
      ];
    }
    const policy = byName.get(key);
    if (policy === undefined) return [`${key}: no policy of that name in the pack`];
    if (typeof value === 'string') return levelProblem(key, value);
    if (!isRecord(value)) return [`${key}: must be an enforcement level or an object of settings`];
    const { enforcementLevel, ...settings } = value;
    return [
      ...(enforcementLevel === undefined ? [] : levelProblem(key, enforcementLevel)),
      ...policySettingsProblems(policy, settings),
    ];
  });
}

/** Throws a {@link PackConfigError} listing every problem of `config`. */
export function assertPackConfig(
  policies: readonly PackPolicy[],
  config: PackConfigDocument,
): void {
  const problems = packConfigProblems(policies, config);
  if (problems.length > 0) throw new PackConfigError(problems);
}

/**
 * Checks the pack's own schemas, as constructing the pack must: each compiles under Ajv's strict
 * mode (no unknown keyword, no contradictory type), declares a type and a default for every
 * setting (the report shows the defaults; a policy must run unconfigured), and its defaults
 * validate against it. `enforcementLevel` is reserved for the CLI.
 */
export function packSchemaProblems(policies: readonly PackPolicy[]): string[] {
  return policies.flatMap((policy) => {
    const schema = policy.configSchema;
    if (schema === undefined) return [];
    const problems: string[] = [];
    if ('enforcementLevel' in schema.properties) {
      problems.push(`${policy.name}: "enforcementLevel" is the CLI's key, not a setting`);
    }
    for (const [key, property] of Object.entries(schema.properties)) {
      if (typeof property !== 'object' || !('type' in property)) {
        problems.push(`${policy.name}: setting "${key}" must declare its type`);
      }
      if (typeof property !== 'object' || !('default' in property)) {
        problems.push(`${policy.name}: setting "${key}" must have a default`);
      }
    }
    try {
      validatorOf(schema);
    } catch (error) {
      problems.push(
        `${policy.name}: its configSchema is not valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
      );
      return problems;
    }
    const defaults = Object.fromEntries(
      Object.entries(schema.properties).flatMap(([key, property]) =>
        typeof property === 'object' && 'default' in property ? [[key, property.default]] : [],
      ),
    );
    problems.push(
      ...policySettingsProblems(policy, defaults).map(
        (problem) => `${problem} (in the schema's own defaults)`,
      ),
    );
    return problems;
  });
}

/** Throws a {@link PackConfigError} when one of the pack's schemas is broken. */
export function assertPackSchemas(policies: readonly PackPolicy[]): void {
  const problems = packSchemaProblems(policies);
  if (problems.length > 0) throw new PackConfigError(problems);
}

/** Throws when the settings a policy is handed at run time do not match its schema. */
function checkSettings(policy: PackPolicy, args: Pick<ResourceValidationArgs, 'getConfig'>): void {
  const problems = policySettingsProblems(policy, args.getConfig<Record<string, unknown>>());
  if (problems.length > 0) throw new PackConfigError(problems);
}

/**
 * The policy, refusing to run with settings that do not match its schema (what the CLI hands the
 * pack over gRPC: the CLI checks it too, but a pack run by another engine or an older CLI would
 * otherwise read a string where it expects a number). Policies without a schema are returned as
 * they are.
 */
export function withValidatedConfig(policy: PackPolicy): PackPolicy {
  if (policy.configSchema === undefined) return policy;
  if (isStackPolicy(policy)) {
    const validateStack = policy.validateStack;
    return {
      ...policy,
      validateStack: (args: StackValidationArgs, reportViolation) => {
        checkSettings(policy, args);
        return validateStack(args, reportViolation);
      },
    };
  }
  const wrap = (check: ResourceValidation): ResourceValidation => {
    const wrapped: ResourceValidation = (args, reportViolation) => {
      checkSettings(policy, args);
      return check(args, reportViolation);
    };
    // validateResourceOfType marks its function with the type it checks; keep the mark.
    return Object.assign(wrapped, check);
  };
  const validations = policy.validateResource;
  return {
    ...policy,
    validateResource: Array.isArray(validations)
      ? validations.map(wrap)
      : validations === undefined
        ? validations
        : wrap(validations),
  };
}
