/**
 * The holdings ledger's layout, declared once: what every purchase posts, in the same DynamoDB
 * transaction as the execution's final status, so that a purchase is in the holdings exactly when
 * it is in the ledger (the execution's status condition makes a second recording cancel the whole
 * transaction, postings included).
 *
 * Double-entry, per user and fiat currency, kept as balances on one item in the executions table
 * (partition `holdings#<userId>`, sort key the currency; no `openShard`, no `orderDay`, so the
 * completer's and the reconciliation's indexes never see it):
 * - the saver's cash account is credited with what the purchase spent, fee included
 *   (`spentMinor`);
 * - the saver's bitcoin account is debited with what the purchase cost, fees excluded
 *   (`costMinor`), and its quantity grows by the satoshis bought (`btcSats`);
 * - the fees account is debited with the fee (`feesMinor`).
 * Every posting balances (`spentMinor = costMinor + feesMinor`), which the item's own figures prove.
 *
 * The house account (partition {@link HOUSE_HOLDINGS_KEY}) takes what a block order filled and
 * charged beyond the sum of its allocations: the rounding residue of aggregated execution. The
 * allocation is exact, so it is only written when there is a residue, and any figure on it is an
 * error to look at.
 *
 * A leaf with no imports, for the Lambdas, the APPSYNC_JS resolver and the state machine's
 * contract test alike. The purchase workflow (`statemachines/purchase.asl.json`) writes the same
 * expression as data.
 */

/** The partition of a user's holdings (one item per fiat currency). */
export function holdingsPartition(userId: string): string {
  return `holdings#${userId}`;
}

/** The partition of the house account, per currency like a user's. */
export const HOUSE_HOLDINGS_KEY = 'holdings#house';

/** The key of a user's holdings item in `currency`, in the executions table. */
export function holdingsKey(
  userId: string,
  currency: string,
): { ownerPlan: string; scheduledFor: string } {
  return { ownerPlan: holdingsPartition(userId), scheduledFor: currency };
}

/**
 * The update every purchase posts to its user's holdings in the currency it was bought in. Values:
 * `:sats`, `:spent`, `:fee`, `:cost` (numbers: satoshis and minor units, `:cost` = `:spent` -
 * `:fee`), `:one` (1), `:currency`, `:user`, `:now` (ISO instant).
 */
export const HOLDINGS_UPDATE_EXPRESSION =
  'ADD btcSats :sats, spentMinor :spent, feesMinor :fee, costMinor :cost, purchases :one SET currency = :currency, userId = :user, updatedAt = :now';

/** One purchase's posting, in integers (satoshis, minor units of `currency`). */
export interface HoldingsPosting {
  readonly userId: string;
  readonly currency: string;
  readonly sats: bigint;
  /** Fiat spent, fee included. */
  readonly spentMinor: bigint;
  readonly feeMinor: bigint;
}

/**
 * The posting as a `TransactWriteItems` Update for the DynamoDB document client (numbers as
 * JavaScript numbers: satoshis and minor units stay far below 2^53).
 */
export function holdingsUpdate(
  tableName: string,
  posting: HoldingsPosting,
  now: string,
): {
  Update: {
    TableName: string;
    Key: Record<string, string>;
    UpdateExpression: string;
    ExpressionAttributeValues: Record<string, string | number>;
  };
} {
  if (posting.feeMinor > posting.spentMinor || posting.feeMinor < 0n || posting.sats < 0n) {
    throw new RangeError('a holdings posting needs 0 <= fee <= spent and sats >= 0');
  }
  return {
    Update: {
      TableName: tableName,
      Key: holdingsKey(posting.userId, posting.currency),
      UpdateExpression: HOLDINGS_UPDATE_EXPRESSION,
      ExpressionAttributeValues: {
        ':sats': Number(posting.sats),
        ':spent': Number(posting.spentMinor),
        ':fee': Number(posting.feeMinor),
        ':cost': Number(posting.spentMinor - posting.feeMinor),
        ':one': 1,
        ':currency': posting.currency,
        ':user': posting.userId,
        ':now': now,
      },
    },
  };
}
