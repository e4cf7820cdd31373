/**
 * Errors of the real exchange adapters that the exchange port (`#domain/exchange.ts`) does not
 * have, because the paper exchange cannot produce them: the exchange refusing our API key, and a
 * credentials secret that cannot be read.
 *
 * Neither message ever contains a key, a secret or a signature: they name the secret's fields and
 * what is wrong with them, never their values.
 */

/**
 * The exchange refused the API credentials (Coinbase HTTP 401/403; Kraken `EAPI:Invalid key`,
 * `EAPI:Invalid signature`, `EAPI:Invalid nonce`, `EGeneral:Permission denied`). The request was
 * not processed, so nothing was placed; but retrying with the same key fails the same way.
 *
 * How callers treat it:
 * - count it as a failure of the exchange for the circuit breaker (like
 *   `ExchangeUnavailableError`), so a revoked key opens the breaker instead of failing every run;
 * - never retry it in a loop and never fall back to "unknown outcome": the order was not taken;
 * - alert an operator, who checks the exchange API key in its Secrets Manager secret (key, secret,
 *   permissions, IP allow-list, and for Kraken the nonce window when several Lambda instances
 *   share one key);
 * - log the error as is: its message holds the exchange's reason, never the credentials.
 */
export class ExchangeAuthenticationError extends Error {
  /** Which exchange refused the key ("coinbase", "kraken"). */
  readonly exchange: string;
  /** The exchange's reason, e.g. "EAPI:Invalid nonce" or "HTTP 401". */
  readonly reason: string;

  constructor(exchange: string, reason: string) {
    super(
      `${exchange} refused the API credentials (${reason}): check the ${exchange} API key in its ` +
        'Secrets Manager secret (key, secret, permissions, IP allow-list).',
    );
    this.name = 'ExchangeAuthenticationError';
    this.exchange = exchange;
    this.reason = reason;
  }
}

/**
 * The credentials secret does not have the expected shape. Thrown when the secret is parsed (at
 * cold start), before anything is sent; the message names the field, never its value.
 */
export class ExchangeCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeCredentialsError';
  }
}
