/**
 * The local Express state machine: starts executions of the very `*.asl.json` that deploys (with
 * the same placeholder substitution as Pulumi) in a worker thread, answers its Lambda invokes
 * with the local Lambdas, and keeps track of executions in flight so the clock can wait for them.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { substituteDefinition } from '#shared/state-machines.ts';
import { unqualifiedFunctionArn } from '#shared/topology.ts';
import type { LocalLambda } from './lambda.ts';
import { LambdaInvocationError } from './lambda.ts';
import type { FromWorker, ToWorker } from './stepfunctions-worker.ts';

const WORKER = fileURLToPath(new URL('./stepfunctions-worker.ts', import.meta.url));

export interface ExecutionOutcome {
  readonly executionArn: string;
  readonly name: string;
  readonly input: unknown;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** The states it passed through (left), in order. */
  readonly states: readonly string[];
  /**
   * The states it entered, in order: its path through the state machine. Unlike `states` it
   * ends with the state the execution failed or was stopped in, and a retried state is in it once.
   */
  readonly path: readonly string[];
  readonly startedAt: string;
}

export interface LocalStateMachineOptions {
  readonly definitionFile: string;
  readonly stateMachineArn: string;
  readonly substitutions: Readonly<Record<string, string>>;
  readonly clockOffset: BigInt64Array;
  readonly now: () => number;
  readonly dynamodbEndpoint: string;
  readonly eventsEndpoint: string;
  readonly sqsEndpoint: string;
  readonly region: string;
  /** Lambdas by their unqualified function ARN (the definition names aliases of them). */
  readonly lambdas: ReadonlyMap<string, LocalLambda>;
  readonly retryScale: number;
  /** Told of every execution started and finished (the local metric store's AWS/States). */
  readonly observer?: ExecutionObserver;
  /**
   * Executions running at once at most (default {@link DEFAULT_MAX_RUNNING}); later starts wait
   * for one to finish, in order, and their 240-second limit counts from when they run.
   */
  readonly maxRunning?: number;
}

/**
 * How many executions the local state machine runs at once by default. AWS runs a burst of
 * Express executions side by side on as many Lambda environments as it needs; here they share a
 * few local environments (4 per function by default), so thousands started together would spend
 * their whole 240-second limit queued for an environment and time out. Beyond this many the
 * local stand-in holds the start back instead, as a Scheduler delivering at a finite rate would:
 * the slot's time to FILLED then shows the local machine's throughput, not a timeout.
 */
export const DEFAULT_MAX_RUNNING = 64;

/** Watches executions start and end. */
export interface ExecutionObserver {
  started(): void;
  finished(outcome: ExecutionOutcome): void;
}

export class LocalStateMachine {
  readonly arn: string;
  readonly #options: LocalStateMachineOptions;
  readonly #worker: Worker;
  readonly #ready: Promise<void>;
  readonly #running = new Map<
    number,
    { resolve(outcome: ExecutionOutcome): void; name: string; input: unknown; startedAt: string }
  >();
  readonly #history: ExecutionOutcome[] = [];
  #nextId = 1;
  /** Executions running or about to (places taken). */
  #active = 0;
  /** Starts waiting for a running execution to finish, oldest first. */
  readonly #waiting: (() => void)[] = [];
  /** Abort the next N executions right after this state (a crash between order and ledger). */
  readonly crashAfter = { state: 'PlaceOrder', remaining: 0 };

