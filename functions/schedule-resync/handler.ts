/**
 * Works off the `plan-stream-failures` queue: the batches of the plans table's stream that
 * `schedule-sync` gave up on (Lambda's on-failure destination sends a description of the batch,
 * not its records). It reads those records back from the stream and handles them exactly as the
 * stream consumer does: re-sync each plan's schedule, publish what the user changed. Records the
 * stream no longer holds (it keeps them 24 hours) are counted as lost; their plans' schedules are
 * still synced by the sweeper, which finds every plan changed through the API and not synced.
 *
 * Message format: https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBRecord, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamodbStreamsClient, eventBridgeClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { planRecordHandler } from '../lib/plan-stream.ts';
import { schedulingDepsFromEnvironment } from '../lib/scheduling-deps.ts';

const logger = new Logger();
const metrics = new Metrics();
const processor = new BatchProcessor(EventType.SQS);
const { EVENT_BUS_NAME } = requireEnvironment(['EVENT_BUS_NAME']);
const streams = dynamodbStreamsClient();
const deps = {
  scheduling: schedulingDepsFromEnvironment(),
  events: eventBridgeClient(),
  eventBusName: EVENT_BUS_NAME,
  logger,
  metrics,
};

/** How many GetRecords pages one failed batch may take to read (a batch is at most 100 records). */
const MAX_PAGES = 50;

/** What Lambda's on-failure destination says about a stream batch it gave up on. */
export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

/** Thrown for a message that is not an on-failure record of a DynamoDB stream batch. */
export class InvalidFailureRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidFailureRecordError';
  }
}

const DIGITS = /^\d{1,64}$/;

export function batchInfoOf(body: string): StreamBatchInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InvalidFailureRecordError('the message is not JSON');
  }
  const info = (parsed as { DDBStreamBatchInfo?: Partial<StreamBatchInfo> } | null)
    ?.DDBStreamBatchInfo;
  if (
    typeof info?.shardId !== 'string' ||
    typeof info.streamArn !== 'string' ||
    typeof info.startSequenceNumber !== 'string' ||
    !DIGITS.test(info.startSequenceNumber) ||
    typeof info.endSequenceNumber !== 'string' ||
    !DIGITS.test(info.endSequenceNumber)
  ) {
    throw new InvalidFailureRecordError('the message has no DDBStreamBatchInfo');
  }
  return {
    shardId: info.shardId,
    streamArn: info.streamArn,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    batchSize: typeof info.batchSize === 'number' ? info.batchSize : 0,
  };
}

/** A record as Lambda would have passed it to the stream consumer (times in epoch seconds). */
function asLambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const image = record.dynamodb ?? {};
  const created = image.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(image as DynamoDBRecord['dynamodb']),
      ApproximateCreationDateTime:
        created === undefined ? undefined : Math.floor(created.getTime() / 1000),
    },
  };
}

/** The batch's records read back from the stream, or null when the stream no longer has them. */
export async function recordsOf(info: StreamBatchInfo): Promise<DynamoDBRecord[] | null> {
  const end = BigInt(info.endSequenceNumber);
  let iterator: string | undefined;
  try {
    ({ ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: info.streamArn,
        ShardId: info.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: info.startSequenceNumber,
      }),
    ));
  } catch (error) {
    if (error instanceof TrimmedDataAccessException || error instanceof ResourceNotFoundException)
      return null;
    throw error;
  }
  const records: DynamoDBRecord[] = [];
  for (let page = 0; iterator !== undefined && page < MAX_PAGES; page += 1) {
    let answer;
    try {
      answer = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
    } catch (error) {
      if (error instanceof TrimmedDataAccessException || error instanceof ExpiredIteratorException)
        return records.length > 0 ? records : null;
      throw error;
    }
    for (const record of answer.Records ?? []) {
      if (BigInt(record.dynamodb?.SequenceNumber ?? '0') > end) return records;
      records.push(asLambdaRecord(record, info.streamArn));
    }
    iterator = answer.NextShardIterator;
  }
  return records;
}

async function redrive(message: SQSRecord): Promise<void> {
  const info = batchInfoOf(message.body);
  const records = await recordsOf(info);
  if (records === null) {
    // The sweeper still syncs these plans; what the user changed is not published again.
    logger.error('the failed batch is no longer in the stream', { ...info });
    metrics.addMetric('PlanStreamRecordsLost', MetricUnit.Count, info.batchSize);
    return;
  }
  const handle = planRecordHandler(deps);
  for (const record of records) await handle(record);
  logger.warn('re-synced a batch the plans stream consumer gave up on', {
    shardId: info.shardId,
    records: records.length,
  });
  metrics.addMetric('PlanStreamRecordsRedriven', MetricUnit.Count, records.length);
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, redrive, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
};
