/**
 * The Lambda event source mapping for an SQS standard queue, locally: receives from a
 * {@link LocalSqs} queue with the queue's visibility timeout, invokes the function with the
 * `SQSEvent` Lambda builds, and deletes what the function handled:
 * - a successful invocation deletes the whole batch;
 * - with `reportBatchItemFailures`, it deletes all but the messages `batchItemFailures` names; a
 *   response Lambda cannot read (an item without a string `itemIdentifier`, an empty one, or one
 *   that is not a message of the batch) fails the whole batch;
 * - a failed invocation (the function throws) deletes nothing.
 * What is not deleted stays hidden until its visibility timeout passes on the local clock, is then
 * received again, and the queue's redrive policy applies.
 *
 * The mapping's scaling and batching, on the local clock:
 * - `maximumConcurrency`: a poll receives up to that many batches and invokes them at once (never
 *   more in flight); unset, one batch at a time;
 * - `maximumBatchingWindowSeconds`: a batch that is not full waits until its first message has
 *   been visible for the window, gathering what becomes visible meanwhile; a full batch goes at
 *   once. {@link LocalSqsEventSource.nextVisibleAt} says when, so the clock driver delivers it then.
 *
 * Deliberately local: no long polling; a throttled or failed invocation is not retried early.
 *
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import type { WorkInFlight } from '../clock-driver.ts';
import type { LocalSqs, ReceivedMessage } from './sqs.ts';

export interface LocalSqsEventSourceOptions {
  readonly sqs: LocalSqs;
  readonly queueArn: string;
  /** Records per invocation at most, 1 to 10,000 (the mapping's BatchSize). Default 10. */
  readonly batchSize?: number;
  /** Invokes the function; a rejection is a failed invocation. */
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  /** The mapping's `FunctionResponseTypes: ["ReportBatchItemFailures"]`. */
  readonly reportBatchItemFailures: boolean;
  /** Where invocations are registered, so that the clock driver waits for them. */
  readonly work?: WorkInFlight;
  /** Batches in flight at most (the mapping's `ScalingConfig.MaximumConcurrency`). Default 1. */
  readonly maximumConcurrency?: number;
  /** How long a batch that is not full gathers messages (`MaximumBatchingWindowInSeconds`). */
  readonly maximumBatchingWindowSeconds?: number;
  /** The local clock (epoch ms); needed with a batching window. */
  readonly now?: () => number;
}

/** The settings a local event source runs with, as the mapping would have them. */
export interface SqsEventSourceSettings {
  readonly batchSize: number;
  readonly maximumConcurrency: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
}

function toRecord(message: ReceivedMessage, queueArn: string, region: string): SQSRecord {
  const { attributes } = message;
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    messageAttributes[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: value.BinaryValue }),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType,
    };
  }
  const optional = (name: keyof SQSRecordAttributes) =>
    attributes[name] === undefined ? {} : { [name]: attributes[name] };
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '',
      SentTimestamp: attributes.SentTimestamp ?? '',
      SenderId: attributes.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? '',
      ...optional('AWSTraceHeader'),
      ...optional('MessageGroupId'),
      ...optional('DeadLetterQueueSourceArn'),
    },
    messageAttributes,
    md5OfBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes === undefined
      ? {}
      : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * The ids of the messages to keep: the `batchItemFailures` of a partial batch response, or every
 * id when the response is not one Lambda can read.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
 */
function failedIds(response: unknown, ids: readonly string[]): ReadonlySet<string> {
  const everything = new Set(ids);
  // A null or empty response, or a null or empty list, is a complete success.
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object' || Array.isArray(response)) return everything;
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return everything;
  const failed = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || !everything.has(id)) return everything;
    failed.add(id);
  }
  return failed;
}

export class LocalSqsEventSource {
  readonly #sqs: LocalSqs;
  readonly #queueArn: string;
  readonly #region: string;
  readonly #batchSize: number;
  readonly #invoke: (event: SQSEvent) => Promise<unknown>;
  readonly #reportBatchItemFailures: boolean;
  readonly #work: WorkInFlight | undefined;
  readonly #maximumConcurrency: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #cycle: Promise<readonly string[]> = Promise.resolve([]);

