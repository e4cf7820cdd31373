/**
 * ISO 4217 minor-unit digits of the fiat currencies a stack may enable. Which of them a stack
 * offers, and its limits per currency, come from stack config (`currencies`).
 */
export const CURRENCY_DIGITS: Readonly<Record<string, number>> = {
  AUD: 2,
  CAD: 2,
  CHF: 2,
  EUR: 2,
  GBP: 2,
  JPY: 0,
  USD: 2,
};

/** Digits of bitcoin amounts: 1 BTC = 100,000,000 satoshis. */
export const BTC_DIGITS = 8;
