/**
 * The exchange a function trades on, from its configuration (checked at cold start), behind the
 * market-rules cache and the shared circuit breaker (per port call), with the shared request
 * budget drawn by the adapter per HTTP request and, for Kraken, nonces from a counter shared per
 * API key (`EXCHANGE_STATE_TABLE`, `EXCHANGE_RATE_LIMIT_PER_SECOND`):
 *
 * - `EXCHANGE=paper-http`: the local paper exchange at `PAPER_EXCHANGE_URL`
 *   (`PAPER_EXCHANGE_TIMEOUT_MS` optional);
 * - `EXCHANGE=paper`: cloud paper trading, orders in `PAPER_ORDERS_TABLE`, prices in `PAPER_SETTINGS`;
 * - `EXCHANGE=coinbase` or `kraken`: the API key from the Secrets Manager secret
 *   `EXCHANGE_SECRET_ARN` (read through Powertools Parameters, cached for five minutes, so a
 *   rotated key is picked up without a deploy), at `EXCHANGE_API_URL` or the exchange's
 *   production URL. A function that only reads orders names `EXCHANGE_READONLY_SECRET_ARN`
 *   instead: the view-only key, which cannot place an order.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Exchange, ExchangeOrder, Market, MarketBuy } from '#domain/exchange.ts';
import { paperSettingsWithPrices } from '#domain/paper-market.ts';
import { requireEnvironment } from './environment.ts';
import {
  GuardedExchange,
  SharedCircuitBreaker,
  SharedNonceCounter,
  SharedRateLimiter,
  type GuardOptions,
} from './exchange-guard.ts';
import { CoinbaseExchange, COINBASE_URL, parseCoinbaseCredentials } from './exchanges/coinbase.ts';
import { UNLIMITED, type RequestBudget } from './exchanges/common.ts';
import { ExchangeCredentialsUnavailableError } from './exchanges/errors.ts';
import {
  KrakenExchange,
  KRAKEN_URL,
  parseKrakenCredentials,
  type NonceSource,
} from './exchanges/kraken.ts';
import { MarketCache } from './market-cache.ts';
import { PaperExchangeClient } from './exchanges/paper-http.ts';
import { PaperTableExchange } from './exchanges/paper-table.ts';

/** Thrown at cold start for a configuration that names no usable exchange. */
export class ExchangeConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeConfigurationError';
  }
}

function positiveInteger(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new ExchangeConfigurationError(`${name} must be a positive whole number, not ${value}`);
  }
  return number;
}

/** Reads a secret's JSON value; the default caches it for five minutes (Powertools Parameters). */
export type SecretReader = (secretArn: string) => Promise<unknown>;

const CREDENTIALS_MAX_AGE_SECONDS = 300;

const readSecret: SecretReader = (secretArn) =>
  getSecret(secretArn, { maxAge: CREDENTIALS_MAX_AGE_SECONDS, transform: 'json' });

/**
 * An exchange whose API key lives in a secret: each call reads the (cached) secret and builds the
 * adapter again only when the key changed. Nothing here keeps or logs the key's text. A secret
 * that cannot be read is {@link ExchangeCredentialsUnavailableError}, one that cannot be parsed
 * `ExchangeCredentialsError`: both are `ExchangeUnavailableError`s, as nothing was sent.
 */
export class SecretKeyedExchange implements Exchange {
  readonly name: string;
  readonly #read: () => Promise<unknown>;
  readonly #build: (secret: unknown) => Exchange;
  #current: { digest: string; exchange: Exchange } | undefined;

  constructor(name: string, read: () => Promise<unknown>, build: (secret: unknown) => Exchange) {
    this.name = name;
    this.#read = read;
    this.#build = build;
  }

