/**
 * The Coinbase Advanced Trade adapter against hand-written recorded responses
 * (test/fixtures/coinbase) served by a fake fetch: the exact requests it sends, the JWT on each
 * (verified with the public half of a key pair made here), the integers it reads back, and the
 * port error every failure becomes. Nothing touches the network.
 */
import { generateKeyPairSync } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  ExchangeUnknownOutcomeError,
  type ExchangeOrder,
} from '#domain/exchange.ts';
import {
  ExchangeStateUnavailableError,
  RequestBudgetExhaustedError,
} from '../../../functions/lib/exchange-guard.ts';
import {
  COINBASE_SANDBOX_URL,
  COINBASE_URL,
  CoinbaseExchange,
  parseCoinbaseCredentials,
  toExchangeOrder,
  type CoinbaseExchangeConfig,
  type CoinbaseOrder,
} from '../../../functions/lib/exchanges/coinbase.ts';
import {
  ExchangeAuthenticationError,
  ExchangeCredentialsError,
  ExchangeLookupIncompleteError,
} from '../../../functions/lib/exchanges/errors.ts';
import {
  connectionRefused,
  connectionReset,
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
/** The slot the orders belong to: look-ups start 5 minutes before it. */
const SLOT = '2026-11-24T08:00:00.000Z';
const LOOKUP =
  'product_ids=BTC-EUR&order_side=BUY&start_date=2026-11-24T07%3A55%3A00.000Z&limit=100';
const CLIENT_ORDER_ID = 'ef3fbece-4c77-5094-95a4-b6e24ee19c49';
const ORDER_ID = '0f7c6c55-1c5b-4b8a-9d0e-3b2c8f1a7e21';
const KEY_NAME =
  'organizations/3c6e2a1f-5b8d-4e7a-9c0b-1d2e3f4a5b6c/apiKeys/7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d';
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
/** As the CDP portal hands it out: a SEC1 "EC PRIVATE KEY" PEM. */
const SEC1_PEM = keys.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
const PKCS8_PEM = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const credentials = parseCoinbaseCredentials({ keyName: KEY_NAME, privateKey: SEC1_PEM });

const PATH = '/api/v3/brokerage';
const API = `${COINBASE_URL}${PATH}`;
const PRODUCT = `GET ${PATH}/products/BTC-EUR`;
const FEES = `GET ${PATH}/transaction_summary`;
const ORDERS = `POST ${PATH}/orders`;
const ORDER = `GET ${PATH}/orders/historical/${ORDER_ID}`;
const LIST = `GET ${PATH}/orders/historical/batch`;

function cb(name: string): Fixture {
  return fixture('coinbase', name);
}

/**
 * A Coinbase adapter over the fake fetch, with a counting request budget (`refuse` may refuse the
 * n-th token).
 */
function coinbase(
  routes: Routes,
  config: Partial<CoinbaseExchangeConfig> = {},
  refuse?: (take: number) => Error | undefined,
) {
  const fake = fakeFetch(routes);
  const clock = { now: NOW };
  const budget = countingBudget(() => fake.requests.length, refuse);
  const exchange = new CoinbaseExchange({
    baseUrl: COINBASE_URL,
    credentials,
    fetch: fake.fetch,
    now: () => clock.now,
    timeoutMs: 1_000,
    budget: budget.budget,
    ...config,
  });
  const sent = () => fake.requests.map((request) => `${request.method} ${request.url}`);
  return { exchange, clock, sent, takes: budget.takes, ...fake };
}

const buy25Eur = { clientOrderId: CLIENT_ORDER_ID, currency: 'EUR', quoteMinor: 2500n };

/** get-order-filled.json: 24.7035573122529645 + 0.2964426877470355 = 25 EUR for 0.00028181 BTC. */
const FILLED: ExchangeOrder = {
  exchangeOrderId: ORDER_ID,
  clientOrderId: CLIENT_ORDER_ID,
  currency: 'EUR',
  status: 'FILLED',
  quoteMinor: 2500n,
  filledSats: 28181n,
  spentMinor: 2500n,
  feeMinor: 30n,
  averagePriceMinor: 8766012n,
  createdAt: '2026-11-24T08:00:03.123Z',
};

function bearer(headers: Record<string, string>): string {
  return (headers.authorization ?? '').replace(/^Bearer /, '');
}

describe('parseCoinbaseCredentials', () => {
  it('reads a SEC1 "EC PRIVATE KEY" PEM as a P-256 key object', () => {
    const parsed = parseCoinbaseCredentials({ keyName: KEY_NAME, privateKey: SEC1_PEM });
    expect(parsed.keyName).toEqual(KEY_NAME);
    expect([parsed.privateKey.type, parsed.privateKey.asymmetricKeyDetails]).toEqual([
      'private',
      { namedCurve: 'prime256v1' },
    ]);
  });

  it('reads a PKCS#8 PEM, the secret as a JSON string with escaped newlines, and "name"', () => {
    const secretString = JSON.stringify({ name: KEY_NAME, privateKey: PKCS8_PEM }).replaceAll(
      '\\n',
      '\\\\n',
    );
    const parsed = parseCoinbaseCredentials(secretString);
    expect(parsed.keyName).toEqual(KEY_NAME);
    expect(
      parsed.privateKey
        .export({ type: 'pkcs8', format: 'der' })
        .equals(keys.privateKey.export({ type: 'pkcs8', format: 'der' })),
    ).toEqual(true);
  });

  it('never serializes the private key', () => {
    expect(JSON.stringify(credentials)).toEqual(`{"keyName":"${KEY_NAME}","privateKey":{}}`);
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed25519 = generateKeyPairSync('ed25519');
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const encrypted = keys.privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'correct horse',
  }) as string;
  const garbled =
    '-----BEGIN EC PRIVATE KEY-----\nU2VjcmV0QnV0Tm90QUtleQ==\n-----END EC PRIVATE KEY-----\n';
  it.each([
    [
      'text that is not JSON',
      `{"keyName":"${KEY_NAME}","privateKey":"${SEC1_PEM.slice(0, 60)}`,
      SEC1_PEM.slice(31, 60),
      'Coinbase credentials: the secret is not JSON',
    ],
    [
      'an array',
      [KEY_NAME, SEC1_PEM],
      SEC1_PEM.slice(31, 60),
      'Coinbase credentials: the secret must be a JSON object',
    ],
    [
      'no key name',
      { privateKey: SEC1_PEM },
      SEC1_PEM.slice(31, 60),
      'Coinbase credentials: keyName must be the API key name, organizations/{org_id}/apiKeys/{key_id}',
    ],
    [
      'a key name of another form',
      { keyName: 'legacy-key-7Hq2kP', privateKey: SEC1_PEM },
      'legacy-key-7Hq2kP',
      'Coinbase credentials: keyName must be the API key name, organizations/{org_id}/apiKeys/{key_id}',
    ],
    [
      'a bare base64 key',
      { keyName: KEY_NAME, privateKey: 'MHcCAQEEIBvSecretBits' },
      'MHcCAQEEIBvSecretBits',
      'Coinbase credentials: privateKey must be a PEM private key ("-----BEGIN EC PRIVATE KEY-----")',
    ],
    [
      'a PEM that does not decode',
      { keyName: KEY_NAME, privateKey: garbled },
      'U2VjcmV0QnV0Tm90QUtleQ',
      'Coinbase credentials: privateKey is not a readable SEC1 or PKCS#8 PEM private key',
    ],
    [
      'an encrypted key',
      { keyName: KEY_NAME, privateKey: encrypted },
      encrypted.slice(40, 80),
      'Coinbase credentials: privateKey is encrypted; store the unencrypted PEM in the secret',
    ],
    [
      'an RSA key',
      { keyName: KEY_NAME, privateKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) },
      'MII',
      'Coinbase credentials: privateKey is a rsa key; Advanced Trade signs with ES256 and needs an ECDSA P-256 key',
    ],
    [
      'an Ed25519 key',
      {
        keyName: KEY_NAME,
        privateKey: ed25519.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      },
      'MC4CAQAw',
      'Coinbase credentials: privateKey is a ed25519 key; Advanced Trade signs with ES256 and needs an ECDSA P-256 key',
    ],
    [
      'a P-384 key',
      { keyName: KEY_NAME, privateKey: p384.privateKey.export({ type: 'sec1', format: 'pem' }) },
      'MIGkAgEB',
      'Coinbase credentials: privateKey is a secp384r1 EC key; Advanced Trade signs with ES256 and needs an ECDSA P-256 key',
    ],
  ])(
    'refuses %s with a message that does not quote the secret',
    (_case, secret, fragment, message) => {
      let error: unknown;
      try {
        parseCoinbaseCredentials(secret);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ExchangeCredentialsError);
      expect(described(error)).toEqual({ name: 'ExchangeCredentialsError', message });
      expect((error as Error).message.includes(fragment)).toEqual(false);
    },
  );
});

