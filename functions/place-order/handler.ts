/**
 * Purchase workflow step: places the slot's market buy, exactly once.
 *
 * - Idempotent per plan and slot with Powertools (never per execution id), for a week: every
 *   retry, duplicate execution and redelivery gets the first outcome.
 * - Before calling the exchange it stores SUBMITTED on the execution record (the client order id
 *   is already there). Finding SUBMITTED means an earlier attempt's outcome is unknown: the order
 *   is looked up by its client order id before anything is placed.
 * - A failure that proves nothing was sent (exchange unreachable, circuit open, request budget
 *   taken) puts the record back to PENDING, so the next attempt decides afresh.
 * - Never places an order after the purchase window: past it, a slot with no order ends
 *   WINDOW_EXPIRED.
 * - Never spends more than the plan's amount; amounts under the exchange minimum fail with a reason.
 * - Every exchange call goes through the shared circuit breaker and request budget.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
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
import { orderDayKey, ownerPlanKey } from '#shared/tables.ts';
import { documentClient } from '../lib/aws.ts';
import { requireEnvironment } from '../lib/environment.ts';
import { flushMetrics } from '../lib/metrics.ts';
import { exchangeFromEnvironment } from '../lib/exchanges.ts';

const logger = new Logger();
const metrics = new Metrics();
const tracer = new Tracer();
const env = requireEnvironment([
  'EXECUTIONS_TABLE',
  'IDEMPOTENCY_TABLE',
  'PURCHASE_WINDOW_SECONDS',
]);
const windowMs = Number(env.PURCHASE_WINDOW_SECONDS) * 1000;
const dynamodb = documentClient(tracer);
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
}

interface Fill {
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
  | ({ readonly outcome: 'FILLED' } & Fill)
  | ({
      readonly outcome: 'PARTIALLY_FILLED';
      readonly code: 'PARTIAL_FILL';
      readonly reason: string;
    } & Fill)
  | {
      readonly outcome: 'REJECTED' | 'ALREADY_RECORDED';
      readonly code: string;
      readonly reason: string;
    };

/** Thrown for an event the workflow could not have sent. */
export class InvalidOrderEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOrderEventError';
  }
}

/** The exchange reported spending more than the plan's amount: never record it as normal. */
export class OverspendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OverspendError';
  }
}

function validate(event: PlaceOrderEvent): { amountMinor: bigint; digits: number } {
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
  const digits = Object.hasOwn(CURRENCY_DIGITS, event.currency)
    ? CURRENCY_DIGITS[event.currency]
    : undefined;
  if (digits === undefined)
    throw new InvalidOrderEventError(`unsupported currency ${event.currency}`);
  try {
    return { amountMinor: toUnits(event.amount, digits), digits };
  } catch (error) {
    throw new InvalidOrderEventError((error as MoneyError).message);
  }
}

