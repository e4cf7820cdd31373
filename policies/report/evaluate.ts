/**
 * Evaluates the pack in-process, as the CrossGuard analyzer does for `pulumi preview`/`up`: every
 * resource policy on every resource (with its inputs), every stack policy on the whole stack (with
 * the resources' state), each policy's configuration defaulted from its schema. No CLI, no gRPC
 * server (constructing a PolicyPack starts one).
 */
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from '@pulumi/policy';
import { configOf, isStackPolicy, type PackPolicy } from '../lib/policy.ts';
import { isUnknownValueError, nameOf } from '../lib/values.ts';

/** A resource to evaluate: its type, name, URN, inputs and state. */
export interface EvaluatedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly inputs: Record<string, unknown>;
  readonly state: Record<string, unknown>;
  /** The resource's explicit provider (its default tags, say), as CrossGuard passes it. */
  readonly provider?: { type: string; name: string; urn: string; props: Record<string, unknown> };
}

export interface Violation {
  readonly policy: string;
  readonly enforcementLevel: PackPolicy['enforcementLevel'];
  /** `<type>::<name>` of the resource, or undefined for the stack as a whole. */
  readonly resource: string | undefined;
  readonly message: string;
}

export interface PolicyResult {
  readonly policy: PackPolicy;
  readonly violations: Violation[];
  /** Resources (or the stack) the policy declared itself not applicable to, with the reason. */
  readonly notApplicable: { resource: string | undefined; reason: string }[];
  /** Checks that could not run because a value was unknown (never with mocks; during preview). */
  readonly unknown: { resource: string | undefined; reason: string }[];
  /**
   * How many resources matched the policy's resource type, or undefined when that cannot be told
   * (stack policies, resource policies that look at every type).
   */
  examined: number | undefined;
}

/**
 * Policy configuration by policy name, as in `pulumi up --policy-pack-config`: an enforcement
 * level, or settings with an optional `enforcementLevel` (checked by `lib/config.ts`).
 */
export type PackConfig = Readonly<Record<string, string | Readonly<Record<string, unknown>>>>;

/** A policy's settings in a pack configuration, without the CLI's `enforcementLevel`. */
export function settingsOf(packConfig: PackConfig, policy: string): Record<string, unknown> {
  const entry = packConfig[policy];
  if (entry === undefined || typeof entry === 'string') return {};
  const { enforcementLevel: _level, ...settings } = entry;
  return settings;
}

class NotApplicableError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

const notApplicable = (reason?: string): never => {
  throw new NotApplicableError(reason ?? 'not applicable');
};

const RESOURCE_OPTIONS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  additionalSecretOutputs: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
};

/** validateResourceOfType matches on the class's Pulumi type token, as the analyzer does. */
function isTypeOf(type: string) {
  return (resourceClass: unknown) =>
    (resourceClass as { __pulumiType?: string }).__pulumiType === type;
}

function label(resource: Pick<EvaluatedResource, 'type' | 'name'>): string {
  return `${resource.type}::${resource.name}`;
}

function resourceArgs(
  resource: EvaluatedResource,
  config: Record<string, unknown>,
): ResourceValidationArgs {
  const isType = isTypeOf(resource.type);
  return {
    type: resource.type,
    props: resource.inputs,
    urn: resource.urn,
    name: resource.name,
    opts: RESOURCE_OPTIONS,
    stackTags: new Map(),
    isType,
    asType: (resourceClass: unknown) => (isType(resourceClass) ? resource.inputs : undefined),
    getConfig: () => config,
    notApplicable,
    ...(resource.provider === undefined ? {} : { provider: resource.provider }),
  } as unknown as ResourceValidationArgs;
}

function policyResource(resource: EvaluatedResource): PolicyResource {
  const isType = isTypeOf(resource.type);
  return {
    type: resource.type,
    props: resource.state,
    urn: resource.urn,
    name: resource.name,
    opts: RESOURCE_OPTIONS,
    dependencies: [],
    propertyDependencies: {},
    isType,
    asType: (resourceClass: unknown) => (isType(resourceClass) ? resource.state : undefined),
    ...(resource.provider === undefined ? {} : { provider: resource.provider }),
  } as unknown as PolicyResource;
}

/** The pieces of a thrown error that a result records; anything else is a bug and rethrown. */
function classify(error: unknown): { kind: 'notApplicable' | 'unknown'; reason: string } {
  if (error instanceof NotApplicableError) return { kind: 'notApplicable', reason: error.reason };
  if (isUnknownValueError(error)) return { kind: 'unknown', reason: (error as Error).message };
  throw error;
}

/** Runs one policy on the resources (resource policy) or the stack (stack policy). */
export async function evaluatePolicy(
  policy: PackPolicy,
  resources: readonly EvaluatedResource[],
  packConfig: PackConfig = {},
): Promise<PolicyResult> {
  const result: PolicyResult = {
    policy,
    violations: [],
    notApplicable: [],
    unknown: [],
    examined: undefined,
  };
  const config = settingsOf(packConfig, policy.name);
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const record = (resource: string | undefined, message: string) =>
    result.violations.push({
      policy: policy.name,
      enforcementLevel: policy.enforcementLevel,
      resource,
      message,
    });
  if (isStackPolicy(policy)) {
    const args: StackValidationArgs = {
      resources: resources.map(policyResource),
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable,
    };
    try {
      await policy.validateStack(args, (message, urn) => {
        const resource = urn === undefined ? undefined : byUrn.get(urn);
        record(resource === undefined ? urn && nameOf(urn) : label(resource), message);
      });
    } catch (error) {
      const { kind, reason } = classify(error);
      result[kind].push({ resource: undefined, reason });
    }
    return result;
  }
  const validations = policy.validateResource;
  const checks = validations === undefined ? [] : [validations].flat();
  // validateResourceOfType tags its function with the type it checks; others see every resource.
  const typeOf = (check: unknown) => (check as { __pulumiType?: string }).__pulumiType;
  const typed = checks.every((check) => typeOf(check) !== undefined);
  let examined = 0;
  for (const resource of resources) {
    let matched = false;
    for (const check of checks) {
      const args = resourceArgs(resource, config);
      const only = typeOf(check);
      if (only !== undefined && only !== resource.type) continue;
      matched = true;
      try {
        await check(args, (message) => record(label(resource), message));
      } catch (error) {
        const { kind, reason } = classify(error);
        result[kind].push({ resource: label(resource), reason });
      }
    }
    if (matched) examined += 1;
  }
  result.examined = typed ? examined : undefined;
  return result;
}

/** Runs every policy of the pack. */
export async function evaluatePack(
  policies: readonly PackPolicy[],
  resources: readonly EvaluatedResource[],
  packConfig: PackConfig = {},
): Promise<PolicyResult[]> {
  const results: PolicyResult[] = [];
  for (const policy of policies) results.push(await evaluatePolicy(policy, resources, packConfig));
  return results;
}

/** The configuration a policy runs with (its schema's defaults and the pack configuration). */
export function effectiveConfig(
  policy: PackPolicy,
  packConfig: PackConfig = {},
): Record<string, unknown> {
  if (policy.configSchema === undefined) return {};
  return configOf(policy.configSchema, {
    getConfig: <T>() => settingsOf(packConfig, policy.name) as T,
  });
}