describe('CoinbaseExchange authentication', () => {
  it('signs every request with its own ES256 JWT for "METHOD host/path", valid for 120 seconds', async () => {
    const { exchange, requests } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [FEES]: cb('transaction-summary'),
    });
    await exchange.market('EUR');
    const verified = await Promise.all(
      [...requests]
        .sort((a, b) => a.url.localeCompare(b.url))
        .map((request) =>
          jwtVerify(bearer(request.headers), keys.publicKey, {
            algorithms: ['ES256'],
            currentDate: new Date(NOW),
          }),
        ),
    );
    expect(verified.map(({ payload }) => payload)).toEqual([
      {
        sub: KEY_NAME,
        iss: 'cdp',
        nbf: NOW / 1000,
        exp: NOW / 1000 + 120,
        uri: `GET api.coinbase.com${PATH}/products/BTC-EUR`,
      },
      {
        sub: KEY_NAME,
        iss: 'cdp',
        nbf: NOW / 1000,
        exp: NOW / 1000 + 120,
        uri: `GET api.coinbase.com${PATH}/transaction_summary`,
      },
    ]);
    const headers = verified.map(({ protectedHeader }) => protectedHeader);
    expect(headers).toEqual([
      { alg: 'ES256', kid: KEY_NAME, typ: 'JWT', nonce: expect.stringMatching(/^[0-9a-f]{32}$/) },
      { alg: 'ES256', kid: KEY_NAME, typ: 'JWT', nonce: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
    expect(headers[0]?.nonce).not.toEqual(headers[1]?.nonce);
  });

  it('signs for the sandbox host when pointed at the sandbox', async () => {
    const { exchange, requests } = coinbase(
      { [LIST]: cb('list-orders-empty') },
      { baseUrl: COINBASE_SANDBOX_URL },
    );
    await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT);
    const { payload } = await jwtVerify(bearer(requests[0]?.headers ?? {}), keys.publicKey, {
      currentDate: new Date(NOW),
    });
    expect([requests[0]?.url.startsWith(`${COINBASE_SANDBOX_URL}${PATH}/`), payload.uri]).toEqual([
      true,
      `GET api-sandbox.coinbase.com${PATH}/orders/historical/batch`,
    ]);
  });

  it('signs with a key read from PKCS#8 just as with SEC1', async () => {
    const { exchange, requests } = coinbase(
      { [LIST]: cb('list-orders-empty') },
      { credentials: parseCoinbaseCredentials({ keyName: KEY_NAME, privateKey: PKCS8_PEM }) },
    );
    await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT);
    const { payload } = await jwtVerify(bearer(requests[0]?.headers ?? {}), keys.publicKey, {
      currentDate: new Date(NOW),
    });
    expect(payload.sub).toEqual(KEY_NAME);
  });
});

