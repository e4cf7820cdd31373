/**
 * The Step Functions API, locally: `StartExecution` as the real `@aws-sdk/client-sfn` sends it
 * (AWS JSON 1.0, `x-amz-target: AWSStepFunctions.StartExecution`, mounted under a prefix such as
 * `/_aws/states`), for the local state machines. Like an Express workflow's StartExecution it
 * answers at once and the execution runs on; the local clock waits for it to settle.
 *
 * Faithful where callers can notice: error names and status codes for an unknown state machine,
 * input that is not JSON or too large, names that break the rules. Only StartExecution exists.
 *
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
import { randomUUID } from 'node:crypto';
import type { Handler, Reply } from '../http.ts';
import type { LocalStateMachine } from './stepfunctions.ts';

const MAX_INPUT_BYTES = 256 * 1024;

export interface LocalStepFunctionsApiOptions {
  readonly stateMachines: readonly LocalStateMachine[];
  /** Registers a started execution as work the clock must wait for. */
  readonly track: (work: Promise<unknown>) => void;
  /** The local clock, in epoch milliseconds. */
  readonly now: () => number;
  readonly prefix?: string;
}

function error(status: number, type: string, message: string): Reply {
  return {
    status,
    contentType: 'application/x-amz-json-1.0',
    headers: { 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: type, message }),
  };
}

export class LocalStepFunctionsApi {
  readonly prefix: string;
  readonly handler: Handler;
  /** Executions started through the API, for tests. */
  started = 0;

  constructor(options: LocalStepFunctionsApiOptions) {
    this.prefix = options.prefix ?? '/_aws/states';
    this.handler = (request) => {
      const target = request.headers['x-amz-target'] ?? '';
      if (request.method !== 'POST' || target !== 'AWSStepFunctions.StartExecution') {
        return error(
          400,
          'UnknownOperationException',
          `the local Step Functions has no ${target || 'operation'}`,
        );
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(request.rawBody || '{}') as Record<string, unknown>;
      } catch {
        return error(400, 'SerializationException', 'the request body is not JSON');
      }
      const machine = options.stateMachines.find((each) => each.arn === body.stateMachineArn);
      if (machine === undefined) {
        return error(
          400,
          'StateMachineDoesNotExist',
          `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`,
        );
      }
      const name = body.name === undefined ? randomUUID() : body.name;
      if (typeof name !== 'string' || !/^[0-9A-Za-z_-]{1,80}$/.test(name)) {
        return error(400, 'InvalidName', `Invalid Name: '${String(name)}'`);
      }
      const text = body.input === undefined ? '{}' : body.input;
      if (typeof text !== 'string' || Buffer.byteLength(text) > MAX_INPUT_BYTES) {
        return error(
          400,
          'InvalidExecutionInput',
          'Invalid State Machine Execution Input: too large or not a string',
        );
      }
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch {
        return error(
          400,
          'InvalidExecutionInput',
          `Invalid State Machine Execution Input: '${text.slice(0, 100)}'`,
        );
      }
      options.track(machine.start(input, name));
      this.started += 1;
      return {
        status: 200,
        contentType: 'application/x-amz-json-1.0',
        body: JSON.stringify({
          executionArn: `${machine.arn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`,
          startDate: options.now() / 1000,
        }),
      };
    };
  }
}
