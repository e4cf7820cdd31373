/**
 * Errors of the real exchange adapters that the exchange port (`#domain/exchange.ts`) does not
 * have, because the paper exchange cannot produce them: the exchange refusing our API key or our
 * nonce, a credentials secret that cannot be read or parsed, and an order look-up that ran out of
 * its bounds.
 *
 * Every one of them is an {@link ExchangeUnavailableError}: each proves that the call placed
 * nothing (it stopped before the order request was sent, or the exchange refused the request
 * without processing it), so the workflow puts the run back to PENDING and retries it.
 *
 * No message ever contains a key, a secret or a signature: they name the secret's fields and
 * what is wrong with them, never their values.
 */
import { ExchangeUnavailableError } from '#domain/exchange.ts';

/**
 * The exchange refused the API credentials (Coinbase HTTP 401/403; Kraken `EAPI:Invalid key`,
 * `EAPI:Invalid signature`, `EGeneral:Permission denied`). The request was not processed, so
 * nothing was placed; but retrying with the same key fails the same way.
 *
 * How callers treat it:
 * - count it as a failure of the exchange for the circuit breaker, so a revoked key opens the
 *   breaker instead of failing every run;
 * - never fall back to "unknown outcome": the order was not taken;
 * - alert an operator, who checks the exchange API key in its Secrets Manager secret (key, secret,
 *   permissions, IP allow-list);
 * - log the error as is: its message holds the exchange's reason, never the credentials.
 */
export class ExchangeAuthenticationError extends ExchangeUnavailableError {
  /** Which exchange refused the key ("coinbase", "kraken"). */
  readonly exchange: string;
  /** The exchange's reason, e.g. "EAPI:Invalid key" or "HTTP 401". */
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
 * Kraken refused the request's nonce (`EAPI:Invalid nonce`): it was not above the last nonce the
 * key used, beyond the key's nonce window. Kraken checks the nonce before it processes anything,
 * so nothing was placed. Under concurrency a request can arrive after one that took a later nonce:
 * it is worth retrying at once (the workflow retries it by this name within the run), and it says
 * nothing about the exchange's health, so the circuit breaker counts it as neutral.
 */
export class ExchangeNonceError extends ExchangeUnavailableError {
  /** Kraken's errors on the request and which request it was. */
  readonly reason: string;

  constructor(reason: string) {
    super(
      `kraken refused the request's nonce (${reason}): another request with a later nonce arrived ` +
        'first; retry it (if this persists, widen the API key nonce window).',
    );
    this.name = 'ExchangeNonceError';
    this.reason = reason;
  }
}

/**
 * The credentials secret does not have the expected shape. Thrown when the secret is parsed,
 * before anything is sent; the message names the field, never its value.
 */
export class ExchangeCredentialsError extends ExchangeUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeCredentialsError';
  }
}

/**
 * The credentials secret could not be read (Secrets Manager throttled, unreachable, access
 * denied, the key policy refused the decrypt...). Nothing was sent to the exchange. The message
 * names the error's class only; the original error is the `cause`.
 */
export class ExchangeCredentialsUnavailableError extends ExchangeUnavailableError {
  constructor(exchange: string, cause: unknown) {
    super(
      `${exchange} credentials: the secret could not be read (${(cause as Error | undefined)?.name ?? 'unknown error'}); nothing was sent`,
      { cause },
    );
    this.name = 'ExchangeCredentialsUnavailableError';
  }
}

/**
 * An order look-up stopped at its bounds (pages or time) before it had searched the whole window
 * for the client order id. Whether the order exists is still unknown: the caller must not send it
 * again, and retries the look-up later. The exchange itself answered well, so the circuit breaker
 * counts it as neutral.
 */
export class ExchangeLookupIncompleteError extends ExchangeUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeLookupIncompleteError';
  }
}