describe('CoinbaseExchange.market', () => {
  it('reads the BTC-EUR rules as integers and the taker fee from the fee tier', async () => {
    const { exchange, sent } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [FEES]: cb('transaction-summary'),
    });
    expect(await exchange.market('EUR')).toEqual({
      currency: 'EUR',
      priceMinor: 8765432n,
      feeRate: '0.012',
      minQuoteMinor: 100n,
      minBaseSats: 1n,
      quoteIncrementMinor: 1n,
      baseIncrementSats: 1n,
    });
    expect(sent().sort()).toEqual([
      `GET ${API}/products/BTC-EUR`,
      `GET ${API}/transaction_summary?product_type=SPOT`,
    ]);
  });

  it('rounds a price with more decimals than the currency down and minimums up', async () => {
    const product = withBody(cb('product-btc-eur'), (body: Record<string, string>) => {
      body.price = '87654.329';
      body.quote_min_size = '0.999';
      body.base_min_size = '0.000012345';
      body.quote_increment = '0.001';
      body.base_increment = '0.0000000001';
    });
    const { exchange } = coinbase({ [PRODUCT]: product, [FEES]: cb('transaction-summary') });
    expect(await exchange.market('EUR')).toEqual({
      currency: 'EUR',
      priceMinor: 8765432n,
      feeRate: '0.012',
      minQuoteMinor: 100n,
      minBaseSats: 1235n,
      quoteIncrementMinor: 1n,
      baseIncrementSats: 1n,
    });
  });

  it('reads the price on every call and the fee tier once per TTL', async () => {
    const { exchange, clock, sent, unused } = coinbase({
      [PRODUCT]: [cb('product-btc-eur'), cb('product-btc-eur'), cb('product-btc-eur')],
      [FEES]: [cb('transaction-summary'), cb('transaction-summary')],
    });
    await exchange.market('EUR');
    clock.now = NOW + 4 * 60_000 + 59_999;
    await exchange.market('EUR');
    clock.now = NOW + 5 * 60_000;
    await exchange.market('EUR');
    expect(sent().filter((request) => request.includes('transaction_summary')).length).toEqual(2);
    expect(sent().filter((request) => request.includes('/products/')).length).toEqual(3);
    expect(unused()).toEqual({});
  });

  it.each([
    ['cancel only', cb('product-btc-eur-cancel-only'), 'status online, cancel_only'],
    [
      'trading disabled',
      withBody(cb('product-btc-eur'), (b: Record<string, unknown>) => (b.trading_disabled = true)),
      'status online, trading_disabled',
    ],
    [
      'disabled',
      withBody(cb('product-btc-eur'), (b: Record<string, unknown>) => (b.is_disabled = true)),
      'status online, is_disabled',
    ],
    [
      'limit only',
      withBody(cb('product-btc-eur'), (b: Record<string, unknown>) => (b.limit_only = true)),
      'status online, limit_only',
    ],
    [
      'post only',
      withBody(cb('product-btc-eur'), (b: Record<string, unknown>) => (b.post_only = true)),
      'status online, post_only',
    ],
    [
      'view only',
      withBody(cb('product-btc-eur'), (b: Record<string, unknown>) => (b.view_only = true)),
      'status online, view_only',
    ],
    [
      'offline',
      withBody(cb('product-btc-eur'), (b: Record<string, unknown>) => (b.status = 'offline')),
      'status offline',
    ],
  ])('refuses a product that is %s as MARKET_CLOSED', async (_case, product, why) => {
    const { exchange } = coinbase({ [PRODUCT]: product, [FEES]: cb('transaction-summary') });
    const error = await rejectionOf(exchange.market('EUR'));
    expect(error).toBeInstanceOf(ExchangeRejectedError);
    expect(described(error)).toEqual({
      name: 'ExchangeRejectedError',
      message: `Coinbase is not trading BTC-EUR now (${why}).`,
      code: 'MARKET_CLOSED',
    });
  });

  it('refuses a market Coinbase does not have as REJECTED', async () => {
    const { exchange } = coinbase({
      [`GET ${PATH}/products/BTC-CHF`]: cb('product-not-found'),
      [FEES]: cb('transaction-summary'),
    });
    expect(described(await rejectionOf(exchange.market('CHF')))).toEqual({
      name: 'ExchangeRejectedError',
      message: 'Coinbase has no BTC-CHF market.',
      code: 'REJECTED',
    });
  });

  it('refuses a currency the stack cannot have without sending anything', async () => {
    const { exchange, requests } = coinbase({});
    expect(described(await rejectionOf(exchange.market('XYZ')))).toEqual({
      name: 'ExchangeRejectedError',
      message: 'XYZ is not a supported currency.',
      code: 'REJECTED',
    });
    expect(requests).toEqual([]);
  });
});

