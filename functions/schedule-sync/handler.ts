/**
 * The plans table's stream consumer: every change to a plan that can move its schedule (create,
 * update, pause, resume, delete, a finished purchase) re-syncs that plan's schedule from the
 * record's new image, in stream order, and the user's changes go to the bus
 * (`functions/lib/plan-stream.ts`); its own write back and purchase totals cost nothing. Partial
 * batch failures let Lambda retry only from the first failed record; a batch that still fails
 * goes to the `plan-stream-failures` queue, which `schedule-resync` works off (reading the plan
 * from the table: its records come back late).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, DynamoDBStreamEvent, DynamoDBBatchResponse } from 'aws-lambda';
import { eventBridgeClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { planRecordHandler } from '../lib/plan-stream.ts';
import { schedulingDepsFromEnvironment } from '../lib/scheduling-deps.ts';

const logger = new Logger();
const metrics = new Metrics();
const processor = new BatchProcessor(EventType.DynamoDBStreams);
const { EVENT_BUS_NAME } = requireEnvironment(['EVENT_BUS_NAME']);
const deps = {
  scheduling: schedulingDepsFromEnvironment(),
  events: eventBridgeClient(),
  eventBusName: EVENT_BUS_NAME,
  logger,
  metrics,
};

export const handler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, planRecordHandler(deps, 'image'), processor, {
      context,
    });
  } finally {
    metrics.publishStoredMetrics();
  }
};
