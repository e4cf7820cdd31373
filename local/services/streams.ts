/**
 * The DynamoDB Streams event source mapping, locally: reads a table's stream from DynamoDB Local
 * and invokes a local Lambda with the same `DynamoDBStreamEvent` batches Lambda would send, with
 * the mapping's semantics: records of a shard in order, partial batch responses (retry from the
 * first failed record), bisect on function error, bounded retries, a maximum record age, then the
 * on-failure destination.
 *
 * The batching window: between drains, a pass that finds a batch that is not full leaves it in
 * the stream, gathering, until the window has passed on the local clock since it was first seen.
 * {@link LocalStreamMapping.drain} delivers at once: the clock driver calls it when it waits for
 * the system to settle, and plan changes reach their schedules through this stream.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import type { LocalLambda } from './lambda.ts';
import { LOCAL_AWS } from './dynamodb.ts';

export interface StreamMappingOptions {
  readonly endpoint: string;
  readonly tableName: string;
  readonly lambda: Pick<LocalLambda, 'invoke'>;
  readonly batchSize: number;
  /** How long a batch that is not full gathers records (`MaximumBatchingWindowInSeconds`). */
  readonly maximumBatchingWindowSeconds?: number;
  /** Retries of a failing batch before it goes to the on-failure destination. */
  readonly maximumRetryAttempts: number;
  /** Records older than this go to the on-failure destination undelivered; unset: no limit. */
  readonly maximumRecordAgeSeconds?: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** The local clock (epoch ms), for the batching window. Default: wall time. */
  readonly now?: () => number;
  /**
   * Wall time (epoch ms), for record age: DynamoDB Local stamps records with wall time. Default
   * `Date.now`.
   */
  readonly wallClock?: () => number;
  /** The on-failure destination: receives what could not be processed. */
  readonly onFailure: (failure: StreamFailure) => void;
  readonly pollIntervalMs: number;
  readonly log: (line: string) => void;
}

type LambdaStreamRecord = Record<string, unknown> & {
  dynamodb: Record<string, unknown> & { SequenceNumber?: string };
};

/** A batch given up on: its records, and where they are in the stream. */
export interface StreamFailure {
  readonly tableName: string;
  readonly streamArn: string;
  readonly shardId: string;
  readonly records: readonly LambdaStreamRecord[];
  readonly error: string;
  /** Why: retries ran out, or the records grew older than the maximum record age. */
  readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
}

/**
 * The message Lambda's on-failure destination receives for a stream batch: a description of the
 * batch (shard and sequence numbers), not its records
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
 */
export function onFailureRecord(
  failure: StreamFailure,
  functionArn: string,
  now: Date,
): Record<string, unknown> {
  const sequence = (record: LambdaStreamRecord) => record.dynamodb.SequenceNumber ?? '';
  const arrival = (record: LambdaStreamRecord | undefined) => {
    const seconds = record?.dynamodb.ApproximateCreationDateTime;
    return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : null;
  };
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn,
      condition: failure.condition,
      approximateInvokeCount: 1,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: now.toISOString(),
    DDBStreamBatchInfo: {
      shardId: failure.shardId,
      startSequenceNumber: sequence(failure.records[0] as LambdaStreamRecord),
      endSequenceNumber: sequence(failure.records.at(-1) as LambdaStreamRecord),
      approximateArrivalOfFirstRecord: arrival(failure.records[0]),
      approximateArrivalOfLastRecord: arrival(failure.records.at(-1)),
      batchSize: failure.records.length,
      streamArn: failure.streamArn,
    },
  };
}

/** A stream record as Lambda passes it: epoch seconds, the stream ARN, the Region. */
function toLambdaRecord(record: StreamRecord, streamArn: string): LambdaStreamRecord {
  const dynamodb = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: LOCAL_AWS.region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...dynamodb,
      ApproximateCreationDateTime:
        dynamodb.ApproximateCreationDateTime === undefined
          ? undefined
          : Math.floor(dynamodb.ApproximateCreationDateTime.getTime() / 1000),
    },
  };
}

