/**
 * Purchase workflow step: places the slot's market buy, exactly once.
 *
 * - Idempotent per plan and slot with Powertools (never per execution id), for a week: every
 *   retry, duplicate execution and redelivery gets the first outcome.
 * - It sends an order only for a run it moves from PENDING to SUBMITTED itself: a run the
 *   workflow has just decided (plan active, slot still planned, kill switch off, amount within the
 *   maximum). SUBMITTED means "an order may exist", nothing else.
 * - Finding the run SUBMITTED (an earlier attempt's outcome is unknown) it reads the order back by
 *   its client order id and never sends: an order found is the outcome, whatever the plan's state
 *   is now; none found puts the run back to PENDING and throws {@link OrderNotPlacedError}, so the
 *   workflow decides again (the kill switch, a pause or a delete since then all hold) before
 *   anything new may be sent. `readBack: true` asks for only that read-back.
 * - Every failure that proves nothing was sent (the market rules could not be read, the exchange
 *   unreachable, its circuit open, the request budget taken, the API key refused, the credentials
 *   or the shared exchange state unreadable: every `ExchangeUnavailableError`) puts the run back to
 *   PENDING.
 * - Never places an order after the purchase window: past it, a slot with no order ends
 *   WINDOW_EXPIRED.
 * - Never spends more than the plan's amount; amounts under the exchange minimum fail with a reason.
 * - Every exchange call goes through the shared circuit breaker and request budget.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { CURRENCY_DIGITS } from '#domain/currencies.ts';
import {
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type ExchangeOrder,
} from '#domain/exchange.ts';
import { clientOrderIdFor } from '#domain/ids.ts';
import { floorTo, fromUnits, toUnits, type MoneyError } from '#domain/money.ts';
import { windowExpired } from '#domain/purchase-decision.ts';
import {
  EXECUTION_STATUS,
  FAILURE_CODE,
  ORDER_OUTCOME,
  type ExecutionStatus,
  type FailureCode,
} from '#shared/executions.ts';
import {
  isPlaceOrderProbe,
  type PLACE_ORDER_PROBE,
  type PlaceOrderProbeAnswer,
} from '#shared/release.ts';
import { MEMBER_ATTRIBUTE } from '#shared/blocks.ts';
import { EXECUTION_PROGRESS_ATTRIBUTE, orderDayKey, ownerPlanKey } from '#shared/tables.ts';
import { documentClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { ExchangeCircuitOpenError } from '../lib/exchange-guard.ts';
import { exchangeFromEnvironment } from '../lib/exchanges.ts';

const logger = new Logger();
const metrics = new Metrics();
const env = requireEnvironment([
  'EXECUTIONS_TABLE',
  'IDEMPOTENCY_TABLE',
  'PURCHASE_WINDOW_SECONDS',
]);
const windowMs = Number(env.PURCHASE_WINDOW_SECONDS) * 1000;
const dynamodb = documentClient();
const exchange = exchangeFromEnvironment(dynamodb, (error) =>
  logger.warn('could not update the shared exchange state', { error }),
);

export interface PlaceOrderEvent {
  readonly planId: string;
  readonly userId: string;
  readonly scheduledFor: string;
  readonly clientOrderId: string;
  readonly amount: string;
  readonly currency: string;
  /** Only read back an order an earlier attempt may have sent; never send one. */
  readonly readBack?: boolean;
}

interface Fill {
  /** What the run spent at most, as sent to the exchange (decimal string), and its currency. */
  readonly amount: string;
  readonly currency: string;
  readonly exchangeOrderId: string;
  /** Satoshis, as a digit string. */
  readonly btcAcquired: string;
  /** Fiat minor units, as digit strings. */
  readonly spent: string;
  readonly fee: string;
  readonly net: string;
  /** Fiat per BTC, fees excluded, as a decimal string. */
  readonly averagePrice: string;
  readonly filledAt: string;
}

export type PlaceOrderResult =
  | ({ readonly outcome: typeof ORDER_OUTCOME.FILLED } & Fill)
  | ({
      readonly outcome: typeof ORDER_OUTCOME.PARTIALLY_FILLED;
      readonly code: typeof FAILURE_CODE.PARTIAL_FILL;
      readonly reason: string;
    } & Fill)
  | {
      readonly outcome: typeof ORDER_OUTCOME.REJECTED | typeof ORDER_OUTCOME.ALREADY_RECORDED;
      readonly code: FailureCode;
      readonly reason: string;
    };

/** Thrown for an event the workflow could not have sent. */
export class InvalidOrderEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOrderEventError';
  }
}