  constructor(options: LocalSqsEventSourceOptions) {
    const batchSize = options.batchSize ?? 10;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new RangeError(`batchSize must be an integer from 1 to 10000, not ${batchSize}`);
    }
    // Fails at once for a queue that does not exist.
    options.sqs.queueUrlOf(options.queueArn);
    this.#sqs = options.sqs;
    this.#queueArn = options.queueArn;
    this.#region = options.queueArn.split(':')[3] ?? '';
    this.#batchSize = batchSize;
    this.#invoke = options.invoke;
    this.#reportBatchItemFailures = options.reportBatchItemFailures;
    this.#work = options.work;
    const concurrency = options.maximumConcurrency ?? 1;
    // https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
      throw new RangeError(
        `maximumConcurrency must be an integer from 1 to 1000, not ${concurrency}`,
      );
    }
    const window = options.maximumBatchingWindowSeconds ?? 0;
    if (!Number.isInteger(window) || window < 0 || window > 300) {
      throw new RangeError(
        `maximumBatchingWindowSeconds must be an integer from 0 to 300, not ${window}`,
      );
    }
    if (window > 0 && options.now === undefined) {
      throw new RangeError('a batching window needs the clock (now)');
    }
    this.#maximumConcurrency = concurrency;
    this.#windowMs = window * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** What the mapping runs with. */
  get settings(): SqsEventSourceSettings {
    return {
      batchSize: this.#batchSize,
      maximumConcurrency: this.#maximumConcurrency,
      maximumBatchingWindowSeconds: this.#windowMs / 1000,
      reportBatchItemFailures: this.#reportBatchItemFailures,
    };
  }

  /**
   * When the next batch is due (epoch ms), or null: when a message is or becomes receivable, plus
   * the batching window unless a full batch is receivable now or `flush` ends the window early.
   */
  nextVisibleAt(flush = false): number | null {
    const next = this.#sqs.nextVisibleAt(this.#queueArn);
    if (next === null || this.#windowMs === 0 || flush) return next;
    return this.#receivableNow() >= this.#batchSize ? next : next + this.#windowMs;
  }

  #receivableNow(): number {
    const name = this.#queueArn.slice(this.#queueArn.lastIndexOf(':') + 1);
    return this.#sqs.messages(name).filter((message) => message.state === 'visible').length;
  }

  /**
   * Receives what is due now, up to `maximumConcurrency` batches, and delivers them at once;
   * answers how many messages it delivered (0 when nothing was due). Polls never overlap.
   */
  async poll(): Promise<number> {
    return (await this.#next()).length;
  }

  /**
   * Polls until nothing is visible now. A message is delivered at most once per drain: a queue
   * whose visibility timeout is 0 would otherwise hand a failing message back forever at the same
   * instant; its retry waits for the next drain.
   */
  async drain(flush = false): Promise<void> {
    const delivered = new Set<string>();
    for (;;) {
      const ids = await this.#next(flush);
      if (ids.length === 0 || ids.every((id) => delivered.has(id))) return;
      for (const id of ids) delivered.add(id);
    }
  }

  #next(flush = false): Promise<readonly string[]> {
    const run = this.#cycle.then(() => this.#pollOnce(flush));
    this.#cycle = run.catch(() => []);
    return run;
  }

  async #pollOnce(flush: boolean): Promise<readonly string[]> {
    if (this.#windowMs > 0) {
      const due = this.nextVisibleAt(flush);
      if (due === null || due > this.#now()) return [];
    }
    const batches: ReceivedMessage[][] = [];
    while (batches.length < this.#maximumConcurrency) {
      const messages = this.#sqs.receive(this.#queueArn, { maxMessages: this.#batchSize });
      if (messages.length === 0) break;
      batches.push(messages);
    }
    const delivered = await Promise.all(batches.map((messages) => this.#deliver(messages)));
    return delivered.flat();
  }

  async #deliver(messages: readonly ReceivedMessage[]): Promise<readonly string[]> {
    const ids = messages.map((message) => message.messageId);
    const invocation = this.#invoke({
      Records: messages.map((message) => toRecord(message, this.#queueArn, this.#region)),
    });
    this.#work?.track(
      invocation,
      `batch from ${this.#queueArn.slice(this.#queueArn.lastIndexOf(':') + 1)}`,
    );
    let failed: ReadonlySet<string>;
    try {
      const response = await invocation;
      failed = this.#reportBatchItemFailures ? failedIds(response, ids) : new Set();
    } catch {
      failed = new Set(ids);
    }
    for (const message of messages) {
      if (!failed.has(message.messageId)) this.#sqs.delete(this.#queueArn, message.receiptHandle);
    }
    return ids;
  }
}
