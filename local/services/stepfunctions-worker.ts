/**
 * The local Step Functions service, in a worker thread whose `Date` follows the local clock: runs
 * executions of one state machine definition with aws-local-stepfunctions, performing each Task's
 * service integration against the local services: DynamoDB (optimized and AWS SDK integrations),
 * EventBridge PutEvents, SQS SendMessage, and Lambda invoke (forwarded to the main thread's local
 * Lambdas).
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { StateMachine } from 'aws-local-stepfunctions';
import { installClockDate } from '../clock-date.ts';

interface Data {
  readonly definition: Record<string, unknown>;
  readonly stateMachineArn: string;
  readonly clockOffset: BigInt64Array;
  readonly dynamodbEndpoint: string;
  readonly eventsEndpoint: string;
  readonly sqsEndpoint: string;
  readonly region: string;
  /** Multiplies every Retry interval (1 = as written). */
  readonly retryScale: number;
}

export type ToWorker =
  | {
      readonly type: 'start';
      readonly id: number;
      readonly name: string;
      readonly input: unknown;
      readonly abortAfterState?: string;
    }
  | {
      readonly type: 'invokeResult';
      readonly callId: number;
      readonly ok: boolean;
      readonly result?: unknown;
      readonly errorType?: string;
      readonly errorMessage?: string;
    };

export type FromWorker =
  | {
      readonly type: 'invoke';
      readonly callId: number;
      readonly functionName: string;
      readonly payload: unknown;
    }
  | {
      readonly type: 'done';
      readonly id: number;
      readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
      readonly output?: unknown;
      readonly error?: string;
      readonly cause?: string;
      readonly states: string[];
      readonly path: string[];
    };

const data = workerData as Data;
installClockDate(data.clockOffset);
const port = parentPort;
if (port === null) throw new Error('stepfunctions-worker must run in a worker thread');

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const dynamodb = new DynamoDBClient({
  region: data.region,
  credentials,
  endpoint: data.dynamodbEndpoint,
  // The caller a counting proxy in front of DynamoDB Local attributes these requests to.
  userAgentAppId: 'states',
});
const events = new EventBridgeClient({
  region: data.region,
  credentials,
  endpoint: data.eventsEndpoint,
});
const sqs = new SQSClient({ region: data.region, credentials, endpoint: data.sqsEndpoint });

/** A task failure with the error name Step Functions would give it (matched by Retry and Catch). */
class TaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

function serviceError(prefix: string, error: unknown): TaskError {
  const failure = error as { name?: string; message?: string };
  return new TaskError(
    `${prefix}.${failure.name ?? 'UnknownError'}`,
    failure.message ?? String(error),
  );
}

/** Strips the SDK's `$metadata`, as Step Functions returns the service's response body. */
function body(output: object): Record<string, unknown> {
  const { $metadata: _metadata, ...rest } = output as Record<string, unknown>;
  return rest;
}

type Params = Record<string, unknown>;

const optimizedDynamoDb: Record<string, (params: Params) => Promise<object>> = {
  getItem: (params) => dynamodb.send(new GetItemCommand(params as never)),
  putItem: (params) => dynamodb.send(new PutItemCommand(params as never)),
  updateItem: (params) => dynamodb.send(new UpdateItemCommand(params as never)),
  deleteItem: (params) => dynamodb.send(new DeleteItemCommand(params as never)),
};

const sdkDynamoDb: Record<string, (params: Params) => Promise<object>> = {
  ...optimizedDynamoDb,
  query: (params) => dynamodb.send(new QueryCommand(params as never)),
  transactWriteItems: (params) => dynamodb.send(new TransactWriteItemsCommand(params as never)),
};

let nextCallId = 1;
const pendingCalls = new Map<
  number,
  { resolve(value: unknown): void; reject(error: Error): void }
>();

function invokeLambda(functionName: string, payload: unknown): Promise<unknown> {
  const callId = nextCallId++;
  return new Promise((resolve, reject) => {
    pendingCalls.set(callId, { resolve, reject });
    port?.postMessage({ type: 'invoke', callId, functionName, payload } satisfies FromWorker);
  });
}

