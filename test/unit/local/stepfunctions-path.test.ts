/**
 * An execution's `path` (`GET /_local/executions`): the states it entered, in order, as the
 * console draws it. Run on a small definition in the local Step Functions' worker thread, with a
 * stand-in Lambda; no AWS service is called.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaInvocationError, type LocalLambda } from '#local/services/lambda.ts';
import { LocalStateMachine } from '#local/services/stepfunctions.ts';

const FUNCTION_ARN = 'arn:aws:lambda:eu-central-1:000000000000:function:flaky';

const DEFINITION = {
  StartAt: 'Start',
  States: {
    Start: { Type: 'Pass', Next: 'Call' },
    Call: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
      Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'GiveUp' }],
      Next: 'Done',
    },
    GiveUp: { Type: 'Fail', Error: 'GaveUp', Cause: 'the call kept failing' },
    Done: { Type: 'Succeed' },
  },
};

/** The stand-in Lambda: fails with `Flaky` when the input says so. */
const flaky = {
  invoke: async (payload: unknown) => {
    if ((payload as { fail?: boolean }).fail === true) {
      throw new LambdaInvocationError('Flaky', 'not this time');
    }
    return { ok: true };
  },
} as unknown as LocalLambda;

let dir: string;
let machine: LocalStateMachine;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'path-'));
  const definitionFile = join(dir, 'machine.asl.json');
  writeFileSync(definitionFile, JSON.stringify(DEFINITION));
  const unused = 'http://127.0.0.1:9';
  machine = new LocalStateMachine({
    definitionFile,
    stateMachineArn: 'arn:aws:states:eu-central-1:000000000000:stateMachine:path',
    substitutions: {},
    clockOffset: new BigInt64Array(new SharedArrayBuffer(8)),
    now: () => Date.now(),
    dynamodbEndpoint: unused,
    eventsEndpoint: unused,
    sqsEndpoint: unused,
    region: 'eu-central-1',
    lambdas: new Map([[FUNCTION_ARN, flaky]]),
    retryScale: 0.01,
  });
});

afterAll(async () => {
  await machine.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('an execution path', () => {
  it('lists the states entered in order, the last one included', async () => {
    const outcome = await machine.start({ fail: false }, 'succeeds');
    expect([outcome.status, outcome.path, outcome.states]).toEqual([
      'SUCCEEDED',
      ['Start', 'Call', 'Done'],
      ['Start', 'Call', 'Done'],
    ]);
  });

  it('ends with the Fail state an execution failed in, and names a retried state once', async () => {
    const outcome = await machine.start({ fail: true }, 'gives-up');
    expect({
      status: outcome.status,
      path: outcome.path,
      states: outcome.states,
    }).toEqual({
      status: 'FAILED',
      // `states` lists the states left; an execution never leaves a Fail state.
      path: ['Start', 'Call', 'GiveUp'],
      states: ['Start', 'Call'],
    });
  });

  it('is kept in the history that GET /_local/executions answers', () => {
    expect(machine.history().map((outcome) => [outcome.name, outcome.path])).toEqual([
      ['succeeds', ['Start', 'Call', 'Done']],
      ['gives-up', ['Start', 'Call', 'GiveUp']],
    ]);
  });
});