/**
 * No order exists for the slot (the run was SUBMITTED, the exchange has none with its client order
 * id, or the run was never sent): the run is PENDING, and the workflow must decide again before
 * anything may be sent. Thrown, not returned, so that no idempotency record keeps it.
 */
export class OrderNotPlacedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderNotPlacedError';
  }
}

/**
 * The slot joined a block order (aggregated mode): the block worker finishes it, and the per-slot
 * path neither sends, reads back nor resets it. Thrown, not returned, so that no idempotency
 * record keeps it; the workflow stops the run (`InBlock`).
 */
export class RunInBlockError extends Error {
  constructor(blockId: string) {
    super(`the run is a member of block ${blockId}: the block worker finishes it`);
    this.name = 'RunInBlockError';
  }
}

/** The exchange reported spending more than the plan's amount: never record it as normal. */
export class OverspendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OverspendError';
  }
}

/** A run's amount in minor units of its currency. */
interface RunAmount {
  readonly amount: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly digits: number;
}

function runAmount(amount: string, currency: string): RunAmount {
  const digits = Object.hasOwn(CURRENCY_DIGITS, currency) ? CURRENCY_DIGITS[currency] : undefined;
  if (digits === undefined) throw new InvalidOrderEventError(`unsupported currency ${currency}`);
  try {
    return { amount, currency, amountMinor: toUnits(amount, digits), digits };
  } catch (error) {
    throw new InvalidOrderEventError((error as MoneyError).message);
  }
}

function validate(event: PlaceOrderEvent): RunAmount {
  for (const field of [
    'planId',
    'userId',
    'scheduledFor',
    'clientOrderId',
    'amount',
    'currency',
  ] as const) {
    if (typeof event?.[field] !== 'string' || event[field].length === 0) {
      throw new InvalidOrderEventError(`${field} must be a non-empty string`);
    }
  }
  if (event.clientOrderId !== clientOrderIdFor(event.planId, event.scheduledFor)) {
    throw new InvalidOrderEventError('clientOrderId does not belong to this plan and slot');
  }
  return runAmount(event.amount, event.currency);
}

/**
 * Moves a PENDING run to SUBMITTED with what is about to be sent (amount, currency, the day the
 * order goes out for reconciliation); false when the run is not PENDING. Only the attempt that
 * makes this move may send an order.
 */
