/**
 * The shape every policy of the pack has, beyond `@pulumi/policy`'s own: an enforcement level
 * that is `mandatory` (security) or `advisory` (hygiene), remediation steps, and the FSBP
 * controls or own rule it maps to (see `controls.ts`).
 */
import type {
  PolicyConfigSchema,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';
import { stackOf } from './values.ts';

export type PackEnforcementLevel = 'mandatory' | 'advisory';

interface PackFields {
  readonly enforcementLevel: PackEnforcementLevel;
  readonly remediationSteps: string;
  readonly tags: string[];
}

export type PackResourcePolicy = ResourceValidationPolicy & PackFields;
export type PackStackPolicy = StackValidationPolicy & PackFields;
export type PackPolicy = PackResourcePolicy | PackStackPolicy;

/** Whether a policy validates the whole stack (rather than one resource at a time). */
export function isStackPolicy(policy: PackPolicy): policy is PackStackPolicy {
  return 'validateStack' in policy;
}

/** A policy's configuration: its schema's defaults, overridden by the pack's configuration. */
export function configOf<T extends object>(
  schema: PolicyConfigSchema,
  args: Pick<ResourceValidationArgs | StackValidationArgs, 'getConfig'>,
): T {
  const defaults = Object.fromEntries(
    Object.entries(schema.properties).flatMap(([key, property]) =>
      typeof property === 'object' && 'default' in property ? [[key, property.default]] : [],
    ),
  );
  return { ...defaults, ...args.getConfig<Partial<T>>() } as T;
}

/**
 * The configuration of a policy that holds on some stacks only (prod's introspection, deletion
 * protection where data must survive): `stacks` lists them, by default `defaults`.
 */
export function stacksSchema(defaults: readonly string[], what: string): PolicyConfigSchema {
  return {
    properties: {
      stacks: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        uniqueItems: true,
        default: [...defaults],
        description: `The stacks on which ${what}.`,
      },
    },
  };
}

/**
 * Marks the policy not applicable unless the resource's stack is one of the configured `stacks`.
 */
export function requireConfiguredStack(
  schema: PolicyConfigSchema,
  args: Pick<ResourceValidationArgs, 'getConfig' | 'urn' | 'notApplicable'>,
): void {
  const { stacks } = configOf<{ stacks: string[] }>(schema, args);
  const stack = stackOf(args.urn);
  if (!stacks.includes(stack)) {
    args.notApplicable(`applies to the stacks ${stacks.join(', ')}, not ${stack}`);
  }
}
