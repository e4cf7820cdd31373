/**
 * The exchange a function trades on, from its configuration (checked at cold start):
 * `EXCHANGE=paper-http` (the local paper exchange at `PAPER_EXCHANGE_URL`) or `EXCHANGE=paper`
 * (cloud paper trading: orders in `PAPER_ORDERS_TABLE`, prices in `PAPER_SETTINGS`).
 */
import type { Exchange } from '#domain/exchange.ts';
import { paperSettingsWithPrices } from '#domain/paper-market.ts';
import { documentClient } from './aws.ts';
import { requireEnvironment } from './environment.ts';
import { PaperExchangeClient } from './paper-exchange.ts';
import { PaperTableExchange } from './paper-table-exchange.ts';

export function exchangeFromEnvironment(environment: NodeJS.ProcessEnv = process.env): Exchange {
  const kind = environment.EXCHANGE;
  if (kind === 'paper-http') {
    return new PaperExchangeClient(
      requireEnvironment(['PAPER_EXCHANGE_URL'], environment).PAPER_EXCHANGE_URL,
    );
  }
  if (kind === 'paper') {
    const env = requireEnvironment(['PAPER_ORDERS_TABLE', 'PAPER_SETTINGS'], environment);
    const { prices } = JSON.parse(env.PAPER_SETTINGS) as { prices: Record<string, string> };
    return new PaperTableExchange(
      documentClient(),
      env.PAPER_ORDERS_TABLE,
      paperSettingsWithPrices(prices),
    );
  }
  throw new Error(`EXCHANGE must be paper or paper-http, not ${String(kind)}`);
}
