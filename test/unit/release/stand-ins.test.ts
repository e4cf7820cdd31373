/** The release stand-ins answer the real SDK clients with AWS's error shapes and rules. */
import {
  DescribeAlarmsCommand,
  InvalidParameterCombinationException,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateDeploymentCommand,
  DeploymentDoesNotExistException,
  DeploymentGroupDoesNotExistException,
  DeploymentLimitExceededException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  InvalidAlarmConfigException,
  InvalidLifecycleEventHookExecutionIdException,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { UpdateStateMachineAliasCommand, ValidationException } from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lambdaAppSpec } from '../../../scripts/lib/release/appspec.ts';
import type { ReleaseClients } from '../../../scripts/lib/release/run.ts';
import { configSteps } from '../../support/release/codedeploy.ts';
import {
  APPLICATION,
  HOOK,
  PREFIX,
  PURCHASES_AT_RISK,
  ReleaseStandIns,
  STATE_MACHINE,
  errorsAlarm,
} from '../../support/release/stand-ins.ts';

let aws: ReleaseStandIns;
let clients: ReleaseClients;
const PLACE_ORDER = `${PREFIX}-place-order`;
const appSpec = (current: string) =>
  lambdaAppSpec({
    functionName: PLACE_ORDER,
    alias: 'live',
    currentVersion: current,
    targetVersion: '4',
    beforeAllowTraffic: HOOK,
  });
const create = (content: string) =>
  clients.codeDeploy.send(
    new CreateDeploymentCommand({
      applicationName: APPLICATION,
      deploymentGroupName: PLACE_ORDER,
      deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
    }),
  );

beforeEach(async () => {
  aws = new ReleaseStandIns();
  await aws.start();
  aws.deployStack();
  clients = aws.clients();
});

afterEach(async () => {
  for (const client of Object.values(clients) as { destroy(): void }[]) client.destroy();
  await aws.stop();
});

describe('the CodeDeploy stand-in', () => {
  it('allows one active deployment per group', async () => {
    const { deploymentId } = await create(appSpec('3'));
    const second = create(appSpec('3'));
    await expect(second).rejects.toBeInstanceOf(DeploymentLimitExceededException);
    await expect(second).rejects.toMatchObject({
      message: `The Deployment Group '${PLACE_ORDER}' already has an active Deployment '${deploymentId}'`,
    });
  });

  it('fails a deployment whose CurrentVersion is not where the alias is', async () => {
    const { deploymentId } = await create(appSpec('2'));
    const { deploymentInfo } = await clients.codeDeploy.send(
      new GetDeploymentCommand({ deploymentId }),
    );
    expect([deploymentInfo?.status, deploymentInfo?.errorInformation?.code]).toEqual([
      'Failed',
      'INVALID_LAMBDA_CONFIGURATION',
    ]);
  });

  it('answers unknown deployments and hook executions with their exceptions', async () => {
    await expect(
      clients.codeDeploy.send(new GetDeploymentCommand({ deploymentId: 'd-ABCDEFGHI' })),
    ).rejects.toBeInstanceOf(DeploymentDoesNotExistException);
    const { deploymentId } = await create(appSpec('3'));
    await expect(
      clients.codeDeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId,
          lifecycleEventHookExecutionId: 'not-the-hook',
          status: 'Succeeded',
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidLifecycleEventHookExecutionIdException);
  });

  it("answers GetDeploymentGroup with the group's alarms and rollback, and an unknown group with its exception", async () => {
    const { deploymentGroupInfo } = await clients.codeDeploy.send(
      new GetDeploymentGroupCommand({
        applicationName: APPLICATION,
        deploymentGroupName: PLACE_ORDER,
      }),
    );
    expect(deploymentGroupInfo).toEqual({
      applicationName: APPLICATION,
      deploymentGroupName: PLACE_ORDER,
      computePlatform: 'Lambda',
      alarmConfiguration: {
        enabled: true,
        ignorePollAlarmFailure: false,
        alarms: [{ name: errorsAlarm('place-order') }, { name: PURCHASES_AT_RISK }],
      },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      },
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    });
    await expect(
      clients.codeDeploy.send(
        new GetDeploymentGroupCommand({
          applicationName: APPLICATION,
          deploymentGroupName: `${PREFIX}-nothing`,
        }),
      ),
    ).rejects.toBeInstanceOf(DeploymentGroupDoesNotExistException);
  });

  it('refuses an overrideAlarmConfiguration of more than 10 alarms, as CodeDeploy does', async () => {
    await expect(
      clients.codeDeploy.send(
        new CreateDeploymentCommand({
          applicationName: APPLICATION,
          deploymentGroupName: PLACE_ORDER,
          revision: {
            revisionType: 'AppSpecContent',
            appSpecContent: { content: appSpec('3') },
          },
          overrideAlarmConfiguration: {
            enabled: true,
            alarms: Array.from({ length: 11 }, (_, index) => ({ name: `alarm-${index}` })),
          },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidAlarmConfigException);
    expect(aws.codeDeploy.deployments()).toEqual([]);
  });

  it('knows the predefined Lambda configurations as steps of the new version share', () => {
    expect(configSteps('CodeDeployDefault.LambdaCanary10Percent5Minutes')).toEqual([
      { at: 0, weight: 0.1 },
      { at: 300_000, weight: 1 },
    ]);
    expect(
      configSteps('CodeDeployDefault.LambdaLinear10PercentEvery1Minute')?.map((s) => s.at),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((minute) => minute * 60_000));
    expect(configSteps('CodeDeployDefault.LambdaAllAtOnce')).toEqual([{ at: 0, weight: 1 }]);
    expect(configSteps('CodeDeployDefault.OneAtATime')).toEqual(undefined);
  });
});

describe('the CloudWatch stand-in', () => {
  it('returns composite alarms only when AlarmTypes asks for them, as DescribeAlarms does', async () => {
    const names = [PURCHASES_AT_RISK, errorsAlarm('decide')];
    const plain = await clients.cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    expect([plain.MetricAlarms?.map((a) => a.AlarmName), plain.CompositeAlarms]).toEqual([
      [errorsAlarm('decide')],
      [],
    ]);
    const both = await clients.cloudWatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: names,
        AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
      }),
    );
    expect(both.CompositeAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      [PURCHASES_AT_RISK, 'OK'],
    ]);
  });

  it('refuses names and a name prefix together', async () => {
    const call = clients.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [PURCHASES_AT_RISK], AlarmNamePrefix: PREFIX }),
    );
    await expect(call).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await expect(call).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      Code: 'InvalidParameterCombination',
    });
  });
});

describe('the Step Functions and Lambda stand-ins', () => {
  it('refuses a routing whose weights do not sum to 100', async () => {
    await expect(
      clients.sfn.send(
        new UpdateStateMachineAliasCommand({
          stateMachineAliasArn: `${STATE_MACHINE}:live`,
          routingConfiguration: [
            { stateMachineVersionArn: `${STATE_MACHINE}:2`, weight: 10 },
            { stateMachineVersionArn: `${STATE_MACHINE}:1`, weight: 80 },
          ],
        }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('answers an unknown function with ResourceNotFoundException', async () => {
    await expect(
      clients.lambda.send(new GetAliasCommand({ FunctionName: `${PREFIX}-nope`, Name: 'live' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
