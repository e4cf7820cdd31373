/**
 * The Kraken Spot adapter against hand-written recorded responses (test/fixtures/kraken) served
 * by a fake fetch: the exact form bodies it signs and sends, the API-Sign on each (recomputed here
 * with node:crypto, and the algorithm checked against the worked example in Kraken's docs), the
 * integers it reads back, and the port error each Kraken error string becomes.
 */
import { createHash, createHmac, createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type ExchangeOrder,
} from '#domain/exchange.ts';
import { ceilDiv, parseRate } from '#domain/money.ts';
import {
  ExchangeAuthenticationError,
  ExchangeCredentialsError,
  ExchangeNonceError,
} from '../../../functions/lib/exchanges/errors.ts';
import {
  ExchangeStateUnavailableError,
  RequestBudgetExhaustedError,
} from '../../../functions/lib/exchange-guard.ts';
import {
  KRAKEN_URL,
  KrakenExchange,
  krakenSignature,
  parseKrakenCredentials,
  toExchangeOrder,
  viqcVolumeMinor,
  type KrakenExchangeConfig,
} from '../../../functions/lib/exchanges/kraken.ts';
import {
  connectionRefused,
  countingBudget,
  described,
  fakeFetch,
  fixture,
  rejectionOf,
  timeoutError,
  withBody,
  type Fixture,
  type Routes,
} from '../../fixtures/fake-fetch.ts';

const NOW = Date.parse('2026-11-24T08:00:03.000Z');
const NONCE = NOW * 1000;
/** The slot the orders belong to: look-ups start 5 minutes before it. */
const SLOT = '2026-11-24T08:00:00.000Z';
/** 07:55:00 in epoch seconds, less one: Kraken's `start` is exclusive. */
const LOOKUP_START = 'start=1795506899';
const CLIENT_ORDER_ID = 'ef3fbece-4c77-5094-95a4-b6e24ee19c49';
const TXID = 'OUF4EM-FRGI2-MQMWZD';
/** The example key pair of Kraken's docs: tied to no account. */
const API_KEY = 'CJbfPw4tnbf/9en/ZmpewCTKEwmmzO18LXZcHQcu7HPLWre4l8+V9I3y';
const API_SECRET =
  'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';
const credentials = parseKrakenCredentials({ apiKey: API_KEY, apiSecret: API_SECRET });

const ASSET_PAIRS = 'GET /0/public/AssetPairs';
const TICKER = 'GET /0/public/Ticker';
const TRADE_VOLUME = 'POST /0/private/TradeVolume';
const ADD_ORDER = 'POST /0/private/AddOrder';
const QUERY_ORDERS = 'POST /0/private/QueryOrders';
const OPEN_ORDERS = 'POST /0/private/OpenOrders';
const CLOSED_ORDERS = 'POST /0/private/ClosedOrders';

function kr(name: string): Fixture {
  return fixture('kraken', name);
}

/**
 * A Kraken adapter over the fake fetch, with a counting request budget (`refuse` may refuse the
 * n-th token).
 */
function kraken(
  routes: Routes,
  config: Partial<KrakenExchangeConfig> = {},
  refuse?: (take: number) => Error | undefined,
) {
  const fake = fakeFetch(routes);
  const clock = { now: NOW };
  const budget = countingBudget(() => fake.requests.length, refuse);
  const exchange = new KrakenExchange({
    baseUrl: KRAKEN_URL,
    credentials,
    fetch: fake.fetch,
    now: () => clock.now,
    timeoutMs: 1_000,
    budget: budget.budget,
    ...config,
  });
  const sent = () =>
    fake.requests.map((request) =>
      request.body === undefined
        ? `${request.method} ${request.url}`
        : `${request.method} ${request.url} ${request.body}`,
    );
  return { exchange, clock, sent, takes: budget.takes, ...fake };
}

/** API-Sign as Kraken's docs define it, computed here independently of the adapter. */
function expectedSign(path: string, body: string): string {
  const nonce = new URLSearchParams(body).get('nonce') ?? '';
  const digest = createHash('sha256')
    .update(nonce + body)
    .digest();
  return createHmac('sha512', Buffer.from(API_SECRET, 'base64'))
    .update(Buffer.concat([Buffer.from(path), digest]))
    .digest('base64');
}

const buy25Eur = { clientOrderId: CLIENT_ORDER_ID, currency: 'EUR', quoteMinor: 2500n };
const rulesRoutes = {
  [ASSET_PAIRS]: kr('asset-pairs-xbteur'),
  [TRADE_VOLUME]: kr('trade-volume-xbteur'),
};

