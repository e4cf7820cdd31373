/**
 * Canary releases under Pulumi mocks, for one stack: the `live` aliases of exactly the released
 * functions, every caller going through them, the purchase state machine's versions behind its
 * alias, the CodeDeploy application and groups with their alarms and rollback, and the stack
 * output `release`. IAM statements and resources are asserted exactly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CANARY_FUNCTIONS, functionSpecs, type FunctionName } from '#shared/functions.ts';
import type { ReleaseTargets, StateMachineDeployment } from '#shared/release.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

export interface ReleaseExpectations {
  /** CodeDeploy's configuration for the stack's groups. */
  readonly deploymentConfig: string;
  readonly stateMachine: StateMachineDeployment;
}

export function describeReleases(stack: string, expected: ReleaseExpectations): void {
  let run: ProgramRun;
  const P = `savings-plan-buy-${stack}`;
  const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${P}-${name}`;
  const SM_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${P}-purchase`;
  const alarm = (key: string) => `${P}-${key}`;
  const PURCHASE_ALARMS = [
    'purchase-executions-failed',
    'purchase-executions-timed-out',
    'business-overspend',
    'business-missed-runs',
    'queue-purchase-retries-dlq-dead-letters',
    'queue-plans-dlq-dead-letters',
    'queue-plan-stream-failures-dlq-dead-letters',
  ];
  const groupAlarms = (name: string) =>
    [
      `lambda-${name}-errors`,
      `lambda-${name}-throttles`,
      `lambda-${name}-duration`,
      ...PURCHASE_ALARMS,
    ].map(alarm);

  beforeAll(async () => {
    run = await runProgram(stack);
  });

  describe(`the released functions (${stack})`, () => {
    it('are exactly the money-path functions', () => {
      expect(CANARY_FUNCTIONS).toEqual([
        'schedule-sync',
        'decide',
        'place-order',
        'join-block',
        'block-worker',
        'retry-dispatcher',
        'notifier',
      ]);
    });

    it('publish a version and have a live alias on it that Pulumi never moves again', () => {
      const aliases = run.all('aws:lambda/alias:Alias');
      expect(aliases.map((each) => each.name).sort()).toEqual(
        CANARY_FUNCTIONS.map((name) => `${name}-live`).sort(),
      );
      for (const name of CANARY_FUNCTIONS) {
        expect(run.one('aws:lambda/function:Function', `${name}-function`).inputs.publish).toBe(
          true,
        );
        const alias = run.one('aws:lambda/alias:Alias', `${name}-live`);
        expect(alias.inputs).toEqual({
          name: 'live',
          description: 'What callers invoke; the release step moves it (CodeDeploy)',
          functionName: `${P}-${name}`,
          functionVersion: '1',
        });
        // The next `pulumi up` must not undo what CodeDeploy shifted.
        expect(alias.ignoreChanges).toEqual(['functionVersion', 'routingConfig']);
      }
    });

    it('leave the other functions unpublished and without an alias', () => {
      const others = (Object.keys(functionSpecs) as FunctionName[]).filter(
        (name) => !(CANARY_FUNCTIONS as readonly FunctionName[]).includes(name),
      );
      for (const name of others) {
        expect(
          run.one('aws:lambda/function:Function', `${name}-function`).inputs.publish,
        ).toBeUndefined();
      }
    });

    it('are consumed through their alias by every event source mapping, the others by name', () => {
      const mappings = Object.fromEntries(
        run
          .all('aws:lambda/eventSourceMapping:EventSourceMapping')
          .map((mapping) => [mapping.name, mapping.inputs.functionName]),
      );
      expect(mappings).toEqual({
        'plan-sync-stream': `${fn('schedule-sync')}:live`,
        'plan-stream-failures-resync': `${P}-schedule-resync`,
        'purchase-retries-dispatch': `${fn('retry-dispatcher')}:live`,
        'block-orders-work': `${fn('block-worker')}:live`,
        'notifications-notify': `${fn('notifier')}:live`,
        'plan-change-notifications-notify': `${fn('notifier')}:live`,
        'slot-outcomes-count': `${P}-slot-outcomes`,
        'email-feedback-handle': `${P}-email-feedback`,
      });
    });

    it('are invoked through their alias by every Task of the purchase workflow', () => {
      const definition = JSON.parse(
        run.one('aws:sfn/stateMachine:StateMachine').inputs.definition as string,
      ) as { States: Record<string, { Type: string; Parameters?: { FunctionName?: string } }> };
      const invoked = [
        ...new Set(
          Object.values(definition.States).flatMap((state) =>
            state.Parameters?.FunctionName === undefined ? [] : [state.Parameters.FunctionName],
          ),
        ),
      ].sort();
      expect(invoked).toEqual([
        `${fn('decide')}:live`,
        `${fn('join-block')}:live`,
        `${fn('place-order')}:live`,
      ]);
    });
  });

  describe(`the purchase state machine (${stack})`, () => {
    it('publishes a version behind a live alias that only the release step moves', () => {
      expect(run.one('aws:sfn/stateMachine:StateMachine').inputs.publish).toBe(true);
      const alias = run.one('aws:sfn/alias:Alias', 'purchase-live');
      expect(alias.inputs).toEqual({
        name: 'live',
        description: 'What the schedules and the retry dispatcher start; the release step moves it',
        routingConfigurations: [{ stateMachineVersionArn: `${SM_ARN}:1`, weight: 100 }],
      });
      expect(alias.ignoreChanges).toEqual(['routingConfigurations']);
    });

    it('is started through its alias by the schedules and the retry dispatcher', () => {
      for (const name of ['schedule-sync', 'schedule-resync', 'sweeper', 'retry-dispatcher']) {
        const variables = (
          run.one('aws:lambda/function:Function', `${name}-function`).inputs.environment as {
            variables: Record<string, string>;
          }
        ).variables;
        expect(variables.PURCHASE_STATE_MACHINE_ARN).toBe(`${SM_ARN}:live`);
      }
    });
  });

  describe(`CodeDeploy (${stack})`, () => {
    it('has one Lambda application for the stack', () => {
      expect(run.one('aws:codedeploy/application:Application').inputs).toMatchObject({
        name: `${P}-releases`,
        computePlatform: 'Lambda',
      });
    });

    it('shifts each released function in a blue/green group of its own, watching its alarms and the purchase alarms, rolling back on failure or alarm', () => {
      const groups = run.all('aws:codedeploy/deploymentGroup:DeploymentGroup');
      expect(groups.map((group) => group.name).sort()).toEqual(
        CANARY_FUNCTIONS.map((name) => `releases-${name}`).sort(),
      );
      for (const name of CANARY_FUNCTIONS) {
        const { tags: _tags, ...inputs } = run.one(
          'aws:codedeploy/deploymentGroup:DeploymentGroup',
          `releases-${name}`,
        ).inputs;
        expect(inputs).toEqual({
          appName: `${P}-releases`,
          deploymentGroupName: name,
          serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/${P}-codedeploy`,
          deploymentConfigName: expected.deploymentConfig,
          deploymentStyle: {
            deploymentType: 'BLUE_GREEN',
            deploymentOption: 'WITH_TRAFFIC_CONTROL',
          },
          alarmConfiguration: { enabled: true, alarms: groupAlarms(name) },
          autoRollbackConfiguration: {
            enabled: true,
            events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
          },
        });
      }
    });

    it('watches only alarms the stack creates', () => {
      const created = new Set([
        ...run.all('aws:cloudwatch/metricAlarm:MetricAlarm').map((each) => each.inputs.name),
        ...run
          .all('aws:cloudwatch/compositeAlarm:CompositeAlarm')
          .map((each) => each.inputs.alarmName),
      ]);
      const watched = run
        .all('aws:codedeploy/deploymentGroup:DeploymentGroup')
        .flatMap((group) => (group.inputs.alarmConfiguration as { alarms: string[] }).alarms);
      expect(watched.filter((name) => !created.has(name))).toEqual([]);
    });

    it('runs as a role that may only shift the live aliases, read the release alarms and invoke the pre-traffic hook', () => {
      expect(
        policy(run.one('aws:iam/role:Role', 'releases-role').inputs.assumeRolePolicy).Statement,
      ).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'codedeploy.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ]);
      const alarms = [...new Set(CANARY_FUNCTIONS.flatMap(groupAlarms))].sort();
      expect(
        policy(run.one('aws:iam/rolePolicy:RolePolicy', 'releases-policy').inputs.policy).Statement,
      ).toEqual([
        {
          Sid: 'ShiftTheLiveAliases',
          Effect: 'Allow',
          Action: [
            'lambda:GetAlias',
            'lambda:GetProvisionedConcurrencyConfig',
            'lambda:UpdateAlias',
          ],
          Resource: CANARY_FUNCTIONS.flatMap((name) => [fn(name), `${fn(name)}:live`]),
        },
        {
          Sid: 'WatchTheReleaseAlarms',
          Effect: 'Allow',
          Action: 'cloudwatch:DescribeAlarms',
          Resource: alarms.map((name) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`),
        },
        {
          Sid: 'RunThePreTrafficHook',
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: fn('pre-traffic'),
        },
      ]);
    });
  });

  describe(`the stack output release (${stack})`, () => {
    it('names the application, the groups, the versions to release and the state machine with its alarms', () => {
      expect(run.outputs.release).toEqual({
        alias: 'live',
        codeDeployApplication: `${P}-releases`,
        deploymentConfig: expected.deploymentConfig,
        preTrafficHook: `${P}-pre-traffic`,
        functions: CANARY_FUNCTIONS.map((name) => ({
          function: name,
          functionName: `${P}-${name}`,
          version: '1',
          deploymentGroup: name,
        })),
        stateMachine: {
          arn: SM_ARN,
          aliasArn: `${SM_ARN}:live`,
          versionArn: `${SM_ARN}:1`,
          deployment: expected.stateMachine,
          alarms: [
            alarm('purchases-at-risk'),
            alarm('purchase-executions-failed'),
            alarm('purchase-executions-timed-out'),
          ],
        },
      } satisfies ReleaseTargets);
    });
  });
}
