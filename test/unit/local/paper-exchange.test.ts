/**
 * The paper exchange's HTTP API, driven through its handler with hand-built requests (no
 * sockets), and its configuration. Fill amounts are worked out by hand: 25.00 EUR at 46000.00
 * EUR/BTC with a 0.006 fee pays a fee of 0.15, leaves 24.85 and buys 54021 sats (24.85 / 46000
 * = 0.000540217... BTC, rounded down), an average of 46000.62 EUR/BTC.
 */
import { describe, expect, it } from 'vitest';
import { BadRequestError, type LocalRequest, type Reply } from '#local/http.ts';
import {
  DEFAULT_PAPER_SETTINGS,
  NO_EXCHANGE_FAULTS,
  PaperExchange,
  type PaperSettings,
} from '#local/services/paper-exchange-server.ts';

const NOW = Date.parse('2026-11-24T08:00:03.250Z');
const PREFIX = '/_local/exchange/api';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CLIENT_ORDER_ID = 'ef3fbece-4c77-5094-95a4-b6e24ee19c49';

function request(method: string, path: string, body?: unknown): LocalRequest {
  return {
    method,
    url: new URL(`http://x${PREFIX}${path}`),
    headers: {},
    sourceIp: '127.0.0.1',
    body: undefined,
    rawBody: body === undefined ? '' : JSON.stringify(body),
    bytes: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
  };
}

function exchange(settings?: PaperSettings): {
  paper: PaperExchange;
  call: (method: string, path: string, body?: unknown) => Promise<Reply>;
} {
  const paper = new PaperExchange(() => NOW, settings);
  const handler = paper.handler(PREFIX);
  return { paper, call: async (method, path, body) => handler(request(method, path, body)) };
}

function buy(quote: string, clientOrderId = CLIENT_ORDER_ID, currency = 'EUR') {
  return { clientOrderId, currency, quote };
}

/** The 25.00 EUR order at the default settings, without its random order id. */
const FILLED_25_EUR = {
  clientOrderId: CLIENT_ORDER_ID,
  currency: 'EUR',
  status: 'FILLED',
  quote: '25.00',
  filledSize: '0.00054021',
  spent: '25.00',
  fee: '0.15',
  averagePrice: '46000.62',
  createdAt: '2026-11-24T08:00:03.250Z',
};

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function expectBadRequest(action: () => unknown, message: string): void {
  const error = thrownBy(action);
  expect(error).toBeInstanceOf(BadRequestError);
  expect((error as Error).message).toEqual(message);
}

describe('PaperExchange markets', () => {
  it.each([
    ['EUR', '46000.00'],
    ['USD', '50000.00'],
    ['GBP', '40000.00'],
  ])('answers the rules and price of the BTC-%s market', async (currency, price) => {
    const { call } = exchange();
    expect(await call('GET', `/markets/${currency}`)).toEqual({
      status: 200,
      body: {
        currency,
        price,
        feeRate: '0.006',
        minQuote: '1.00',
        quoteIncrement: '0.01',
        minBase: '0.00001',
        baseIncrement: '0.00000001',
      },
    });
  });

  it('answers 404 UNKNOWN_MARKET for a currency it does not trade', async () => {
    const { call } = exchange();
    expect(await call('GET', '/markets/CHF')).toEqual({
      status: 404,
      body: { code: 'UNKNOWN_MARKET', message: 'no BTC-CHF market' },
    });
  });

  it('answers 404 for a path it does not know', async () => {
    const { call } = exchange();
    expect(await call('DELETE', '/orders')).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'no route DELETE /orders' },
    });
  });
});