/** The local implementation of a Task state's Resource. */
function taskHandler(resource: string): (input: unknown) => Promise<unknown> {
  const optimized = /^arn:aws:states:::dynamodb:(\w+)$/.exec(resource);
  if (optimized?.[1] !== undefined) {
    const call = optimizedDynamoDb[optimized[1]];
    if (call === undefined) throw new Error(`unsupported integration ${resource}`);
    return async (input) => {
      try {
        return body(await call(input as Params));
      } catch (error) {
        throw serviceError('DynamoDB', error);
      }
    };
  }
  const sdk = /^arn:aws:states:::aws-sdk:dynamodb:(\w+)$/.exec(resource);
  if (sdk?.[1] !== undefined) {
    const call = sdkDynamoDb[sdk[1]];
    if (call === undefined) throw new Error(`unsupported integration ${resource}`);
    return async (input) => {
      try {
        return body(await call(input as Params));
      } catch (error) {
        throw serviceError('DynamoDb', error);
      }
    };
  }
  if (resource === 'arn:aws:states:::events:putEvents') {
    return async (input) => {
      const entries = ((input as { Entries: Params[] }).Entries ?? []).map((entry) => ({
        ...entry,
        // The optimized integration takes Detail as JSON and serializes it.
        Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail),
      }));
      let output;
      try {
        output = await events.send(new PutEventsCommand({ Entries: entries as never }));
      } catch (error) {
        throw serviceError('EventBridge', error);
      }
      if ((output.FailedEntryCount ?? 0) > 0) {
        throw new TaskError('EventBridge.FailedEntry', JSON.stringify(output.Entries));
      }
      return body(output);
    };
  }
  if (resource === 'arn:aws:states:::sqs:sendMessage') {
    return async (input) => {
      const { MessageBody, ...rest } = input as Params;
      try {
        return body(
          await sqs.send(
            new SendMessageCommand({
              ...(rest as { QueueUrl: string; DelaySeconds?: number }),
              // The optimized integration takes a JSON body and serializes it.
              MessageBody:
                typeof MessageBody === 'string' ? MessageBody : JSON.stringify(MessageBody),
            }),
          ),
        );
      } catch (error) {
        throw serviceError('SQS', error);
      }
    };
  }
  if (resource === 'arn:aws:states:::lambda:invoke') {
    return async (input) => {
      const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
      const result = await invokeLambda(FunctionName, Payload);
      return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
    };
  }
  throw new Error(`the local Step Functions has no integration for ${resource}`);
}

interface TaskState {
  Type: string;
  Resource?: string;
  Seconds?: number;
  Retry?: { IntervalSeconds?: number }[];
  States?: Record<string, TaskState>;
}

const states = (data.definition as { States: Record<string, TaskState> }).States;
const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
const retryOverrides: Record<string, number[]> = {};
const waitOverrides: Record<string, number> = {};
/** A Wait state's time when it is read from the input (`SecondsPath`): the in-run backoff's mean. */
const WAIT_PATH_SECONDS = 4;
for (const [name, state] of Object.entries(states)) {
  if (state.Type === 'Task' && state.Resource !== undefined)
    handlers[name] = taskHandler(state.Resource);
  if (state.Retry !== undefined && data.retryScale !== 1) {
    retryOverrides[name] = state.Retry.map(
      (retrier) => (retrier.IntervalSeconds ?? 1) * 1000 * data.retryScale,
    );
  }
  // Wait states shrink with the retries: the in-run backoff between retries is one.
  if (state.Type === 'Wait' && data.retryScale !== 1) {
    waitOverrides[name] = (state.Seconds ?? WAIT_PATH_SECONDS) * 1000 * data.retryScale;
  }
}
const machine = new StateMachine(data.definition as never, {
  validationOptions: { checkArn: false },
});
const machineName = data.stateMachineArn.split(':').at(-1) ?? 'purchase';

async function run(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const visited: string[] = [];
  const path: string[] = [];
  const executionArn = `arn:aws:states:${data.region}:000000000000:express:${machineName}:${message.name}`;
  const execution = machine.run(message.input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: retryOverrides,
      waitTimeOverrides: waitOverrides,
    },
    context: {
      Execution: { Id: executionArn, Name: message.name, StartTime: new Date().toISOString() },
      StateMachine: { Id: data.stateMachineArn, Name: machineName },
      // Step Functions sets $$.State.EnteredTime on entering each state; a getter keeps it current.
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
      },
    } as never,
  });
  const watch = (async () => {
    for await (const event of execution.eventLogs) {
      const entry = event as { type: string; state?: { name: string }; index?: number };
      // Events of a Map iteration carry its index; the path is the top level's states.
      if (entry.type === 'StateEntered' && entry.state !== undefined && entry.index === undefined)
        path.push(entry.state.name);
      if (entry.type === 'StateExited' && entry.state !== undefined) {
        visited.push(entry.state.name);
        if (entry.state.name === message.abortAfterState) execution.abort();
      }
    }
  })();
  let outcome: Pick<Extract<FromWorker, { type: 'done' }>, 'status' | 'output' | 'error' | 'cause'>;
  try {
    outcome = { status: 'SUCCEEDED', output: await execution.result };
  } catch (error) {
    const failure = error as { name?: string; message?: string; cause?: unknown };
    const aborted = failure.name === 'ExecutionAbortedError';
    outcome = {
      status: aborted ? 'ABORTED' : 'FAILED',
      error: failure.name ?? 'Error',
      cause: failure.message ?? '',
    };
  }
  // The log closes when the execution ends, however it ends; its last events may still be
  // queued when the result settles, and the path must have them.
  await watch.catch(() => undefined);
  port?.postMessage({
    type: 'done',
    id: message.id,
    ...outcome,
    states: visited,
    path,
  } satisfies FromWorker);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    void run(message);
    return;
  }
  const pending = pendingCalls.get(message.callId);
  if (pending === undefined) return;
  pendingCalls.delete(message.callId);
  if (message.ok) pending.resolve(message.result);
  else
    pending.reject(
      new TaskError(message.errorType ?? 'Lambda.Unknown', message.errorMessage ?? ''),
    );
});
port.postMessage({ type: 'ready' });