/** query-orders-filled.json: 24.89942 + 0.09960 fee for 0.00028405 BTC, a viqc volume of 24.90. */
const FILLED: ExchangeOrder = {
  exchangeOrderId: TXID,
  clientOrderId: CLIENT_ORDER_ID,
  currency: 'EUR',
  status: 'FILLED',
  quoteMinor: 2490n,
  filledSats: 28405n,
  spentMinor: 2499n,
  feeMinor: 10n,
  averagePriceMinor: 8765860n,
  createdAt: '2026-11-24T08:00:03.234Z',
};

describe('Kraken request signing', () => {
  it("signs Kraken's documented example exactly as the docs show", () => {
    expect(
      krakenSignature(
        '/0/private/AddOrder',
        '1616492376594',
        'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25',
        createSecretKey(Buffer.from(API_SECRET, 'base64')),
      ),
    ).toEqual(
      '4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==',
    );
  });

  it('sends API-Key and an API-Sign over the path and the SHA-256 of nonce and form body', async () => {
    const { exchange, requests } = kraken({ [OPEN_ORDERS]: kr('open-orders-pending') });
    await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT);
    const body = `nonce=${NONCE}&cl_ord_id=${CLIENT_ORDER_ID}`;
    expect(requests).toEqual([
      {
        method: 'POST',
        url: `${KRAKEN_URL}/0/private/OpenOrders`,
        headers: {
          'api-key': API_KEY,
          'api-sign': expectedSign('/0/private/OpenOrders', body),
          'content-type': 'application/x-www-form-urlencoded',
          'user-agent': 'savings-plan-buy',
        },
        body,
      },
    ]);
  });

  it('uses strictly increasing nonces, within one millisecond and when the clock steps back', async () => {
    const { exchange, clock, requests } = kraken({
      [OPEN_ORDERS]: [kr('open-orders-empty'), kr('open-orders-empty'), kr('open-orders-empty')],
      [CLOSED_ORDERS]: [
        kr('closed-orders-empty'),
        kr('closed-orders-empty'),
        kr('closed-orders-empty'),
      ],
    });
    await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT);
    clock.now = NOW - 5;
    await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT);
    clock.now = NOW + 1;
    await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT);
    expect(requests.map((request) => new URLSearchParams(request.body).get('nonce'))).toEqual([
      String(NONCE),
      String(NONCE + 1),
      String(NONCE + 2),
      String(NONCE + 3),
      String(NONCE + 1000),
      String(NONCE + 1001),
    ]);
  });
});

describe('parseKrakenCredentials', () => {
  it('reads the key pair, keeping the decoded secret in a key object that never serializes', () => {
    const parsed = parseKrakenCredentials(
      JSON.stringify({ apiKey: API_KEY, apiSecret: API_SECRET }),
    );
    expect([parsed.apiKey, parsed.secret.type, parsed.secret.symmetricKeySize]).toEqual([
      API_KEY,
      'secret',
      64,
    ]);
    expect(JSON.stringify(parsed)).toEqual(`{"apiKey":"${API_KEY}","secret":{}}`);
  });

  it.each([
    [
      'text that is not JSON',
      `{"apiKey":"${API_KEY}","apiSecret":"${API_SECRET}`,
      API_SECRET,
      'Kraken credentials: the secret is not JSON',
    ],
    [
      'no apiKey',
      { apiSecret: API_SECRET },
      API_SECRET,
      'Kraken credentials: apiKey must be the public API key, a non-empty string without spaces',
    ],
    [
      'an apiKey with a space',
      { apiKey: 'CJbfPw4t nbf', apiSecret: API_SECRET },
      'CJbfPw4t',
      'Kraken credentials: apiKey must be the public API key, a non-empty string without spaces',
    ],
    [
      'an apiSecret that is not base64',
      { apiKey: API_KEY, apiSecret: 'kQH5HW-not*base64' },
      'kQH5HW',
      'Kraken credentials: apiSecret must be the private API key as Kraken shows it (base64)',
    ],
    [
      'an apiSecret too short for a Kraken key',
      { apiKey: API_KEY, apiSecret: 'c2hvcnRzZWNyZXQ=' },
      'c2hvcnRzZWNyZXQ',
      'Kraken credentials: apiSecret is too short to be a Kraken private API key',
    ],
  ])(
    'refuses %s with a message that does not quote the secret',
    (_case, secret, fragment, message) => {
      let error: unknown;
      try {
        parseKrakenCredentials(secret);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ExchangeCredentialsError);
      expect(described(error)).toEqual({ name: 'ExchangeCredentialsError', message });
      expect((error as Error).message.includes(fragment)).toEqual(false);
    },
  );
});

