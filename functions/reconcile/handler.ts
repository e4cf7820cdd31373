/**
 * Daily reconciliation, run once a day by a recurring schedule: reads the exchange's orders of
 * the previous UTC day (or of `{"day": "YYYY-MM-DD"}`) and the ledger entries whose order was sent
 * around it, matches them by client order id (`domain/reconciliation.ts`) and publishes a
 * `ReconciliationBreak` event for every mismatch, then a `ReconciliationCompleted` summary.
 *
 * The ledger side comes from the sparse `orders` index, one partition per day and shard: no scan.
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import {
  dayBounds,
  previousDay,
  reconcile,
  type LedgerEntry,
  type ReconciliationResult,
} from '#domain/reconciliation.ts';
import { busEntry } from '#shared/bus-events.ts';
import { EXECUTION_SHARDS } from '#shared/tables.ts';
import { documentClient, eventBridgeClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { exchangeFromEnvironment } from '../lib/exchanges.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment(['EXECUTIONS_TABLE', 'EVENT_BUS_NAME']);
const dynamodb = documentClient();
const events = eventBridgeClient();
// Reconciliation only reads orders: it holds the view-only key, never the one that trades.
const exchange = exchangeFromEnvironment(
  dynamodb,
  (error) => logger.warn('could not update the shared exchange state', { error }),
  process.env,
  'EXCHANGE_READONLY_SECRET_ARN',
);

/** Orders and ledger entries this close to the day's edges are read too (clock differences). */
const MARGIN_MS = 60 * 60 * 1000;

export interface ReconcileEvent {
  readonly day?: string;
}

/** Thrown for an event with a day that is not YYYY-MM-DD. */
export class InvalidReconcileEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReconcileEventError';
  }
}

async function ledgerOf(day: string): Promise<LedgerEntry[]> {
  const start = Date.parse(`${day}T00:00:00Z`);
  const days = [start - 86_400_000, start, start + 86_400_000].map((ms) =>
    new Date(ms).toISOString().slice(0, 10),
  );
  const partitions = days.flatMap((each) =>
    Array.from({ length: EXECUTION_SHARDS }, (_, shard) => `${each}#${shard}`),
  );
  const pages = await Promise.all(
    partitions.map(async (orderDay) => {
      const items: LedgerEntry[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await dynamodb.send(
          new QueryCommand({
            TableName: env.EXECUTIONS_TABLE,
            IndexName: 'orders',
            KeyConditionExpression: 'orderDay = :day',
            ExpressionAttributeValues: { ':day': orderDay },
            ExclusiveStartKey: startKey,
          }),
        );
        items.push(...((page.Items ?? []) as LedgerEntry[]));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return items;
    }),
  );
  return pages.flat();
}

async function publish(entries: PutEventsRequestEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += 10) {
    const { FailedEntryCount, Entries } = await events.send(
      new PutEventsCommand({ Entries: entries.slice(start, start + 10) }),
    );
    if ((FailedEntryCount ?? 0) > 0) {
      throw new Error(
        `EventBridge refused ${FailedEntryCount} event(s): ${JSON.stringify(Entries)}`,
      );
    }
  }
}

export const handler = async (
  event: ReconcileEvent | null,
  context: Context,
): Promise<ReconciliationResult> => {
  logger.addContext(context);
  try {
    const day = event?.day ?? previousDay(Date.now());
    try {
      dayBounds(day);
    } catch (error) {
      throw new InvalidReconcileEventError((error as Error).message);
    }
    const { start, end } = dayBounds(day);
    const [orders, ledger] = await Promise.all([
      exchange.ordersBetween(
        new Date(Date.parse(start) - MARGIN_MS).toISOString(),
        new Date(Date.parse(end) + MARGIN_MS).toISOString(),
      ),
      ledgerOf(day),
    ]);
    const result = reconcile(day, orders, ledger);
    // Counted before publishing (zero included): breaks found are breaks, even when their events
    // cannot be published and the run fails (its retries may count them again; the alarm fires
    // on any).
    metrics.addMetric('ReconciliationBreaks', MetricUnit.Count, result.breaks.length);
    await publish([
      ...result.breaks.map((found) =>
        busEntry(env.EVENT_BUS_NAME, 'ReconciliationBreak', {
          day,
          exchange: exchange.name,
          ...found,
        }),
      ),
      busEntry(env.EVENT_BUS_NAME, 'ReconciliationCompleted', {
        day,
        exchange: exchange.name,
        exchangeOrders: result.exchangeOrders,
        ledgerEntries: result.ledgerEntries,
        matched: result.matched,
        breaks: result.breaks.length,
      }),
    ]);
    if (result.breaks.length > 0)
      logger.error('reconciliation found breaks', { day, breaks: result.breaks.length });
    return result;
  } finally {
    flushMetrics(metrics);
  }
};