describe('CoinbaseExchange.placeMarketBuy', () => {
  it('sends a market IOC buy of the quote and answers the order read back, in integers', async () => {
    const { exchange, sent, requests } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [ORDERS]: cb('create-order-success'),
      [ORDER]: cb('get-order-filled'),
    });
    expect(await exchange.placeMarketBuy(buy25Eur)).toEqual(FILLED);
    expect(sent()).toEqual([
      `GET ${API}/products/BTC-EUR`,
      `POST ${API}/orders`,
      `GET ${API}/orders/historical/${ORDER_ID}`,
    ]);
    const post = requests[1];
    expect(JSON.parse(post?.body ?? '')).toEqual({
      client_order_id: CLIENT_ORDER_ID,
      product_id: 'BTC-EUR',
      side: 'BUY',
      order_configuration: { market_market_ioc: { quote_size: '25.00' } },
    });
    expect(Object.keys(post?.headers ?? {}).sort()).toEqual(['authorization', 'content-type']);
    expect(post?.headers['content-type']).toEqual('application/json');
  });

  it('reuses the product rules market() just read, so the buy itself sends only the order', async () => {
    const { exchange, sent } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [FEES]: cb('transaction-summary'),
      [ORDERS]: cb('create-order-success'),
      [ORDER]: cb('get-order-filled'),
    });
    await exchange.market('EUR');
    await exchange.placeMarketBuy(buy25Eur);
    expect(sent().filter((request) => request.includes('/products/')).length).toEqual(1);
  });

  it('rounds the quote down to the quote increment, never above the amount asked for', async () => {
    const product = withBody(cb('product-btc-eur'), (b: Record<string, string>) => {
      b.quote_increment = '0.05';
    });
    const { exchange, requests } = coinbase({
      [PRODUCT]: product,
      [ORDERS]: cb('create-order-success'),
      [ORDER]: cb('get-order-filled'),
    });
    await exchange.placeMarketBuy({ ...buy25Eur, quoteMinor: 2499n });
    const body = JSON.parse(requests[1]?.body ?? '') as {
      order_configuration: { market_market_ioc: { quote_size: string } };
    };
    expect(body.order_configuration.market_market_ioc.quote_size).toEqual('24.95');
  });

  it('refuses a quote under the minimum as BELOW_MINIMUM without placing an order', async () => {
    const { exchange, sent } = coinbase({ [PRODUCT]: cb('product-btc-eur') });
    expect(
      described(await rejectionOf(exchange.placeMarketBuy({ ...buy25Eur, quoteMinor: 99n }))),
    ).toEqual({
      name: 'ExchangeRejectedError',
      message: "0.99 EUR is below Coinbase's minimum order of 1.00 EUR.",
      code: 'BELOW_MINIMUM',
    });
    expect(sent()).toEqual([`GET ${API}/products/BTC-EUR`]);
  });

  it.each([
    [
      'create-order-insufficient-fund',
      'INSUFFICIENT_FUNDS',
      'Coinbase refused the order (INSUFFICIENT_FUND, PREVIEW_INSUFFICIENT_FUND): Insufficient balance in source account',
    ],
    [
      'create-order-quote-too-small',
      'BELOW_MINIMUM',
      'Coinbase refused the order (PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL)',
    ],
    [
      'create-order-entry-disabled',
      'MARKET_CLOSED',
      'Coinbase refused the order (ORDER_ENTRY_DISABLED): Orders are not accepted for this product',
    ],
    [
      'create-order-quote-precision',
      'REJECTED',
      'Coinbase refused the order (PREVIEW_INVALID_QUOTE_SIZE_PRECISION)',
    ],
    [
      'create-order-invalid-argument',
      'REJECTED',
      'Coinbase refused the order (HTTP 400: INVALID_ARGUMENT quote_size: invalid decimal)',
    ],
  ])('turns the refusal in %s into ExchangeRejectedError %s', async (name, code, message) => {
    const { exchange, sent } = coinbase({ [PRODUCT]: cb('product-btc-eur'), [ORDERS]: cb(name) });
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(error).toBeInstanceOf(ExchangeRejectedError);
    expect(described(error)).toEqual({ name: 'ExchangeRejectedError', message, code });
    expect(sent()).toEqual([`GET ${API}/products/BTC-EUR`, `POST ${API}/orders`]);
  });

  it('turns an order that comes back FAILED into ExchangeRejectedError', async () => {
    const { exchange } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [ORDERS]: cb('create-order-success'),
      [ORDER]: cb('get-order-failed'),
    });
    expect(described(await rejectionOf(exchange.placeMarketBuy(buy25Eur)))).toEqual({
      name: 'ExchangeRejectedError',
      message: `Coinbase rejected order ${ORDER_ID}: HOLD_FAILURE could not place a hold on the funds`,
      code: 'REJECTED',
    });
  });

  it('treats an order Coinbase took but that cannot be read back as an unknown outcome', async () => {
    const { exchange } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [ORDERS]: cb('create-order-success'),
      [ORDER]: cb('service-unavailable-html'),
    });
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(error).toBeInstanceOf(ExchangeUnknownOutcomeError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: `Coinbase took order ${ORDER_ID} (client order id ${CLIENT_ORDER_ID}) but it could not be read back: GET ${PATH}/orders/historical/${ORDER_ID} answered 503`,
    });
  });
});