describe('PaperExchange market buys', () => {
  it('fills a buy at the current price with exact amounts', async () => {
    const { paper, call } = exchange();
    const reply = await call('POST', '/orders', buy('25.00'));
    const orderId = (reply.body as { orderId: string }).orderId;
    expect({ uuid: UUID.test(orderId), reply }).toEqual({
      uuid: true,
      reply: { status: 200, body: { orderId, ...FILLED_25_EUR } },
    });
    expect(paper.state().orders).toEqual([{ orderId, ...FILLED_25_EUR }]);
  });

  it('fills at the price set by configure', async () => {
    const { paper, call } = exchange();
    paper.configure({ prices: { EUR: '50000.00' } });
    const reply = await call('POST', '/orders', buy('25.00'));
    const { orderId, ...order } = reply.body as { orderId: string };
    expect({ status: reply.status, order }).toEqual({
      status: 200,
      order: {
        ...FILLED_25_EUR,
        filledSize: '0.00049700',
        averagePrice: '50000.00',
      },
    });
    expect(paper.state().orders).toEqual([{ orderId, ...order }]);
  });

  it('answers the existing order for a client order id it has seen, without buying again', async () => {
    const { paper, call } = exchange();
    const first = await call('POST', '/orders', buy('25.00'));
    paper.configure({ prices: { EUR: '10000.00' } });
    const second = await call('POST', '/orders', buy('25.00'));
    expect(second).toEqual(first);
    expect(paper.state().orders).toEqual([first.body]);
  });

  it('answers the existing order even when a retry sends another amount', async () => {
    const { paper, call } = exchange();
    const first = await call('POST', '/orders', buy('25.00'));
    expect(await call('POST', '/orders', buy('30.00'))).toEqual(first);
    expect(paper.state().orders).toEqual([first.body]);
  });

  it('places a new order for a new client order id', async () => {
    const { paper, call } = exchange();
    await call('POST', '/orders', buy('25.00'));
    await call('POST', '/orders', buy('25.00', '69bdc2cf-5cae-574e-87f1-53851aa4fb59'));
    expect(paper.state().orders.map((order) => order.clientOrderId)).toEqual([
      CLIENT_ORDER_ID,
      '69bdc2cf-5cae-574e-87f1-53851aa4fb59',
    ]);
  });

  it('finds an order by its client order id', async () => {
    const { call } = exchange();
    const placed = await call('POST', '/orders', buy('25.00'));
    expect(await call('GET', `/orders?clientOrderId=${CLIENT_ORDER_ID}`)).toEqual(placed);
  });

  it('answers 404 NOT_FOUND for a client order id it has never seen', async () => {
    const { call } = exchange();
    expect(await call('GET', `/orders?clientOrderId=${CLIENT_ORDER_ID}`)).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'no such order' },
    });
  });

  it('lists the orders placed in a period, for reconciliation', async () => {
    const { call } = exchange();
    expect(await call('GET', '/orders')).toEqual({ status: 200, body: [] });
    const placed = await call('POST', '/orders', {
      clientOrderId: 'c-1',
      currency: 'EUR',
      quote: '25.00',
    });
    expect(
      await call('GET', '/orders?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z'),
    ).toEqual({ status: 200, body: [placed.body] });
    expect(await call('GET', '/orders?since=2999-01-01T00:00:00Z')).toEqual({
      status: 200,
      body: [],
    });
  });
});

