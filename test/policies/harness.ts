/**
 * Evaluates policies in-process, without the Pulumi CLI: builds the arguments CrossGuard passes a
 * resource policy from a resource's type and inputs, and collects the violations reported.
 */
import type { Policy, ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';
import type { RegisteredResource } from '../infra/program.ts';

export interface Violation {
  readonly policy: string;
  readonly resource: string;
  readonly message: string;
}

function validationArgs(resource: RegisteredResource): ResourceValidationArgs {
  // validateResourceOfType matches on the class's Pulumi type token, as the CLI's analyzer does.
  const isType = (resourceClass: unknown) =>
    (resourceClass as { __pulumiType?: string }).__pulumiType === resource.type;
  return {
    type: resource.type,
    props: resource.inputs,
    urn: `urn:pulumi:test::savings-plan-buy::${resource.type}::${resource.name}`,
    name: resource.name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: {},
    },
    stackTags: new Map(),
    isType,
    asType: (resourceClass: unknown) => (isType(resourceClass) ? resource.inputs : undefined),
    getConfig: (() => ({})) as ResourceValidationArgs['getConfig'],
    notApplicable: () => undefined,
  } as unknown as ResourceValidationArgs;
}

/** Every violation the resource policies among `policies` report on `resources`. */
export async function evaluate(
  policies: readonly Policy[],
  resources: readonly RegisteredResource[],
): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const policy of policies) {
    const validate = (policy as ResourceValidationPolicy).validateResource;
    if (validate === undefined) continue;
    for (const resource of resources) {
      for (const check of Array.isArray(validate) ? validate : [validate]) {
        await check(validationArgs(resource), (message: string) =>
          violations.push({
            policy: policy.name,
            resource: `${resource.type}::${resource.name}`,
            message,
          }),
        );
      }
    }
  }
  return violations;
}