  async #exchange(): Promise<Exchange> {
    let secret: unknown;
    try {
      secret = await this.#read();
    } catch (error) {
      throw new ExchangeCredentialsUnavailableError(this.name, error);
    }
    const digest = createHash('sha256')
      .update(JSON.stringify(secret ?? null))
      .digest('hex');
    if (this.#current?.digest !== digest) {
      this.#current = { digest, exchange: this.#build(secret) };
    }
    return this.#current.exchange;
  }

  async market(currency: string): Promise<Market> {
    return (await this.#exchange()).market(currency);
  }

  async placeMarketBuy(order: MarketBuy): Promise<ExchangeOrder> {
    return (await this.#exchange()).placeMarketBuy(order);
  }

  async findOrder(
    clientOrderId: string,
    currency: string,
    notBefore: string,
  ): Promise<ExchangeOrder | null> {
    return (await this.#exchange()).findOrder(clientOrderId, currency, notBefore);
  }

  async ordersBetween(since: string, until: string): Promise<ExchangeOrder[]> {
    return (await this.#exchange()).ordersBetween(since, until);
  }
}

/** The variable that names the secret holding the API key a function may use. */
export type ExchangeSecretVariable = 'EXCHANGE_SECRET_ARN' | 'EXCHANGE_READONLY_SECRET_ARN';

/** What the adapters draw from the exchange's shared state. */
export interface SharedExchangeState {
  /** One token per HTTP request (per port call for the paper table exchange). */
  readonly budget: RequestBudget;
  /** Kraken's nonces for the API key with this digest. */
  readonly krakenNonces: (apiKeyDigest: string) => NonceSource;
}

/** A short digest of a public API key: names its nonce counter without storing the key. */
function keyDigest(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

/**
 * The adapter, with no breaker and no cache. Without `shared` (tests, tools) it has no request
 * budget and Kraken's nonces come from this process's clock.
 */
export function exchangeAdapter(
  dynamodb: DynamoDBDocumentClient,
  environment: NodeJS.ProcessEnv = process.env,
  secrets: SecretReader = readSecret,
  shared?: SharedExchangeState,
  secretVariable: ExchangeSecretVariable = 'EXCHANGE_SECRET_ARN',
): Exchange {
  const budget = shared?.budget ?? UNLIMITED;
  const kind = environment.EXCHANGE;
  if (kind === 'paper-http') {
    const url = requireEnvironment(['PAPER_EXCHANGE_URL'], environment).PAPER_EXCHANGE_URL;
    const timeout = environment.PAPER_EXCHANGE_TIMEOUT_MS;
    return new PaperExchangeClient(
      url,
      timeout === undefined || timeout === ''
        ? undefined
        : positiveInteger('PAPER_EXCHANGE_TIMEOUT_MS', timeout),
      budget,
    );
  }
  if (kind === 'paper') {
    const env = requireEnvironment(['PAPER_ORDERS_TABLE', 'PAPER_SETTINGS'], environment);
    const { prices } = JSON.parse(env.PAPER_SETTINGS) as { prices: Record<string, string> };
    return new PaperTableExchange(
      dynamodb,
      env.PAPER_ORDERS_TABLE,
      paperSettingsWithPrices(prices),
      budget,
    );
  }
  if (kind === 'coinbase' || kind === 'kraken') {
    const { [secretVariable]: secretArn } = requireEnvironment([secretVariable], environment);
    const apiUrl = environment.EXCHANGE_API_URL;
    const read = () => secrets(secretArn);
    if (kind === 'coinbase') {
      const baseUrl = apiUrl === undefined || apiUrl === '' ? COINBASE_URL : apiUrl;
      return new SecretKeyedExchange(
        kind,
        read,
        (secret) =>
          new CoinbaseExchange({ baseUrl, credentials: parseCoinbaseCredentials(secret), budget }),
      );
    }
    const baseUrl = apiUrl === undefined || apiUrl === '' ? KRAKEN_URL : apiUrl;
    return new SecretKeyedExchange(kind, read, (secret) => {
      const credentials = parseKrakenCredentials(secret);
      return new KrakenExchange({
        baseUrl,
        credentials,
        budget,
        ...(shared === undefined
          ? {}
          : { nonces: shared.krakenNonces(keyDigest(credentials.apiKey)) }),
      });
    });
  }
  throw new ExchangeConfigurationError(
    `EXCHANGE must be paper, paper-http, coinbase or kraken, not ${String(kind)}`,
  );
}

/** The name the exchange's shared state is kept under (without building the adapter). */
export function exchangeName(environment: NodeJS.ProcessEnv = process.env): string {
  const kind = environment.EXCHANGE ?? '';
  return kind === 'paper-http' ? 'paper' : kind;
}

/**
 * The configured exchange, guarded and cached, as every function that talks to it uses it;
 * `secretVariable` names the secret of the key it may use (the trading key by default).
 */
export function exchangeFromEnvironment(
  dynamodb: DynamoDBDocumentClient,
  onStateError: (error: unknown) => void = () => undefined,
  environment: NodeJS.ProcessEnv = process.env,
  secretVariable: ExchangeSecretVariable = 'EXCHANGE_SECRET_ARN',
): Exchange {
  const env = requireEnvironment(
    ['EXCHANGE_STATE_TABLE', 'EXCHANGE_RATE_LIMIT_PER_SECOND'],
    environment,
  );
  const options: GuardOptions = { dynamodb, tableName: env.EXCHANGE_STATE_TABLE };
  const limit = positiveInteger(
    'EXCHANGE_RATE_LIMIT_PER_SECOND',
    env.EXCHANGE_RATE_LIMIT_PER_SECOND,
  );
  const name = exchangeName(environment);
  const adapter = exchangeAdapter(
    dynamodb,
    environment,
    readSecret,
    {
      budget: new SharedRateLimiter(name, limit, options),
      krakenNonces: (digest) => new SharedNonceCounter(`${name}#${digest}`, options),
    },
    secretVariable,
  );
  return new MarketCache(
    new GuardedExchange(adapter, new SharedCircuitBreaker(adapter.name, options), onStateError),
  );
}