describe('PaperExchange refusals', () => {
  it('refuses a quote under the minimum quote as BELOW_MINIMUM', async () => {
    const { paper, call } = exchange();
    expect(await call('POST', '/orders', buy('0.99'))).toEqual({
      status: 400,
      body: { code: 'BELOW_MINIMUM', message: 'The order is below the minimum of 1.00 EUR.' },
    });
    expect(paper.state().orders).toEqual([]);
  });

  it('accepts a quote of exactly the minimum', async () => {
    const { call } = exchange();
    const reply = await call('POST', '/orders', buy('1.00'));
    const { orderId: _orderId, ...order } = reply.body as { orderId: string };
    expect({ status: reply.status, order }).toEqual({
      status: 200,
      order: {
        ...FILLED_25_EUR,
        quote: '1.00',
        filledSize: '0.00002152',
        spent: '1.00',
        fee: '0.01',
        averagePrice: '46003.71',
      },
    });
  });

  it('refuses a buy of fewer sats than the minimum base size as BELOW_MINIMUM', async () => {
    const { paper, call } = exchange();
    // 1.00 EUR buys 2152 sats, under a minimum of 0.0001 BTC (10000 sats).
    paper.configure({ minBase: '0.0001' });
    expect(await call('POST', '/orders', buy('1.00'))).toEqual({
      status: 400,
      body: {
        code: 'BELOW_MINIMUM',
        message: 'The order buys less than the minimum of 0.0001 BTC.',
      },
    });
    expect(paper.state().orders).toEqual([]);
  });

  it('refuses a quote that is not a multiple of the quote increment as INVALID', async () => {
    const { paper, call } = exchange({
      ...DEFAULT_PAPER_SETTINGS,
      markets: { EUR: { price: '46000.00', minQuote: '1.00', quoteIncrement: '0.05' } },
    });
    expect(await call('POST', '/orders', buy('25.01'))).toEqual({
      status: 400,
      body: { code: 'INVALID', message: 'quote must be a multiple of 0.05' },
    });
    expect(paper.state().orders).toEqual([]);
  });

  it('refuses a quote with more decimals than the currency has as INVALID', async () => {
    const { call } = exchange();
    expect(await call('POST', '/orders', buy('25.001'))).toEqual({
      status: 400,
      body: { code: 'INVALID', message: 'quote must be a decimal string with at most 2 decimals' },
    });
  });

  it.each([
    ['no body', undefined],
    ['no clientOrderId', { currency: 'EUR', quote: '25.00' }],
    ['an empty clientOrderId', { clientOrderId: '', currency: 'EUR', quote: '25.00' }],
    ['no currency', { clientOrderId: CLIENT_ORDER_ID, quote: '25.00' }],
    ['no quote', { clientOrderId: CLIENT_ORDER_ID, currency: 'EUR' }],
    ['a numeric quote', { clientOrderId: CLIENT_ORDER_ID, currency: 'EUR', quote: 25 }],
  ])('refuses an order with %s as INVALID', async (_case, body) => {
    const { paper, call } = exchange();
    expect(await call('POST', '/orders', body)).toEqual({
      status: 400,
      body: { code: 'INVALID', message: 'clientOrderId, currency and quote are required strings' },
    });
    expect(paper.state().orders).toEqual([]);
  });

  it('refuses an order in a currency it does not trade as UNKNOWN_MARKET', async () => {
    const { call } = exchange();
    expect(await call('POST', '/orders', buy('25.00', CLIENT_ORDER_ID, 'CHF'))).toEqual({
      status: 400,
      body: { code: 'UNKNOWN_MARKET', message: 'no BTC-CHF market' },
    });
  });
});

