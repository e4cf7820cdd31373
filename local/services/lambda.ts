/**
 * Local Lambda functions: each runs its deployed bundle in worker threads (one execution
 * environment per worker, up to the function's reserved concurrency), with its own environment
 * variables and the local clock. Invocations beyond the concurrency wait for a free environment,
 * as throttled asynchronous invocations would be retried by the service; a caller that does not
 * retry (AppSync) is throttled instead, as Lambda throttles synchronous invocations beyond the
 * reserved concurrency (429 `TooManyRequestsException`).
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { InvokeMessage, ResultMessage } from './lambda-worker.ts';

const WORKER = fileURLToPath(new URL('./lambda-worker.ts', import.meta.url));

/** A function invocation that failed: the error Lambda reports (`errorType`, `errorMessage`). */
export class LambdaInvocationError extends Error {
  readonly errorType: string;

  constructor(errorType: string, message: string) {
    super(message);
    this.name = errorType;
    this.errorType = errorType;
  }
}

/** The function's reserved concurrency is in use: Lambda's 429 to a synchronous invocation. */
export class LambdaThrottledError extends LambdaInvocationError {
  constructor() {
    super('TooManyRequestsException', 'Rate Exceeded.');
  }
}

export interface LocalFunctionConfig {
  readonly name: string;
  readonly bundlePath: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Execution environments at most (the reserved concurrency, or fewer to spare the machine). */
  readonly concurrency: number;
  /**
   * Invocations in flight at most (the function's reserved concurrency): a caller that asks to be
   * throttled is refused beyond them. Those beyond `concurrency` wait for an environment.
   */
  readonly reservedConcurrency: number;
  readonly timeoutMs: number;
  readonly memoryMb: number;
}

/** How an invocation meets a function whose reserved concurrency is in use. */
export interface InvokeOptions {
  /**
   * `wait` (the default): for the callers that retry a throttled invocation until it runs
   * (Scheduler, event source mappings, Step Functions' Retry). `reject`: fail at once with
   * `TooManyRequestsException`, which a synchronous caller that does not retry (AppSync's Lambda
   * data source) receives.
   */
  readonly whenThrottled?: 'wait' | 'reject';
}

/** What one invocation did, as Lambda's own metrics count it. */
export interface InvocationRecord {
  /** Refused at the reserved concurrency (a Throttle, not an Invocation). */
  readonly throttled: boolean;
  /** The function failed (its error, a crash or a timeout): an Error. */
  readonly failed: boolean;
  /** Wall time the invocation ran, in milliseconds (0 when throttled). */
  readonly durationMs: number;
}

/** Where a function's metrics go (the local metric store, `local/monitoring.ts`). */
export interface LambdaObserver {
  /** Every invocation, once it has ended. */
  invoked(record: InvocationRecord): void;
  /**
   * Every line an execution environment writes to its standard output (where the EMF lines of
   * Powertools Metrics are). Answers whether it consumed the line; if not, the line is written to
   * the process's standard output as before.
   */
  stdout(line: string): boolean;
}

interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  busy: boolean;
  pending?: { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout };
}

export class LocalLambda {
  readonly config: LocalFunctionConfig;
  readonly #clockOffset: BigInt64Array;
  readonly #environments: Environment[] = [];
  readonly #waiting: (() => void)[] = [];
  #nextId = 1;
  #stopped = false;
  #inFlight = 0;
  /** Invocations so far, for benchmarks and tests. */
  invocations = 0;
  /** An injected fault (`failingFunctions`): every invocation fails at once, running nothing. */
  failing = false;
  /** Invocations refused with `TooManyRequestsException` so far. */
  throttles = 0;

  readonly #crashAfterOrder: Int32Array | undefined;
  readonly #observer: LambdaObserver | undefined;

  constructor(
    config: LocalFunctionConfig,
    clockOffset: BigInt64Array,
    crashAfterOrder?: Int32Array,
    observer?: LambdaObserver,
  ) {
    this.config = config;
    this.#clockOffset = clockOffset;
    this.#crashAfterOrder = crashAfterOrder;
    this.#observer = observer;
  }

