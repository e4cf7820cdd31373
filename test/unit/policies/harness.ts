/**
 * Evaluates policies in-process, without the Pulumi CLI, through the report's evaluator
 * (`policies/report/evaluate.ts`): resource policies see a resource's inputs, stack policies every
 * resource's state. Hand-built fixtures need only a type, a name and inputs.
 */
import type { PackPolicy } from '../../../policies/lib/policy.ts';
import {
  evaluatePolicy,
  type EvaluatedResource,
  type PackConfig,
  type PolicyResult,
} from '../../../policies/report/evaluate.ts';
import { PROJECT, type RegisteredResource } from '../../../policies/report/program.ts';
import { isStackPolicy } from '../../../policies/lib/policy.ts';

export interface Violation {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

/** A fixture resource: inputs, and optionally the state a stack policy sees (default: inputs). */
export interface Fixture extends RegisteredResource {
  readonly urn?: string;
  readonly state?: Record<string, unknown>;
  readonly provider?: EvaluatedResource['provider'];
}

export interface EvaluateOptions {
  /** The stack the resources belong to (their URN says it); default `test`. */
  readonly stack?: string;
  readonly config?: PackConfig;
}

function toEvaluated(resource: Fixture, stack: string): EvaluatedResource {
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn ?? `urn:pulumi:${stack}::${PROJECT}::${resource.type}::${resource.name}`,
    inputs: resource.inputs,
    state: resource.state ?? resource.inputs,
    ...(resource.provider === undefined ? {} : { provider: resource.provider }),
  };
}

async function run(
  policies: readonly PackPolicy[],
  resources: readonly Fixture[],
  options: EvaluateOptions,
): Promise<PolicyResult[]> {
  const evaluated = resources.map((resource) => toEvaluated(resource, options.stack ?? 'test'));
  const results: PolicyResult[] = [];
  for (const policy of policies) {
    results.push(await evaluatePolicy(policy, evaluated, options.config));
  }
  return results;
}

function violations(results: readonly PolicyResult[]): Violation[] {
  return results.flatMap((result) =>
    result.violations.map((violation) => ({
      policy: violation.policy,
      resource: violation.resource ?? '(stack)',
      message: violation.message,
    })),
  );
}

/** Every violation the resource policies among `policies` report on `resources`. */
export async function evaluate(
  policies: readonly PackPolicy[],
  resources: readonly Fixture[],
  options: EvaluateOptions = {},
): Promise<Violation[]> {
  return violations(
    await run(
      policies.filter((policy) => !isStackPolicy(policy)),
      resources,
      options,
    ),
  );
}

/** Every violation the stack policies among `policies` report on the stack of `resources`. */
export async function evaluateStack(
  policies: readonly PackPolicy[],
  resources: readonly Fixture[],
  options: EvaluateOptions = {},
): Promise<Violation[]> {
  return violations(await run(policies.filter(isStackPolicy), resources, options));
}

/** The messages one policy (resource or stack) reports on `resources`. */
export async function messages(
  policy: PackPolicy,
  resources: readonly Fixture[],
  options: EvaluateOptions = {},
): Promise<string[]> {
  return violations(await run([policy], resources, options)).map((violation) => violation.message);
}

/** The full result of one policy on `resources` (not-applicable and unknown entries too). */
export async function result(
  policy: PackPolicy,
  resources: readonly Fixture[],
  options: EvaluateOptions = {},
): Promise<PolicyResult> {
  const [only] = await run([policy], resources, options);
  return only as PolicyResult;
}
