/**
 * Consumes the `block-orders` queue (batch size 1): one block per message, taken through
 * `runBlock` (`worker.ts`): seal, send, allocate, release stragglers. A run that must wait (too
 * early, the exchange down, an outcome unknown, another worker on the block) sends the message
 * again, delayed; a failure throws, so SQS delivers the message again and, past the queue's
 * redrive policy, moves it to the dead-letter queue.
 *
 * Every stack deploys the worker and releases it through its `live` alias, per-slot ones too, so a
 * cold start in per-slot mode succeeds and a batch with no records (the pre-traffic hook's
 * request) is answered in either mode; a block message in per-slot mode fails
 * ({@link NotAggregatedError}): only aggregated mode's join sends one.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseBlockId, type BlockOrderMessage } from '#shared/blocks.ts';
import { readExecutionSettings, type ExecutionSettings } from '#shared/execution-settings.ts';
import { documentClient, eventBridgeClient, sqsClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { exchangeFromEnvironment } from '../lib/exchanges.ts';
import { flagsFromEnvironment } from '../lib/flags.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { runBlock, type BlockWorkerDeps } from './worker.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment([
  'EXECUTIONS_TABLE',
  'PLANS_TABLE',
  'EVENT_BUS_NAME',
  'EXECUTION_SETTINGS',
  'PURCHASE_WINDOW_SECONDS',
  'RETRY_QUEUE_URL',
  'BLOCK_ORDERS_QUEUE_URL',
]);
const settings = readExecutionSettings(env.EXECUTION_SETTINGS);
const purchaseWindowMs = Number(env.PURCHASE_WINDOW_SECONDS) * 1000;
if (!Number.isInteger(purchaseWindowMs) || purchaseWindowMs <= 0) {
  throw new Error(
    `PURCHASE_WINDOW_SECONDS must be a positive whole number, not ${env.PURCHASE_WINDOW_SECONDS}`,
  );
}
const dynamodb = documentClient();
const events = eventBridgeClient();
const sqs = sqsClient();

/** The lease outlives the invocation by this much, so two workers never overlap on a block. */
const LEASE_MARGIN_MS = 60_000;

/** The stack executes per slot: there are no blocks to work on. */
export class NotAggregatedError extends Error {
  constructor() {
    super('the block worker runs only with EXECUTION_SETTINGS in aggregated mode');
    this.name = 'NotAggregatedError';
  }
}

/** What `runBlock` needs, with aggregated mode's window and order limits. */
const aggregatedDeps = ({
  windowSeconds,
  maxOrderMinor,
}: Extract<ExecutionSettings, { mode: 'aggregated' }>): BlockWorkerDeps => ({
  dynamodb,
  executionsTable: env.EXECUTIONS_TABLE,
  plansTable: env.PLANS_TABLE,
  exchange: exchangeFromEnvironment(dynamodb, (error) =>
    logger.warn('could not update the shared exchange state', { error }),
  ),
  readFlags: flagsFromEnvironment(),
  windowSeconds,
  maxOrderMinor,
  purchaseWindowMs,
  eventBusName: env.EVENT_BUS_NAME,
  putEvents: async (entries) => {
    const { FailedEntryCount } = await events.send(new PutEventsCommand({ Entries: [...entries] }));
    if ((FailedEntryCount ?? 0) > 0) {
      throw new Error(`${FailedEntryCount} of ${entries.length} events were not published`);
    }
  },
  sendBlockMessage: async (message, delaySeconds) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: env.BLOCK_ORDERS_QUEUE_URL,
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.max(0, Math.min(900, delaySeconds)),
      }),
    );
  },
  sendRetry: async (message) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: env.RETRY_QUEUE_URL,
        MessageBody: JSON.stringify(message),
      }),
    );
  },
  count: (metric, value) => metrics.addMetric(metric, MetricUnit.Count, value),
  log: (level, message, extra) => logger[level](message, { ...extra }),
  now: Date.now,
});

/** Undefined in per-slot mode: the worker has no block to run there. */
const deps = settings.mode === 'aggregated' ? aggregatedDeps(settings) : undefined;

/** Thrown for a message that is not `{ blockId }` (it goes to the dead-letter queue). */
export class InvalidBlockMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBlockMessageError';
  }
}

/** The block a message names. */
export function parseBlockMessage(body: string): BlockOrderMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidBlockMessageError('the body is not JSON');
  }
  const blockId = (value as { blockId?: unknown } | null)?.blockId;
  if (typeof blockId !== 'string') throw new InvalidBlockMessageError('expected { blockId }');
  parseBlockId(blockId);
  return { blockId };
}

/**
 * Runs each block of the batch (batch size 1). A failure throws, so an answer always reports no
 * failed item; a batch with no records is answered at once.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    for (const record of event.Records) {
      if (deps === undefined) throw new NotAggregatedError();
      const { blockId } = parseBlockMessage(record.body);
      const result = await runBlock(
        deps,
        blockId,
        context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
      );
      logger.info('block run', { blockId, ...result });
    }
    return { batchItemFailures: [] };
  } finally {
    flushMetrics(metrics);
  }
};