describe('Coinbase orders as the port reads them', () => {
  const filled = cb('get-order-filled').body as { order: Record<string, unknown> };
  const pending = cb('get-order-pending').body as { order: Record<string, unknown> };
  const orders = { 'some BTC': filled.order, 'no BTC': pending.order };
  it.each([
    ['FILLED', 'some BTC', 'FILLED'],
    ['OPEN', 'no BTC', 'OPEN'],
    ['PENDING', 'no BTC', 'OPEN'],
    ['QUEUED', 'no BTC', 'OPEN'],
    ['CANCEL_QUEUED', 'no BTC', 'OPEN'],
    ['EDIT_QUEUED', 'no BTC', 'OPEN'],
    ['UNKNOWN_ORDER_STATUS', 'no BTC', 'OPEN'],
    ['CANCELLED', 'some BTC', 'PARTIALLY_FILLED'],
    ['EXPIRED', 'some BTC', 'PARTIALLY_FILLED'],
    ['CANCELLED', 'no BTC', 'CANCELLED'],
    ['EXPIRED', 'no BTC', 'CANCELLED'],
    ['FAILED', 'no BTC', 'REJECTED'],
  ] as const)('maps %s with %s filled to %s', (status, fill, expected) => {
    expect(toExchangeOrder({ ...orders[fill], status }).status).toEqual(expected);
  });

  it('reads a partial fill as PARTIALLY_FILLED with what it spent, in integers', () => {
    const partial = cb('get-order-partially-filled').body as { order: Record<string, unknown> };
    expect(toExchangeOrder(partial.order)).toEqual({
      ...FILLED,
      status: 'PARTIALLY_FILLED',
      filledSats: 11272n,
      spentMinor: 1000n,
      feeMinor: 12n,
    });
  });

  it('rounds what an order spent, its BTC and its price down, and its fee up', () => {
    expect(
      toExchangeOrder({
        ...filled.order,
        filled_value: '24.701',
        total_fees: '0.2964',
        filled_size: '0.000281789',
        average_filled_price: '87654.329',
      }),
    ).toEqual({
      ...FILLED,
      spentMinor: 2499n,
      feeMinor: 30n,
      filledSats: 28178n,
      averagePriceMinor: 8765432n,
    });
  });

  it('reads an order without fills, whose amounts are zero, as spending nothing', () => {
    expect(toExchangeOrder(pending.order)).toEqual({
      ...FILLED,
      status: 'OPEN',
      filledSats: 0n,
      spentMinor: 0n,
      feeMinor: 0n,
      averagePriceMinor: 0n,
    });
  });

  it('refuses a status it does not know as unavailable rather than guessing', () => {
    expect(() => toExchangeOrder({ ...filled.order, status: 'SETTLING' })).toThrow(
      new ExchangeUnavailableError('order with unexpected status "SETTLING"'),
    );
  });
});

