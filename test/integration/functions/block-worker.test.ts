/**
 * The block worker against DynamoDB Local and the paper exchange (in-process, over HTTP, with its
 * faults): a block's members are sealed, decided again, bought with one order per part and
 * allocated exactly; duplicates, crashes, unknown outcomes, outages, rejections, partial fills,
 * the kill switch and late joiners behave as in per-slot mode. Each test has its own window.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type Exchange,
} from '#domain/exchange.ts';
import { DEFAULT_FLAGS, type Flags } from '#domain/flags.ts';
import { clientOrderIdFor } from '#domain/ids.ts';
import { createJsonServer, createRoutes } from '#local/http.ts';
import { ensureTables, LOCAL_AWS } from '#local/services/dynamodb.ts';
import { NO_EXCHANGE_FAULTS, PaperExchange } from '#local/services/paper-exchange-server.ts';
import {
  blockClientOrderId,
  blockIdOf,
  blockKey,
  blockMemberKey,
  blockPartKey,
  type BlockOrderMessage,
} from '#shared/blocks.ts';
import type { BusEntry } from '#shared/bus-events.ts';
import { holdingsKey } from '#shared/holdings.ts';
import type { RetryMessage } from '#shared/retry-message.ts';
import { executionsTable, ownerPlanKey, plansTable } from '#shared/tables.ts';
import { PaperExchangeClient } from '../../../functions/lib/exchanges/paper-http.ts';
import { runBlock, type BlockWorkerDeps } from '../../../functions/block-worker/worker.ts';
import { sharedDynamoDbEndpoint } from '../../support/dynamodb.ts';

const prefix = `t${randomUUID().slice(0, 8)}`;
const EXECUTIONS = `${prefix}-executions`;
const PLANS = `${prefix}-plans`;
const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: sharedDynamoDbEndpoint() });
const dynamodb = DynamoDBDocumentClient.from(client, {
  marshallOptions: { removeUndefinedValues: true },
});

let paper = new PaperExchange(Date.now);
const routes = createRoutes();
routes.prefixes.set('/api', (request) => paper.handler('/api')(request));
const server = createJsonServer(routes, () => undefined);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const exchange = new PaperExchangeClient(
  `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
  2000,
);

beforeAll(async () => {
  await ensureTables(client, [
    { table: executionsTable, name: EXECUTIONS },
    { table: plansTable, name: PLANS },
  ]);
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** What the worker sent out during a test. */
let events: BusEntry[] = [];
let messages: { message: BlockOrderMessage; delaySeconds: number }[] = [];
let retries: RetryMessage[] = [];
let metrics: Record<string, number> = {};
let flags: () => Flags = () => DEFAULT_FLAGS;

beforeEach(() => {
  paper = new PaperExchange(Date.now);
  events = [];
  messages = [];
  retries = [];
  metrics = {};
  flags = () => DEFAULT_FLAGS;
});

const LEASE_MS = 120_000;

function deps(overrides: Partial<BlockWorkerDeps> = {}): BlockWorkerDeps {
  return {
    dynamodb,
    executionsTable: EXECUTIONS,
    plansTable: PLANS,
    exchange,
    readFlags: () => Promise.resolve(flags()),
    windowSeconds: 60,
    maxOrderMinor: {},
    purchaseWindowMs: 6 * 3_600_000,
    eventBusName: 'bus',
    putEvents: (entries) => {
      events.push(...entries);
      return Promise.resolve();
    },
    sendBlockMessage: (message, delaySeconds) => {
      messages.push({ message, delaySeconds });
      return Promise.resolve();
    },
    sendRetry: (message) => {
      retries.push(message);
      return Promise.resolve();
    },
    count: (metric, value) => (metrics[metric] = (metrics[metric] ?? 0) + value),
    log: () => undefined,
    now: Date.now,
    ...overrides,
  };
}

/** A window of its own for each test: whole minutes in the past, already sealable. */
const THIS_MINUTE = Math.floor(Date.now() / 60_000) * 60_000;
let windowsUsed = 2;
function pastWindow(): { blockId: string; slot: string } {
  windowsUsed += 1;
  const start = THIS_MINUTE - windowsUsed * 60_000;
  return {
    blockId: blockIdOf('EUR', start),
    slot: new Date(start).toISOString().replace('.000Z', 'Z'),
  };
}

interface Member {
  readonly userId: string;
  readonly planId: string;
  readonly slot: string;
  readonly quote: string;
}