/** Marks the execution SUBMITTED; answers the status it had, or null when it is final already. */
async function markSubmitted(event: PlaceOrderEvent): Promise<string | null> {
  const now = new Date().toISOString();
  try {
    const { Attributes } = await dynamodb.send(
      new UpdateCommand({
        TableName: env.EXECUTIONS_TABLE,
        Key: {
          ownerPlan: ownerPlanKey(event.userId, event.planId),
          scheduledFor: event.scheduledFor,
        },
        UpdateExpression:
          'SET #status = :submitted, amount = :amount, currency = :currency, updatedAt = :now, orderDay = if_not_exists(orderDay, :day), submittedAt = if_not_exists(submittedAt, :now)',
        ConditionExpression: '#status IN (:pending, :submitted)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':pending': 'PENDING',
          ':amount': event.amount,
          ':currency': event.currency,
          ':now': now,
          ':day': orderDayKey(now, event.planId),
        },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    return (Attributes?.status as string | undefined) ?? 'PENDING';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return null;
    throw error;
  }
}

/**
 * Back to PENDING after a failure that proves no order was sent in this attempt, and none exists
 * from an earlier one (the lookup said so): the next attempt decides afresh (flags, plan state).
 */
async function markPending(event: PlaceOrderEvent): Promise<void> {
  try {
    await dynamodb.send(
      new UpdateCommand({
        TableName: env.EXECUTIONS_TABLE,
        Key: {
          ownerPlan: ownerPlanKey(event.userId, event.planId),
          scheduledFor: event.scheduledFor,
        },
        UpdateExpression: 'SET #status = :pending, updatedAt = :now',
        ConditionExpression: '#status = :submitted',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING',
          ':submitted': 'SUBMITTED',
          ':now': new Date().toISOString(),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** The workflow's outcome for an order as the exchange reports it. */
export function outcomeOf(
  order: ExchangeOrder,
  amountMinor: bigint,
  digits: number,
): PlaceOrderResult {
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
      outcome: 'REJECTED',
      code: 'REJECTED',
      reason: 'The exchange cancelled the order before any of it was filled. Nothing was spent.',
    };
  }
  const fill: Fill = {
    exchangeOrderId: order.exchangeOrderId,
    btcAcquired: order.filledSats.toString(),
    spent: order.spentMinor.toString(),
    fee: order.feeMinor.toString(),
    net: (order.spentMinor - order.feeMinor).toString(),
    averagePrice: fromUnits(order.averagePriceMinor, digits),
    filledAt: new Date().toISOString(),
  };
  if (order.status === 'FILLED') return { outcome: 'FILLED', ...fill };
  return {
    outcome: 'PARTIALLY_FILLED',
    code: 'PARTIAL_FILL',
    reason: `Only ${fromUnits(order.spentMinor, digits)} ${order.currency} of ${fromUnits(amountMinor, digits)} ${order.currency} could be bought: the exchange could not fill the whole order. The rest was not spent.`,
    ...fill,
  };
}

async function placeOrder(event: PlaceOrderEvent): Promise<PlaceOrderResult> {
  const { amountMinor, digits } = validate(event);
  const previous = await markSubmitted(event);
  if (previous === null) {
    return {
      outcome: 'ALREADY_RECORDED',
      code: 'REJECTED',
      reason: 'This run was already recorded.',
    };
  }
  if (previous === 'SUBMITTED') {
    // An earlier attempt may have placed the order: never send another before looking.
    const existing = await exchange.findOrder(
      event.clientOrderId,
      event.currency,
      event.scheduledFor,
    );
    if (existing !== null) {
      logger.info('found the order of an earlier attempt', { clientOrderId: event.clientOrderId });
      metrics.addMetric('OrdersRecovered', MetricUnit.Count, 1);
      return outcomeOf(existing, amountMinor, digits);
    }
  }
  const expired = windowExpired(event.scheduledFor, Date.now(), windowMs);
  if (expired !== null) {
    metrics.addMetric('WindowExpired', MetricUnit.Count, 1);
    return { outcome: 'REJECTED', code: expired.code, reason: expired.reason };
  }
  try {
    const market = await exchange.market(event.currency);
    // Never spend more than the plan's amount: round the quote down to the market's increment.
    const quoteMinor = floorTo(amountMinor, market.quoteIncrementMinor);
    if (quoteMinor < market.minQuoteMinor) {
      throw new ExchangeRejectedError(
        'BELOW_MINIMUM',
        `${event.amount} ${event.currency} is below the exchange's minimum order of ${fromUnits(market.minQuoteMinor, digits)} ${event.currency}.`,
      );
    }
    const order = await exchange.placeMarketBuy({
      clientOrderId: event.clientOrderId,
      currency: event.currency,
      quoteMinor,
    });
    const result = outcomeOf(order, amountMinor, digits);
    metrics.addMetric(`Orders_${result.outcome}`, MetricUnit.Count, 1);
    return result;
  } catch (error) {
    if (error instanceof ExchangeRejectedError) {
      metrics.addMetric(`OrdersRejected_${error.code}`, MetricUnit.Count, 1);
      return { outcome: 'REJECTED', code: error.code, reason: error.message };
    }
    if (error instanceof ExchangeUnavailableError) await markPending(event);
    throw error;
  }
}

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: env.IDEMPOTENCY_TABLE });
const idempotencyConfig = new IdempotencyConfig({
  // Plan and slot, never the execution id: duplicate executions share the record.
  eventKeyJmesPath: '[planId, scheduledFor]',
  throwOnNoIdempotencyKey: true,
  // Longer than any redelivery: Scheduler retries for 15 minutes, dead letters are redriven by hand.
  expiresAfterSeconds: 7 * 24 * 60 * 60,
});

const idempotentPlaceOrder = makeIdempotent(placeOrder, {
  persistenceStore,
  config: idempotencyConfig,
});

export const handler = async (
  event: PlaceOrderEvent,
  context: Context,
): Promise<PlaceOrderResult> => {
  logger.addContext(context);
  idempotencyConfig.registerLambdaContext(context);
  try {
    return await idempotentPlaceOrder(event);
  } finally {
    flushMetrics(metrics);
  }
};
