/**
 * Consumes the retry queue: starts the purchase workflow again for each slot whose backoff is due.
 *
 * - A slot whose backoff (`domain/retry-backoff.ts`, counted from when the slot was first queued)
 *   is not due yet goes back to the queue for the rest of the wait, as a new message delayed by
 *   up to 15 minutes that remembers when it is due (`notBefore`). A new message rather than a
 *   longer visibility timeout: waiting must not count as a failed receive, or a long outage
 *   would push healthy slots into the dead-letter queue.
 * - A slot that is due while the exchange's circuit is open counts as an attempt that failed fast
 *   and waits for its next backoff step (at least until the circuit may close, spread over a few
 *   seconds): a long outage costs each slot a message per backoff step, and a recovering exchange
 *   is not met by the whole backlog at once.
 * - Otherwise the workflow starts with the slot as input. Its claim, the idempotent order step and
 *   the client order id make a duplicate start harmless.
 *
 * Partial batch failures: only the messages not started come back; a message that is not a retry
 * message keeps failing until the queue's redrive policy moves it to the dead-letter queue.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { admission, type BreakerState } from '#domain/circuit-breaker.ts';
import { retryDelayMs } from '#domain/retry-backoff.ts';
import { parseRetryMessage } from '#shared/retry-message.ts';
import { documentClient, sfnClient, sqsClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { SharedCircuitBreaker } from '../lib/exchange-guard.ts';
import { exchangeName } from '../lib/exchanges.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment([
  'PURCHASE_STATE_MACHINE_ARN',
  'RETRY_QUEUE_URL',
  'EXCHANGE',
  'EXCHANGE_STATE_TABLE',
]);
const sfn = sfnClient();
const sqs = sqsClient();
const breaker = new SharedCircuitBreaker(exchangeName(), {
  dynamodb: documentClient(),
  tableName: env.EXCHANGE_STATE_TABLE,
});

/** Waits shorter than this start at once: not worth a round trip through the queue. */
const MIN_WAIT_MS = 1000;
/** How far apart slots waiting for an open circuit come back. */
const REOPEN_SPREAD_MS = 10_000;

/** The longest delay SQS gives a message. */
const MAX_DELAY_SECONDS = 900;

/** What to do with a queued slot now: start it (`waitMs` 0) or send it back to wait. */
export interface Dispatch {
  readonly waitMs: number;
  /** The attempt the slot is on when it next comes back. */
  readonly attempt: number;
}

/**
 * When a queued slot runs next. A slot waits out its backoff; one that is due while the circuit is
 * open counts as an attempt that failed fast and waits for its next backoff (at least until the
 * circuit may close, spread by slot), so a long outage costs each slot one message per backoff
 * step, not one per breaker cycle.
 */
export function nextDispatch(
  record: {
    readonly sentAt: number;
    readonly attempt: number;
    readonly clientOrderId: string;
    readonly notBefore?: string;
  },
  breakerState: BreakerState,
  nowMs: number,
): Dispatch {
  const due =
    record.notBefore === undefined
      ? record.sentAt + retryDelayMs(record.attempt, record.clientOrderId)
      : Date.parse(record.notBefore);
  const wait = due - nowMs;
  if (wait >= MIN_WAIT_MS) return { waitMs: wait, attempt: record.attempt };
  if (admission(breakerState, nowMs) !== 'REJECT') return { waitMs: 0, attempt: record.attempt };
  const attempt = record.attempt + 1;
  const spread = Math.floor((retryDelayMs(1, record.clientOrderId) % REOPEN_SPREAD_MS) / 2);
  const mayClose = Math.max(breakerState.openUntil, breakerState.probeUntil) - nowMs + spread;
  return {
    waitMs: Math.max(mayClose, retryDelayMs(attempt, record.clientOrderId), MIN_WAIT_MS),
    attempt,
  };
}

async function dispatch(record: SQSRecord, breakerState: BreakerState): Promise<void> {
  const message = parseRetryMessage(record.body);
  const now = Date.now();
  const { waitMs, attempt } = nextDispatch(
    { sentAt: Number(record.attributes.SentTimestamp), ...message },
    breakerState,
    now,
  );
  if (waitMs > 0) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: env.RETRY_QUEUE_URL,
        MessageBody: JSON.stringify({
          ...message,
          attempt,
          notBefore: new Date(now + waitMs).toISOString(),
        }),
        DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil(waitMs / 1000)),
      }),
    );
    metrics.addMetric(
      attempt > message.attempt ? 'RetriesHeldByBreaker' : 'RetriesWaiting',
      MetricUnit.Count,
      1,
    );
    return;
  }
  const { notBefore: _done, ...input } = message;
  await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: env.PURCHASE_STATE_MACHINE_ARN,
      input: JSON.stringify(input),
    }),
  );
  metrics.addMetric('RetriesStarted', MetricUnit.Count, 1);
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    const breakerState = await breaker.read();
    const results = await Promise.allSettled(
      event.Records.map((record) => dispatch(record, breakerState)),
    );
    const batchItemFailures = event.Records.flatMap((record, index) => {
      const result = results[index];
      if (result?.status === 'fulfilled') return [];
      logger.error('could not restart or re-queue the slot', {
        messageId: record.messageId,
        error: result?.reason as Error,
      });
      return [{ itemIdentifier: record.messageId }];
    });
    return { batchItemFailures };
  } finally {
    flushMetrics(metrics);
  }
};
