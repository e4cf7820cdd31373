/**
 * The local state machine runs at most `maxRunning` executions at once: later starts wait, in
 * order, for a running one to finish, so a burst of thousands never spends its 240-second limit
 * queued for one of the few local Lambda environments. A small definition in the worker thread,
 * with a stand-in Lambda that holds each call until the test lets it go; no AWS service is called.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalLambda } from '#local/services/lambda.ts';
import { LocalStateMachine } from '#local/services/stepfunctions.ts';

const FUNCTION_ARN = 'arn:aws:lambda:eu-central-1:000000000000:function:held';

const DEFINITION = {
  StartAt: 'Call',
  States: {
    Call: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

/** Calls in progress, each released by the test; the order they arrived in. */
const held: { slot: number; release: () => void }[] = [];
const arrived: number[] = [];
let running = 0;
let mostRunning = 0;

const heldLambda = {
  invoke: async (payload: unknown) => {
    const { slot } = payload as { slot: number };
    arrived.push(slot);
    running += 1;
    mostRunning = Math.max(mostRunning, running);
    await new Promise<void>((release) => held.push({ slot, release }));
    running -= 1;
    return { slot };
  },
} as unknown as LocalLambda;

let dir: string;
let machine: LocalStateMachine;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gate-'));
  const definitionFile = join(dir, 'machine.asl.json');
  writeFileSync(definitionFile, JSON.stringify(DEFINITION));
  const unused = 'http://127.0.0.1:9';
  machine = new LocalStateMachine({
    definitionFile,
    stateMachineArn: 'arn:aws:states:eu-central-1:000000000000:stateMachine:gate',
    substitutions: {},
    clockOffset: new BigInt64Array(new SharedArrayBuffer(8)),
    now: () => Date.now(),
    dynamodbEndpoint: unused,
    eventsEndpoint: unused,
    sqsEndpoint: unused,
    region: 'eu-central-1',
    lambdas: new Map([[FUNCTION_ARN, heldLambda]]),
    retryScale: 1,
    maxRunning: 2,
  });
});

afterAll(async () => {
  await machine.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits until `count` calls are held. */
async function heldCalls(count: number): Promise<void> {
  while (held.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('a burst of starts', () => {
  it('runs two executions at once; the others start in order as places free up, and every one finishes', async () => {
    const outcomes = Promise.all([1, 2, 3, 4, 5].map((slot) => machine.start({ slot })));
    await heldCalls(2);
    expect([machine.inFlight, machine.waiting, machine.started]).toEqual([2, 3, 2]);

    // Each finish lets exactly one waiting start run, the oldest first.
    for (let finished = 0; finished < 5; finished += 1) {
      await heldCalls(Math.min(finished + 2, 5));
      held[finished]?.release();
    }
    const results = await outcomes;
    expect({
      statuses: results.map((outcome) => outcome.status),
      outputs: results.map((outcome) => outcome.output),
      arrived,
      mostRunning,
      afterwards: [machine.inFlight, machine.waiting, machine.started],
    }).toEqual({
      statuses: ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'],
      outputs: [{ slot: 1 }, { slot: 2 }, { slot: 3 }, { slot: 4 }, { slot: 5 }],
      arrived: [1, 2, 3, 4, 5],
      mostRunning: 2,
      afterwards: [0, 0, 5],
    });
  });
});