export class LocalStreamMapping {
  readonly #options: StreamMappingOptions;
  readonly #streams: DynamoDBStreamsClient;
  readonly #dynamodb: DynamoDBClient;
  readonly #iterators = new Map<string, string>();
  readonly #closedShards = new Set<string>();
  readonly #lastSequence = new Map<string, string>();
  #streamArn: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #cycle: Promise<number> = Promise.resolve(0);
  #stopped = false;
  /** When a shard's batch that is not full was first seen (local clock), while it gathers. */
  readonly #gatheringSince = new Map<string, number>();
  /** Batches given up on (also sent to `onFailure`). */
  failedBatches = 0;

  constructor(options: StreamMappingOptions) {
    this.#options = options;
    const client = { ...LOCAL_AWS, endpoint: options.endpoint };
    this.#streams = new DynamoDBStreamsClient(client);
    this.#dynamodb = new DynamoDBClient(client);
  }

  start(): void {
    const tick = () => {
      if (this.#stopped) return;
      void this.poll()
        .catch((error: unknown) =>
          this.#options.log(`stream ${this.#options.tableName}: ${(error as Error).message}`),
        )
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.pollIntervalMs);
        });
    };
    tick();
  }

  /** What the mapping runs with. */
  get settings() {
    const options = this.#options;
    return {
      batchSize: options.batchSize,
      maximumBatchingWindowSeconds: options.maximumBatchingWindowSeconds ?? 0,
      maximumRetryAttempts: options.maximumRetryAttempts,
      maximumRecordAgeSeconds: options.maximumRecordAgeSeconds ?? null,
      bisectBatchOnFunctionError: options.bisectBatchOnFunctionError,
    };
  }

  /**
   * One pass over every shard; answers the number of records handled. A batch that is not full
   * waits for the batching window unless `flush`. Passes never overlap.
   */
  poll(flush = false): Promise<number> {
    this.#cycle = this.#cycle.then(
      () => this.#pollOnce(flush),
      () => this.#pollOnce(flush),
    );
    return this.#cycle;
  }

  /** Polls until a pass finds no new record: every change so far has been handled. */
  async drain(): Promise<void> {
    while ((await this.poll(true)) > 0) {
      // keep going: handling records can write more (the plan's nextRunAt)
    }
  }

  /** Whether a shard's batch that is not full keeps gathering (its window is still open). */
  #gathering(shardId: string, count: number, flush: boolean): boolean {
    const window = (this.#options.maximumBatchingWindowSeconds ?? 0) * 1000;
    if (flush || window === 0 || count >= this.#options.batchSize) {
      this.#gatheringSince.delete(shardId);
      return false;
    }
    const now = (this.#options.now ?? Date.now)();
    const since = this.#gatheringSince.get(shardId) ?? now;
    if (now - since >= window) {
      this.#gatheringSince.delete(shardId);
      return false;
    }
    this.#gatheringSince.set(shardId, since);
    return true;
  }

  async #pollOnce(flush: boolean): Promise<number> {
    if (this.#stopped) return 0;
    if (this.#streamArn === undefined) {
      const { Table } = await this.#dynamodb.send(
        new DescribeTableCommand({ TableName: this.#options.tableName }),
      );
      this.#streamArn = Table?.LatestStreamArn;
      if (this.#streamArn === undefined)
        throw new Error(`table ${this.#options.tableName} has no stream`);
    }
    const streamArn = this.#streamArn;
    const { StreamDescription } = await this.#streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn }),
    );
    let handled = 0;
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId;
      if (shardId === undefined || this.#closedShards.has(shardId)) continue;
      let iterator =
        this.#iterators.get(shardId) ?? (await this.#iteratorAfter(streamArn, shardId));
      while (iterator !== undefined) {
        let page;
        try {
          page = await this.#streams.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: this.#options.batchSize }),
          );
        } catch (error) {
          if (!(error instanceof TrimmedDataAccessException)) throw error;
          // DynamoDB Local skips a sequence number on a transaction; an iterator parked on it is
          // then "trimmed". Re-position after the last record handled (nothing is lost).
          iterator = await this.#iteratorAfter(streamArn, shardId);
          continue;
        }
        const records = page.Records ?? [];
        if (
          records.length > 0 &&
          page.NextShardIterator !== undefined &&
          this.#gathering(shardId, records.length, flush)
        ) {
          // Read again from after the last record handled next pass, with what arrived since.
          this.#iterators.delete(shardId);
          break;
        }
        if (records.length > 0) {
          await this.#deliver(
            records.map((record) => toLambdaRecord(record, streamArn)),
            shardId,
          );
          handled += records.length;
          const last = records.at(-1)?.dynamodb?.SequenceNumber;
          if (last !== undefined) this.#lastSequence.set(shardId, last);
        }
        if (page.NextShardIterator === undefined) {
          this.#closedShards.add(shardId);
          this.#iterators.delete(shardId);
          break;
        }
        iterator = page.NextShardIterator;
        this.#iterators.set(shardId, iterator);
        if (records.length === 0) break;
      }
    }
    return handled;
  }

  /**
   * An iterator just after the last record handled in the shard, or at its oldest record (the
   * first time: handling is level-triggered, so replaying after a restart is safe).
   */
  async #iteratorAfter(streamArn: string, shardId: string): Promise<string | undefined> {
    const last = this.#lastSequence.get(shardId);
    const answer = await this.#streams.send(
      new GetShardIteratorCommand(
        last === undefined
          ? { StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }
          : {
              StreamArn: streamArn,
              ShardId: shardId,
              ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
              SequenceNumber: last,
            },
      ),
    );
    return answer.ShardIterator;
  }

  /** Delivers a batch until every record is handled, retrying and bisecting like Lambda. */
  async #deliver(batch: LambdaStreamRecord[], shardId: string, attempt = 0): Promise<void> {
    const expired = this.#expired(batch);
    if (expired > 0) {
      this.#giveUp(batch.slice(0, expired), shardId, 'record age exceeded', 'RecordAgeExceeded');
      if (expired === batch.length) return;
      return this.#deliver(batch.slice(expired), shardId, attempt);
    }
    let response: DynamoDBBatchResponse | undefined;
    try {
      response = (await this.#options.lambda.invoke({ Records: batch })) as
        DynamoDBBatchResponse | undefined;
    } catch (error) {
      if (attempt >= this.#options.maximumRetryAttempts)
        return this.#giveUp(batch, shardId, (error as Error).message);
      if (this.#options.bisectBatchOnFunctionError && batch.length > 1) {
        const middle = Math.ceil(batch.length / 2);
        await this.#deliver(batch.slice(0, middle), shardId, attempt + 1);
        await this.#deliver(batch.slice(middle), shardId, attempt + 1);
        return;
      }
      return this.#deliver(batch, shardId, attempt + 1);
    }
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) return;
    // Lambda retries from the lowest failed sequence number; earlier records are done.
    const sequences = new Set(failures.map((failure) => failure.itemIdentifier));
    const first = batch.findIndex((record) => sequences.has(record.dynamodb.SequenceNumber ?? ''));
    const rest = first < 0 ? batch : batch.slice(first);
    if (attempt >= this.#options.maximumRetryAttempts)
      return this.#giveUp(rest, shardId, 'partial batch failure');
    return this.#deliver(rest, shardId, attempt + 1);
  }

  /** How many records at the head of the batch are older than the maximum record age. */
  #expired(batch: readonly LambdaStreamRecord[]): number {
    const maximum = this.#options.maximumRecordAgeSeconds;
    if (maximum === undefined) return 0;
    const now = (this.#options.wallClock ?? Date.now)();
    const index = batch.findIndex((record) => {
      const created = record.dynamodb.ApproximateCreationDateTime;
      return typeof created !== 'number' || now - created * 1000 <= maximum * 1000;
    });
    return index < 0 ? batch.length : index;
  }

  #giveUp(
    records: LambdaStreamRecord[],
    shardId: string,
    error: string,
    condition: StreamFailure['condition'] = 'RetryAttemptsExhausted',
  ): void {
    this.failedBatches += 1;
    this.#options.log(
      `stream ${this.#options.tableName}: ${records.length} record(s) sent to the on-failure destination: ${error}`,
    );
    this.#options.onFailure({
      tableName: this.#options.tableName,
      streamArn: this.#streamArn ?? '',
      shardId,
      records,
      error,
      condition,
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#cycle.catch(() => undefined);
    this.#streams.destroy();
    this.#dynamodb.destroy();
  }
}
