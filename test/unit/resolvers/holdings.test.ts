/**
 * The caller's holdings (`Query.holdings`) and the block an execution bought through
 * (`Execution.block`), evaluated as bundled APPSYNC_JS code: exact requests and exact answers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, context, loadHandlers, type Handlers } from '../../support/resolvers.ts';

let handlers: (name: string) => Handlers;

beforeAll(async () => {
  handlers = await loadHandlers();
});

describe('Query.holdings', () => {
  it("queries only the caller's holdings partition", () => {
    expect(call(handlers('Query.holdings').request, context({}, {}, 'bob'))).toEqual({
      kind: 'value',
      value: {
        operation: 'Query',
        query: {
          expression: '#ownerPlan = :ownerPlan',
          expressionNames: { '#ownerPlan': 'ownerPlan' },
          expressionValues: { ':ownerPlan': { S: 'holdings#bob' } },
        },
      },
    });
  });

  it('refuses a caller without a sub', () => {
    expect(call(handlers('Query.holdings').request, context({}, { identity: null }))).toMatchObject(
      { kind: 'error', errorType: 'Unauthorized' },
    );
  });

  it('answers exact decimals per currency, in the order of the sort key (the currency)', () => {
    const items = [
      {
        ownerPlan: 'holdings#alice',
        scheduledFor: 'EUR',
        currency: 'EUR',
        userId: 'alice',
        btcSats: 1234567,
        spentMinor: 25000,
        feesMinor: 150,
        costMinor: 24850,
        purchases: 10,
        updatedAt: '2026-11-23T08:00:01.000Z',
      },
      {
        ownerPlan: 'holdings#alice',
        scheduledFor: 'USD',
        btcSats: 54000,
        spentMinor: 2500,
        feesMinor: 15,
        costMinor: 2485,
        purchases: 1,
      },
    ];
    expect(call(handlers('Query.holdings').response, context({}, { result: { items } }))).toEqual({
      kind: 'value',
      value: [
        {
          currency: 'EUR',
          btcBought: '0.01234567',
          amountSpent: '250.00',
          fees: '1.50',
          // 24850 * 10^8 / 1234567 = 2012851.469...: 20128.51 per BTC, rounded down.
          averagePrice: '20128.51',
          purchases: 10,
        },
        {
          currency: 'USD',
          btcBought: '0.00054000',
          amountSpent: '25.00',
          fees: '0.15',
          // 2485 * 10^8 / 54000 = 4601851.85...: rounded half up to 46018.52.
          averagePrice: '46018.52',
          purchases: 1,
        },
      ],
    });
  });

  it('rounds the average price half up, exactly beyond 2^53', () => {
    const item = {
      ownerPlan: 'holdings#alice',
      scheduledFor: 'EUR',
      // 2 * 10^8 sats (2 BTC) for 9,000,000,000.01 EUR without fees: the numerator 9e19 is far
      // beyond 2^53, and the price 4,500,000,000.005 rounds up to ...0.01.
      btcSats: 200000000,
      spentMinor: 900000000001,
      feesMinor: 0,
      costMinor: 900000000001,
      purchases: 3,
    };
    expect(
      call(handlers('Query.holdings').response, context({}, { result: { items: [item] } })),
    ).toEqual({
      kind: 'value',
      value: [
        {
          currency: 'EUR',
          btcBought: '2.00000000',
          amountSpent: '9000000000.01',
          fees: '0.00',
          averagePrice: '4500000000.01',
          purchases: 3,
        },
      ],
    });
  });

  it('answers null for the average price while nothing was bought, and an empty list for a new user', () => {
    const empty = { ownerPlan: 'holdings#alice', scheduledFor: 'EUR' };
    expect(
      call(handlers('Query.holdings').response, context({}, { result: { items: [empty] } })),
    ).toEqual({
      kind: 'value',
      value: [
        {
          currency: 'EUR',
          btcBought: '0.00000000',
          amountSpent: '0.00',
          fees: '0.00',
          averagePrice: null,
          purchases: 0,
        },
      ],
    });
    expect(
      call(handlers('Query.holdings').response, context({}, { result: { items: [] } })),
    ).toEqual({ kind: 'value', value: [] });
  });

  it('re-raises a data source error instead of answering an empty list', () => {
    const error = { type: 'DynamoDB:ProvisionedThroughputExceededException', message: 'slow down' };
    expect(call(handlers('Query.holdings').response, context({}, { error, result: null }))).toEqual(
      {
        kind: 'error',
        message: 'slow down',
        errorType: 'DynamoDB:ProvisionedThroughputExceededException',
        errorInfo: null,
      },
    );
  });
});

describe('Execution.block, through Query.executions', () => {
  const PLAN_ID = '01KAQ9ZP1VYV3M9S6N1E2B3C4D';
  const FILLED = {
    ownerPlan: `alice#${PLAN_ID}`,
    scheduledFor: '2026-11-23T08:00:00Z',
    planId: PLAN_ID,
    userId: 'alice',
    status: 'FILLED',
    amount: '25.00',
    currency: 'EUR',
    clientOrderId: 'c-1',
    btcAcquired: '54021',
    fee: '15',
    spent: '2500',
    averagePrice: '46000.00',
    exchangeOrderId: 'x-1',
    createdAt: '2026-11-23T08:00:00.000Z',
    updatedAt: '2026-11-23T08:00:01.000Z',
  };
  const EXECUTION = {
    id: `${PLAN_ID}_2026-11-23T08:00:00Z`,
    planId: PLAN_ID,
    scheduledFor: '2026-11-23T08:00:00Z',
    status: 'FILLED',
    amount: '25.00',
    currency: 'EUR',
    btcAcquired: '0.00054021',
    averagePrice: '46000.00',
    fee: '0.15',
    clientOrderId: 'c-1',
    exchangeOrderId: 'x-1',
    failureReason: null,
    failureCode: null,
    attempts: 0,
    createdAt: '2026-11-23T08:00:00.000Z',
    updatedAt: '2026-11-23T08:00:01.000Z',
  };
  const answer = (item: object) =>
    call(
      handlers('Query.executions').response,
      context({ planId: PLAN_ID }, { result: { items: [item], nextToken: null } }),
    );

  it('is null for a run that placed its own order', () => {
    expect(answer(FILLED)).toEqual({
      kind: 'value',
      value: { items: [{ ...EXECUTION, block: null }], nextToken: null },
    });
  });

  it("maps a member's allocation: the block order, its size, price, the run's share and what it did not spend", () => {
    const member = {
      ...FILLED,
      exchangeOrderId: 'block-x-9',
      blockId: 'EUR#2026-11-23T08:00:00.000Z',
      blockMember: 'EUR#2026-11-23T08:00:00.000Z#3',
      blockQuote: '2500',
      blockPart: 0,
      blockClientOrderId: '5b0e0c4e-2f7a-5d8b-9c1e-0a2b3c4d5e6f',
      blockOrderId: 'block-x-9',
      blockSize: 400,
      blockAveragePrice: '46000.12',
      blockShare: '0.00250000',
      unspent: '7',
    };
    expect(answer(member)).toEqual({
      kind: 'value',
      value: {
        items: [
          {
            ...EXECUTION,
            exchangeOrderId: 'block-x-9',
            block: {
              clientOrderId: '5b0e0c4e-2f7a-5d8b-9c1e-0a2b3c4d5e6f',
              orderId: 'block-x-9',
              size: 400,
              averagePrice: '46000.12',
              share: '0.00250000',
              unspent: '0.07',
            },
          },
        ],
        nextToken: null,
      },
    });
  });

  it('answers null for the order id, price and unspent amount of a block not yet placed', () => {
    const joined = {
      ...FILLED,
      status: 'SUBMITTED',
      blockClientOrderId: '5b0e0c4e-2f7a-5d8b-9c1e-0a2b3c4d5e6f',
      blockSize: 2,
      blockShare: '0.50000000',
    };
    expect(answer(joined)).toMatchObject({
      kind: 'value',
      value: {
        items: [
          {
            block: {
              clientOrderId: '5b0e0c4e-2f7a-5d8b-9c1e-0a2b3c4d5e6f',
              orderId: null,
              size: 2,
              averagePrice: null,
              share: '0.50000000',
              unspent: null,
            },
          },
        ],
      },
    });
  });
});
