/**
 * The operational feature flags in AWS AppConfig: an application and environment per stack and a
 * hosted, freeform JSON configuration profile encrypted with the project key and validated with
 * the flags' JSON Schema, deployed with the stack's initial flags. Operators change flags by
 * deploying a new hosted version (console or CLI) with the stack's deployment strategy (the stack
 * output `featureFlagsDeploymentStrategyId`); the purchase workflow reads them through Powertools
 * Parameters within `FLAGS_MAX_AGE_SECONDS`.
 *
 * A deployment goes out as the stack's `release.flags` says (`shared/release.ts`: all at once on
 * dev, 20 % every 6 minutes on staging and prod), and the environment watches the purchase alarms
 * while it does and through its bake time: one in ALARM rolls the flags back to the version
 * before. https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-creating-deployment-strategy.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { FLAGS_JSON_SCHEMA, type Flags } from '#domain/flags.ts';
import type { FlagDeployment } from '#shared/release.ts';
import { policyJson, type PolicyStatement } from '../iam.ts';

/** AppConfig watches at most five alarms per environment. */
export const MAX_MONITORS = 5;

export interface FeatureFlagsArgs {
  readonly applicationName: string;
  readonly environmentName: string;
  readonly flags: Flags;
  /** How AppConfig deploys a flags version: a predefined strategy or one of the stack's own. */
  readonly deployment: FlagDeployment;
  /**
   * The alarms (ARNs, metric or composite, at most {@link MAX_MONITORS}) whose ALARM state rolls a
   * flags deployment back.
   */
  readonly monitorAlarmArns: readonly pulumi.Input<string>[];
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
  /** The strategy every flags deployment of the stack uses (a predefined name or a custom id). */
  readonly deploymentStrategyId: pulumi.Output<string>;
  /** The role AppConfig assumes to read the monitored alarms. */
  readonly alarmRoleArn: pulumi.Output<string>;

  constructor(name: string, args: FeatureFlagsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:operations:FeatureFlags', name, {}, opts);
    if (args.monitorAlarmArns.length === 0 || args.monitorAlarmArns.length > MAX_MONITORS) {
      throw new Error(
        `FeatureFlags ${name}: AppConfig watches 1 to ${MAX_MONITORS} alarms per environment, got ${args.monitorAlarmArns.length}`,
      );
    }
    const application = new aws.appconfig.Application(
      `${name}-application`,
      {
        name: args.applicationName,
        description:
          'Savings Plan Buy operational flags: kill switch, share of users buying, maximum amount per run (per currency)',
        tags: args.tags,
      },
      { parent: this },
    );
    const alarmRole = new aws.iam.Role(
      `${name}-alarm-role`,
      {
        name: `${args.applicationName}-flags-alarms`,
        description: 'AppConfig reads the purchase alarms during flag deployments to roll back',
        assumeRolePolicy: appConfigTrustPolicy(),
        tags: args.tags,
      },
      { parent: this },
    );
    const alarmRolePolicy = new aws.iam.RolePolicy(
      `${name}-alarm-role-policy`,
      { role: alarmRole.id, policy: policyJson(describeAlarmsStatements()) },
      { parent: this },
    );
    const environment = new aws.appconfig.Environment(
      `${name}-environment`,
      {
        applicationId: application.id,
        name: args.environmentName,
        description:
          'Flag deployments roll back when a purchase alarm fires during the rollout or its bake time',
        monitors: args.monitorAlarmArns.map((alarmArn) => ({
          alarmArn,
          alarmRoleArn: alarmRole.arn,
        })),
        tags: args.tags,
      },
      // AppConfig may only read the alarms once the role's policy is in place.
      { parent: this, dependsOn: [alarmRolePolicy] },
    );
    const deploymentStrategyId =
      'strategy' in args.deployment
        ? pulumi.output(args.deployment.strategy)
        : new aws.appconfig.DeploymentStrategy(
            `${name}-strategy`,
            {
              name: `${args.applicationName}-flags`,
              description: `Flags: ${args.deployment.growthType} by ${args.deployment.growthFactor} % over ${args.deployment.deploymentMinutes} min, alarms watched ${args.deployment.finalBakeMinutes} min after`,
              growthType: args.deployment.growthType,
              growthFactor: args.deployment.growthFactor,
              deploymentDurationInMinutes: args.deployment.deploymentMinutes,
              finalBakeTimeInMinutes: args.deployment.finalBakeMinutes,
              // The strategy lives in Pulumi state only: no copy in SSM documents to drift.
              replicateTo: 'NONE',
              tags: args.tags,
            },
            { parent: this },
          ).id;
    const profile = new aws.appconfig.ConfigurationProfile(
      `${name}-profile`,
      {
        applicationId: application.id,
        name: 'flags',
        description:
          'purchasesEnabled (boolean), purchasesEnabledPercent (share of users, "0" to "100"), maxAmountPerRun (decimal string or null), maxAmountPerRunByCurrency (currency code to decimal string)',
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
        deploymentStrategyId,
        kmsKeyIdentifier: args.kmsKeyArn,
        tags: args.tags,
      },
      { parent: this },
    );
    this.applicationId = application.id;
    this.environmentId = environment.environmentId;
    this.profileId = profile.configurationProfileId;
    this.deploymentStrategyId = deploymentStrategyId;
    this.alarmRoleArn = alarmRole.arn;
    this.configurationArn = pulumi.interpolate`arn:aws:appconfig:${args.region}:${args.accountId}:application/${application.id}/environment/${environment.environmentId}/configuration/${profile.configurationProfileId}`;
    this.registerOutputs({
      configurationArn: this.configurationArn,
      deploymentStrategyId: this.deploymentStrategyId,
      alarmRoleArn: this.alarmRoleArn,
    });
  }
}

/**
 * Who may assume the alarm role: AppConfig, as AWS documents the trust for its roles. No
 * `aws:SourceAccount`/`aws:SourceArn` condition: AppConfig documents none for this role, and a
 * condition the service does not send would stop it reading the alarms, which silently turns
 * rollback off. What the role allows is read-only (alarm states).
 * https://docs.aws.amazon.com/appconfig/latest/userguide/setting-up-appconfig.html#getting-started-with-appconfig-cloudwatch-alarms-permissions
 */
export function appConfigTrustPolicy(): pulumi.Output<string> {
  return policyJson([
    {
      Effect: 'Allow',
      Principal: { Service: 'appconfig.amazonaws.com' },
      Action: 'sts:AssumeRole',
    },
  ]);
}

/**
 * What AppConfig does with the role: read alarm states. On `*`, as AWS documents it
 * (`SSMCloudWatchAlarmDiscoveryPolicy`), and because CloudWatch answers DescribeAlarms for a
 * composite alarm only to a caller allowed it on `*`: the monitors include `purchases-at-risk`.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/permissions-reference-cw.html
 */
export function describeAlarmsStatements(): PolicyStatement[] {
  return [
    {
      Sid: 'ReadAlarmStatesForRollback',
      Effect: 'Allow',
      Action: 'cloudwatch:DescribeAlarms',
      Resource: '*',
    },
  ];
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
