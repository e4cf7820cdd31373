import type { PolicyResource } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, peek, stackOf } from '../../../lib/values.ts';

/** The type token of an AWS provider, the default one and every explicit `new aws.Provider`. */
export const AWS_PROVIDER_TYPE = 'pulumi:providers:aws';

interface ProviderView {
  readonly name: string;
  /** The provider's URN when the provider is itself a resource of the stack. */
  readonly urn: string | undefined;
  readonly props: Record<string, unknown>;
}

/**
 * Provider inputs reach policies as the engine stores them: a list set in stack config
 * (`aws:allowedAccountIds: [...]`) or passed to `new aws.Provider` arrives JSON-encoded.
 */
function accountIds(value: unknown): unknown[] | undefined {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(parsed) ? parsed : undefined;
}

/**
 * A 12-digit account id. `pulumi config set --path` writes a numeric-looking value as a number
 * (pulumi/pulumi#18285), which the provider takes too; a number that lost a leading zero is not
 * 12 digits any more.
 */
function isAccountId(id: unknown): boolean {
  if (typeof id === 'number') return Number.isInteger(id) && id >= 1e11 && id < 1e12;
  return typeof id === 'string' && /^\d{12}$/.test(id);
}

/** Whether the provider pins at least one account, and only well-formed account ids. */
function pinsAccount(props: Record<string, unknown>): boolean | 'unknown' {
  const value = peek(() => props.allowedAccountIds);
  if (!value.known) return 'unknown';
  const ids = accountIds(value.value);
  return ids !== undefined && ids.length > 0 && ids.every(isAccountId);
}

/**
 * Every AWS provider the stack uses: the provider resources of the stack (explicit providers, and
 * the default provider, which the engine registers as `default_<version>`), and the provider each
 * AWS resource names (CrossGuard passes it with every resource).
 */
function providersOf(resources: readonly PolicyResource[]): {
  providers: ProviderView[];
  blind: PolicyResource[];
} {
  const byUrn = new Map<string, ProviderView>();
  const blind: PolicyResource[] = [];
  forEachKnown(resources, (resource) => {
    if (resource.type === AWS_PROVIDER_TYPE) {
      byUrn.set(resource.urn, { name: resource.name, urn: resource.urn, props: resource.props });
      return;
    }
    if (!resource.type.startsWith('aws:')) return;
    const provider = resource.provider;
    if (provider === undefined) {
      blind.push(resource);
      return;
    }
    if (provider.type !== AWS_PROVIDER_TYPE || byUrn.has(provider.urn)) return;
    byUrn.set(provider.urn, { name: provider.name, urn: undefined, props: provider.props });
  });
  return { providers: [...byUrn.values()], blind };
}

/**
 * A stack deployed with the wrong credentials creates production in another account (with its
 * seven-year COMPLIANCE-locked audit bucket, which cannot be taken back). `allowedAccountIds`
 * makes the provider refuse any other account before it creates anything. The stack config
 * (`aws:allowedAccountIds`) reaches the default provider only: every explicit provider must be
 * given it too.
 * https://www.pulumi.com/registry/packages/aws/installation-configuration/
 *
 * An AWS resource whose provider the policy cannot see (an engine that does not pass providers to
 * policies) fails the stack: the account cannot be shown to be pinned.
 */
export const configureAllowedAccountIds: PackStackPolicy = {
  name: 'aws-index-provider-configure-allowed-account-ids',
  description:
    'Checks that every AWS provider of the stack (the default provider and every explicit one) pins the accounts it may deploy to with allowedAccountIds.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    "Set aws:allowedAccountIds in Pulumi.<stack>.yaml (pulumi config set --path 'aws:allowedAccountIds[0]' 123456789012) and pass allowedAccountIds to every explicit aws.Provider.",
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    const { providers, blind } = providersOf(args.resources);
    for (const provider of providers) {
      if (pinsAccount(provider.props) !== false) continue;
      const where = provider.name.startsWith('default')
        ? `set aws:allowedAccountIds in the stack's config (pulumi config set --path 'aws:allowedAccountIds[0]' 123456789012)`
        : `pass allowedAccountIds (the stack's aws:allowedAccountIds) to new aws.Provider("${provider.name}", ...)`;
      reportViolation(
        `AWS provider ${provider.name} must pin the account it deploys to with a list of 12-digit account ids: ${where}.`,
        provider.urn,
      );
    }
    if (blind.length > 0) {
      const stack = stackOf(blind[0]?.urn ?? '');
      reportViolation(
        `The AWS provider of ${blind.length} resource(s) of stack ${stack} must be visible to show that their account is pinned: run the pack with a Pulumi CLI that passes providers to policies, and set aws:allowedAccountIds.`,
      );
    }
  },
};