describe('KrakenExchange.market', () => {
  it('reads the pair rules, the taker fee in percent as a fraction and the last trade price', async () => {
    const { exchange, sent } = kraken({ ...rulesRoutes, [TICKER]: kr('ticker-xbteur') });
    expect(await exchange.market('EUR')).toEqual({
      currency: 'EUR',
      priceMinor: 8765430n,
      feeRate: '0.004',
      minQuoteMinor: 50n,
      minBaseSats: 5000n,
      quoteIncrementMinor: 1n,
      baseIncrementSats: 1n,
    });
    expect(sent()).toEqual([
      `GET ${KRAKEN_URL}/0/public/AssetPairs?pair=XBTEUR`,
      `POST ${KRAKEN_URL}/0/private/TradeVolume nonce=${NONCE}&pair=XXBTZEUR`,
      `GET ${KRAKEN_URL}/0/public/Ticker?pair=XXBTZEUR`,
    ]);
  });

  it('keeps pair rules and fee for the TTL but reads the price on every call', async () => {
    const { exchange, clock, sent, unused } = kraken({
      [ASSET_PAIRS]: [kr('asset-pairs-xbteur'), kr('asset-pairs-xbteur')],
      [TRADE_VOLUME]: [kr('trade-volume-xbteur'), kr('trade-volume-xbteur')],
      [TICKER]: [kr('ticker-xbteur'), kr('ticker-xbteur'), kr('ticker-xbteur')],
    });
    await exchange.market('EUR');
    clock.now = NOW + 5 * 60_000 - 1;
    await exchange.market('EUR');
    clock.now = NOW + 5 * 60_000;
    await exchange.market('EUR');
    expect(sent().map((request) => request.split(' ')[1]?.split('?')[0])).toEqual([
      `${KRAKEN_URL}/0/public/AssetPairs`,
      `${KRAKEN_URL}/0/private/TradeVolume`,
      `${KRAKEN_URL}/0/public/Ticker`,
      `${KRAKEN_URL}/0/public/Ticker`,
      `${KRAKEN_URL}/0/public/AssetPairs`,
      `${KRAKEN_URL}/0/private/TradeVolume`,
      `${KRAKEN_URL}/0/public/Ticker`,
    ]);
    expect(unused()).toEqual({});
  });

  it('rounds a derived rule up and a price with more decimals than the currency down', async () => {
    const { exchange } = kraken({
      [ASSET_PAIRS]: withBody(
        kr('asset-pairs-xbteur'),
        (b: { result: { XXBTZEUR: Record<string, unknown> } }) => {
          b.result.XXBTZEUR.costmin = '0.455';
          b.result.XXBTZEUR.cost_decimals = 1;
          b.result.XXBTZEUR.lot_decimals = 5;
        },
      ),
      [TRADE_VOLUME]: kr('trade-volume-xbteur'),
      [TICKER]: withBody(kr('ticker-xbteur'), (b: { result: { XXBTZEUR: { c: string[] } } }) => {
        b.result.XXBTZEUR.c = ['87654.309', '0.001'];
      }),
    });
    expect(await exchange.market('EUR')).toEqual({
      currency: 'EUR',
      priceMinor: 8765430n,
      feeRate: '0.004',
      minQuoteMinor: 46n,
      minBaseSats: 5000n,
      quoteIncrementMinor: 10n,
      baseIncrementSats: 1000n,
    });
  });

  it('reads a result that comes with a warning', async () => {
    const { exchange } = kraken({ ...rulesRoutes, [TICKER]: kr('ticker-warning') });
    expect((await exchange.market('EUR')).priceMinor).toEqual(8765430n);
  });

  it.each(['cancel_only', 'post_only', 'limit_only', 'reduce_only', 'delisted'])(
    'refuses a pair in status %s as MARKET_CLOSED without reading the price',
    async (status) => {
      const { exchange, sent } = kraken({
        [ASSET_PAIRS]: withBody(
          kr('asset-pairs-xbteur'),
          (b: { result: { XXBTZEUR: Record<string, unknown> } }) => {
            b.result.XXBTZEUR.status = status;
          },
        ),
        [TRADE_VOLUME]: kr('trade-volume-xbteur'),
      });
      expect(described(await rejectionOf(exchange.market('EUR')))).toEqual({
        name: 'ExchangeRejectedError',
        message: `Kraken is not trading XBTEUR now (status ${status}).`,
        code: 'MARKET_CLOSED',
      });
      expect(sent().some((request) => request.includes('Ticker'))).toEqual(false);
    },
  );

  it('refuses a pair Kraken does not know as REJECTED', async () => {
    const { exchange } = kraken({ [ASSET_PAIRS]: kr('error-unknown-pair') });
    expect(described(await rejectionOf(exchange.market('CHF')))).toEqual({
      name: 'ExchangeRejectedError',
      message: 'Kraken has no such market (EQuery:Unknown asset pair).',
      code: 'REJECTED',
    });
  });

  it('refuses a currency the stack cannot have without sending anything', async () => {
    const { exchange, requests } = kraken({});
    expect(described(await rejectionOf(exchange.market('XYZ')))).toEqual({
      name: 'ExchangeRejectedError',
      message: 'XYZ is not a supported currency.',
      code: 'REJECTED',
    });
    expect(requests).toEqual([]);
  });
});

