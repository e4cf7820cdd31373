/**
 * The pre-traffic hook with the real CodeDeploy and Lambda SDK clients, pointed at a stand-in on
 * loopback that answers as those APIs do (CodeDeploy's JSON 1.1 `GetDeployment` and
 * `PutLifecycleEventHookExecutionStatus`, Lambda's REST `Invoke` with its function-error and
 * executed-version headers) and records what it was asked. A minimal double of this file's own:
 * only the three calls the hook makes.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  HookReportError,
  InvalidHookEventError,
  runPreTrafficHook,
  type HookDependencies,
} from '../../../functions/pre-traffic/hook.ts';
import { CANARY_FUNCTIONS } from '#shared/functions.ts';
import {
  isJoinBlockProbe,
  isPlaceOrderProbe,
  JOIN_BLOCK_PROBE,
  PLACE_ORDER_PROBE,
  PRE_TRAFFIC_REQUESTS,
  codeDeployApplicationName,
} from '#shared/release.ts';

const PREFIX = 'savings-plan-buy-prod';
const EVENT = { DeploymentId: 'd-ABCDEF123', LifecycleEventHookExecutionId: 'hook-execution-1' };

/** A CodeDeploy error as the JSON 1.1 protocol sends it. */
interface ApiError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** What Lambda answers an Invoke: the payload, and the headers that qualify it. */
interface InvokeAnswer {
  readonly payload: string;
  readonly functionError?: string;
  readonly executedVersion?: string;
}

interface Recorded {
  readonly getDeployment: unknown[];
  readonly invoke: { function: string; qualifier: string | null; type: string; payload: unknown }[];
  readonly report: unknown[];
}

let deployment: unknown | ApiError;
let invokeAnswer: InvokeAnswer;
let reportError: ApiError | null;
let recorded: Recorded;

function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && 'type' in value && 'status' in value;
}

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}

