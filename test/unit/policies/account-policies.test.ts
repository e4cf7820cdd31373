/**
 * Every AWS provider pins the accounts it may deploy to (a stack policy). Providers reach stack
 * policies two ways, both built by hand here as the engine passes them: as resources of the stack
 * (`pulumi:providers:aws`, the default provider `default_<version>` and every explicit one), and
 * as the `provider` of each AWS resource. Provider inputs arrive JSON-encoded (what the mocks show
 * for an explicit provider, see `policies/report/compliance.ts`).
 */
import { describe, expect, it } from 'vitest';
import { defaultAwsProvider } from '../../../policies/report/compliance.ts';
import { messages, type Fixture } from './harness.ts';
import { ACCOUNT, byName } from './rules.ts';

const NAME = 'aws-index-provider-configure-allowed-account-ids';
const PROVIDER = 'pulumi:providers:aws';
const DEFAULT = 'default_7_48_0';
const urn = (type: string, name: string) => `urn:pulumi:prod::savings-plan-buy::${type}::${name}`;

function provider(name: string, inputs: Record<string, unknown>): Fixture {
  return { type: PROVIDER, name, urn: urn(PROVIDER, name), inputs };
}

/** An AWS resource deployed by `through` (what CrossGuard passes as the resource's provider). */
function deployedBy(label: string, through: Fixture): Fixture {
  return {
    type: 'aws:sqs/queue:Queue',
    name: label,
    inputs: { name: label },
    provider: {
      type: through.type,
      name: through.name,
      urn: through.urn ?? '',
      props: through.inputs,
    },
  };
}

const pinned = { region: 'eu-central-1', allowedAccountIds: JSON.stringify([ACCOUNT]) };
const defaultProvider = provider(DEFAULT, pinned);
const explicit = provider('us-east-1', { ...pinned, region: 'us-east-1' });
const STACK: Fixture[] = [
  defaultProvider,
  explicit,
  deployedBy('queue', defaultProvider),
  deployedBy('certificate-queue', explicit),
];

const report = (resources: readonly Fixture[]) =>
  messages(byName(NAME), resources, { stack: 'prod' });

const defaultMessage = `AWS provider ${DEFAULT} must pin the account it deploys to with a list of 12-digit account ids: set aws:allowedAccountIds in the stack's config (pulumi config set --path 'aws:allowedAccountIds[0]' 123456789012).`;
const explicitMessage = `AWS provider us-east-1 must pin the account it deploys to with a list of 12-digit account ids: pass allowedAccountIds (the stack's aws:allowedAccountIds) to new aws.Provider("us-east-1", ...).`;

/** The stack with the provider `name` given `inputs`, wherever it appears. */
function withProvider(name: string, inputs: Record<string, unknown>): Fixture[] {
  const replaced = provider(name, inputs);
  return STACK.map((resource) => {
    if (resource.type === PROVIDER) return resource.name === name ? replaced : resource;
    return resource.provider?.name === name ? deployedBy(resource.name, replaced) : resource;
  });
}

describe(NAME, () => {
  it('passes a stack whose default and explicit providers pin the account', async () => {
    expect(await report(STACK)).toEqual([]);
  });

  it('passes account ids given as a list rather than JSON text', async () => {
    expect(
      await report(withProvider(DEFAULT, { ...pinned, allowedAccountIds: [ACCOUNT] })),
    ).toEqual([]);
  });

  it('reports a default provider without allowedAccountIds', async () => {
    expect(await report(withProvider(DEFAULT, { region: 'eu-central-1' }))).toEqual([
      defaultMessage,
    ]);
  });

  it('reports an explicit provider without allowedAccountIds', async () => {
    expect(await report(withProvider('us-east-1', { region: 'us-east-1' }))).toEqual([
      explicitMessage,
    ]);
  });

  it('reports an empty list of accounts', async () => {
    expect(await report(withProvider(DEFAULT, { ...pinned, allowedAccountIds: '[]' }))).toEqual([
      defaultMessage,
    ]);
  });

  it('reports an account id that is not 12 digits', async () => {
    expect(
      await report(withProvider(DEFAULT, { ...pinned, allowedAccountIds: '["12345678901"]' })),
    ).toEqual([defaultMessage]);
  });

  it('reports forbiddenAccountIds alone (it does not pin an account)', async () => {
    expect(
      await report(
        withProvider(DEFAULT, { region: 'eu-central-1', forbiddenAccountIds: '["111122223333"]' }),
      ),
    ).toEqual([defaultMessage]);
  });

  it('reports a provider that only a resource names (not itself among the stack resources)', async () => {
    const hidden = provider(DEFAULT, { region: 'eu-central-1' });
    expect(await report([explicit, deployedBy('queue', hidden)])).toEqual([defaultMessage]);
  });

  it('fails a stack whose AWS resources come without their provider', async () => {
    const blind: Fixture = {
      type: 'aws:sqs/queue:Queue',
      name: 'blind',
      inputs: { name: 'blind' },
    };
    expect(await report([...STACK, blind])).toEqual([
      'The AWS provider of 1 resource(s) of stack prod must be visible to show that their account is pinned: run the pack with a Pulumi CLI that passes providers to policies, and set aws:allowedAccountIds.',
    ]);
  });

  it('passes resources of other packages without an AWS provider', async () => {
    const component: Fixture = { type: 'savings:api:GraphqlApi', name: 'api', inputs: {} };
    expect(await report([...STACK, component])).toEqual([]);
  });
});

describe("the report's default provider (what the engine creates from the stack's aws:* config)", () => {
  it('is named after the @pulumi/aws version and takes the aws:* keys as its inputs', () => {
    expect(
      defaultAwsProvider('prod', {
        'aws:region': 'eu-central-1',
        'aws:allowedAccountIds': '["777788889999"]',
        'savings-plan-buy:exchange': 'paper',
      }),
    ).toEqual({
      type: PROVIDER,
      name: DEFAULT,
      urn: urn(PROVIDER, DEFAULT),
      inputs: { version: '7.48.0', region: 'eu-central-1', allowedAccountIds: '["777788889999"]' },
      state: { version: '7.48.0', region: 'eu-central-1', allowedAccountIds: '["777788889999"]' },
    });
  });
});