describe('KrakenExchange.placeMarketBuy', () => {
  it('sends the quote less the taker fee as a viqc market buy with a deadline, then reads it back', async () => {
    const { exchange, sent, requests } = kraken({
      ...rulesRoutes,
      [ADD_ORDER]: kr('add-order'),
      [QUERY_ORDERS]: kr('query-orders-filled'),
    });
    expect(await exchange.placeMarketBuy(buy25Eur)).toEqual(FILLED);
    const addOrder =
      `nonce=${NONCE + 1}&ordertype=market&type=buy&volume=24.90&pair=XXBTZEUR&oflags=viqc` +
      `&cl_ord_id=${CLIENT_ORDER_ID}&deadline=2026-11-24T08%3A00%3A05.000Z`;
    expect(sent()).toEqual([
      `GET ${KRAKEN_URL}/0/public/AssetPairs?pair=XBTEUR`,
      `POST ${KRAKEN_URL}/0/private/TradeVolume nonce=${NONCE}&pair=XXBTZEUR`,
      `POST ${KRAKEN_URL}/0/private/AddOrder ${addOrder}`,
      `POST ${KRAKEN_URL}/0/private/QueryOrders nonce=${NONCE + 2}&txid=${TXID}`,
    ]);
    expect(requests[2]?.headers['api-sign']).toEqual(expectedSign('/0/private/AddOrder', addOrder));
  });

  it.each([
    [1_000, '2026-11-24T08:00:05.000Z'],
    [10_000, '2026-11-24T08:00:13.000Z'],
    [120_000, '2026-11-24T08:01:03.000Z'],
  ])(
    'sets the deadline to the request timeout of %i ms, within 2 to 60 s',
    async (timeoutMs, deadline) => {
      const { exchange, requests } = kraken(
        { ...rulesRoutes, [ADD_ORDER]: kr('add-order'), [QUERY_ORDERS]: kr('query-orders-filled') },
        { timeoutMs },
      );
      await exchange.placeMarketBuy(buy25Eur);
      expect(new URLSearchParams(requests[2]?.body).get('deadline')).toEqual(deadline);
    },
  );

  it('never lets the volume plus its fee exceed the quote asked for', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 9_999 }),
        fc.constantFrom(1n, 5n, 10n, 100n),
        (quote, feeBasisPoints, increment) => {
          const feeRate = `0.${String(feeBasisPoints).padStart(4, '0')}`;
          const { numerator, denominator } = parseRate(feeRate);
          const cost = (volume: bigint) => volume + ceilDiv(volume * numerator, denominator);
          const volume = viqcVolumeMinor(quote, feeRate, increment);
          expect(volume % increment).toEqual(0n);
          expect(cost(volume) <= quote).toEqual(true);
          // The largest such volume: one increment more would not fit.
          expect(cost(volume + increment) > quote).toEqual(true);
        },
      ),
    );
  });

  it('sends 24.93 for 25.00 EUR at a 0.26 % fee: 24.93 + 0.07 fits, 24.94 + 0.07 does not', () => {
    expect(viqcVolumeMinor(2500n, '0.0026', 1n)).toEqual(2493n);
  });

  it('refuses a quote whose volume after the fee is under the cost minimum, without placing', async () => {
    const { exchange, sent } = kraken(rulesRoutes);
    expect(
      described(await rejectionOf(exchange.placeMarketBuy({ ...buy25Eur, quoteMinor: 50n }))),
    ).toEqual({
      name: 'ExchangeRejectedError',
      message: "0.50 EUR less Kraken's fee is below its minimum order of 0.50 EUR.",
      code: 'BELOW_MINIMUM',
    });
    expect(sent().some((request) => request.includes('AddOrder'))).toEqual(false);
  });

  const add = 'POST /0/private/AddOrder';
  it.each([
    [
      'error-insufficient-funds',
      {
        name: 'ExchangeRejectedError',
        code: 'INSUFFICIENT_FUNDS',
        message: 'Kraken refused the order: EOrder:Insufficient funds',
      },
    ],
    [
      'error-order-minimum',
      {
        name: 'ExchangeRejectedError',
        code: 'BELOW_MINIMUM',
        message: 'Kraken refused the order: EOrder:Order minimum not met',
      },
    ],
    [
      'error-cost-minimum',
      {
        name: 'ExchangeRejectedError',
        code: 'BELOW_MINIMUM',
        message: 'Kraken refused the order: EOrder:Cost minimum not met',
      },
    ],
    [
      'error-cancel-only',
      {
        name: 'ExchangeRejectedError',
        code: 'MARKET_CLOSED',
        message: 'Kraken refused the order: EService:Market in cancel_only mode',
      },
    ],
    [
      'error-post-only',
      {
        name: 'ExchangeRejectedError',
        code: 'MARKET_CLOSED',
        message: 'Kraken refused the order: EService:Market in post_only mode',
      },
    ],
    [
      'error-invalid-arguments',
      {
        name: 'ExchangeRejectedError',
        code: 'REJECTED',
        message: 'Kraken refused the order: EGeneral:Invalid arguments',
      },
    ],
    [
      'error-invalid-volume',
      {
        name: 'ExchangeRejectedError',
        code: 'REJECTED',
        message: 'Kraken refused the order: EGeneral:Invalid arguments:volume',
      },
    ],
    [
      'error-unknown-pair',
      {
        name: 'ExchangeRejectedError',
        code: 'REJECTED',
        message: 'Kraken has no such market (EQuery:Unknown asset pair).',
      },
    ],
    [
      'error-rate-limit',
      {
        name: 'ExchangeRateLimitedError',
        retryAfterSeconds: undefined,
        message: `${add} answered EAPI:Rate limit exceeded`,
      },
    ],
    [
      'error-order-rate-limit',
      {
        name: 'ExchangeRateLimitedError',
        retryAfterSeconds: undefined,
        message: `${add} answered EOrder:Rate limit exceeded`,
      },
    ],
    [
      'error-too-many-requests',
      {
        name: 'ExchangeRateLimitedError',
        retryAfterSeconds: undefined,
        message: `${add} answered EGeneral:Too many requests`,
      },
    ],
    [
      'error-temporary-lockout',
      {
        name: 'ExchangeRateLimitedError',
        retryAfterSeconds: 900,
        message: `${add} answered EGeneral:Temporary lockout`,
      },
    ],
    [
      'error-service-unavailable',
      { name: 'ExchangeUnknownOutcomeError', message: `${add} answered EService:Unavailable` },
    ],
    [
      'error-service-busy',
      { name: 'ExchangeUnknownOutcomeError', message: `${add} answered EService:Busy` },
    ],
    [
      'error-internal-error',
      { name: 'ExchangeUnknownOutcomeError', message: `${add} answered EGeneral:Internal error` },
    ],
    [
      'error-deadline-elapsed',
      { name: 'ExchangeUnavailableError', message: `${add} answered EService:Deadline elapsed` },
    ],
    [
      'error-invalid-nonce',
      {
        name: 'ExchangeNonceError',
        reason: `EAPI:Invalid nonce on ${add}`,
        message: `kraken refused the request's nonce (EAPI:Invalid nonce on ${add}): another request with a later nonce arrived first; retry it (if this persists, widen the API key nonce window).`,
      },
    ],
    ...(['invalid-key', 'invalid-signature', 'permission-denied'] as const).map((name) => {
      const text = (kr(`error-${name}`).body as { error: string[] }).error[0];
      return [
        `error-${name}`,
        {
          name: 'ExchangeAuthenticationError',
          exchange: 'kraken',
          reason: `${text} on ${add}`,
          message: `kraken refused the API credentials (${text} on ${add}): check the kraken API key in its Secrets Manager secret (key, secret, permissions, IP allow-list).`,
        },
      ];
    }),
  ] as [string, Record<string, unknown>][])(
    'maps %s from AddOrder to the port',
    async (name, expected) => {
      const { exchange } = kraken({ ...rulesRoutes, [ADD_ORDER]: kr(name) });
      expect(described(await rejectionOf(exchange.placeMarketBuy(buy25Eur)))).toEqual(expected);
    },
  );

  it('treats an order Kraken took but that cannot be read back as an unknown outcome', async () => {
    const { exchange } = kraken({
      ...rulesRoutes,
      [ADD_ORDER]: kr('add-order'),
      [QUERY_ORDERS]: kr('error-service-busy'),
    });
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(error).toBeInstanceOf(ExchangeUnknownOutcomeError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: `Kraken took order ${TXID} (client order id ${CLIENT_ORDER_ID}) but it could not be read back: POST /0/private/QueryOrders answered EService:Busy`,
    });
  });

  it('treats a 5xx page in front of AddOrder as an unknown outcome', async () => {
    const { exchange } = kraken({ ...rulesRoutes, [ADD_ORDER]: kr('cloudflare-520-html') });
    expect(described(await rejectionOf(exchange.placeMarketBuy(buy25Eur)))).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: 'POST /0/private/AddOrder answered 520',
    });
  });

  it('treats an AddOrder that times out as an unknown outcome', async () => {
    const { exchange } = kraken({ ...rulesRoutes, [ADD_ORDER]: timeoutError() });
    expect(described(await rejectionOf(exchange.placeMarketBuy(buy25Eur)))).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: 'POST /0/private/AddOrder timed out after 1000 ms',
    });
  });

  it('treats an AddOrder whose connection was refused as unavailable: it never left', async () => {
    const { exchange } = kraken({ ...rulesRoutes, [ADD_ORDER]: connectionRefused() });
    expect(described(await rejectionOf(exchange.placeMarketBuy(buy25Eur)))).toEqual({
      name: 'ExchangeUnavailableError',
      message: 'POST /0/private/AddOrder failed: fetch failed',
    });
  });
});

