/**
 * One local Lambda execution environment, in a worker thread: patches `Date` to follow the local
 * stack's clock, loads the function's bundle (its module scope is the cold start), then serves
 * invocations one at a time, as a Lambda instance does.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { installClockDate } from '../clock-date.ts';

interface WorkerData {
  readonly bundlePath: string;
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly clockOffset: BigInt64Array;
  /**
   * The crash-after-order fault, shared with the stack: parts per million of orders after which
   * the environment dies, between the exchange's answer and anything the function does with it.
   */
  readonly crashAfterOrder?: Int32Array;
}

export interface InvokeMessage {
  readonly id: number;
  readonly event: unknown;
}

export type ResultMessage =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
      readonly stack?: string;
    };

const data = workerData as WorkerData;
installClockDate(data.clockOffset);
if (data.crashAfterOrder !== undefined) installCrashAfterOrder(data.crashAfterOrder);

/**
 * Wraps `fetch` so that an order the exchange took (a 2xx answer to `POST .../orders`) kills the
 * environment, at the shared rate: the order exists, the function never learns it did.
 */
function installCrashAfterOrder(rate: Int32Array): void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const ppm = Atomics.load(rate, 0);
    if (
      ppm > 0 &&
      (init?.method ?? 'GET').toUpperCase() === 'POST' &&
      /\/orders$/.test(new URL(url).pathname) &&
      response.ok &&
      Math.random() * 1_000_000 < ppm
    ) {
      process.exit(1);
    }
    return response;
  };
}

type Handler = (event: unknown, context: object) => Promise<unknown>;

const port = parentPort;
if (port === null) throw new Error('lambda-worker must run in a worker thread');

let handler: Handler;
try {
  const module = (await import(pathToFileURL(data.bundlePath).href)) as { handler?: Handler };
  if (typeof module.handler !== 'function')
    throw new Error(`${data.functionName}: the bundle exports no handler`);
  handler = module.handler;
} catch (error) {
  port.postMessage({
    init: false,
    errorType: 'Runtime.ImportModuleError',
    errorMessage: (error as Error).message,
  });
  throw error;
}
port.postMessage({ init: true });

port.on('message', (message: InvokeMessage) => {
  const deadline = Date.now() + data.timeoutMs;
  const requestId = randomUUID();
  const context = {
    functionName: data.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:000000000000:function:${data.functionName}`,
    memoryLimitInMB: String(data.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${data.functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  handler(message.event, context).then(
    (result) => port.postMessage({ id: message.id, ok: true, result } satisfies ResultMessage),
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      port.postMessage({
        id: message.id,
        ok: false,
        errorType: failure.name || 'Error',
        errorMessage: failure.message,
        ...(failure.stack === undefined ? {} : { stack: failure.stack }),
      } satisfies ResultMessage);
    },
  );
});
