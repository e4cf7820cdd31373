/**
 * The paper exchange for cloud stacks that trade on paper (`exchange: paper`): the same market
 * rules and fills as the local paper exchange, with its orders in a DynamoDB table keyed by client
 * order id, so a repeated order answers the first one (as Coinbase does) even across Lambdas.
 * Each port call takes one token of the request budget, as a call to a real exchange would take at
 * least one.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { BTC_DIGITS } from '#domain/currencies.ts';
import {
  ExchangeRejectedError,
  type Exchange,
  type ExchangeOrder,
  type Market,
  type MarketBuy,
} from '#domain/exchange.ts';
import { fromUnits, toUnits } from '#domain/money.ts';
import { UNLIMITED, type RequestBudget } from './common.ts';
import {
  fillPaperOrder,
  paperDigits,
  type PaperOrder,
  type PaperSettings,
} from '#domain/paper-market.ts';

function digitsOf(currency: string): number {
  const digits = paperDigits(currency);
  if (digits === undefined)
    throw new ExchangeRejectedError('REJECTED', `${currency} is not a supported currency.`);
  return digits;
}

function toOrder(order: PaperOrder): ExchangeOrder {
  const digits = digitsOf(order.currency);
  return {
    exchangeOrderId: order.orderId,
    clientOrderId: order.clientOrderId,
    currency: order.currency,
    status: order.status,
    quoteMinor: toUnits(order.quote, digits),
    filledSats: toUnits(order.filledSize, BTC_DIGITS),
    spentMinor: toUnits(order.spent, digits),
    feeMinor: toUnits(order.fee, digits),
    averagePriceMinor: toUnits(order.averagePrice, digits),
    createdAt: order.createdAt,
  };
}

export class PaperTableExchange implements Exchange {
  readonly name = 'paper';
  readonly #dynamodb: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #settings: PaperSettings;
  readonly #budget: RequestBudget;

  /** `budget`: one token per port call; default none (unit tests). */
  constructor(
    dynamodb: DynamoDBDocumentClient,
    tableName: string,
    settings: PaperSettings,
    budget: RequestBudget = UNLIMITED,
  ) {
    this.#dynamodb = dynamodb;
    this.#tableName = tableName;
    this.#settings = settings;
    this.#budget = budget;
  }

  async market(currency: string): Promise<Market> {
    await this.#budget.take();
    const market = Object.hasOwn(this.#settings.markets, currency)
      ? this.#settings.markets[currency]
      : undefined;
    if (market === undefined)
      throw new ExchangeRejectedError('REJECTED', `The exchange has no BTC-${currency} market.`);
    const digits = digitsOf(currency);
    return {
      currency,
      priceMinor: toUnits(market.price, digits),
      feeRate: this.#settings.feeRate,
      minQuoteMinor: toUnits(market.minQuote, digits),
      minBaseSats: toUnits(this.#settings.minBase, BTC_DIGITS),
      quoteIncrementMinor: toUnits(market.quoteIncrement, digits),
      baseIncrementSats: toUnits(this.#settings.baseIncrement, BTC_DIGITS),
    };
  }

  async placeMarketBuy(order: MarketBuy): Promise<ExchangeOrder> {
    await this.#budget.take();
    const fill = fillPaperOrder(
      this.#settings,
      {
        clientOrderId: order.clientOrderId,
        currency: order.currency,
        quote: fromUnits(order.quoteMinor, digitsOf(order.currency)),
      },
      randomUUID(),
      new Date().toISOString(),
    );
    if (!fill.ok)
      throw new ExchangeRejectedError(
        fill.code === 'BELOW_MINIMUM' ? 'BELOW_MINIMUM' : 'REJECTED',
        fill.message,
      );
    try {
      await this.#dynamodb.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: fill.order,
          ConditionExpression: 'attribute_not_exists(clientOrderId)',
        }),
      );
      return toOrder(fill.order);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.#order(order.clientOrderId);
      if (existing === null) throw error;
      return existing;
    }
  }

  /** Paper trading keeps few orders; a filtered scan is fine here (never for the real ledger). */
  async ordersBetween(since: string, until: string): Promise<ExchangeOrder[]> {
    await this.#budget.take();
    const orders: ExchangeOrder[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#dynamodb.send(
        new ScanCommand({
          TableName: this.#tableName,
          FilterExpression: 'createdAt >= :since AND createdAt < :until',
          ExpressionAttributeValues: { ':since': since, ':until': until },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) orders.push(toOrder(item as PaperOrder));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return orders;
  }

  /** Orders are keyed by client order id: one read, no window needed. */
  async findOrder(
    clientOrderId: string,
    _currency: string,
    _notBefore: string,
  ): Promise<ExchangeOrder | null> {
    await this.#budget.take();
    return this.#order(clientOrderId);
  }

  async #order(clientOrderId: string): Promise<ExchangeOrder | null> {
    const { Item } = await this.#dynamodb.send(
      new GetCommand({ TableName: this.#tableName, Key: { clientOrderId }, ConsistentRead: true }),
    );
    return Item === undefined ? null : toOrder(Item as PaperOrder);
  }
}