const server: Server = createServer((request, response) => {
  void (async () => {
    const text = await body(request);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
      response.end(JSON.stringify(value));
    };
    const fail = (error: ApiError) =>
      json(error.status, { __type: error.type, message: error.message });
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const invocation = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
    if (invocation !== null) {
      recorded.invoke.push({
        function: decodeURIComponent(invocation[1] ?? ''),
        qualifier: url.searchParams.get('Qualifier'),
        type: String(request.headers['x-amz-invocation-type']),
        payload: JSON.parse(text) as unknown,
      });
      response.writeHead(200, {
        'content-type': 'application/json',
        ...(invokeAnswer.functionError === undefined
          ? {}
          : { 'x-amz-function-error': invokeAnswer.functionError }),
        ...(invokeAnswer.executedVersion === undefined
          ? {}
          : { 'x-amz-executed-version': invokeAnswer.executedVersion }),
      });
      response.end(invokeAnswer.payload);
      return;
    }
    const target = String(request.headers['x-amz-target']);
    if (target === 'CodeDeploy_20141006.GetDeployment') {
      recorded.getDeployment.push(JSON.parse(text));
      if (isApiError(deployment)) fail(deployment);
      else json(200, { deploymentInfo: deployment });
      return;
    }
    if (target === 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus') {
      const input = JSON.parse(text) as { lifecycleEventHookExecutionId: string };
      recorded.report.push(input);
      if (reportError !== null) fail(reportError);
      else json(200, { lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId });
      return;
    }
    fail({ status: 400, type: 'UnknownOperationException', message: target });
  })();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const clientConfig = {
  endpoint,
  region: 'eu-central-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  // A failure is the hook's to handle, not something to retry here.
  maxAttempts: 1,
};
const deps: HookDependencies = {
  codedeploy: new CodeDeployClient(clientConfig),
  lambda: new LambdaClient(clientConfig),
  releasedFunctions: Object.fromEntries(
    CANARY_FUNCTIONS.map((name) => [`${PREFIX}-${name}`, name]),
  ),
};

afterAll(async () => {
  deps.codedeploy.destroy();
  deps.lambda.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** An AppSpec as the CodeDeploy docs write it (JSON, lower-case keys). */
function appSpec(name: string, alias = 'live', targetVersion = '8'): string {
  return JSON.stringify({
    version: 0.0,
    resources: [
      {
        [name]: {
          type: 'AWS::Lambda::Function',
          properties: { name, alias, currentversion: '7', targetversion: targetVersion },
        },
      },
    ],
    hooks: [{ beforeallowtraffic: `${PREFIX}-pre-traffic` }],
  });
}

/** A Lambda deployment of the stack's application, as GetDeployment describes it. */
function lambdaDeployment(content: string) {
  return {
    applicationName: codeDeployApplicationName(PREFIX),
    deploymentGroupName: 'place-order',
    deploymentId: EVENT.DeploymentId,
    computePlatform: 'Lambda',
    status: 'InProgress',
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
  };
}

const REPORT = {
  deploymentId: EVENT.DeploymentId,
  lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
};

beforeEach(() => {
  deployment = lambdaDeployment(appSpec(`${PREFIX}-place-order`));
  invokeAnswer = {
    payload: JSON.stringify(PRE_TRAFFIC_REQUESTS['place-order'].expect),
    executedVersion: '8',
  };
  reportError = null;
  recorded = { getDeployment: [], invoke: [], report: [] };
});

describe('the pre-traffic hook', () => {
  it('reports Succeeded when the target version answers its harmless request as expected', async () => {
    expect(await runPreTrafficHook(EVENT, deps)).toEqual({
      status: 'Succeeded',
      reason: 'version 8 of place-order answered the harmless request as expected',
      target: { function: 'place-order', version: '8' },
      reported: true,
    });
    expect(recorded).toEqual({
      getDeployment: [{ deploymentId: EVENT.DeploymentId }],
      invoke: [
        {
          function: `${PREFIX}-place-order`,
          qualifier: '8',
          type: 'RequestResponse',
          payload: { probe: 'pre-traffic' },
        },
      ],
      report: [{ ...REPORT, status: 'Succeeded' }],
    });
  });

  it.each([
    ['join-block', { probe: 'pre-traffic' }, { probe: 'pre-traffic', executionFound: false }],
    ['block-worker', { Records: [] }, { batchItemFailures: [] }],
  ] as const)(
    'sends %s (aggregated mode) its own harmless request and reports Succeeded on the expected answer',
    async (name, request, answer) => {
      deployment = lambdaDeployment(appSpec(`${PREFIX}-${name}`));
      invokeAnswer = { payload: JSON.stringify(answer), executedVersion: '8' };
      expect(await runPreTrafficHook(EVENT, deps)).toEqual({
        status: 'Succeeded',
        reason: `version 8 of ${name} answered the harmless request as expected`,
        target: { function: name, version: '8' },
        reported: true,
      });
      expect(recorded).toEqual({
        getDeployment: [{ deploymentId: EVENT.DeploymentId }],
        invoke: [
          {
            function: `${PREFIX}-${name}`,
            qualifier: '8',
            type: 'RequestResponse',
            payload: request,
          },
        ],
        report: [{ ...REPORT, status: 'Succeeded' }],
      });
    },
  );

  it("reports Failed when join-block's probe finds the execution no plan has", async () => {
    deployment = lambdaDeployment(appSpec(`${PREFIX}-join-block`));
    invokeAnswer = {
      payload: JSON.stringify({ probe: 'pre-traffic', executionFound: true }),
      executedVersion: '8',
    };
    expect(await runPreTrafficHook(EVENT, deps)).toEqual({
      status: 'Failed',
      reason:
        'version 8 of join-block answered {"probe":"pre-traffic","executionFound":true}, expected {"probe":"pre-traffic","executionFound":false}',
      target: { function: 'join-block', version: '8' },
      reported: true,
    });
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Failed' }]);
  });

  it('reads an AppSpec with the Pascal-case keys SAM uses and numbers for versions', async () => {
    deployment = lambdaDeployment(
      JSON.stringify({
        version: 0.0,
        Resources: [
          {
            decide: {
              Type: 'AWS::Lambda::Function',
              Properties: {
                Name: `${PREFIX}-decide`,
                Alias: 'live',
                CurrentVersion: 3,
                TargetVersion: 4,
              },
            },
          },
        ],
      }),
    );
    invokeAnswer = {
      payload: JSON.stringify(PRE_TRAFFIC_REQUESTS.decide.expect),
      executedVersion: '4',
    };
    expect(await runPreTrafficHook(EVENT, deps)).toEqual({
      status: 'Succeeded',
      reason: 'version 4 of decide answered the harmless request as expected',
      target: { function: 'decide', version: '4' },
      reported: true,
    });
    expect(recorded.invoke).toEqual([
      {
        function: `${PREFIX}-decide`,
        qualifier: '4',
        type: 'RequestResponse',
        payload: PRE_TRAFFIC_REQUESTS.decide.event,
      },
    ]);
  });

  it('reports Failed when the target version answers with a function error', async () => {
    const error = { errorType: 'ConfigurationMissingError', errorMessage: 'missing: X' };
    invokeAnswer = { payload: JSON.stringify(error), functionError: 'Unhandled' };
    expect(await runPreTrafficHook(EVENT, deps)).toEqual({
      status: 'Failed',
      reason: `version 8 of place-order failed the harmless request (Unhandled): ${JSON.stringify(error)}`,
      target: { function: 'place-order', version: '8' },
      reported: true,
    });
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Failed' }]);
  });

  it('reports Failed when the target version answers something else than expected', async () => {
    invokeAnswer = { payload: '{"probe":"pre-traffic","runFound":true}', executedVersion: '8' };
    expect(await runPreTrafficHook(EVENT, deps)).toEqual({
      status: 'Failed',
      reason:
        'version 8 of place-order answered {"probe":"pre-traffic","runFound":true}, expected {"probe":"pre-traffic","runFound":false}',
      target: { function: 'place-order', version: '8' },
      reported: true,
    });
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Failed' }]);
  });

  it('reports Failed when the answer is not JSON', async () => {
    invokeAnswer = { payload: 'null?', executedVersion: '8' };
    expect((await runPreTrafficHook(EVENT, deps)).reason).toBe(
      'version 8 of place-order answered with no JSON: null?',
    );
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Failed' }]);
  });

  it('reports Failed when Lambda ran another version than the target', async () => {
    invokeAnswer = { ...invokeAnswer, executedVersion: '7' };
    expect((await runPreTrafficHook(EVENT, deps)).reason).toBe(
      'Lambda ran version 7 of place-order, not 8',
    );
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Failed' }]);
  });

  it('reports Failed when GetDeployment fails, without invoking anything', async () => {
    deployment = {
      status: 400,
      type: 'DeploymentDoesNotExistException',
      message: 'The deployment d-ABCDEF123 could not be found.',
    };
    expect(await runPreTrafficHook(EVENT, deps)).toEqual({
      status: 'Failed',
      reason:
        'the check could not run: DeploymentDoesNotExistException: The deployment d-ABCDEF123 could not be found.',
      reported: true,
    });
    expect(recorded.invoke).toEqual([]);
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Failed' }]);
  });

  it('reports Failed when Invoke itself fails', async () => {
    // Nothing listens on port 1: the Invoke call itself fails.
    deployment = lambdaDeployment(appSpec(`${PREFIX}-notifier`));
    const failing: HookDependencies = {
      ...deps,
      lambda: new LambdaClient({ ...clientConfig, endpoint: 'http://127.0.0.1:1' }),
    };
    const verdict = await runPreTrafficHook(EVENT, failing);
    failing.lambda.destroy();
    expect(verdict.status).toBe('Failed');
    expect(verdict.reason).toMatch(/^the check could not run: /);
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Failed' }]);
  });

  it.each([
    [
      'a function of another stack',
      appSpec('savings-plan-buy-dev-place-order'),
      'savings-plan-buy-dev-place-order is not a released function of this stack',
    ],
    [
      'a function that is not released',
      appSpec(`${PREFIX}-reconcile`),
      `${PREFIX}-reconcile is not a released function of this stack`,
    ],
    [
      'an alias other than live',
      appSpec(`${PREFIX}-place-order`, 'beta'),
      'the deployment shifts alias beta, not live',
    ],
    [
      '$LATEST as the target',
      appSpec(`${PREFIX}-place-order`, 'live', '$LATEST'),
      'target version $LATEST is not a published version',
    ],
    [
      'an AppSpec that is not JSON',
      '{resources: [',
      /^the AppSpec is not JSON, as the release step writes it: /,
    ],
    [
      'an AppSpec in YAML, which the release step never writes',
      ['version: 0.0', 'Resources:', '  - decide:', '      Type: AWS::Lambda::Function'].join('\n'),
      /^the AppSpec is not JSON, as the release step writes it: /,
    ],
    [
      'an AppSpec with two resources',
      JSON.stringify({ resources: [{}, {}] }),
      'the AppSpec must list exactly one resource',
    ],
    [
      'an AppSpec resource that is not a function',
      JSON.stringify({ resources: [{ x: { type: 'AWS::ECS::Service', properties: {} } }] }),
      'the AppSpec resource is not an AWS::Lambda::Function',
    ],
    [
      'an AppSpec without a target version',
      JSON.stringify({
        resources: [
          {
            x: {
              type: 'AWS::Lambda::Function',
              properties: { name: `${PREFIX}-decide`, alias: 'live', currentversion: '1' },
            },
          },
        ],
      }),
      "the function's properties have no targetversion",
    ],
  ])('reports Failed without invoking anything for %s', async (_case, content, reason) => {
    deployment = lambdaDeployment(content);
    const verdict = await runPreTrafficHook(EVENT, deps);
    expect(verdict.status).toBe('Failed');
    if (typeof reason === 'string') expect(verdict.reason).toBe(reason);
    else expect(verdict.reason).toMatch(reason);
    expect(recorded.invoke).toEqual([]);
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Failed' }]);
  });

  it('reports Failed for a deployment that is not a Lambda deployment', async () => {
    deployment = { ...lambdaDeployment(appSpec(`${PREFIX}-decide`)), computePlatform: 'ECS' };
    expect((await runPreTrafficHook(EVENT, deps)).reason).toBe(
      'deployment d-ABCDEF123 is not a Lambda deployment',
    );
    expect(recorded.invoke).toEqual([]);
  });

  it('throws when PutLifecycleEventHookExecutionStatus fails, so CodeDeploy never sees a pass it was not sent', async () => {
    reportError = { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' };
    const run = runPreTrafficHook(EVENT, deps);
    await expect(run).rejects.toThrow(HookReportError);
    await expect(run).rejects.toThrow(
      'could not report Succeeded to CodeDeploy: ThrottlingException: Rate exceeded',
    );
    expect(recorded.report).toEqual([{ ...REPORT, status: 'Succeeded' }]);
  });

  it('throws when the report of a failure fails too', async () => {
    deployment = { status: 500, type: 'InternalFailure', message: 'boom' };
    reportError = { status: 400, type: 'InvalidDeploymentIdException', message: 'bad id' };
    await expect(runPreTrafficHook(EVENT, deps)).rejects.toThrow(
      'could not report Failed to CodeDeploy: InvalidDeploymentIdException: bad id',
    );
  });

  it('stops quietly when the lifecycle event is already complete (an earlier attempt reported)', async () => {
    reportError = {
      status: 400,
      type: 'LifecycleEventAlreadyCompletedException',
      message: 'already completed',
    };
    expect(await runPreTrafficHook(EVENT, deps)).toEqual({
      status: 'Succeeded',
      reason: 'version 8 of place-order answered the harmless request as expected',
      target: { function: 'place-order', version: '8' },
      reported: false,
    });
  });

  it.each([[{}], [null], [{ DeploymentId: 'd-1' }], [{ ...EVENT, DeploymentId: '' }]])(
    'refuses an event CodeDeploy could not have sent (%j), with nothing to report to',
    async (event) => {
      await expect(runPreTrafficHook(event, deps)).rejects.toThrow(InvalidHookEventError);
      expect(recorded).toEqual({ getDeployment: [], invoke: [], report: [] });
    },
  );
});

describe('the harmless requests', () => {
  it('has one for every released function', () => {
    expect(Object.keys(PRE_TRAFFIC_REQUESTS).sort()).toEqual([...CANARY_FUNCTIONS].sort());
  });

  it("place-order's probe is exactly the probe: an order with a probe field is still an order", () => {
    expect(isPlaceOrderProbe(PLACE_ORDER_PROBE)).toBe(true);
    expect(isPlaceOrderProbe({ probe: 'pre-traffic' })).toBe(true);
    expect(isPlaceOrderProbe({ probe: 'pre-traffic', planId: 'p' })).toBe(false);
    expect(isPlaceOrderProbe({ probe: 'other' })).toBe(false);
    expect(isPlaceOrderProbe([])).toBe(false);
    expect(isPlaceOrderProbe(null)).toBe(false);
  });

  it("join-block's probe is exactly the probe: a slot with a probe field is still a slot", () => {
    expect(isJoinBlockProbe(JOIN_BLOCK_PROBE)).toBe(true);
    expect(isJoinBlockProbe({ probe: 'pre-traffic' })).toBe(true);
    expect(
      isJoinBlockProbe({
        probe: 'pre-traffic',
        userId: 'u',
        planId: 'p',
        scheduledFor: '2027-03-02T08:00:00Z',
        amount: '10.00',
        currency: 'EUR',
        version: 1,
      }),
    ).toBe(false);
    expect(isJoinBlockProbe({ probe: 'other' })).toBe(false);
    expect(isJoinBlockProbe([])).toBe(false);
    expect(isJoinBlockProbe(null)).toBe(false);
  });
});