/** A plan buying daily at the slot's time, and its run joined to the block with `quote` (cents). */
async function member(
  blockId: string,
  slot: string,
  quote: string,
  plan: Record<string, unknown> = {},
  owner?: string,
): Promise<Member> {
  const planId = randomUUID();
  const userId = owner ?? `user-${planId.slice(0, 8)}`;
  const amount = (Number(quote) / 100).toFixed(2);
  await dynamodb.send(
    new PutCommand({
      TableName: PLANS,
      Item: {
        userId,
        planId,
        status: 'ACTIVE',
        amount,
        currency: 'EUR',
        schedule: {
          frequency: 'DAILY',
          timeOfDay: slot.slice(11, 16),
          timezone: 'UTC',
          startDate: '2026-01-01',
        },
        version: 1,
        ...plan,
      },
    }),
  );
  await dynamodb.send(
    new PutCommand({
      TableName: EXECUTIONS,
      Item: {
        ownerPlan: ownerPlanKey(userId, planId),
        scheduledFor: slot,
        planId,
        userId,
        status: 'PENDING',
        openShard: '3',
        clientOrderId: clientOrderIdFor(planId, slot),
        amount,
        currency: 'EUR',
        planVersion: 1,
        executionArn: `arn:execution:${planId}`,
        blockId,
        blockMember: blockMemberKey(blockId, planId),
        blockQuote: quote,
        blockJoinedAt: slot,
      },
    }),
  );
  return { userId, planId, slot, quote };
}

async function execution(of: Member): Promise<Record<string, unknown>> {
  const { Item } = await dynamodb.send(
    new GetCommand({
      TableName: EXECUTIONS,
      Key: { ownerPlan: ownerPlanKey(of.userId, of.planId), scheduledFor: of.slot },
      ConsistentRead: true,
    }),
  );
  return Item ?? {};
}

async function item(key: Record<string, string>): Promise<Record<string, unknown>> {
  const { Item } = await dynamodb.send(
    new GetCommand({ TableName: EXECUTIONS, Key: key, ConsistentRead: true }),
  );
  return Item ?? {};
}

async function plan(of: Member): Promise<Record<string, unknown>> {
  const { Item } = await dynamodb.send(
    new GetCommand({
      TableName: PLANS,
      Key: { userId: of.userId, planId: of.planId },
      ConsistentRead: true,
    }),
  );
  return Item ?? {};
}

const ordersOf = (blockId: string, part = 0) =>
  paper.state().orders.filter((order) => order.clientOrderId === blockClientOrderId(blockId, part));

function at<T>(list: readonly T[], index: number): T {
  return present(list[index]);
}

function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

const cents = (text: string) => BigInt(text.replace('.', ''));
const sats = (text: string) => BigInt(text.replace('.', ''));

/** The sums of the members' recorded figures, which must be the order's. */
async function totals(members: readonly Member[]) {
  const records = await Promise.all(members.map(execution));
  return {
    sats: records.reduce((sum, record) => sum + BigInt(record.btcAcquired as string), 0n),
    spent: records.reduce((sum, record) => sum + BigInt(record.spent as string), 0n),
    fee: records.reduce((sum, record) => sum + BigInt(record.fee as string), 0n),
  };
}