describe('CoinbaseExchange.findOrder', () => {
  it('looks the id up among the BTC-EUR buys since 5 minutes before the slot, page by page, placing nothing', async () => {
    const { exchange, sent } = coinbase({
      [LIST]: [cb('list-orders-btc-eur-page-1'), cb('list-orders-btc-eur-page-2')],
    });
    expect(await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual({
      ...FILLED,
      createdAt: '2026-11-23T08:00:03.123Z',
    });
    expect(sent()).toEqual([
      `GET ${API}/orders/historical/batch?${LOOKUP}`,
      `GET ${API}/orders/historical/batch?${LOOKUP}&cursor=MjAyNi0xMS0yM1QxOTozMDowMC4wNTIwMDFa`,
    ]);
  });

  it('answers null when no order of the window has the id', async () => {
    const { exchange } = coinbase({ [LIST]: cb('list-orders-empty') });
    expect(await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual(null);
  });

  it('starts the window at the slot less the clock-skew margin, whatever the time now', async () => {
    const { exchange, clock, sent } = coinbase({ [LIST]: cb('list-orders-empty') });
    clock.now = Date.parse('2026-11-24T13:59:00.000Z');
    await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', '2026-11-24T10:00:00+01:00');
    expect(sent()).toEqual([
      `GET ${API}/orders/historical/batch?product_ids=BTC-EUR&order_side=BUY&start_date=2026-11-24T08%3A55%3A00.000Z&limit=100`,
    ]);
  });
});

describe('CoinbaseExchange.ordersBetween', () => {
  it('lists the BTC buys created in the period, across pages, oldest first', async () => {
    const { exchange, sent } = coinbase({
      [LIST]: [cb('list-orders-page-1'), cb('list-orders-page-2')],
    });
    expect(
      await exchange.ordersBetween('2026-11-24T07:00:00.000Z', '2026-11-24T08:00:00.000Z'),
    ).toEqual([
      { ...FILLED, createdAt: '2026-11-24T07:00:00.000Z' },
      {
        ...FILLED,
        exchangeOrderId: 'b2000000-0000-4000-8000-000000000003',
        clientOrderId: 'c3000000-0000-5000-8000-000000000003',
        currency: 'USD',
        createdAt: '2026-11-24T07:30:00.000Z',
      },
    ]);
    expect(sent()).toEqual([
      `GET ${API}/orders/historical/batch?order_side=BUY&start_date=2026-11-24T07%3A00%3A00.000Z&end_date=2026-11-24T08%3A00%3A00.000Z&limit=100`,
      `GET ${API}/orders/historical/batch?order_side=BUY&start_date=2026-11-24T07%3A00%3A00.000Z&end_date=2026-11-24T08%3A00%3A00.000Z&limit=100&cursor=MjAyNi0xMS0yNFQwNzowMDowMC4wMDAwMDBa`,
    ]);
  });
});

describe('CoinbaseExchange errors', () => {
  it('treats a 429, even with an HTML body, as rate limited: not taken, retry later', async () => {
    const { exchange } = coinbase({ [LIST]: cb('rate-limited-html') });
    const error = await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeRateLimitedError);
    expect(described(error)).toEqual({
      name: 'ExchangeRateLimitedError',
      message: `GET ${PATH}/orders/historical/batch was rate limited`,
      retryAfterSeconds: undefined,
    });
  });

  it('passes on the wait a 429 asks for in Retry-After', async () => {
    const limited = cb('rate-limited-html');
    const { exchange } = coinbase({
      [ORDERS]: { ...limited, headers: { ...limited.headers, 'retry-after': '3' } },
      [PRODUCT]: cb('product-btc-eur'),
    });
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(described(error)).toEqual({
      name: 'ExchangeRateLimitedError',
      message: `POST ${PATH}/orders was rate limited`,
      retryAfterSeconds: 3,
    });
  });

  it.each([
    ['unauthorized', 'HTTP 401'],
    ['permission-denied', 'HTTP 403: PERMISSION_DENIED Missing required scopes'],
  ])('treats %s as ExchangeAuthenticationError, naming no credential', async (name, reason) => {
    const { exchange } = coinbase({ [LIST]: cb(name) });
    const error = await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeAuthenticationError);
    expect(described(error)).toEqual({
      name: 'ExchangeAuthenticationError',
      message: `coinbase refused the API credentials (${reason}): check the coinbase API key in its Secrets Manager secret (key, secret, permissions, IP allow-list).`,
      exchange: 'coinbase',
      reason,
    });
    expect(
      [KEY_NAME, SEC1_PEM.slice(31, 80)].some((secret) =>
        (error as Error).message.includes(secret),
      ),
    ).toEqual(false);
  });

  it.each([
    ['internal-error', 500],
    ['service-unavailable-html', 503],
  ])('treats a %s answer to an order as an unknown outcome', async (name, status) => {
    const { exchange } = coinbase({ [PRODUCT]: cb('product-btc-eur'), [ORDERS]: cb(name) });
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(error).toBeInstanceOf(ExchangeUnknownOutcomeError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: `POST ${PATH}/orders answered ${status}`,
    });
  });

  it('treats a 5xx answer to a read as unavailable', async () => {
    const { exchange } = coinbase({ [LIST]: cb('service-unavailable-html') });
    const error = await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnavailableError',
      message: `GET ${PATH}/orders/historical/batch answered 503`,
    });
  });

  it('treats an order that times out as an unknown outcome', async () => {
    const { exchange } = coinbase({ [PRODUCT]: cb('product-btc-eur'), [ORDERS]: timeoutError() });
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(error).toBeInstanceOf(ExchangeUnknownOutcomeError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: `POST ${PATH}/orders timed out after 1000 ms`,
    });
  });

  it('treats a read that times out as unavailable', async () => {
    const { exchange } = coinbase({ [LIST]: timeoutError() });
    const error = await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(error).not.toBeInstanceOf(ExchangeRateLimitedError);
    expect(described(error)).toEqual({
      name: 'ExchangeUnavailableError',
      message: `GET ${PATH}/orders/historical/batch timed out after 1000 ms`,
    });
  });

  it('treats an order whose connection was refused as unavailable: it never left', async () => {
    const { exchange } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [ORDERS]: connectionRefused(),
    });
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(described(error)).toEqual({
      name: 'ExchangeUnavailableError',
      message: `POST ${PATH}/orders failed: fetch failed`,
    });
  });

  it('treats an order whose connection broke as an unknown outcome', async () => {
    const { exchange } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [ORDERS]: connectionReset(),
    });
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: `POST ${PATH}/orders failed: fetch failed`,
    });
  });
});

