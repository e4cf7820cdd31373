/**
 * Counts every final outcome of a slot into the metrics the SLO and its alarms read
 * (`APP_METRICS['slot-outcomes']` in `shared/monitoring/alarms.ts`): it consumes the slot-outcomes
 * queue, which the outcomes rule feeds with `PurchaseSucceeded`, `PurchaseFailed`,
 * `PurchaseSkipped` (the workflow) and `PlanRunMissed` (the sweeper).
 *
 * Each invocation publishes one EMF record with every count, zeros included: the SLO's and the
 * failed share's metric math divide sums of several of these metrics, and a period where one of
 * them had no data point would have no value at all.
 *
 * A malformed event (not JSON, not one of the four outcomes, a detail that does not match the
 * catalog, a time or slot that is not an instant) is logged, counted in
 * `OutcomeEventsMalformed` and dropped, not failed: it is the same on every receive, so retrying
 * it could only park it in the dead-letter queue, whose alarm pages someone for a metric. The
 * event itself is not lost: the audit rule keeps every event of the account.
 *
 * Duplicates: the queue and the rule deliver at least once, so an event may come twice. An event
 * is counted once per execution environment (its id is remembered once its counts are
 * published), and a redelivery to another environment is counted again. That rare double count is
 * accepted rather than an idempotency record per event: these counts feed percentages and burn
 * rates over hours, where one event more in both numerator and denominator moves nothing an alarm
 * sees, while a DynamoDB write per event would add a table, its permissions and a way for the
 * counting itself to fail and dead-letter.
 *
 * Partial batch failures: a record's counts are added only once it has been read whole, so a
 * record that fails (nothing expected can) is counted when its retry succeeds, never twice.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  countOutcome,
  MalformedOutcomeError,
  NO_OUTCOMES,
  slotOutcomeOf,
  type OutcomeCounts,
  type SlotOutcome,
} from '#domain/slot-outcomes.ts';
import { APP_METRICS, SLO_FINAL_WITHIN_SECONDS } from '#shared/monitoring/alarms.ts';

const logger = new Logger();
const metrics = new Metrics();
const processor = new BatchProcessor(EventType.SQS);

/** The catalog's name for each count: the compiler holds the two together. */
const METRIC_NAMES: Readonly<Record<keyof OutcomeCounts, string>> = APP_METRICS['slot-outcomes'];

/** How many counted event ids an environment remembers (a few hours of traffic at most). */
const REMEMBERED_EVENTS = 10_000;

/** The ids of events this environment has counted and published, oldest first. */
const counted = new Set<string>();

function remember(ids: Iterable<string>): void {
  for (const id of ids) {
    counted.add(id);
    if (counted.size > REMEMBERED_EVENTS) {
      const oldest = counted.values().next();
      if (oldest.done !== true) counted.delete(oldest.value);
    }
  }
}

/** The message's outcome, or null (logged) when it can never be counted. */
function readOutcome(record: SQSRecord): SlotOutcome | null {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    logger.error('dropped a message that is not JSON', { messageId: record.messageId });
    return null;
  }
  try {
    return slotOutcomeOf(body);
  } catch (error) {
    if (!(error instanceof MalformedOutcomeError)) throw error;
    logger.error('dropped an event that is not a slot outcome', {
      messageId: record.messageId,
      problems: error.problems,
    });
    return null;
  }
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  let counts = NO_OUTCOMES;
  let malformed = 0;
  let duplicates = 0;
  const countedNow = new Set<string>();
  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const outcome = readOutcome(record);
    if (outcome === null) {
      malformed += 1;
      return;
    }
    if (counted.has(outcome.eventId) || countedNow.has(outcome.eventId)) {
      duplicates += 1;
      logger.info('an outcome delivered again is not counted again', {
        eventId: outcome.eventId,
      });
      return;
    }
    counts = countOutcome(counts, outcome, SLO_FINAL_WITHIN_SECONDS);
    countedNow.add(outcome.eventId);
  };
  try {
    return await processPartialResponse(event, handleRecord, processor, { context });
  } finally {
    for (const [count, name] of Object.entries(METRIC_NAMES) as [keyof OutcomeCounts, string][]) {
      metrics.addMetric(name, MetricUnit.Count, counts[count]);
    }
    metrics.addMetric('OutcomeEventsMalformed', MetricUnit.Count, malformed);
    metrics.addMetric('OutcomeEventsDuplicate', MetricUnit.Count, duplicates);
    metrics.publishStoredMetrics();
    remember(countedNow);
  }
};