async function claimToSend(event: PlaceOrderEvent): Promise<boolean> {
  const now = new Date().toISOString();
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: env.EXECUTIONS_TABLE,
        Key: runKey(event),
        UpdateExpression:
          'SET #status = :submitted, amount = :amount, currency = :currency, updatedAt = :now, orderDay = if_not_exists(orderDay, :day), submittedAt = if_not_exists(submittedAt, :now)',
        // A member of a block (aggregated mode) is never sent by the per-slot path.
        ConditionExpression: '#status = :pending AND attribute_not_exists(#blockId)',
        ExpressionAttributeNames: { '#status': 'status', '#blockId': MEMBER_ATTRIBUTE.blockId },
        ExpressionAttributeValues: {
          ':submitted': EXECUTION_STATUS.SUBMITTED,
          ':pending': EXECUTION_STATUS.PENDING,
          ':amount': event.amount,
          ':currency': event.currency,
          ':now': now,
          ':day': orderDayKey(now, event.planId),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

interface RunRecord {
  readonly status: ExecutionStatus;
  readonly amount: string;
  readonly currency: string;
  /** Set on a member of a block order (aggregated mode). */
  readonly blockId?: string;
}

/** The run's execution record as it is now (strongly consistent), or undefined. */
async function readRun(
  event: Pick<PlaceOrderEvent, 'userId' | 'planId' | 'scheduledFor'>,
): Promise<RunRecord | undefined> {
  const { Item } = await dynamodb.send(
    new GetCommand({
      TableName: env.EXECUTIONS_TABLE,
      Key: runKey(event),
      ProjectionExpression: '#status, amount, currency, #blockId',
      ExpressionAttributeNames: { '#status': 'status', '#blockId': MEMBER_ATTRIBUTE.blockId },
      ConsistentRead: true,
    }),
  );
  return Item as RunRecord | undefined;
}

function runKey(event: Pick<PlaceOrderEvent, 'userId' | 'planId' | 'scheduledFor'>): {
  ownerPlan: string;
  scheduledFor: string;
} {
  return { ownerPlan: ownerPlanKey(event.userId, event.planId), scheduledFor: event.scheduledFor };
}

/**
 * Back to PENDING after a failure that proves no order was sent in this attempt, and none exists
 * from an earlier one (the run was PENDING before it, or the read-back found none): the next
 * attempt decides afresh (flags, plan state). A failure here leaves the run SUBMITTED, which only
 * costs a read-back.
 */
async function markPending(event: PlaceOrderEvent): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: env.EXECUTIONS_TABLE,
        Key: runKey(event),
        UpdateExpression: `SET #status = :pending, updatedAt = :now, ${EXECUTION_PROGRESS_ATTRIBUTE} = :now`,
        // A member's SUBMITTED belongs to its block's order: the per-slot path never resets it.
        ConditionExpression: '#status = :submitted AND attribute_not_exists(#blockId)',
        ExpressionAttributeNames: { '#status': 'status', '#blockId': MEMBER_ATTRIBUTE.blockId },
        ExpressionAttributeValues: {
          ':pending': EXECUTION_STATUS.PENDING,
          ':submitted': EXECUTION_STATUS.SUBMITTED,
          ':now': new Date().toISOString(),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** The workflow's outcome for an order as the exchange reports it. */
export function outcomeOf(order: ExchangeOrder, run: RunAmount): PlaceOrderResult {
  const { amountMinor, digits } = run;
  if (order.status === 'OPEN') {
    // Not final yet at the exchange: the workflow retries and looks the order up again.
    throw new ExchangeUnknownOutcomeError(`order ${order.exchangeOrderId} is still open`);
  }
  if (order.spentMinor > amountMinor) {
    throw new OverspendError(
      `order ${order.exchangeOrderId} spent ${order.spentMinor} > plan amount ${amountMinor}`,
    );
  }
  if (order.filledSats === 0n) {
    return {
      outcome: ORDER_OUTCOME.REJECTED,
      code: FAILURE_CODE.REJECTED,
      reason: 'The exchange cancelled the order before any of it was filled. Nothing was spent.',
    };
  }
  const fill: Fill = {
    amount: run.amount,
    currency: run.currency,
    exchangeOrderId: order.exchangeOrderId,
    btcAcquired: order.filledSats.toString(),
    spent: order.spentMinor.toString(),
    fee: order.feeMinor.toString(),
    net: (order.spentMinor - order.feeMinor).toString(),
    averagePrice: fromUnits(order.averagePriceMinor, digits),
    filledAt: new Date().toISOString(),
  };
  if (order.status === 'FILLED') return { outcome: ORDER_OUTCOME.FILLED, ...fill };
  return {
    outcome: ORDER_OUTCOME.PARTIALLY_FILLED,
    code: FAILURE_CODE.PARTIAL_FILL,
    reason: `Only ${fromUnits(order.spentMinor, digits)} ${order.currency} of ${fromUnits(amountMinor, digits)} ${order.currency} could be bought: the exchange could not fill the whole order. The rest was not spent.`,
    ...fill,
  };
}

const ALREADY_RECORDED: PlaceOrderResult = {
  outcome: ORDER_OUTCOME.ALREADY_RECORDED,
  code: FAILURE_CODE.REJECTED,
  reason: 'This run was already recorded.',
};

/**
 * The read-back of a run that an earlier attempt may have sent (SUBMITTED): that order's outcome;
 * or, when the exchange has none, the run back to PENDING and {@link OrderNotPlacedError}.
 */
async function readBackSubmitted(
  event: PlaceOrderEvent,
  run: RunAmount,
): Promise<PlaceOrderResult> {
  const existing = await exchange.findOrder(event.clientOrderId, run.currency, event.scheduledFor);
  if (existing !== null) {
    logger.info('found the order of an earlier attempt', { clientOrderId: event.clientOrderId });
    metrics.addMetric('OrdersRecovered', MetricUnit.Count, 1);
    return outcomeOf(existing, run);
  }
  await markPending(event);
  metrics.addMetric('RunsDecidedAgain', MetricUnit.Count, 1);
  throw new OrderNotPlacedError(
    `the exchange has no order ${event.clientOrderId}: the run is PENDING and is decided again`,
  );
}

/** Everything but a fresh send: what the run's record says, read back at the exchange if needed. */
async function resume(event: PlaceOrderEvent): Promise<PlaceOrderResult> {
  const run = await readRun(event);
  if (run === undefined) throw new InvalidOrderEventError('the slot has no execution record');
  // Its block's worker reads back, places and records a member: nothing here may.
  if (run.blockId !== undefined) throw new RunInBlockError(run.blockId);
  // What the earlier attempt sent is on the record, whatever this event's decision says now.
  if (run.status === EXECUTION_STATUS.SUBMITTED)
    return readBackSubmitted(event, runAmount(run.amount, run.currency));
  if (run.status === EXECUTION_STATUS.PENDING) {
    // PENDING is only ever written while no order exists: decide, then send.
    throw new OrderNotPlacedError(`run ${event.clientOrderId} is PENDING: nothing was sent`);
  }
  return ALREADY_RECORDED;
}

async function placeOrder(event: PlaceOrderEvent): Promise<PlaceOrderResult> {
  const run = validate(event);
  if (event.readBack === true || !(await claimToSend(event))) return resume(event);
  const expired = windowExpired(event.scheduledFor, Date.now(), windowMs);
  if (expired !== null) {
    metrics.addMetric('WindowExpired', MetricUnit.Count, 1);
    return { outcome: ORDER_OUTCOME.REJECTED, code: expired.code, reason: expired.reason };
  }
  // Before the order call, every failure proves nothing was sent; during it, only the port's
  // ExchangeUnavailableError does; after it, the order exists.
  let phase: 'before' | 'placing' | 'placed' = 'before';
  try {
    const market = await exchange.market(event.currency);
    // Never spend more than the plan's amount: round the quote down to the market's increment.
    const quoteMinor = floorTo(run.amountMinor, market.quoteIncrementMinor);
    if (quoteMinor < market.minQuoteMinor) {
      throw new ExchangeRejectedError(
        'BELOW_MINIMUM',
        `${event.amount} ${event.currency} is below the exchange's minimum order of ${fromUnits(market.minQuoteMinor, run.digits)} ${event.currency}.`,
      );
    }
    phase = 'placing';
    const order = await exchange.placeMarketBuy({
      clientOrderId: event.clientOrderId,
      currency: event.currency,
      quoteMinor,
    });
    phase = 'placed';
    const result = outcomeOf(order, run);
    metrics.addMetric(`Orders_${result.outcome}`, MetricUnit.Count, 1);
    return result;
  } catch (error) {
    if (error instanceof ExchangeRejectedError) {
      metrics.addMetric(`OrdersRejected_${error.code}`, MetricUnit.Count, 1);
      return { outcome: ORDER_OUTCOME.REJECTED, code: error.code, reason: error.message };
    }
    if (phase === 'before' || (phase === 'placing' && error instanceof ExchangeUnavailableError)) {
      await markPending(event);
    }
    throw error;
  }
}

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE });
const idempotencyConfig = new IdempotencyConfig({
  // Plan and slot, never the execution id: duplicate executions share the record. The literal
  // names the shape of the stored result (since 'v2' it carries the amount and currency the order
  // was sent with): a record of an earlier shape is never answered, and a run it belonged to is
  // read back from the exchange instead.
  eventKeyJmesPath: "[planId, scheduledFor, 'v2']",
  throwOnNoIdempotencyKey: true,
  // Longer than any redelivery: Scheduler retries for 15 minutes, dead letters are redriven by hand.
  expiresAfterSeconds: 7 * 24 * 60 * 60,
});

const idempotentPlaceOrder = makeIdempotent(placeOrder, {
  persistenceStore,
  config: idempotencyConfig,
});

/**
 * The pre-traffic hook's probe (`PLACE_ORDER_PROBE` in `shared/release.ts`): a new version reads
 * the run of a slot no plan has, with its configuration, client and role, and answers whether it
 * exists. It runs before the idempotency store (whose first step is a write) and never reaches the
 * exchange or a write.
 */
async function probe(): Promise<PlaceOrderProbeAnswer> {
  const run = await readRun({
    userId: 'pre-traffic',
    planId: 'probe',
    scheduledFor: '1970-01-01T00:00:00.000Z',
  });
  return { probe: 'pre-traffic', runFound: run !== undefined };
}

export const handler = async (
  event: PlaceOrderEvent | typeof PLACE_ORDER_PROBE,
  context: Context,
): Promise<PlaceOrderResult | PlaceOrderProbeAnswer> => {
  if (isPlaceOrderProbe(event)) return probe();
  logger.addContext(context);
  idempotencyConfig.registerLambdaContext(context);
  try {
    return await idempotentPlaceOrder(event);
  } catch (error) {
    countRefusal(error);
    throw error;
  } finally {
    flushMetrics(metrics);
  }
};

/**
 * The refusals the business alarms read (`APP_METRICS['place-order']`), counted where every path
 * ends (a fresh order and a read-back alike): an order refused as overspend, and an exchange call
 * the open circuit refused. Counted only when they happen: the alarms treat no data as OK.
 */
function countRefusal(error: unknown): void {
  if (error instanceof OverspendError) {
    logger.error("refused an order that spent more than the plan's amount", { error });
    metrics.addMetric('OverspendBlocked', MetricUnit.Count, 1);
  } else if (error instanceof ExchangeCircuitOpenError) {
    metrics.addMetric('BreakerRejections', MetricUnit.Count, 1);
  }
}
