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
 *
 * In an incident that alarm is usually in ALARM, and AppConfig has no way to skip an environment's
 * monitors for one deployment: a kill switch deployed to the main environment would be rolled back
 * to the version that buys. So the kill switch an operator uses in an incident is a document of its
 * own, the emergency stop (`emergency-stop`, `{"purchasesEnabled": boolean}`), in a second
 * environment of the same application that has NO monitors and is only ever deployed all at once:
 * nothing can roll it back, and it holds within one cache age. The decision step reads both and
 * buys only while both allow it (`withEmergencyStop`).
 * https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-deploying-reverting.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  DEFAULT_EMERGENCY_STOP,
  EMERGENCY_STOP_JSON_SCHEMA,
  FLAGS_JSON_SCHEMA,
  type Flags,
} from '#domain/flags.ts';
import type { FlagDeployment } from '#shared/release.ts';
import { policyJson, type PolicyStatement } from '../iam.ts';

/** AppConfig watches at most five alarms per environment. */
export const MAX_MONITORS = 5;

/**
 * How the emergency stop is always deployed: at once, with no bake time (nothing would watch it:
 * its environment has no monitors). A predefined strategy, so no stack config can make it gradual.
 */
export const EMERGENCY_STOP_STRATEGY = 'AppConfig.AllAtOnce';

export interface FeatureFlagsArgs {
  readonly applicationName: string;
  readonly environmentName: string;
  /** The emergency stop's environment (no monitors), e.g. `<stack>-emergency`. */
  readonly emergencyEnvironmentName: string;
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
  /** The emergency stop's environment: no monitors, so no alarm rolls a stop back. */
  readonly emergencyEnvironmentId: pulumi.Output<string>;
  readonly emergencyProfileId: pulumi.Output<string>;
  /** The emergency stop a reader starts sessions on. */
  readonly emergencyConfigurationArn: pulumi.Output<string>;

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
    const emergency = emergencyStopResources(this, name, args, application.id);
    this.applicationId = application.id;
    this.environmentId = environment.environmentId;
    this.profileId = profile.configurationProfileId;
    this.deploymentStrategyId = deploymentStrategyId;
    this.alarmRoleArn = alarmRole.arn;
    this.configurationArn = pulumi.interpolate`arn:aws:appconfig:${args.region}:${args.accountId}:application/${application.id}/environment/${environment.environmentId}/configuration/${profile.configurationProfileId}`;
    this.emergencyEnvironmentId = emergency.environment.environmentId;
    this.emergencyProfileId = emergency.profile.configurationProfileId;
    this.emergencyConfigurationArn = pulumi.interpolate`arn:aws:appconfig:${args.region}:${args.accountId}:application/${application.id}/environment/${this.emergencyEnvironmentId}/configuration/${this.emergencyProfileId}`;
    this.registerOutputs({
      configurationArn: this.configurationArn,
      emergencyConfigurationArn: this.emergencyConfigurationArn,
      deploymentStrategyId: this.deploymentStrategyId,
      alarmRoleArn: this.alarmRoleArn,
    });
  }
}

/**
 * The emergency stop's environment, profile and initial deployment (purchases allowed).
 * Deliberately no `monitors` on the environment and the predefined all-at-once strategy: these
 * two are what make the stop impossible to roll back, so they are not arguments.
 */
function emergencyStopResources(
  component: FeatureFlags,
  name: string,
  args: FeatureFlagsArgs,
  applicationId: pulumi.Output<string>,
) {
  const parent = { parent: component };
  const environment = new aws.appconfig.Environment(
    `${name}-emergency-environment`,
    {
      applicationId,
      name: args.emergencyEnvironmentName,
      description:
        'The emergency stop of purchases: no monitors and deployed all at once, so no alarm can roll a stop back',
      tags: args.tags,
    },
    parent,
  );
  const profile = new aws.appconfig.ConfigurationProfile(
    `${name}-emergency-profile`,
    {
      applicationId,
      name: 'emergency-stop',
      description:
        'purchasesEnabled (boolean, required): false stops every purchase whatever the flags say',
      locationUri: 'hosted',
      type: 'AWS.Freeform',
      kmsKeyIdentifier: args.kmsKeyArn,
      validators: [{ type: 'JSON_SCHEMA', content: JSON.stringify(EMERGENCY_STOP_JSON_SCHEMA) }],
      tags: args.tags,
    },
    parent,
  );
  const initial = new aws.appconfig.HostedConfigurationVersion(
    `${name}-emergency-initial`,
    {
      applicationId,
      configurationProfileId: profile.configurationProfileId,
      description: 'Purchases allowed: the flags decide',
      contentType: 'application/json',
      content: JSON.stringify(DEFAULT_EMERGENCY_STOP),
    },
    parent,
  );
  new aws.appconfig.Deployment(
    `${name}-emergency-deployment`,
    {
      applicationId,
      environmentId: environment.environmentId,
      configurationProfileId: profile.configurationProfileId,
      configurationVersion: initial.versionNumber.apply(String),
      deploymentStrategyId: EMERGENCY_STOP_STRATEGY,
      kmsKeyIdentifier: args.kmsKeyArn,
      tags: args.tags,
    },
    {
      ...parent,
      // Every input of a deployment forces a new one, and a new one would deploy the initial
      // "purchases allowed" over a stop an operator deployed: a `pulumi up` in an incident (a fix
      // going out while purchases are stopped) must never lift the stop.
      ignoreChanges: ['configurationVersion', 'kmsKeyIdentifier', 'tags', 'description'],
    },
  );
  return { environment, profile };
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

/**
 * What a reader of the flags may do: start sessions on these configurations (the main flags and
 * the emergency stop) and poll them.
 */
export function readFlagsStatements(
  configurationArns: readonly pulumi.Input<string>[],
  kmsKeyArn: pulumi.Input<string>,
  region: pulumi.Input<string>,
): PolicyStatement[] {
  return [
    {
      Sid: 'ReadFeatureFlags',
      Effect: 'Allow',
      Action: ['appconfig:GetLatestConfiguration', 'appconfig:StartConfigurationSession'],
      Resource: [...configurationArns],
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