describe('PaperExchange configure', () => {
  it('answers the new settings and every order', () => {
    const { paper } = exchange();
    expect(
      paper.configure({
        prices: { USD: '60000.00' },
        feeRate: '0.004',
        minQuote: { USD: '5.00' },
        minBase: '0.00002',
      }),
    ).toEqual({
      feeRate: '0.004',
      minBase: '0.00002',
      baseIncrement: '0.00000001',
      markets: {
        USD: { price: '60000.00', minQuote: '5.00', quoteIncrement: '0.01' },
        EUR: { price: '46000.00', minQuote: '1.00', quoteIncrement: '0.01' },
        GBP: { price: '40000.00', minQuote: '1.00', quoteIncrement: '0.01' },
      },
      faults: NO_EXCHANGE_FAULTS,
      stats: {
        requests: 0,
        orders: 0,
        errors: 0,
        timeouts: 0,
        rateLimited: 0,
        unavailable: 0,
        refused: 0,
        duplicateFills: 0,
      },
      orders: [],
    });
  });

  it('accepts a fee rate of zero', () => {
    const { paper } = exchange();
    expect(paper.configure({ feeRate: '0' }).feeRate).toEqual('0');
  });

  it('opens a market for a known currency it did not trade', async () => {
    const { paper, call } = exchange();
    paper.configure({ prices: { CHF: '42000.00' } });
    expect(await call('GET', '/markets/CHF')).toEqual({
      status: 200,
      body: {
        currency: 'CHF',
        price: '42000.00',
        feeRate: '0.006',
        minQuote: '1.00',
        quoteIncrement: '0.01',
        minBase: '0.00001',
        baseIncrement: '0.00000001',
      },
    });
  });

  it('fills a buy in a zero-decimal currency whose market configure opened', async () => {
    const { paper, call } = exchange();
    paper.configure({ prices: { JPY: '7000000' } });
    // 5000 JPY: fee 30 (5000 * 0.006), net 4970, 4970 / 7000000 BTC = 71000 sats exactly.
    const reply = await call('POST', '/orders', buy('5000', CLIENT_ORDER_ID, 'JPY'));
    const { orderId: _orderId, ...order } = reply.body as { orderId: string };
    expect({ status: reply.status, order }).toEqual({
      status: 200,
      order: {
        clientOrderId: CLIENT_ORDER_ID,
        currency: 'JPY',
        status: 'FILLED',
        quote: '5000',
        filledSize: '0.00071000',
        spent: '5000',
        fee: '30',
        averagePrice: '7000000',
        createdAt: '2026-11-24T08:00:03.250Z',
      },
    });
  });

  it.each([
    [
      'a price that is not a decimal',
      { prices: { EUR: 'abc' } },
      'prices.EUR must be a positive decimal string with at most 2 decimals',
    ],
    [
      'a price with too many decimals',
      { prices: { EUR: '46000.001' } },
      'prices.EUR must be a positive decimal string with at most 2 decimals',
    ],
    [
      'a zero price',
      { prices: { EUR: '0.00' } },
      'prices.EUR must be a positive decimal string with at most 2 decimals',
    ],
    ['a numeric price', { prices: { EUR: 46000 } }, 'prices.EUR must be a decimal string'],
    ['prices that are not a map', { prices: 'EUR' }, 'prices must be a map of currency to amount'],
    ['an unknown currency', { prices: { XYZ: '1.00' } }, 'unknown currency XYZ'],
    ['an unknown currency in minQuote', { minQuote: { XYZ: '1.00' } }, 'unknown currency XYZ'],
    ['a fee rate of 1', { feeRate: '1' }, 'feeRate must be below 1'],
    ['a fee rate above 1', { feeRate: '1.5' }, 'feeRate must be below 1'],
    [
      'a fee rate with more than 8 decimals',
      { feeRate: '0.000000001' },
      'feeRate must be a positive decimal string with at most 8 decimals',
    ],
    [
      'a negative fee rate',
      { feeRate: '-0.006' },
      'feeRate must be a positive decimal string with at most 8 decimals',
    ],
    [
      'a zero minimum base size',
      { minBase: '0' },
      'minBase must be a positive decimal string with at most 8 decimals',
    ],
    [
      'a body that is not an object',
      [],
      'send a JSON object such as {"prices": {"USD": "50000.00"}, "feeRate": "0.006"}',
    ],
    [
      'a null body',
      null,
      'send a JSON object such as {"prices": {"USD": "50000.00"}, "feeRate": "0.006"}',
    ],
  ])('refuses %s with a BadRequestError', (_case, body, message) => {
    const { paper } = exchange();
    expectBadRequest(() => paper.configure(body), message);
  });

  it('changes nothing when any field of a configuration is refused', () => {
    const { paper } = exchange();
    const before = paper.state();
    expectBadRequest(
      () => paper.configure({ prices: { EUR: '50000.00' }, feeRate: '1' }),
      'feeRate must be below 1',
    );
    expect(paper.state()).toEqual(before);
  });

  it('starts from its own copy of the settings it was given', () => {
    const settings = structuredClone(DEFAULT_PAPER_SETTINGS);
    const { paper } = exchange(settings);
    paper.configure({ prices: { EUR: '50000.00' } });
    expect(settings.markets.EUR?.price).toEqual('46000.00');
  });
});
