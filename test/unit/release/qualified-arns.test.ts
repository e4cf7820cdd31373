/**
 * The ARNs callers use for released functions and the purchase state machine (`live` aliases),
 * and how the local stand-ins find what a qualified ARN names (`shared/topology.ts`).
 */
import { describe, expect, it } from 'vitest';
import {
  functionInvokeArn,
  mappingFunction,
  stateMachineAliasArn,
  topology,
  unqualifiedFunctionArn,
  unqualifiedStateMachineArn,
} from '#shared/topology.ts';

const stack = topology({ prefix: 'p', region: 'eu-central-1', accountId: '111122223333' });
const FN = 'arn:aws:lambda:eu-central-1:111122223333:function:p-place-order';
const SM = 'arn:aws:states:eu-central-1:111122223333:stateMachine:p-purchase';

describe('the ARNs callers use', () => {
  it('invoke a released function through its live alias and any other function directly', () => {
    expect(functionInvokeArn(stack, 'place-order')).toBe(`${FN}:live`);
    expect(functionInvokeArn(stack, 'completer')).toBe(
      'arn:aws:lambda:eu-central-1:111122223333:function:p-completer',
    );
  });

  it('map a released function by its alias ARN and any other by its name', () => {
    expect(mappingFunction(stack, 'notifier')).toBe(
      'arn:aws:lambda:eu-central-1:111122223333:function:p-notifier:live',
    );
    expect(mappingFunction(stack, 'slot-outcomes')).toBe('p-slot-outcomes');
  });

  it('start the purchase state machine through its live alias', () => {
    expect(stateMachineAliasArn(stack)).toBe(`${SM}:live`);
  });
});

describe('a qualified ARN', () => {
  it('names its function, whatever the qualifier', () => {
    for (const qualifier of ['live', '$LATEST', '7']) {
      expect(unqualifiedFunctionArn(`${FN}:${qualifier}`)).toBe(FN);
    }
    expect(unqualifiedFunctionArn(FN)).toBe(FN);
    expect(unqualifiedFunctionArn('p-place-order')).toBe('p-place-order');
  });

  it('names its state machine, through an alias or a version, and leaves execution ARNs alone', () => {
    expect(unqualifiedStateMachineArn(`${SM}:live`)).toBe(SM);
    expect(unqualifiedStateMachineArn(`${SM}:3`)).toBe(SM);
    expect(unqualifiedStateMachineArn(SM)).toBe(SM);
    const execution = 'arn:aws:states:eu-central-1:111122223333:execution:p-purchase:run-1';
    expect(unqualifiedStateMachineArn(execution)).toBe(execution);
  });
});