  /** Reads an environment's standard output line by line into the observer. */
  #readStdout(worker: Worker, observer: LambdaObserver): void {
    let pending = '';
    worker.stdout.setEncoding('utf8');
    worker.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let end = pending.indexOf('\n');
      while (end >= 0) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        if (!observer.stdout(line)) process.stdout.write(`${line}\n`);
        end = pending.indexOf('\n');
      }
    });
    worker.stdout.on('end', () => {
      if (pending !== '' && !observer.stdout(pending)) process.stdout.write(pending);
    });
  }

  #spawn(): Environment {
    const worker = new Worker(WORKER, {
      workerData: {
        bundlePath: this.config.bundlePath,
        functionName: this.config.name,
        timeoutMs: this.config.timeoutMs,
        memoryMb: this.config.memoryMb,
        clockOffset: this.#clockOffset,
        ...(this.#crashAfterOrder === undefined ? {} : { crashAfterOrder: this.#crashAfterOrder }),
      },
      env: { ...this.config.environment },
      // With an observer the output is read (EMF lines become metrics), otherwise it is piped.
      stdout: this.#observer !== undefined,
      stderr: false,
    });
    if (this.#observer !== undefined) this.#readStdout(worker, this.#observer);
    const environment: Environment = {
      worker,
      busy: false,
      ready: new Promise((resolve, reject) => {
        worker.once('message', (message: { init: boolean; errorMessage?: string }) => {
          if (message.init) resolve();
          else
            reject(
              new LambdaInvocationError(
                'Runtime.ImportModuleError',
                message.errorMessage ?? 'init failed',
              ),
            );
        });
        worker.once('error', reject);
      }),
    };
    worker.on('message', (message: ResultMessage | { init: boolean }) => {
      if (!('id' in message)) return;
      const pending = environment.pending;
      if (pending === undefined) return;
      environment.pending = undefined;
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new LambdaInvocationError(message.errorType, message.errorMessage));
    });
    worker.on('exit', (code) => {
      // A crashed environment (process.exit, fatal error) fails its invocation and is replaced.
      const index = this.#environments.indexOf(environment);
      if (index >= 0) this.#environments.splice(index, 1);
      const pending = environment.pending;
      if (pending !== undefined) {
        environment.pending = undefined;
        clearTimeout(pending.timer);
        pending.reject(
          new LambdaInvocationError(
            'Runtime.ExitError',
            `RequestId: local Error: Runtime exited with error: exit status ${code}`,
          ),
        );
      }
      this.#release();
    });
    this.#environments.push(environment);
    return environment;
  }

  #release(): void {
    this.#waiting.shift()?.();
  }

  async #acquire(): Promise<Environment> {
    for (;;) {
      if (this.#stopped)
        throw new LambdaInvocationError(
          'Lambda.ServiceException',
          `${this.config.name} is stopped`,
        );
      const idle = this.#environments.find((environment) => !environment.busy);
      if (idle !== undefined) {
        idle.busy = true;
        return idle;
      }
      if (this.#environments.length < this.config.concurrency) {
        const fresh = this.#spawn();
        fresh.busy = true;
        return fresh;
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  /** Invocations running or waiting for an environment. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Invokes the function synchronously (RequestResponse) with `event`. */
  async invoke(event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    if (this.failing) {
      this.invocations += 1;
      this.#observer?.invoked({ throttled: false, failed: true, durationMs: 0 });
      throw new LambdaInvocationError(
        'InjectedFaultError',
        `${this.config.name} failed: a fault injected through POST /_local/faults`,
      );
    }
    if (options.whenThrottled === 'reject' && this.#inFlight >= this.config.reservedConcurrency) {
      this.throttles += 1;
      this.#observer?.invoked({ throttled: true, failed: false, durationMs: 0 });
      throw new LambdaThrottledError();
    }
    this.#inFlight += 1;
    try {
      return await this.#run(event);
    } finally {
      this.#inFlight -= 1;
    }
  }

  async #run(event: unknown): Promise<unknown> {
    const environment = await this.#acquire();
    this.invocations += 1;
    // Lambda's Duration: from the handler's start (after the cold start) to its end.
    let started = performance.now();
    let failed = true;
    try {
      await environment.ready;
      started = performance.now();
      const result = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          environment.pending = undefined;
          reject(
            new LambdaInvocationError(
              'Sandbox.Timedout',
              `Task timed out after ${(this.config.timeoutMs / 1000).toFixed(2)} seconds`,
            ),
          );
          // Lambda discards an environment whose invocation timed out.
          void environment.worker.terminate();
        }, this.config.timeoutMs);
        environment.pending = { resolve, reject, timer };
        environment.worker.postMessage({
          id: this.#nextId++,
          event: JSON.parse(JSON.stringify(event ?? null)) as unknown,
        } satisfies InvokeMessage);
      });
      failed = false;
      return result;
    } finally {
      environment.busy = false;
      this.#observer?.invoked({
        throttled: false,
        failed,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      });
      this.#release();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
    await Promise.all(
      this.#environments.splice(0).map((environment) => environment.worker.terminate()),
    );
  }
}