describe('Kraken errors on reads', () => {
  const open = 'POST /0/private/OpenOrders';
  it.each([
    ['error-rate-limit', ExchangeRateLimitedError, `${open} answered EAPI:Rate limit exceeded`],
    [
      'error-service-unavailable',
      ExchangeUnavailableError,
      `${open} answered EService:Unavailable`,
    ],
    ['error-service-busy', ExchangeUnavailableError, `${open} answered EService:Busy`],
    ['error-internal-error', ExchangeUnavailableError, `${open} answered EGeneral:Internal error`],
    [
      'error-invalid-arguments',
      ExchangeUnavailableError,
      `${open} answered EGeneral:Invalid arguments`,
    ],
    [
      'error-invalid-nonce',
      ExchangeNonceError,
      `kraken refused the request's nonce (EAPI:Invalid nonce on ${open}): another request with a later nonce arrived first; retry it (if this persists, widen the API key nonce window).`,
    ],
    [
      'error-invalid-key',
      ExchangeAuthenticationError,
      `kraken refused the API credentials (EAPI:Invalid key on ${open}): check the kraken API key in its Secrets Manager secret (key, secret, permissions, IP allow-list).`,
    ],
  ])('maps %s on a look-up to %o', async (name, errorClass, message) => {
    const { exchange } = kraken({ [OPEN_ORDERS]: kr(name) });
    const error = await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(errorClass);
    expect(error).not.toBeInstanceOf(ExchangeUnknownOutcomeError);
    expect((error as Error).message).toEqual(message);
  });

  it('treats a 5xx page or a timeout on a public read as unavailable', async () => {
    const { exchange } = kraken({
      ...rulesRoutes,
      [TICKER]: [kr('cloudflare-520-html'), timeoutError()],
    });
    expect(described(await rejectionOf(exchange.market('EUR')))).toEqual({
      name: 'ExchangeUnavailableError',
      message: 'GET /0/public/Ticker answered 520',
    });
    expect(described(await rejectionOf(exchange.market('EUR')))).toEqual({
      name: 'ExchangeUnavailableError',
      message: 'GET /0/public/Ticker timed out after 1000 ms',
    });
  });

  it('treats a private read that times out as unavailable', async () => {
    const { exchange } = kraken({ [OPEN_ORDERS]: timeoutError() });
    expect(described(await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)))).toEqual({
      name: 'ExchangeUnavailableError',
      message: 'POST /0/private/OpenOrders timed out after 1000 ms',
    });
  });
});