  constructor(options: LocalStateMachineOptions) {
    this.#options = options;
    this.arn = options.stateMachineArn;
    const definition = substituteDefinition(
      readFileSync(options.definitionFile, 'utf8'),
      options.substitutions,
    );
    this.#worker = new Worker(WORKER, {
      workerData: {
        definition,
        stateMachineArn: options.stateMachineArn,
        clockOffset: options.clockOffset,
        dynamodbEndpoint: options.dynamodbEndpoint,
        eventsEndpoint: options.eventsEndpoint,
        sqsEndpoint: options.sqsEndpoint,
        region: options.region,
        retryScale: options.retryScale,
      },
    });
    this.#ready = new Promise((resolve, reject) => {
      this.#worker.once('message', () => resolve());
      this.#worker.once('error', reject);
    });
    this.#worker.on(
      'message',
      (message: FromWorker | { type: 'ready' }) => void this.#onMessage(message),
    );
  }

  async #onMessage(message: FromWorker | { type: 'ready' }): Promise<void> {
    if (message.type === 'invoke') {
      // The Tasks name the `live` aliases: every qualifier runs the one local version.
      const lambda = this.#options.lambdas.get(unqualifiedFunctionArn(message.functionName));
      let reply: ToWorker;
      if (lambda === undefined) {
        reply = {
          type: 'invokeResult',
          callId: message.callId,
          ok: false,
          errorType: 'Lambda.ResourceNotFoundException',
          errorMessage: `Function not found: ${message.functionName}`,
        };
      } else {
        try {
          reply = {
            type: 'invokeResult',
            callId: message.callId,
            ok: true,
            result: await lambda.invoke(message.payload),
          };
        } catch (error) {
          const failure =
            error instanceof LambdaInvocationError
              ? error
              : new LambdaInvocationError('Lambda.Unknown', String(error));
          reply = {
            type: 'invokeResult',
            callId: message.callId,
            ok: false,
            errorType: failure.errorType,
            errorMessage: failure.message,
          };
        }
      }
      this.#worker.postMessage(reply);
      return;
    }
    if (message.type === 'done') {
      const running = this.#running.get(message.id);
      if (running === undefined) return;
      this.#running.delete(message.id);
      const outcome: ExecutionOutcome = {
        executionArn: `${this.arn.replace(':stateMachine:', ':express:')}:${running.name}`,
        name: running.name,
        input: running.input,
        status: message.status,
        states: message.states,
        path: message.path,
        startedAt: running.startedAt,
        ...(message.output === undefined ? {} : { output: message.output }),
        ...(message.error === undefined
          ? {}
          : { error: message.error, cause: message.cause ?? '' }),
      };
      this.#history.push(outcome);
      if (this.#history.length > 10_000) this.#history.shift();
      this.#options.observer?.finished(outcome);
      running.resolve(outcome);
    }
  }

  /**
   * Starts an execution (as StartExecution does) and resolves when it has finished. Beyond
   * `maxRunning` executions in flight it first waits for one of them to finish.
   */
  async start(input: unknown, name: string = randomUUID()): Promise<ExecutionOutcome> {
    await this.#ready;
    if (this.#active < (this.#options.maxRunning ?? DEFAULT_MAX_RUNNING)) this.#active += 1;
    // A finishing execution hands its place over to the oldest waiting start.
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await this.#run(input, name);
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#active -= 1;
      else next();
    }
  }

  #run(input: unknown, name: string): Promise<ExecutionOutcome> {
    const id = this.#nextId++;
    let abortAfterState: string | undefined;
    if (this.crashAfter.remaining > 0) {
      this.crashAfter.remaining -= 1;
      abortAfterState = this.crashAfter.state;
    }
    this.#options.observer?.started();
    return new Promise((resolve) => {
      this.#running.set(id, {
        resolve,
        name,
        input,
        startedAt: new Date(this.#options.now()).toISOString(),
      });
      this.#worker.postMessage({
        type: 'start',
        id,
        name,
        input,
        ...(abortAfterState === undefined ? {} : { abortAfterState }),
      } satisfies ToWorker);
    });
  }

  /** Executions started so far. */
  get started(): number {
    return this.#nextId - 1;
  }

  /** Executions still running. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Executions started that wait for one of the running ones to finish. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Finished executions, oldest first (the last 10,000). */
  history(): readonly ExecutionOutcome[] {
    return this.#history;
  }

  async stop(): Promise<void> {
    await this.#worker.terminate();
  }
}
