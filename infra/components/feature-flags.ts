/**
 * The operational feature flags in AWS AppConfig: an application and environment per stack and a
 * hosted, freeform JSON configuration profile encrypted with the project key and validated with
 * the flags' JSON Schema, deployed at once with the stack's initial flags. Operators change
 * flags by deploying a new hosted version (console or CLI); the purchase workflow reads them
 * through Powertools Parameters within `FLAGS_MAX_AGE_SECONDS`.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { FLAGS_JSON_SCHEMA, type Flags } from '#domain/flags.ts';
import type { PolicyStatement } from '../iam.ts';

export interface FeatureFlagsArgs {
  readonly applicationName: string;
  readonly environmentName: string;
  readonly flags: Flags;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class FeatureFlags extends pulumi.ComponentResource {
  readonly applicationId: pulumi.Output<string>;
  readonly environmentId: pulumi.Output<string>;
  readonly profileId: pulumi.Output<string>;
  /** The configuration a reader starts sessions on (IAM resource of the data plane actions). */
  readonly configurationArn: pulumi.Output<string>;

  constructor(name: string, args: FeatureFlagsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:operations:FeatureFlags', name, {}, opts);
    const application = new aws.appconfig.Application(
      `${name}-application`,
      {
        name: args.applicationName,
        description:
          'Savings Plan Buy operational flags: kill switch, maximum amount per run (per currency)',
        tags: args.tags,
      },
      { parent: this },
    );
    const environment = new aws.appconfig.Environment(
      `${name}-environment`,
      { applicationId: application.id, name: args.environmentName, tags: args.tags },
      { parent: this },
    );
    const profile = new aws.appconfig.ConfigurationProfile(
      `${name}-profile`,
      {
        applicationId: application.id,
        name: 'flags',
        description:
          'purchasesEnabled (boolean), maxAmountPerRun (decimal string or null), maxAmountPerRunByCurrency (currency code to decimal string)',
        locationUri: 'hosted',
        type: 'AWS.Freeform',
        kmsKeyIdentifier: args.kmsKeyArn,
        validators: [{ type: 'JSON_SCHEMA', content: JSON.stringify(FLAGS_JSON_SCHEMA) }],
        tags: args.tags,
      },
      { parent: this },
    );
    const initial = new aws.appconfig.HostedConfigurationVersion(
      `${name}-initial`,
      {
        applicationId: application.id,
        configurationProfileId: profile.configurationProfileId,
        description: 'The flags the stack was deployed with',
        contentType: 'application/json',
        content: JSON.stringify(args.flags),
      },
      { parent: this },
    );
    new aws.appconfig.Deployment(
      `${name}-deployment`,
      {
        applicationId: application.id,
        environmentId: environment.environmentId,
        configurationProfileId: profile.configurationProfileId,
        configurationVersion: initial.versionNumber.apply(String),
        deploymentStrategyId: 'AppConfig.AllAtOnce',
        kmsKeyIdentifier: args.kmsKeyArn,
        tags: args.tags,
      },
      { parent: this },
    );
    this.applicationId = application.id;
    this.environmentId = environment.environmentId;
    this.profileId = profile.configurationProfileId;
    this.configurationArn = pulumi.interpolate`arn:aws:appconfig:${args.region}:${args.accountId}:application/${application.id}/environment/${environment.environmentId}/configuration/${profile.configurationProfileId}`;
    this.registerOutputs({ configurationArn: this.configurationArn });
  }
}

/** What a reader of the flags may do: start a session on this configuration and poll it. */
export function readFlagsStatements(
  configurationArn: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
  region: pulumi.Input<string>,
): PolicyStatement[] {
  return [
    {
      Sid: 'ReadFeatureFlags',
      Effect: 'Allow',
      Action: ['appconfig:GetLatestConfiguration', 'appconfig:StartConfigurationSession'],
      Resource: configurationArn,
    },
    {
      Sid: 'FeatureFlagsAreEncryptedWithTheProjectKey',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: kmsKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': pulumi.interpolate`appconfig.${region}.amazonaws.com` },
      },
    },
  ];
}
