/**
 * The AWS a release talks to, on one loopback server: Lambda, CodeDeploy, Step Functions and
 * CloudWatch stand-ins sharing a virtual clock, the real SDK clients pointed at them, and a stack
 * laid out as `pulumi up` leaves it (versions published, aliases on the previous versions,
 * deployment groups with their alarms), with the `release` output that names it all.
 */
import type { AddressInfo } from 'node:net';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { isDeepStrictEqual } from 'node:util';
import { runPreTrafficHook } from '../../../functions/pre-traffic/hook.ts';
import { createJsonServer, createRoutes } from '../../../local/http.ts';
import {
  PRE_TRAFFIC_REQUESTS,
  codeDeployApplicationName,
  type CanaryFunction,
  type ReleaseTargets,
  type StateMachineDeployment,
} from '../../../shared/release.ts';
import type { ReleaseClients } from '../../../scripts/lib/release/run.ts';
import { CloudWatchStandIn } from './cloudwatch.ts';
import { CodeDeployStandIn } from './codedeploy.ts';
import { LambdaStandIn } from './lambda.ts';
import { StepFunctionsStandIn } from './stepfunctions.ts';
import { VirtualClock } from './virtual-clock.ts';

export const REGION = 'eu-central-1';
export const ACCOUNT = '123456789012';
export const PREFIX = 'savings-plan-buy-prod';
export const APPLICATION = codeDeployApplicationName(PREFIX);
export const HOOK = `${PREFIX}-pre-traffic`;
export const CRITICAL_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:${PREFIX}-critical`;
export const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${PREFIX}-purchase`;
export const PURCHASES_AT_RISK = `${PREFIX}-purchases-at-risk`;
export const STATE_MACHINE_FAILED = `${PREFIX}-state-machine-failed`;

/** The released functions unless a test names others: from version 3 to version 4 each. */
export const FUNCTIONS = ['place-order', 'decide'] as const satisfies readonly CanaryFunction[];

export const errorsAlarm = (fn: string) => `${PREFIX}-lambda-${fn}-errors`;

/** The stack output `release` of the stand-in stack. */
export function releaseTargets(
  options: {
    deploymentConfig?: string;
    stateMachine?: StateMachineDeployment;
    /** The released functions (default {@link FUNCTIONS}). */
    functions?: readonly CanaryFunction[];
  } = {},
): ReleaseTargets {
  return {
    alias: 'live',
    codeDeployApplication: APPLICATION,
    deploymentConfig: options.deploymentConfig ?? 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    preTrafficHook: HOOK,
    functions: (options.functions ?? FUNCTIONS).map((fn) => ({
      function: fn,
      functionName: `${PREFIX}-${fn}`,
      version: '4',
      deploymentGroup: `${PREFIX}-${fn}`,
    })),
    stateMachine: {
      arn: STATE_MACHINE,
      aliasArn: `${STATE_MACHINE}:live`,
      versionArn: `${STATE_MACHINE}:2`,
      deployment: options.stateMachine ?? { type: 'canary', percent: 10, intervalMinutes: 5 },
      alarms: [PURCHASES_AT_RISK, STATE_MACHINE_FAILED],
    },
  };
}

/**
 * A released function's version as the stand-in runs it: its pre-traffic request gets the answer
 * the real handler gives (`PRE_TRAFFIC_REQUESTS`), anything else `{ok: <version>}`.
 */
export function releasedVersion(fn: CanaryFunction, version: string) {
  const { event: request, expect: answer } = PRE_TRAFFIC_REQUESTS[fn];
  return (event: unknown): unknown =>
    isDeepStrictEqual(event, request) ? answer : { ok: Number(version) };
}

export class ReleaseStandIns {
  readonly clock = new VirtualClock(Date.parse('2026-12-07T08:00:00Z'));
  readonly lambda: LambdaStandIn;
  readonly cloudWatch: CloudWatchStandIn;
  readonly codeDeploy: CodeDeployStandIn;
  readonly sfn: StepFunctionsStandIn;
  /** What the GraphQL endpoint answers an anonymous request. */
  graphqlStatus = 401;
  readonly #server;
  #endpoint = '';
  /** The functions {@link deployStack} released, which the hook knows. */
  #functions: readonly CanaryFunction[] = FUNCTIONS;

