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
import { unqualifiedStateMachineArn } from '#shared/topology.ts';
import type { Handler } from '../http.ts';
import { AwsJsonProtocol, type JsonObject } from './aws-json.ts';
import type { LocalStateMachine } from './stepfunctions.ts';

const MAX_INPUT_BYTES = 256 * 1024;

const PROTOCOL = new AwsJsonProtocol({
  service: 'Step Functions',
  targetPrefix: 'AWSStepFunctions',
  version: '1.0',
  errorTypeHeader: true,
});

export interface LocalStepFunctionsApiOptions {
  readonly stateMachines: readonly LocalStateMachine[];
  /** Registers a started execution as work the clock must wait for. */
  readonly track: (work: Promise<unknown>, label: string) => void;
  /** The local clock, in epoch milliseconds. */
  readonly now: () => number;
  readonly prefix?: string;
}

export class LocalStepFunctionsApi {
  readonly prefix: string;
  readonly handler: Handler;
  /** Executions started through the API, for tests. */
  started = 0;

  readonly #options: LocalStepFunctionsApiOptions;

  constructor(options: LocalStepFunctionsApiOptions) {
    this.prefix = options.prefix ?? '/_aws/states';
    this.#options = options;
    this.handler = PROTOCOL.handler({
      path: this.prefix,
      operations: { StartExecution: (input) => this.#startExecution(input) },
    });
  }

  #startExecution(body: JsonObject): JsonObject {
    // Started through an alias or a version (`<arn>:live`, `<arn>:3`) or not: locally there is one
    // version, and the execution's ARN never carries the qualifier, as in AWS.
    const machine = this.#options.stateMachines.find(
      (each) =>
        typeof body.stateMachineArn === 'string' &&
        each.arn === unqualifiedStateMachineArn(body.stateMachineArn),
    );
    if (machine === undefined) {
      throw PROTOCOL.error(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`,
      );
    }
    const name = body.name === undefined ? randomUUID() : body.name;
    if (typeof name !== 'string' || !/^[0-9A-Za-z_-]{1,80}$/.test(name)) {
      throw PROTOCOL.error('InvalidName', `Invalid Name: '${String(name)}'`);
    }
    const text = body.input === undefined ? '{}' : body.input;
    if (typeof text !== 'string' || Buffer.byteLength(text) > MAX_INPUT_BYTES) {
      throw PROTOCOL.error(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: too large or not a string',
      );
    }
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch {
      throw PROTOCOL.error(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${text.slice(0, 100)}'`,
      );
    }
    this.#options.track(
      machine.start(input, name),
      `execution of ${machine.arn.slice(machine.arn.lastIndexOf(':') + 1)}`,
    );
    this.started += 1;
    return {
      executionArn: `${machine.arn.replace(':stateMachine:', ':express:')}:${name}:${randomUUID()}`,
      startDate: this.#options.now() / 1000,
    };
  }
}