describe('CoinbaseExchange request budget', () => {
  it('takes exactly one token per request of a market read, an order and a look-up', async () => {
    const { exchange, takes, requests, unused } = coinbase({
      [PRODUCT]: [cb('product-btc-eur'), cb('product-btc-eur')],
      [FEES]: cb('transaction-summary'),
      [ORDERS]: cb('create-order-success'),
      [ORDER]: cb('get-order-filled'),
      [LIST]: [cb('list-orders-btc-eur-page-1'), cb('list-orders-btc-eur-page-2')],
    });
    const counted = async (call: () => Promise<unknown>) => {
      const [tokens, sent] = [takes.length, requests.length];
      await call();
      return { tokens: takes.length - tokens, requests: requests.length - sent };
    };
    // Product and fee tier (in parallel); then the product alone while the fee tier is cached.
    expect(await counted(() => exchange.market('EUR'))).toEqual({ tokens: 2, requests: 2 });
    expect(await counted(() => exchange.market('EUR'))).toEqual({ tokens: 1, requests: 1 });
    // The order and its read-back (the product rules are cached).
    expect(await counted(() => exchange.placeMarketBuy(buy25Eur))).toEqual({
      tokens: 2,
      requests: 2,
    });
    // One per page.
    expect(await counted(() => exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT))).toEqual({
      tokens: 2,
      requests: 2,
    });
    // Each token was taken before its request; the parallel pair both before either was sent.
    expect(takes).toEqual([0, 0, 2, 3, 4, 5, 6]);
    expect(unused()).toEqual({});
  });

  it('takes three tokens for an order whose product rules are not cached: three requests', async () => {
    const { exchange, takes, requests } = coinbase({
      [PRODUCT]: cb('product-btc-eur'),
      [ORDERS]: cb('create-order-success'),
      [ORDER]: cb('get-order-filled'),
    });
    await exchange.placeMarketBuy(buy25Eur);
    expect([takes.length, requests.length]).toEqual([3, 3]);
  });

  it('reports an order whose read-back the budget refuses as an unknown outcome: it was taken', async () => {
    const refusal = new RequestBudgetExhaustedError(
      'coinbase: the request budget of 25/s is taken for the next 8 s',
      8,
    );
    const { exchange, sent } = coinbase(
      { [PRODUCT]: cb('product-btc-eur'), [ORDERS]: cb('create-order-success') },
      {},
      (take) => (take === 3 ? refusal : undefined),
    );
    const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
    expect(described(error)).toEqual({
      name: 'ExchangeUnknownOutcomeError',
      message: `Coinbase took order ${ORDER_ID} (client order id ${CLIENT_ORDER_ID}) but it could not be read back: coinbase: the request budget of 25/s is taken for the next 8 s`,
    });
    expect((error as Error).cause).toBe(refusal);
    expect(sent()).toEqual([`GET ${API}/products/BTC-EUR`, `POST ${API}/orders`]);
  });
});

/** 100 a page, as the look-up asks: `total` BTC-EUR buys, the one we look for at `at` if given. */
function history(total: number, at?: number): Fixture[] {
  const template = (cb('list-orders-btc-eur-page-1').body as { orders: CoinbaseOrder[] })
    .orders[0] as CoinbaseOrder;
  const orders = Array.from({ length: total }, (_, index) => ({
    ...template,
    order_id: `b${String(index).padStart(7, '0')}-0000-4000-8000-000000000000`,
    client_order_id:
      index === at
        ? CLIENT_ORDER_ID
        : `c${String(index).padStart(7, '0')}-0000-5000-8000-000000000000`,
  }));
  const pages: Fixture[] = [];
  for (let start = 0; start < total; start += 100) {
    const last = start + 100 >= total;
    pages.push({
      status: 200,
      body: {
        orders: orders.slice(start, start + 100),
        has_next: !last,
        cursor: last ? '' : `page-${start / 100 + 2}`,
      },
    });
  }
  return pages;
}

