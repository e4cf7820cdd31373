/** Holdings items (the ledger of `shared/holdings.ts`) and their GraphQL shape. */
import { divideUnitsHalfUp, formatUnits } from '#domain/decimal.ts';
import { currencyDigits } from './plan.ts';

const BTC_DIGITS = 8;
/** Appending these to a digit string multiplies it by 10^8, the satoshis in one bitcoin. */
const TIMES_SATS_PER_BTC = '00000000';

/** A user's holdings item in one currency, as AppSync hands it over (DynamoDB numbers as numbers). */
export interface HoldingItem {
  ownerPlan: string;
  /** The currency (the item's sort key). */
  scheduledFor: string;
  btcSats?: number;
  /** Fiat minor units: spent with fees, the fees, and spent without them. */
  spentMinor?: number;
  feesMinor?: number;
  costMinor?: number;
  purchases?: number;
}

/** A whole number of units as a digit string (the ledger's sums stay far below 2^53). */
function units(value: number | undefined): string {
  return value ? `${value}` : '0';
}

/**
 * A holdings item as the GraphQL `Holding`: exact decimal strings from the integer balances. The
 * average price is what the bitcoin cost without fees, per BTC, rounded half up to the currency's
 * digits; null while no satoshi was bought.
 */
export function toHolding(item: HoldingItem) {
  const currency = item.scheduledFor;
  const digits = currencyDigits(currency);
  const sats = units(item.btcSats);
  return {
    currency,
    btcBought: formatUnits(sats, BTC_DIGITS),
    amountSpent: formatUnits(units(item.spentMinor), digits),
    fees: formatUnits(units(item.feesMinor), digits),
    averagePrice:
      sats === '0'
        ? null
        : formatUnits(
            divideUnitsHalfUp(`${units(item.costMinor)}${TIMES_SATS_PER_BTC}`, sats),
            digits,
          ),
    purchases: item.purchases ?? 0,
  };
}
