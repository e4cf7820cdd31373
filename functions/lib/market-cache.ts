/**
 * Market rules (minimum order, increments, fee rate) change rarely; every order needs them. This
 * keeps them per execution environment for a few minutes, so an order does not pay the market
 * read's requests (one to three, by exchange) from the request budget every time. The price that
 * comes with them is not used to size market orders (they spend a quote amount), so a few
 * minutes' staleness costs nothing.
 */
import type { Exchange, ExchangeOrder, Market, MarketBuy } from '#domain/exchange.ts';

export const MARKET_CACHE_MS = 5 * 60 * 1000;

export class MarketCache implements Exchange {
  readonly name: string;
  readonly #inner: Exchange;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #markets = new Map<string, { market: Promise<Market>; until: number }>();

  constructor(inner: Exchange, ttlMs = MARKET_CACHE_MS, now: () => number = Date.now) {
    this.name = inner.name;
    this.#inner = inner;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  market(currency: string): Promise<Market> {
    const cached = this.#markets.get(currency);
    if (cached !== undefined && cached.until > this.#now()) return cached.market;
    const market = this.#inner.market(currency);
    this.#markets.set(currency, { market, until: this.#now() + this.#ttlMs });
    // A failed lookup is not kept: the next order asks again.
    market.catch(() => this.#markets.delete(currency));
    return market;
  }

  placeMarketBuy(order: MarketBuy): Promise<ExchangeOrder> {
    return this.#inner.placeMarketBuy(order);
  }

  findOrder(
    clientOrderId: string,
    currency: string,
    notBefore: string,
  ): Promise<ExchangeOrder | null> {
    return this.#inner.findOrder(clientOrderId, currency, notBefore);
  }

  ordersBetween(since: string, until: string): Promise<ExchangeOrder[]> {
    return this.#inner.ordersBetween(since, until);
  }
}
