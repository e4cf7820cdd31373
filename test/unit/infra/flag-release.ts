/**
 * How a stack deploys its feature flags, under Pulumi mocks: the AppConfig strategy its
 * `release.flags` names (or a strategy of its own), the purchase alarms the environment watches to
 * roll a deployment back, and the role AppConfig reads them with; and the emergency stop, which
 * no alarm may roll back on any stack. One file per stack runs it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EMERGENCY_STOP_JSON_SCHEMA } from '#domain/flags.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

export interface FlagReleaseExpectation {
  /** The stack's config overrides (`runProgram`'s), e.g. a custom `release`. */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** The strategy every deployment uses: a predefined name, or the custom resource's id. */
  readonly strategyId: string;
  /** The custom strategy's inputs, or null when the stack uses a predefined one. */
  readonly customStrategy: Record<string, unknown> | null;
}

export function describeFlagRelease(stack: string, expected: FlagReleaseExpectation): void {
  const P = `savings-plan-buy-${stack}`;
  const TAGS = expect.objectContaining({ project: 'savings-plan-buy', stack });
  let run: ProgramRun;

  beforeAll(async () => {
    run = await runProgram(stack, expected.overrides ?? {});
  });

  describe(`flag deployments on ${stack}`, () => {
    it(`use ${expected.strategyId} for the stack's initial flags`, () => {
      expect(
        run.one('aws:appconfig/deployment:Deployment', 'flags-deployment').inputs,
      ).toMatchObject({
        deploymentStrategyId: expected.strategyId,
      });
    });

    it('name the same strategy in the stack outputs, with the ids a new deployment needs', () => {
      expect({
        application: run.outputs.featureFlagsApplicationId,
        environment: run.outputs.featureFlagsEnvironmentId,
        profile: run.outputs.featureFlagsProfileId,
        strategy: run.outputs.featureFlagsDeploymentStrategyId,
      }).toEqual({
        application: 'flags-application-id',
        environment: 'flags-environment-env',
        profile: 'flags-profile-prof',
        strategy: expected.strategyId,
      });
    });

    it(
      expected.customStrategy === null
        ? 'create no strategy of their own'
        : 'create the strategy of their own, kept out of SSM documents',
      () => {
        const strategies = run.all('aws:appconfig/deploymentStrategy:DeploymentStrategy');
        expect(strategies.map((strategy) => strategy.inputs)).toEqual(
          expected.customStrategy === null ? [] : [{ ...expected.customStrategy, tags: TAGS }],
        );
      },
    );

    it('roll back when purchases are at risk: the environment watches the composite alarm', () => {
      expect(
        run.one('aws:appconfig/environment:Environment', 'flags-environment').inputs.monitors,
      ).toEqual([
        {
          alarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${P}-purchases-at-risk`,
          alarmRoleArn: `arn:aws:iam::${ACCOUNT}:role/${P}-flags-alarms`,
        },
      ]);
    });

    it('watch an alarm the stack creates', () => {
      expect(
        run
          .all('aws:cloudwatch/compositeAlarm:CompositeAlarm')
          .map((alarm) => alarm.inputs.alarmName)
          .filter((name) => name === `${P}-purchases-at-risk`),
      ).toEqual([`${P}-purchases-at-risk`]);
    });

    it('read the alarms through a role only AppConfig can assume', () => {
      const role = run.one('aws:iam/role:Role', 'flags-alarm-role');
      expect(role.inputs.name).toBe(`${P}-flags-alarms`);
      expect(policy(role.inputs.assumeRolePolicy)).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'appconfig.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      });
    });

    it('allow that role to read alarm states and nothing else', () => {
      const rolePolicy = run.one('aws:iam/rolePolicy:RolePolicy', 'flags-alarm-role-policy');
      expect(rolePolicy.inputs.role).toBe('flags-alarm-role-id');
      expect(policy(rolePolicy.inputs.policy)).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadAlarmStatesForRollback',
            Effect: 'Allow',
            Action: 'cloudwatch:DescribeAlarms',
            Resource: '*',
          },
        ],
      });
    });
  });

  describe(`the emergency stop on ${stack}`, () => {
    const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
    const ENVIRONMENT = 'flags-emergency-environment-env';
    const PROFILE = 'flags-emergency-profile-prof';

    it('lives in an environment of its own with no monitors, so no alarm can roll a stop back', () => {
      expect(
        run.one('aws:appconfig/environment:Environment', 'flags-emergency-environment').inputs,
      ).toEqual({
        applicationId: 'flags-application-id',
        name: `${stack}-emergency`,
        description:
          'The emergency stop of purchases: no monitors and deployed all at once, so no alarm can roll a stop back',
        tags: TAGS,
      });
    });

    it('is a hosted JSON profile encrypted with the project key and validated by its schema', () => {
      expect(
        run.one(
          'aws:appconfig/configurationProfile:ConfigurationProfile',
          'flags-emergency-profile',
        ).inputs,
      ).toEqual({
        applicationId: 'flags-application-id',
        name: 'emergency-stop',
        description:
          'purchasesEnabled (boolean, required): false stops every purchase whatever the flags say',
        locationUri: 'hosted',
        type: 'AWS.Freeform',
        kmsKeyIdentifier: KEY_ARN,
        validators: [{ type: 'JSON_SCHEMA', content: JSON.stringify(EMERGENCY_STOP_JSON_SCHEMA) }],
        tags: TAGS,
      });
    });

    it('starts with purchases allowed, deployed all at once whatever the flags strategy', () => {
      expect(
        run.one(
          'aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion',
          'flags-emergency-initial',
        ).inputs,
      ).toEqual({
        applicationId: 'flags-application-id',
        configurationProfileId: PROFILE,
        description: 'Purchases allowed: the flags decide',
        contentType: 'application/json',
        // The provider marks content secret, so the mocks see it wrapped.
        content: expect.objectContaining({ value: '{"purchasesEnabled":true}' }),
      });
      expect(
        run.one('aws:appconfig/deployment:Deployment', 'flags-emergency-deployment').inputs,
      ).toEqual({
        applicationId: 'flags-application-id',
        environmentId: ENVIRONMENT,
        configurationProfileId: PROFILE,
        configurationVersion: '1',
        deploymentStrategyId: 'AppConfig.AllAtOnce',
        kmsKeyIdentifier: KEY_ARN,
        tags: TAGS,
      });
    });

    it('is named in the stack outputs, with the ids a stop needs', () => {
      expect({
        environment: run.outputs.emergencyStopEnvironmentId,
        profile: run.outputs.emergencyStopProfileId,
        configuration: run.outputs.emergencyStopConfigurationArn,
      }).toEqual({
        environment: ENVIRONMENT,
        profile: PROFILE,
        configuration: `arn:aws:appconfig:${REGION}:${ACCOUNT}:application/flags-application-id/environment/${ENVIRONMENT}/configuration/${PROFILE}`,
      });
    });
  });
}