describe('KrakenExchange.findOrder', () => {
  it('answers an open order with the client order id, asking OpenOrders only', async () => {
    const { exchange, sent } = kraken({ [OPEN_ORDERS]: kr('open-orders-pending') });
    expect(await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual({
      ...FILLED,
      status: 'OPEN',
      filledSats: 0n,
      spentMinor: 0n,
      feeMinor: 0n,
      averagePriceMinor: 0n,
    });
    expect(sent()).toEqual([
      `POST ${KRAKEN_URL}/0/private/OpenOrders nonce=${NONCE}&cl_ord_id=${CLIENT_ORDER_ID}`,
    ]);
  });

  it('asks ClosedOrders by client order id when no open order has it, and never places', async () => {
    const { exchange, sent } = kraken({
      [OPEN_ORDERS]: kr('open-orders-empty'),
      [CLOSED_ORDERS]: kr('closed-orders-by-client-order-id'),
    });
    expect(await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual(FILLED);
    expect(sent()).toEqual([
      `POST ${KRAKEN_URL}/0/private/OpenOrders nonce=${NONCE}&cl_ord_id=${CLIENT_ORDER_ID}`,
      `POST ${KRAKEN_URL}/0/private/ClosedOrders nonce=${NONCE + 1}&cl_ord_id=${CLIENT_ORDER_ID}&${LOOKUP_START}`,
    ]);
  });

  it('answers the earliest order when a blind retry bought twice under one client order id', async () => {
    const { exchange } = kraken({
      [OPEN_ORDERS]: kr('open-orders-empty'),
      [CLOSED_ORDERS]: kr('closed-orders-bought-twice'),
    });
    expect(await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual(FILLED);
  });

  it('answers null when Kraken has no order with the client order id', async () => {
    const { exchange } = kraken({
      [OPEN_ORDERS]: kr('open-orders-empty'),
      [CLOSED_ORDERS]: kr('closed-orders-empty'),
    });
    expect(await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual(null);
  });
});

describe('KrakenExchange.ordersBetween', () => {
  it('lists the BTC buys opened in the period, open and closed, across ClosedOrders pages', async () => {
    const { exchange, sent } = kraken({
      [OPEN_ORDERS]: kr('open-orders-window'),
      [CLOSED_ORDERS]: [kr('closed-orders-page-1'), kr('closed-orders-page-2')],
    });
    expect(
      await exchange.ordersBetween('2026-11-24T07:00:00.000Z', '2026-11-24T09:00:00.000Z'),
    ).toEqual([
      { ...FILLED, exchangeOrderId: 'OQCLML-BW3P3-BUCMA1' },
      {
        ...FILLED,
        exchangeOrderId: 'OPENAA-BW3P3-BUCMA5',
        clientOrderId: '9c8d7e6f-5a4b-5c3d-8e2f-1a0b9c8d7e6f',
        status: 'OPEN',
        filledSats: 0n,
        spentMinor: 0n,
        feeMinor: 0n,
        averagePriceMinor: 0n,
        createdAt: '2026-11-24T08:00:50.000Z',
      },
    ]);
    const window = 'start=1795503599&end=1795510800';
    expect(sent()).toEqual([
      `POST ${KRAKEN_URL}/0/private/OpenOrders nonce=${NONCE}`,
      `POST ${KRAKEN_URL}/0/private/ClosedOrders nonce=${NONCE + 1}&${window}&ofs=0&closetime=open`,
      `POST ${KRAKEN_URL}/0/private/ClosedOrders nonce=${NONCE + 2}&${window}&ofs=2&closetime=open`,
    ]);
  });
});

describe('Kraken orders as the port reads them', () => {
  const filled =
    (kr('query-orders-filled').body as { result: Record<string, object> }).result[TXID] ?? {};
  const open =
    (kr('query-orders-open').body as { result: Record<string, object> }).result[TXID] ?? {};
  const orders = { 'some BTC': filled, 'no BTC': open };
  it.each([
    ['pending', 'no BTC', 'OPEN'],
    ['open', 'no BTC', 'OPEN'],
    ['closed', 'some BTC', 'FILLED'],
    ['closed', 'no BTC', 'CANCELLED'],
    ['canceled', 'some BTC', 'PARTIALLY_FILLED'],
    ['expired', 'some BTC', 'PARTIALLY_FILLED'],
    ['canceled', 'no BTC', 'CANCELLED'],
    ['expired', 'no BTC', 'CANCELLED'],
  ] as const)('maps %s with %s filled to %s', (status, fill, expected) => {
    expect(toExchangeOrder(TXID, { ...orders[fill], status }).status).toEqual(expected);
  });

  it('reads a partial fill as PARTIALLY_FILLED with what it spent, in integers', () => {
    const partial =
      (kr('query-orders-partially-filled').body as { result: Record<string, object> }).result[
        TXID
      ] ?? {};
    expect(toExchangeOrder(TXID, partial)).toEqual({
      ...FILLED,
      status: 'PARTIALLY_FILLED',
      filledSats: 11362n,
      spentMinor: 999n,
      feeMinor: 4n,
      averagePriceMinor: 8765540n,
    });
  });

  it('refuses a status it does not know as unavailable rather than guessing', () => {
    expect(() => toExchangeOrder(TXID, { ...filled, status: 'settling' })).toThrow(
      new ExchangeUnavailableError(`order ${TXID} has unexpected status "settling"`),
    );
  });

  it('reads an order placed without viqc as having the quote it spent', () => {
    expect(
      toExchangeOrder(TXID, { ...filled, oflags: 'fciq', vol: '0.00028405' }).quoteMinor,
    ).toEqual(2499n);
  });
});

describe('Kraken refusals', () => {
  it('are ExchangeRejectedError instances, which callers record as final', async () => {
    const { exchange } = kraken({ ...rulesRoutes, [ADD_ORDER]: kr('error-insufficient-funds') });
    expect(await rejectionOf(exchange.placeMarketBuy(buy25Eur))).toBeInstanceOf(
      ExchangeRejectedError,
    );
  });
});

describe('Kraken request budget', () => {
  const allRoutes = {
    [ASSET_PAIRS]: kr('asset-pairs-xbteur'),
    [TRADE_VOLUME]: kr('trade-volume-xbteur'),
    [TICKER]: [kr('ticker-xbteur'), kr('ticker-xbteur')],
    [ADD_ORDER]: kr('add-order'),
    [QUERY_ORDERS]: kr('query-orders-filled'),
    [OPEN_ORDERS]: [kr('open-orders-empty'), kr('open-orders-pending')],
    [CLOSED_ORDERS]: kr('closed-orders-by-client-order-id'),
  };

  it('takes exactly one token right before each request of a market read, an order and a look-up', async () => {
    const { exchange, takes, requests, unused } = kraken(allRoutes);
    const counted = async (call: () => Promise<unknown>) => {
      const [tokens, sent] = [takes.length, requests.length];
      await call();
      return { tokens: takes.length - tokens, requests: requests.length - sent };
    };
    // AssetPairs, TradeVolume, Ticker; then Ticker alone while the rules are cached.
    expect(await counted(() => exchange.market('EUR'))).toEqual({ tokens: 3, requests: 3 });
    expect(await counted(() => exchange.market('EUR'))).toEqual({ tokens: 1, requests: 1 });
    // AddOrder and QueryOrders.
    expect(await counted(() => exchange.placeMarketBuy(buy25Eur))).toEqual({
      tokens: 2,
      requests: 2,
    });
    // OpenOrders then ClosedOrders; then OpenOrders alone when it has the order.
    expect(await counted(() => exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT))).toEqual({
      tokens: 2,
      requests: 2,
    });
    expect(await counted(() => exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT))).toEqual({
      tokens: 1,
      requests: 1,
    });
    // Each token was taken when exactly the requests before it had been sent.
    expect(takes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(unused()).toEqual({});
  });

  it('takes four tokens for an order whose market rules are not cached: four requests', async () => {
    const { exchange, takes, requests } = kraken({
      ...rulesRoutes,
      [ADD_ORDER]: kr('add-order'),
      [QUERY_ORDERS]: kr('query-orders-filled'),
    });
    await exchange.placeMarketBuy(buy25Eur);
    expect([takes.length, requests.length]).toEqual([4, 4]);
  });

  it('draws the nonce after the budget wait, so a request never leaves with a stale nonce', async () => {
    const draws: string[] = [];
    let clock = NOW;
    const { exchange, requests } = kraken(
      { [OPEN_ORDERS]: kr('open-orders-pending') },
      {
        now: () => clock,
        nonces: {
          next: async () => {
            draws.push('nonce');
            return clock * 1000;
          },
        },
        budget: {
          take: async () => {
            draws.push('token');
            clock += 2_000;
          },
        },
      },
    );
    await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT);
    expect(draws).toEqual(['token', 'nonce']);
    expect(new URLSearchParams(requests[0]?.body).get('nonce')).toEqual(String(NONCE + 2_000_000));
  });

  it('reports an order whose read-back the budget refuses as an unknown outcome: it was taken', async () => {
    const refusal = new RequestBudgetExhaustedError(
      'kraken: the request budget of 25/s is taken for the next 8 s',
      8,
    );
    const { exchange, sent } = kraken(
      { ...rulesRoutes, [ADD_ORDER]: kr('add-order') },
      {},
      (take) => (take === 4 ? refusal : undefined),
    );
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: `Kraken took order ${TXID} (client order id ${CLIENT_ORDER_ID}) but it could not be read back: kraken: the request budget of 25/s is taken for the next 8 s`,
    });
    expect((error as Error).cause).toBe(refusal);
    expect(sent().map((request) => request.split(' ')[1])).toEqual([
      `${KRAKEN_URL}/0/public/AssetPairs?pair=XBTEUR`,
      `${KRAKEN_URL}/0/private/TradeVolume`,
      `${KRAKEN_URL}/0/private/AddOrder`,
    ]);
  });
});

