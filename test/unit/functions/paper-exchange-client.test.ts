/**
 * The paper exchange adapter against a real HTTP server on loopback: the paper exchange mounted
 * at /api, plus stand-ins that answer 503, 429, 500 or 502, or never answer. What matters is the
 * error discipline: unavailable (safe to retry), unknown outcome (look the order up first) and
 * rejected (final).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
} from '#domain/exchange.ts';
import { createJsonServer, createRoutes, type Reply } from '#local/http.ts';
import { PaperExchange } from '#local/services/paper-exchange-server.ts';
import { RequestBudgetExhaustedError } from '../../../functions/lib/exchange-guard.ts';
import { PaperExchangeClient } from '../../../functions/lib/exchanges/paper-http.ts';
import { countingBudget } from '../../fixtures/fake-fetch.ts';

const NOW = Date.parse('2026-11-24T08:00:03.250Z');
const CLIENT_ORDER_ID = 'ef3fbece-4c77-5094-95a4-b6e24ee19c49';
const SLOT = '2026-11-24T08:00:00.000Z';

let paper: PaperExchange;
let server: Server;
let base: string;

/** Starts `server` on an ephemeral loopback port and answers its base URL. */
async function listen(target: Server): Promise<string> {
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  return `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
}

async function stop(target: Server): Promise<void> {
  target.closeAllConnections();
  target.close();
  await once(target, 'close');
}

beforeAll(async () => {
  const routes = createRoutes();
  routes.prefixes.set('/api', (request) => paper.handler('/api')(request));
  const answer =
    (status: number): (() => Reply) =>
    () => ({ status, body: { message: `answered ${status}` } });
  for (const status of [429, 500, 502, 503])
    routes.prefixes.set(`/status${status}`, answer(status));
  // Takes the request and never answers, like an exchange that hangs after accepting an order.
  routes.prefixes.set('/hang', () => new Promise<Reply>(() => undefined));
  server = createJsonServer(routes, () => undefined);
  base = await listen(server);
});

afterAll(async () => {
  await stop(server);
});

beforeEach(() => {
  paper = new PaperExchange(() => NOW);
});

/** The error a promise rejects with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Name and message of an error, plus its code when it has one, for exact comparison. */
function described(error: unknown): Record<string, unknown> {
  const { name, message } = error as Error;
  return error instanceof ExchangeRejectedError
    ? { name, message, code: error.code }
    : { name, message };
}

const order25Eur = { clientOrderId: CLIENT_ORDER_ID, currency: 'EUR', quoteMinor: 2500n };

describe('PaperExchangeClient.market', () => {
  it('reads the market rules as integers in minor units and satoshis', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    expect(await client.market('EUR')).toEqual({
      currency: 'EUR',
      priceMinor: 4600000n,
      feeRate: '0.006',
      minQuoteMinor: 100n,
      minBaseSats: 1000n,
      quoteIncrementMinor: 1n,
      baseIncrementSats: 1n,
    });
  });

  it('accepts a base URL with a trailing slash', async () => {
    const client = new PaperExchangeClient(`${base}/api/`);
    expect((await client.market('USD')).priceMinor).toEqual(5000000n);
  });

  it('rejects a market the exchange does not have as REJECTED', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    const error = await rejectionOf(client.market('CHF'));
    expect(error).toBeInstanceOf(ExchangeRejectedError);
    expect(described(error)).toEqual({
      name: 'ExchangeRejectedError',
      message: 'The exchange has no BTC-CHF market.',
      code: 'REJECTED',
    });
  });
});

describe('PaperExchangeClient.placeMarketBuy', () => {
  it('places a buy and reads the fill back as integers', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    const order = await client.placeMarketBuy(order25Eur);
    expect(order).toEqual({
      exchangeOrderId: paper.state().orders[0]?.orderId,
      clientOrderId: CLIENT_ORDER_ID,
      currency: 'EUR',
      status: 'FILLED',
      quoteMinor: 2500n,
      filledSats: 54021n,
      spentMinor: 2500n,
      feeMinor: 15n,
      averagePriceMinor: 4600062n,
      createdAt: '2026-11-24T08:00:03.250Z',
    });
    expect(paper.state().orders.map((placed) => placed.quote)).toEqual(['25.00']);
  });

  it('answers the existing order when the same client order id is sent again', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    const first = await client.placeMarketBuy(order25Eur);
    expect(await client.placeMarketBuy(order25Eur)).toEqual(first);
    expect(paper.state().orders.length).toEqual(1);
  });

  it('turns a refusal under the minimum into ExchangeRejectedError BELOW_MINIMUM', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    const error = await rejectionOf(client.placeMarketBuy({ ...order25Eur, quoteMinor: 99n }));
    expect(error).toBeInstanceOf(ExchangeRejectedError);
    expect(described(error)).toEqual({
      name: 'ExchangeRejectedError',
      message: 'The order is below the minimum of 1.00 EUR.',
      code: 'BELOW_MINIMUM',
    });
  });

  it('turns a refusal with a code it does not know into ExchangeRejectedError REJECTED', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    const error = await rejectionOf(client.placeMarketBuy({ ...order25Eur, currency: 'CHF' }));
    expect(error).toBeInstanceOf(ExchangeRejectedError);
    expect(described(error)).toEqual({
      name: 'ExchangeRejectedError',
      message: 'no BTC-CHF market',
      code: 'REJECTED',
    });
  });

  it('rejects a currency it has no digits for without sending anything', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    const error = await rejectionOf(client.placeMarketBuy({ ...order25Eur, currency: 'XYZ' }));
    expect(described(error)).toEqual({
      name: 'ExchangeRejectedError',
      message: 'XYZ is not a supported currency.',
      code: 'REJECTED',
    });
    expect(paper.state().orders).toEqual([]);
  });
});

describe('PaperExchangeClient.findOrder', () => {
  it('finds a placed order by its client order id', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    const placed = await client.placeMarketBuy(order25Eur);
    expect(await client.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual(placed);
  });

  it('answers null for an order the exchange does not have', async () => {
    const client = new PaperExchangeClient(`${base}/api`);
    expect(await client.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual(null);
  });
});

describe('PaperExchangeClient errors', () => {
  it('treats a 503 answer to a market read or an order as unavailable', async () => {
    const client = new PaperExchangeClient(`${base}/status503`);
    for (const [call, message] of [
      [client.market('EUR'), 'GET /markets/EUR answered 503'],
      [client.placeMarketBuy(order25Eur), 'POST /orders answered 503'],
    ] as const) {
      const error = await rejectionOf(call);
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(described(error)).toEqual({ name: 'ExchangeUnavailableError', message });
    }
  });

  it('treats a 429 answer as rate limited: not taken, so safe to retry later', async () => {
    const client = new PaperExchangeClient(`${base}/status429`);
    for (const [call, message] of [
      [client.market('EUR'), 'GET /markets/EUR was rate limited'],
      [client.placeMarketBuy(order25Eur), 'POST /orders was rate limited'],
    ] as const) {
      const error = await rejectionOf(call);
      expect(error).toBeInstanceOf(ExchangeRateLimitedError);
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(described(error)).toEqual({ name: 'ExchangeRateLimitedError', message });
    }
  });

  it.each([500, 502])('treats a %i answer to an order as an unknown outcome', async (status) => {
    const client = new PaperExchangeClient(`${base}/status${status}`);
    const error = await rejectionOf(client.placeMarketBuy(order25Eur));
    expect(error).toBeInstanceOf(ExchangeUnknownOutcomeError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: `POST /orders answered ${status}`,
    });
  });

  it('treats a 500 answer to an order lookup as unavailable', async () => {
    const client = new PaperExchangeClient(`${base}/status500`);
    const error = await rejectionOf(client.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnavailableError',
      message: `GET /orders?clientOrderId=${CLIENT_ORDER_ID} answered 500`,
    });
  });

  it('treats a 500 answer to a market read as unavailable', async () => {
    const client = new PaperExchangeClient(`${base}/status500`);
    const error = await rejectionOf(client.market('EUR'));
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnavailableError',
      message: 'GET /markets/EUR answered 500',
    });
  });

  it('treats an order that times out as an unknown outcome', async () => {
    const client = new PaperExchangeClient(`${base}/hang`, 100);
    const error = await rejectionOf(client.placeMarketBuy(order25Eur));
    expect(error).toBeInstanceOf(ExchangeUnknownOutcomeError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: 'POST /orders timed out after 100 ms',
    });
  });

  it('treats a lookup that times out as unavailable', async () => {
    const client = new PaperExchangeClient(`${base}/hang`, 100);
    const error = await rejectionOf(client.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnavailableError',
      message: `GET /orders?clientOrderId=${CLIENT_ORDER_ID} failed: The operation was aborted due to timeout`,
    });
  });

  it('treats an order whose connection drops after sending as an unknown outcome', async () => {
    // Reads the whole order, then drops the connection without answering.
    const dropping = createServer((request) => {
      request.resume();
      request.on('end', () => request.socket.destroy());
    });
    const url = await listen(dropping);
    try {
      const error = await rejectionOf(new PaperExchangeClient(url).placeMarketBuy(order25Eur));
      expect(error).toBeInstanceOf(ExchangeUnknownOutcomeError);
      expect(described(error)).toEqual({
        name: 'ExchangeUnknownOutcomeError',
        message: 'POST /orders failed after sending: fetch failed',
      });
    } finally {
      await stop(dropping);
    }
  });

  describe('with nothing listening on the port', () => {
    let refusing: string;

    beforeAll(async () => {
      // A port that was just free: connecting to it is refused.
      const closed = createJsonServer(createRoutes(), () => undefined);
      refusing = await listen(closed);
      await stop(closed);
    });

    it('treats a refused order as unavailable, since it never reached the exchange', async () => {
      const client = new PaperExchangeClient(refusing);
      const error = await rejectionOf(client.placeMarketBuy(order25Eur));
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(described(error)).toEqual({
        name: 'ExchangeUnavailableError',
        message: 'POST /orders failed: fetch failed',
      });
    });

    it('treats a refused market read as unavailable', async () => {
      const client = new PaperExchangeClient(refusing);
      const error = await rejectionOf(client.market('EUR'));
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(described(error)).toEqual({
        name: 'ExchangeUnavailableError',
        message: 'GET /markets/EUR failed: fetch failed',
      });
    });
  });
});

describe('PaperExchangeClient request budget', () => {
  it('takes exactly one token right before each request it sends', async () => {
    const budget = countingBudget(() => paper.state().stats.requests);
    const client = new PaperExchangeClient(`${base}/api`, 10_000, budget.budget);
    await client.market('EUR');
    await client.placeMarketBuy(order25Eur);
    await client.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT);
    await client.ordersBetween('2026-11-24T00:00:00.000Z', '2026-11-25T00:00:00.000Z');
    expect(budget.takes).toEqual([0, 1, 2, 3]);
    expect(paper.state().stats.requests).toEqual(4);
  });

  it('sends nothing when the budget refuses, and the refusal proves nothing was placed', async () => {
    const refusal = new RequestBudgetExhaustedError('paper: the request budget is taken', 8);
    const budget = countingBudget(
      () => paper.state().stats.requests,
      () => refusal,
    );
    const client = new PaperExchangeClient(`${base}/api`, 10_000, budget.budget);
    const error = await rejectionOf(client.placeMarketBuy(order25Eur));
    expect(error).toBe(refusal);
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect([paper.state().stats.requests, paper.state().orders]).toEqual([0, []]);
  });
});