  constructor() {
    this.lambda = new LambdaStandIn({
      region: REGION,
      accountId: ACCOUNT,
      clock: this.clock,
      prefix: '/lambda',
    });
    this.cloudWatch = new CloudWatchStandIn({
      region: REGION,
      accountId: ACCOUNT,
      now: () => this.clock.now(),
    });
    this.codeDeploy = new CodeDeployStandIn({
      clock: this.clock,
      lambda: this.lambda,
      cloudWatch: this.cloudWatch,
    });
    this.sfn = new StepFunctionsStandIn({ now: () => this.clock.now() });
    const routes = createRoutes();
    routes.prefixes.set('/lambda', this.lambda.handler);
    routes.prefixes.set('/codedeploy', this.codeDeploy.handler);
    routes.prefixes.set('/states', this.sfn.handler);
    routes.prefixes.set('/monitoring', this.cloudWatch.handler);
    routes.exact.set('POST /graphql', (request) => ({
      status: request.headers.authorization === undefined ? this.graphqlStatus : 400,
      body: {
        errors: [
          {
            errorType: 'UnauthorizedException',
            message: 'You are not authorized to make this call.',
          },
        ],
      },
    }));
    this.#server = createJsonServer(routes, () => undefined);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  get graphqlUrl(): string {
    return `${this.#endpoint}/graphql`;
  }

  /** The real SDK clients, pointed at the stand-ins. */
  clients(): ReleaseClients {
    const common = {
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    };
    return {
      lambda: new LambdaClient({ ...common, endpoint: `${this.#endpoint}/lambda` }),
      codeDeploy: new CodeDeployClient({ ...common, endpoint: `${this.#endpoint}/codedeploy` }),
      sfn: new SFNClient({ ...common, endpoint: `${this.#endpoint}/states` }),
      cloudWatch: new CloudWatchClient({ ...common, endpoint: `${this.#endpoint}/monitoring` }),
    };
  }

  /**
   * The stack after `pulumi up`: versions 3 and 4 of each function with `live` on 3, versions 1
   * and 2 of the state machine with `live` on 1, a group per function watching its errors alarm
   * and purchases-at-risk with both rollbacks on, every alarm OK, and the pre-traffic hook.
   * `functions` are the released functions (default {@link FUNCTIONS}).
   */
  deployStack(functions: readonly CanaryFunction[] = FUNCTIONS): void {
    this.#functions = functions;
    for (const fn of functions) {
      const name = `${PREFIX}-${fn}`;
      this.lambda.publish(name, '3', releasedVersion(fn, '3'));
      this.lambda.publish(name, '4', releasedVersion(fn, '4'));
      this.lambda.setAlias(name, 'live', '3');
      this.codeDeploy.addGroup({
        application: APPLICATION,
        name,
        alarms: [errorsAlarm(fn), PURCHASES_AT_RISK],
        autoRollbackEvents: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      });
      this.cloudWatch.setAlarm(errorsAlarm(fn), {
        type: 'MetricAlarm',
        actions: [CRITICAL_TOPIC],
        state: 'OK',
      });
    }
    for (const name of [PURCHASES_AT_RISK]) {
      this.cloudWatch.setAlarm(name, {
        type: 'CompositeAlarm',
        actions: [CRITICAL_TOPIC],
        state: 'OK',
      });
    }
    this.cloudWatch.setAlarm(STATE_MACHINE_FAILED, {
      type: 'MetricAlarm',
      actions: [CRITICAL_TOPIC],
      state: 'OK',
    });
    this.sfn.addStateMachine(STATE_MACHINE, [1, 2]);
    this.sfn.setAlias(`${STATE_MACHINE}:live`, [
      { stateMachineVersionArn: `${STATE_MACHINE}:1`, weight: 100 },
    ]);
    this.lambda.publish(HOOK, '1', (event) => this.#preTrafficHook(event));
  }

  /** The real hook (`functions/pre-traffic/hook.ts`), its clients pointed at the stand-ins. */
  async #preTrafficHook(event: unknown): Promise<void> {
    const { codeDeploy, lambda } = this.clients();
    try {
      await runPreTrafficHook(event, {
        codedeploy: codeDeploy,
        lambda,
        releasedFunctions: Object.fromEntries(this.#functions.map((fn) => [`${PREFIX}-${fn}`, fn])),
      });
    } finally {
      codeDeploy.destroy();
      lambda.destroy();
    }
  }
}