describe('CoinbaseExchange.findOrder over a long history', () => {
  it('finds the order on the third of 30 pages after three requests', async () => {
    const { exchange, requests, takes } = coinbase({ [LIST]: history(3_000, 250) });
    expect((await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT))?.clientOrderId).toEqual(
      CLIENT_ORDER_ID,
    );
    expect([requests.length, takes.length]).toEqual([3, 3]);
  });

  it('stops after 10 pages of 3,000 orders and says the outcome is unknown, never null', async () => {
    const { exchange, requests, takes } = coinbase({ [LIST]: history(3_000, 2_500) });
    const error = await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeLookupIncompleteError);
    expect(error).toBeInstanceOf(ExchangeUnavailableError);
    expect(described(error)).toEqual({
      name: 'ExchangeLookupIncompleteError',
      message: `Coinbase: client order id ${CLIENT_ORDER_ID} is not among the 1000 BTC-EUR buys listed since 2026-11-24T07:55:00.000Z; the look-up stopped at its bound of 10 pages, so whether the order exists is unknown`,
    });
    expect([requests.length, takes.length]).toEqual([10, 10]);
    expect(new URL(requests[9]?.url ?? '').searchParams.get('cursor')).toEqual('page-10');
  });

  it('answers null only after listing the whole window: 5 pages without the id', async () => {
    const { exchange, requests } = coinbase({ [LIST]: history(450) });
    expect(await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual(null);
    expect(requests.length).toEqual(5);
  });

  it('answers null when the window ends exactly on its last allowed page', async () => {
    const { exchange, requests } = coinbase({ [LIST]: history(1_000) });
    expect(await exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).toEqual(null);
    expect(requests.length).toEqual(10);
  });

  it('stops when its 10 s are spent, pages that take 3 s each included', async () => {
    const fake = fakeFetch({ [LIST]: history(3_000) });
    const clock = { now: NOW };
    const exchange = new CoinbaseExchange({
      baseUrl: COINBASE_URL,
      credentials,
      now: () => clock.now,
      fetch: (async (...args: Parameters<typeof fetch>) => {
        clock.now += 3_000;
        return fake.fetch(...args);
      }) as typeof fetch,
    });
    const error = await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(described(error)).toEqual({
      name: 'ExchangeLookupIncompleteError',
      message: `Coinbase: client order id ${CLIENT_ORDER_ID} is not among the 400 BTC-EUR buys listed since 2026-11-24T07:55:00.000Z; the look-up stopped at its time budget after 4 pages, so whether the order exists is unknown`,
    });
    expect(fake.requests.length).toEqual(4);
  });

  it('does not send a page whose budget turn comes after its deadline', async () => {
    const clock = { now: NOW };
    const fake = fakeFetch({ [LIST]: history(300) });
    const exchange = new CoinbaseExchange({
      baseUrl: COINBASE_URL,
      credentials,
      fetch: fake.fetch,
      now: () => clock.now,
      findOrderTimeMs: 5_000,
      budget: {
        take: async () => {
          clock.now += 6_000;
        },
      },
    });
    const error = await rejectionOf(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT));
    expect(error).toBeInstanceOf(ExchangeLookupIncompleteError);
    expect(fake.requests).toEqual([]);
  });

  it('follows its configured bounds', async () => {
    const { exchange, requests } = coinbase(
      { [LIST]: history(3_000) },
      { findOrderMaxPages: 3, findOrderPageSize: 100 },
    );
    await expect(exchange.findOrder(CLIENT_ORDER_ID, 'EUR', SLOT)).rejects.toThrow(
      'the look-up stopped at its bound of 3 pages',
    );
    expect(requests.length).toEqual(3);
  });
});

describe('CoinbaseExchange failures that prove nothing was placed', () => {
  const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
    name: 'ThrottlingException',
  });

  it.each([
    [
      'the request budget is exhausted',
      new RequestBudgetExhaustedError('coinbase: budget taken', 8),
    ],
    [
      'the request budget cannot be read',
      new ExchangeStateUnavailableError('taking from the coinbase request budget', throttled),
    ],
  ])(
    'throws an ExchangeUnavailableError and never sends the order when %s',
    async (_case, refusal) => {
      const { exchange, sent } = coinbase({ [PRODUCT]: cb('product-btc-eur') }, {}, (take) =>
        take === 2 ? refusal : undefined,
      );
      const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
      expect(error).toBe(refusal);
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(sent()).toEqual([`GET ${API}/products/BTC-EUR`]);
    },
  );

  it.each(['unauthorized', 'permission-denied'])(
    'throws a %s answer to the order as an ExchangeUnavailableError: Coinbase processed nothing',
    async (name) => {
      const { exchange } = coinbase({ [PRODUCT]: cb('product-btc-eur'), [ORDERS]: cb(name) });
      const error = await rejectionOf(exchange.placeMarketBuy(buy25Eur));
      expect(error).toBeInstanceOf(ExchangeAuthenticationError);
      expect(error).toBeInstanceOf(ExchangeUnavailableError);
      expect(error).not.toBeInstanceOf(ExchangeUnknownOutcomeError);
    },
  );
});