describe('the block worker', () => {
  it('buys a block of many members with one order and allocates it exactly', async () => {
    const { blockId, slot } = pastWindow();
    const quotes = ['2500', '1000', '333', '10000', '2500', '777', '1234', '5000', '999', '4321'];
    const members = await Promise.all(quotes.map((quote) => member(blockId, slot, quote)));

    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });

    const orders = ordersOf(blockId);
    expect(orders.length).toBe(1);
    const order = at(orders, 0);
    expect(order.quote).toBe('286.64');
    expect(await totals(members)).toEqual({
      sats: sats(order.filledSize),
      spent: cents(order.spent),
      fee: cents(order.fee),
    });
    const first = await execution(at(members, 0));
    expect(first).toMatchObject({
      status: 'FILLED',
      failureCode: null,
      exchangeOrderId: order.orderId,
      blockOrderId: order.orderId,
      blockClientOrderId: blockClientOrderId(blockId, 0),
      blockSize: 10,
      blockPart: 0,
      blockAveragePrice: order.averagePrice,
      averagePrice: order.averagePrice,
      blockShare: '0.08721741',
      amount: '25.00',
      currency: 'EUR',
      unspent: '0',
    });
    expect(first.openShard).toBeUndefined();
    expect(await plan(at(members, 0))).toMatchObject({
      executionCount: 1,
      totalSpentMinor: Number(first.spent),
      totalNetMinor: Number(first.spent) - Number(first.fee),
      totalSats: Number(first.btcAcquired),
      lastRunAt: slot,
      lastSlotAt: slot,
    });
    expect(await item(holdingsKey(at(members, 0).userId, 'EUR'))).toMatchObject({
      btcSats: Number(first.btcAcquired),
      spentMinor: Number(first.spent),
      feesMinor: Number(first.fee),
      costMinor: Number(first.spent) - Number(first.fee),
      purchases: 1,
    });
    expect(await item(blockPartKey(blockId, 0))).toMatchObject({
      status: 'ALLOCATED',
      quoteMinor: '28664',
      memberCount: 10,
      exchangeOrderId: order.orderId,
    });
    expect(await item(blockKey(blockId))).toMatchObject({ status: 'DONE', parts: 1 });
    expect(await item({ ownerPlan: 'holdings#house', scheduledFor: 'EUR' })).toEqual({});
    expect(events.map((entry) => entry.DetailType)).toEqual(quotes.map(() => 'PurchaseSucceeded'));
    expect(
      JSON.parse(
        present(events.find((entry) => entry.Detail.includes(at(members, 0).planId))).Detail,
      ),
    ).toEqual({
      planId: at(members, 0).planId,
      userId: at(members, 0).userId,
      scheduledFor: slot,
      status: 'FILLED',
      clientOrderId: clientOrderIdFor(at(members, 0).planId, slot),
      exchangeOrderId: order.orderId,
      amount: '25.00',
      currency: 'EUR',
      btcAcquiredSats: first.btcAcquired,
      spentMinor: first.spent,
      feeMinor: first.fee,
      averagePrice: order.averagePrice,
      executionArn: `arn:execution:${at(members, 0).planId}`,
    });
    expect(messages).toEqual([]);
  });

  it('records every member of one saver with its plan’s totals, all in the saver’s holdings', async () => {
    const { blockId, slot } = pastWindow();
    const saver = `saver-${randomUUID().slice(0, 8)}`;
    // Eight plans of one saver in one block: their transactions all post to one holdings item at
    // once, and a conflict must never record a purchase without its plan's totals.
    const members = await Promise.all(
      ['1000', '1100', '1200', '1300', '1400', '1500', '1600', '1700'].map((quote) =>
        member(blockId, slot, quote, {}, saver),
      ),
    );
    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });

    const records = await Promise.all(members.map(execution));
    expect(records.map((record) => record.status)).toEqual(members.map(() => 'FILLED'));
    const plans = await Promise.all(members.map(plan));
    expect(plans.map((item) => [item.executionCount, item.lastRunAt])).toEqual(
      members.map(() => [1, slot]),
    );
    const sum = (field: string) =>
      records.reduce((total, record) => total + Number(record[field] as string), 0);
    expect(await item(holdingsKey(saver, 'EUR'))).toMatchObject({
      btcSats: sum('btcAcquired'),
      spentMinor: sum('spent'),
      feesMinor: sum('fee'),
      purchases: 8,
    });
  });

  it('splits a block into parts at the stack’s maximum order amount, one order each', async () => {
    const { blockId, slot } = pastWindow();
    const members = await Promise.all(
      ['3000', '3000', '3000'].map((quote) => member(blockId, slot, quote)),
    );
    expect(await runBlock(deps({ maxOrderMinor: { EUR: '6000' } }), blockId, LEASE_MS)).toEqual({
      outcome: 'DONE',
    });
    expect(ordersOf(blockId, 0).map((order) => order.quote)).toEqual(['60.00']);
    expect(ordersOf(blockId, 1).map((order) => order.quote)).toEqual(['30.00']);
    const records = await Promise.all(members.map(execution));
    expect(records.map((record) => record.blockSize).sort()).toEqual([1, 2, 2]);
  });

  it('places one order when the same message runs twice at once', async () => {
    const { blockId, slot } = pastWindow();
    await Promise.all(['2500', '2500', '2500'].map((quote) => member(blockId, slot, quote)));
    const outcomes = await Promise.all([
      runBlock(deps(), blockId, LEASE_MS),
      runBlock(deps(), blockId, LEASE_MS),
    ]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['BUSY', 'DONE']);
    expect(ordersOf(blockId).length).toBe(1);
    expect(paper.state().stats.duplicateFills).toBe(0);
  });

  it('reads back the order of a run that crashed after sending it, and never sends again', async () => {
    const { blockId, slot } = pastWindow();
    const members = await Promise.all(
      ['2500', '1500'].map((quote) => member(blockId, slot, quote)),
    );
    const crashing: Exchange = {
      ...exchange,
      name: 'paper',
      market: (currency) => exchange.market(currency),
      findOrder: (...args) => exchange.findOrder(...args),
      ordersBetween: (...args) => exchange.ordersBetween(...args),
      placeMarketBuy: async (order) => {
        await exchange.placeMarketBuy(order);
        throw new Error('the worker died before recording the fill');
      },
    };
    await expect(runBlock(deps({ exchange: crashing }), blockId, LEASE_MS)).rejects.toThrow(
      'the worker died before recording the fill',
    );
    expect(await item(blockPartKey(blockId, 0))).toMatchObject({ status: 'SUBMITTED' });

    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    expect(paper.state().stats.orders).toBe(1);
    expect(metrics.BlockOrdersRecovered).toBe(1);
    expect((await Promise.all(members.map(execution))).map((record) => record.status)).toEqual([
      'FILLED',
      'FILLED',
    ]);
  });

  it('waits on an unknown outcome with the part SUBMITTED, then finds the order', async () => {
    const { blockId, slot } = pastWindow();
    await Promise.all(['2500', '1500'].map((quote) => member(blockId, slot, quote)));
    const unknown: Exchange = {
      name: 'paper',
      market: (currency) => exchange.market(currency),
      findOrder: (...args) => exchange.findOrder(...args),
      ordersBetween: (...args) => exchange.ordersBetween(...args),
      placeMarketBuy: async (order) => {
        await exchange.placeMarketBuy(order);
        throw new ExchangeUnknownOutcomeError('timed out after sending');
      },
    };
    const waiting = await runBlock(deps({ exchange: unknown }), blockId, LEASE_MS);
    expect(waiting.outcome).toBe('WAITING');
    expect(messages).toEqual([
      {
        message: { blockId },
        delaySeconds: waiting.outcome === 'WAITING' ? waiting.delaySeconds : -1,
      },
    ]);
    expect(await item(blockPartKey(blockId, 0))).toMatchObject({
      status: 'SUBMITTED',
      attempts: 1,
      failureCode: 'EXCHANGE_UNAVAILABLE',
      lastError: 'ExchangeUnknownOutcomeError',
    });

    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    expect(paper.state().stats.orders).toBe(1);
  });

  it('puts the part back to PENDING while the exchange is down, and buys once it is up', async () => {
    const { blockId, slot } = pastWindow();
    const members = await Promise.all(
      ['2500', '1500'].map((quote) => member(blockId, slot, quote)),
    );
    const down: Exchange = {
      name: 'paper',
      market: (currency) => exchange.market(currency),
      findOrder: (...args) => exchange.findOrder(...args),
      ordersBetween: (...args) => exchange.ordersBetween(...args),
      placeMarketBuy: () => Promise.reject(new ExchangeUnavailableError('503 from the exchange')),
    };
    expect((await runBlock(deps({ exchange: down }), blockId, LEASE_MS)).outcome).toBe('WAITING');
    expect(await item(blockPartKey(blockId, 0))).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(paper.state().stats.orders).toBe(0);

    paper.setFaults({ ...NO_EXCHANGE_FAULTS, down: true });
    expect((await runBlock(deps(), blockId, LEASE_MS)).outcome).toBe('WAITING');
    expect(await item(blockPartKey(blockId, 0))).toMatchObject({ status: 'PENDING', attempts: 2 });

    paper.setFaults(NO_EXCHANGE_FAULTS);
    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    expect(paper.state().stats.orders).toBe(1);
    expect((await execution(at(members, 1))).status).toBe('FILLED');
  });

  it('ends every member WINDOW_EXPIRED once the window passed while the exchange was down before the seal', async () => {
    const { blockId, slot } = pastWindow();
    const members = await Promise.all(
      ['2500', '1500'].map((quote) => member(blockId, slot, quote)),
    );
    paper.setFaults({ ...NO_EXCHANGE_FAULTS, down: true });
    expect((await runBlock(deps(), blockId, LEASE_MS)).outcome).toBe('WAITING');
    expect((await execution(at(members, 0))).status).toBe('PENDING');

    // Still down seven hours later: the members are decided again, without the market's rules.
    const later = deps({ now: () => Date.now() + 7 * 3_600_000 });
    expect(await runBlock(later, blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    paper.setFaults(NO_EXCHANGE_FAULTS);
    const records = await Promise.all(members.map(execution));
    expect(records.map((record) => [record.status, record.failureCode])).toEqual([
      ['FAILED', 'WINDOW_EXPIRED'],
      ['FAILED', 'WINDOW_EXPIRED'],
    ]);
    expect(paper.state().stats.orders).toBe(0);
    expect(events.map((entry) => entry.DetailType)).toEqual(['PurchaseFailed', 'PurchaseFailed']);
  });

  it('fails every member with the exchange’s code when it rejects the order', async () => {
    const { blockId, slot } = pastWindow();
    const members = await Promise.all(
      ['2500', '1500'].map((quote) => member(blockId, slot, quote)),
    );
    paper.setFaults({ ...NO_EXCHANGE_FAULTS, rejectInsufficientFunds: true });
    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    for (const record of await Promise.all(members.map(execution))) {
      expect(record).toMatchObject({
        status: 'FAILED',
        failureCode: 'INSUFFICIENT_FUNDS',
        failureReason: 'Insufficient funds in the account for this order.',
      });
    }
    expect(await plan(at(members, 0))).toMatchObject({ lastRunAt: slot, lastSlotAt: slot });
    expect(await item(blockPartKey(blockId, 0))).toMatchObject({
      status: 'FAILED',
      failureCode: 'INSUFFICIENT_FUNDS',
    });
    expect(events.map((entry) => entry.DetailType)).toEqual(['PurchaseFailed', 'PurchaseFailed']);
  });

  it('allocates a partial fill exactly and tells each member what it did not spend', async () => {
    const { blockId, slot } = pastWindow();
    const members = await Promise.all(
      ['6000', '3000', '1000'].map((quote) => member(blockId, slot, quote)),
    );
    paper.configure({ liquidity: { EUR: '50.00' } });
    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    const order = at(ordersOf(blockId), 0);
    expect(order.status).toBe('PARTIALLY_FILLED');
    expect(await totals(members)).toEqual({
      sats: sats(order.filledSize),
      spent: cents(order.spent),
      fee: cents(order.fee),
    });
    const records = await Promise.all(members.map(execution));
    expect(records.map((record) => [record.status, record.failureCode, record.unspent])).toEqual([
      ['PARTIALLY_FILLED', 'PARTIAL_FILL', '3000'],
      ['PARTIALLY_FILLED', 'PARTIAL_FILL', '1500'],
      ['PARTIALLY_FILLED', 'PARTIAL_FILL', '500'],
    ]);
    expect(at(records, 0).failureReason).toBe(
      'Only 30.00 EUR of 60.00 EUR could be bought: the exchange could not fill the whole order. The rest was not spent.',
    );
  });

  it.each([
    [
      'the kill switch',
      () => {
        flags = () => ({ ...DEFAULT_FLAGS, purchasesEnabled: false });
        return Promise.resolve();
      },
      ['SKIPPED', 'PURCHASES_DISABLED'],
    ],
    [
      'a lower maximum per run',
      () => {
        flags = () => ({
          ...DEFAULT_FLAGS,
          maxAmountPerRun: '20.00',
          maxAmountPerRunByCurrency: {},
        });
        return Promise.resolve();
      },
      ['FAILED', 'AMOUNT_ABOVE_LIMIT'],
    ],
    [
      'a pause of the plans',
      async (members: readonly Member[]) => {
        for (const { userId, planId } of members) {
          await dynamodb.send(
            new UpdateCommand({
              TableName: PLANS,
              Key: { userId, planId },
              UpdateExpression: 'SET #status = :paused',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':paused': 'PAUSED' },
            }),
          );
        }
      },
      ['SKIPPED', 'PLAN_PAUSED'],
    ],
  ] as [string, (members: readonly Member[]) => Promise<void>, [string, string]][])(
    'holds %s for a part left SUBMITTED by an order the exchange never got: read back, decided again, nothing sent',
    async (_control, apply, [status, code]) => {
      const { blockId, slot } = pastWindow();
      const members = await Promise.all(
        ['2500', '2500'].map((quote) => member(blockId, slot, quote)),
      );
      // Order entry fails after the part went SUBMITTED, without the exchange taking the order.
      const lost: Exchange = {
        name: 'paper',
        market: (currency) => exchange.market(currency),
        findOrder: (...args) => exchange.findOrder(...args),
        ordersBetween: (...args) => exchange.ordersBetween(...args),
        placeMarketBuy: () => Promise.reject(new ExchangeUnknownOutcomeError('timed out')),
      };
      expect((await runBlock(deps({ exchange: lost }), blockId, LEASE_MS)).outcome).toBe('WAITING');
      expect(await item(blockPartKey(blockId, 0))).toMatchObject({ status: 'SUBMITTED' });

      // The operator's control, then the recovery run.
      await apply(members);
      expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
      expect(paper.state().stats.orders).toBe(0);
      const records = await Promise.all(members.map(execution));
      expect(records.map((record) => [record.status, record.failureCode])).toEqual([
        [status, code],
        [status, code],
      ]);
    },
  );

  it('sends nothing when the kill switch is flipped between the seal and the order', async () => {
    const { blockId, slot } = pastWindow();
    const members = await Promise.all(
      ['2500', '1500'].map((quote) => member(blockId, slot, quote)),
    );
    let reads = 0;
    flags = () => {
      reads += 1;
      return { ...DEFAULT_FLAGS, purchasesEnabled: reads === 1 };
    };
    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    expect(paper.state().stats.orders).toBe(0);
    for (const record of await Promise.all(members.map(execution))) {
      expect(record).toMatchObject({
        status: 'SKIPPED',
        failureCode: 'PURCHASES_DISABLED',
        blockPart: 0,
      });
    }
    expect(await item(blockPartKey(blockId, 0))).toMatchObject({
      status: 'FAILED',
      memberCount: 0,
    });
    expect(events.map((entry) => entry.DetailType)).toEqual(['PurchaseSkipped', 'PurchaseSkipped']);
  });

  it('skips a member whose plan was paused before the seal, and buys for the others', async () => {
    const { blockId, slot } = pastWindow();
    const paused = await member(blockId, slot, '2500', { status: 'PAUSED' });
    const active = await member(blockId, slot, '1500');
    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    expect(await execution(paused)).toMatchObject({
      status: 'SKIPPED',
      failureCode: 'PLAN_PAUSED',
      failureReason: 'The plan is paused.',
    });
    expect((await plan(paused)).lastSlotAt).toBe(slot);
    expect(await execution(active)).toMatchObject({ status: 'FILLED', blockSize: 1 });
    expect(ordersOf(blockId).map((order) => order.quote)).toEqual(['15.00']);
    expect(
      JSON.parse(present(events.find((entry) => entry.DetailType === 'PurchaseSkipped')).Detail),
    ).toEqual({
      planId: paused.planId,
      userId: paused.userId,
      scheduledFor: slot,
      clientOrderId: clientOrderIdFor(paused.planId, slot),
      code: 'PLAN_PAUSED',
      reason: 'The plan is paused.',
      executionArn: `arn:execution:${paused.planId}`,
    });
  });

  it('releases a member that joined after the seal to the retry queue', async () => {
    const { blockId, slot } = pastWindow();
    await member(blockId, slot, '2500');
    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    const late = await member(blockId, slot, '1500');

    expect(await runBlock(deps(), blockId, LEASE_MS)).toEqual({ outcome: 'DONE' });
    const record = await execution(late);
    expect(record).toMatchObject({ status: 'PENDING' });
    expect([record.blockId, record.blockMember, record.blockQuote]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(retries).toEqual([
      {
        planId: late.planId,
        userId: late.userId,
        version: 1,
        scheduledFor: slot,
        clientOrderId: clientOrderIdFor(late.planId, slot),
        amount: '15.00',
        currency: 'EUR',
        attempt: 1,
        error: 'BlockSealed',
      },
    ]);
    expect(ordersOf(blockId).length).toBe(1);
  });

  it('sends the message back until the window may be sealed', async () => {
    const start = Math.floor(Date.now() / 60_000) * 60_000 + 120_000;
    const blockId = blockIdOf('EUR', start);
    const now = start - 30_000;
    expect(await runBlock(deps({ now: () => now }), blockId, LEASE_MS)).toEqual({
      outcome: 'TOO_EARLY',
      delaySeconds: 95,
    });
    expect(messages).toEqual([{ message: { blockId }, delaySeconds: 95 }]);
    const { Items } = await dynamodb.send(
      new QueryCommand({
        TableName: EXECUTIONS,
        KeyConditionExpression: 'ownerPlan = :block',
        ExpressionAttributeValues: { ':block': blockKey(blockId).ownerPlan },
      }),
    );
    expect(
      (Items ?? []).filter((entry) => entry.scheduledFor === blockKey(blockId).scheduledFor),
    ).toEqual([]);
  });
});