describe('Kraken failures that prove nothing was placed', () => {
  const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
    name: 'ThrottlingException',
  });

  it.each([
    [
      'the request budget is exhausted',
      { refuse: 3, error: new RequestBudgetExhaustedError('kraken: budget taken', 8) },
    ],
    [
      'the request budget cannot be read',
      {
        refuse: 3,
        error: new ExchangeStateUnavailableError(
          'taking from the kraken request budget',
          throttled,
        ),
      },
    ],
    [
      'the nonce counter cannot be read',
      {
        nonce: 2,
        error: new ExchangeStateUnavailableError('drawing a kraken nonce', throttled),
      },
    ],
  ] as const)(
    'throws an ExchangeUnavailableError and never sends AddOrder when %s',
    async (_case, failure) => {
      let draws = 0;
      const { exchange, sent } = kraken(
        rulesRoutes,
        'nonce' in failure
          ? {
              nonces: {
                next: async () => {
                  draws += 1;
                  if (draws === failure.nonce) throw failure.error;
                  return NONCE + draws;
                },
              },
            }
          : {},
        (take) => ('refuse' in failure && take === failure.refuse ? failure.error : undefined),
      );
      const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
      expect(error).toBe(failure.error);
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(sent().some((request) => request.includes('AddOrder'))).toEqual(false);
    },
  );

  it.each([
    'error-invalid-key',
    'error-invalid-signature',
    'error-permission-denied',
    'error-invalid-nonce',
  ])(
    'throws %s from AddOrder as an ExchangeUnavailableError: Kraken processed nothing',
    async (name) => {
      const { exchange } = kraken({ ...rulesRoutes, [ADD_ORDER]: kr(name) });
      const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(error).not.toBeInstanceOf(ExchangeUnknownOutcomeError);
    },
  );
});
