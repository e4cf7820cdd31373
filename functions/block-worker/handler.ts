/**
 * Consumes the `block-orders` queue (batch size 1): one block per message, taken through
 * `runBlock` (`worker.ts`): seal, send, allocate, release stragglers. A run that must wait (too
 * early, the exchange down, an outcome unknown, another worker on the block) sends the message
 * again, delayed; a failure throws, so SQS delivers the message again and, past the queue's
 * redrive policy, moves it to the dead-letter queue.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { parseBlockId, type BlockOrderMessage } from '#shared/blocks.ts';
import { readExecutionSettings } from '#shared/execution-settings.ts';
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
if (settings.mode !== 'aggregated') {
  throw new Error('the block worker runs only with EXECUTION_SETTINGS in aggregated mode');
}
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

const deps: BlockWorkerDeps = {
  dynamodb,
  executionsTable: env.EXECUTIONS_TABLE,
  plansTable: env.PLANS_TABLE,
  exchange: exchangeFromEnvironment(dynamodb, (error) =>
    logger.warn('could not update the shared exchange state', { error }),
  ),
  readFlags: flagsFromEnvironment(),
  windowSeconds: settings.windowSeconds,
  maxOrderMinor: settings.maxOrderMinor,
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
};

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

export const handler = async (event: SQSEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  try {
    for (const record of event.Records) {
      const { blockId } = parseBlockMessage(record.body);
      const result = await runBlock(
        deps,
        blockId,
        context.getRemainingTimeInMillis() + LEASE_MARGIN_MS,
      );
      logger.info('block run', { blockId, ...result });
    }
  } finally {
    flushMetrics(metrics);
  }
};
