/**
 * How the money-path functions are released: one CodeDeploy application (compute platform
 * Lambda) per stack, and one deployment group per released function that shifts its `live` alias
 * from the version it serves to the version Pulumi published last, as the stack's config says
 * (`release.functions`), watching the function's alarms and the purchase alarms, and rolling back
 * when one fires or the deployment fails. Pulumi never starts a deployment: the release step
 * (`npm run release`) does, after `pulumi up`, with the stack output `release`.
 *
 * CodeDeploy's service role is this component's, with an inline policy rather than AWS's managed
 * `AWSCodeDeployRoleForLambdaLimited`: the managed policy may update any alias and read any alarm
 * of the account (`Resource: "*"`), publish to any topic, and invoke only hooks named
 * `CodeDeployHook_*`, which ours is not. The inline one names this stack's aliases, alarms and
 * hook, nothing else (no SNS triggers, no AppSpec in S3: the release step passes it inline).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/getting-started-create-service-role.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { LIVE_ALIAS } from '#shared/release.ts';
import { policyJson, type PolicyStatement } from '../iam.ts';

/** One released function and what its deployment group watches. */
export interface ReleasedFunctionArgs {
  /** Its key in `functionSpecs` (`place-order`): the deployment group's name. */
  readonly key: string;
  /** The unqualified function ARN (its alias is `<arn>:live`). */
  readonly functionArn: pulumi.Input<string>;
  /** The alarms (names) whose ALARM state stops and rolls back its deployment (ten at most). */
  readonly alarmNames: readonly string[];
}

export interface CanaryReleasesArgs {
  readonly applicationName: string;
  readonly roleName: string;
  /** CodeDeploy's configuration for every group (`CodeDeployDefault.LambdaAllAtOnce`, ...). */
  readonly deploymentConfigName: string;
  readonly functions: readonly ReleasedFunctionArgs[];
  /** The `BeforeAllowTraffic` hook every deployment runs (its unqualified ARN). */
  readonly preTrafficHookArn: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** CodeDeploy's events that roll a deployment back: it failed, or an alarm stopped it. */
export const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'];

/** What CodeDeploy may do as the stack's release role: exactly the releases' aliases, alarms and hook. */
export function codeDeployStatements(args: CanaryReleasesArgs): PolicyStatement[] {
  const alarmNames = [...new Set(args.functions.flatMap((fn) => fn.alarmNames))].sort();
  return [
    {
      // GetProvisionedConcurrencyConfig: CodeDeploy reads it on the alias before shifting.
      Sid: 'ShiftTheLiveAliases',
      Effect: 'Allow',
      Action: ['lambda:GetAlias', 'lambda:GetProvisionedConcurrencyConfig', 'lambda:UpdateAlias'],
      Resource: args.functions.flatMap((fn) => [
        fn.functionArn,
        pulumi.interpolate`${fn.functionArn}:${LIVE_ALIAS}`,
      ]),
    },
    {
      Sid: 'WatchTheReleaseAlarms',
      Effect: 'Allow',
      Action: 'cloudwatch:DescribeAlarms',
      Resource: alarmNames.map(
        (name) =>
          pulumi.interpolate`arn:aws:cloudwatch:${args.region}:${args.accountId}:alarm:${name}`,
      ),
    },
    {
      Sid: 'RunThePreTrafficHook',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: args.preTrafficHookArn,
    },
  ];
}

export class CanaryReleases extends pulumi.ComponentResource {
  readonly application: aws.codedeploy.Application;
  readonly role: aws.iam.Role;
  /** The deployment groups, by function key. */
  readonly groups: Readonly<Record<string, aws.codedeploy.DeploymentGroup>>;

  constructor(name: string, args: CanaryReleasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:release:CanaryReleases', name, {}, opts);
    this.application = new aws.codedeploy.Application(
      `${name}-application`,
      { name: args.applicationName, computePlatform: 'Lambda', tags: args.tags },
      { parent: this },
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        description: `CodeDeploy: shifts the live aliases of ${args.applicationName}`,
        // CodeDeploy documents no source condition for assuming its service role; a role can be
        // handed to it only by a principal of this account allowed to pass it.
        assumeRolePolicy: policyJson([
          {
            Effect: 'Allow',
            Principal: { Service: 'codedeploy.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ]),
        tags: args.tags,
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: this.role.id, policy: policyJson(codeDeployStatements(args)) },
      { parent: this },
    );
    const groups: Record<string, aws.codedeploy.DeploymentGroup> = {};
    for (const fn of args.functions) {
      groups[fn.key] = new aws.codedeploy.DeploymentGroup(
        `${name}-${fn.key}`,
        {
          appName: this.application.name,
          deploymentGroupName: fn.key,
          serviceRoleArn: this.role.arn,
          deploymentConfigName: args.deploymentConfigName,
          // Lambda deployments are blue/green traffic shifts between two versions of an alias.
          deploymentStyle: {
            deploymentType: 'BLUE_GREEN',
            deploymentOption: 'WITH_TRAFFIC_CONTROL',
          },
          alarmConfiguration: { enabled: true, alarms: [...fn.alarmNames] },
          autoRollbackConfiguration: { enabled: true, events: ROLLBACK_EVENTS },
          tags: args.tags,
        },
        { parent: this, dependsOn: [policy] },
      );
    }
    this.groups = groups;
    this.registerOutputs({ application: this.application.name });
  }
}
