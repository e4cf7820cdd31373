/**
 * The block worker's pure rules (aggregated execution, `shared/blocks.ts`): how the members a
 * block buys for are split into parts (one exchange order each), what each member's share of its
 * part reads as, what a member's decision means for it, what a part's order outcome means for its
 * members, and when a waiting block is tried again. No I/O, no clock, no floating point.
 */
import { fromUnits } from './money.ts';
import { decidePurchase, type DecisionContext, type PlanForDecision } from './purchase-decision.ts';
import { retryDelayMs } from './retry-backoff.ts';
import type { ExchangeOrder } from './exchange.ts';
import { ExchangeUnknownOutcomeError } from './exchange.ts';
import type { FailureCode, OutcomeCode } from '#shared/executions.ts';

/** A member to place in a part: its id (`ownerPlan#scheduledFor`) and its quote in minor units. */
export interface PartCandidate {
  readonly id: string;
  readonly quote: bigint;
}

/** A member already sealed into a part (by an earlier, interrupted seal). */
export interface SealedCandidate extends PartCandidate {
  readonly part: number;
}

/**
 * The most one order of the block may spend: the lower of the market's maximum order size and the
 * stack's `maxOrderMinor` for the currency; null when neither is set.
 */
export function orderLimitMinor(
  marketMaxQuoteMinor: bigint | undefined,
  settingsMaxMinor: string | undefined,
): bigint | null {
  const limits = [
    marketMaxQuoteMinor,
    settingsMaxMinor === undefined ? undefined : BigInt(settingsMaxMinor),
  ].filter((limit): limit is bigint => limit !== undefined);
  if (limits.length === 0) return null;
  return limits.reduce((a, b) => (a < b ? a : b));
}

const byId = (a: PartCandidate, b: PartCandidate) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The part of each candidate: sorted by id, greedily, a new part only where adding the candidate
 * would take the current part over `limit` (a candidate above the limit on its own gets a part of
 * its own: a slot is never split). Members an interrupted seal already placed keep their parts; the
 * new ones continue from the last of those parts. Deterministic: the same input, the same parts.
 */
export function assignParts(
  candidates: readonly PartCandidate[],
  limit: bigint | null,
  sealed: readonly SealedCandidate[] = [],
): Map<string, number> {
  let part = 0;
  let total = 0n;
  for (const member of sealed) {
    if (member.part > part) {
      part = member.part;
      total = 0n;
    }
    if (member.part === part) total += member.quote;
  }
  const parts = new Map<string, number>();
  for (const candidate of [...candidates].sort(byId)) {
    if (total > 0n && limit !== null && total + candidate.quote > limit) {
      part += 1;
      total = 0n;
    }
    parts.set(candidate.id, part);
    total += candidate.quote;
  }
  return parts;
}

/** Places of the share's decimal fraction. */
export const SHARE_PLACES = 8;

/**
 * A member's share of its part, `quote / partQuote`, as a decimal string with 8 places, rounded
 * down (`"0.25000000"`, `"1.00000000"` for a part of one).
 */
export function shareOf(quote: bigint, partQuote: bigint): string {
  if (partQuote <= 0n || quote < 0n || quote > partQuote) {
    throw new RangeError('a share needs 0 <= quote <= part quote and a positive part quote');
  }
  return fromUnits((quote * 10n ** BigInt(SHARE_PLACES)) / partQuote, SHARE_PLACES);
}

/** What happens to one member: it buys, or it ends SKIPPED or FAILED with a code and reason. */
export type MemberVerdict =
  | { readonly action: 'BUY' }
  | { readonly action: 'SKIP'; readonly code: OutcomeCode; readonly reason: string }
  | { readonly action: 'FAIL'; readonly code: FailureCode; readonly reason: string };

/** A member as the decision needs it: the slot, and the amount and currency it joined with. */
export interface MemberTerms {
  readonly scheduledFor: string;
  /** Decimal string, the amount the member contributes. */
  readonly amount: string;
  readonly currency: string;
}

/**
 * A member decided again at seal, exactly as a per-slot run is decided (`decidePurchase`: plan
 * paused, deleted, ended, skipped or changed, purchases off, amount above the maximum, window
 * passed), on the amount it joined with: that is what it would spend, so the maximum holds for it.
 */
export function decideMember(
  plan: PlanForDecision | null,
  member: MemberTerms,
  context: DecisionContext,
): MemberVerdict {
  const decision = decidePurchase(
    plan === null ? null : { ...plan, amount: member.amount, currency: member.currency },
    member.scheduledFor,
    context,
  );
  return verdictOf(decision);
}

/** A decision (`decidePurchase`, `decideControls`) as a member's verdict. */
export function verdictOf(decision: {
  readonly action: string;
  readonly code: OutcomeCode | null;
  readonly reason: string | null;
}): MemberVerdict {
  if (decision.action === 'BUY') return { action: 'BUY' };
  const code = decision.code as OutcomeCode;
  const reason = decision.reason ?? '';
  return decision.action === 'SKIP'
    ? { action: 'SKIP', code, reason }
    : { action: 'FAIL', code, reason };
}

/** The exchange reported a block order spending more than its part's quote: never allocate it. */
export class OverspendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OverspendError';
  }
}

/** A part's order as the worker records it. */
export type PartOutcome =
  | {
      readonly status: 'FILLED' | 'PARTIALLY_FILLED';
      readonly exchangeOrderId: string;
      readonly filledSats: bigint;
      /** Fiat taken, fee included. */
      readonly spentMinor: bigint;
      readonly feeMinor: bigint;
      /** Fiat per BTC, fees excluded, a decimal string. */
      readonly averagePrice: string;
    }
  | { readonly status: 'REJECTED'; readonly code: 'REJECTED'; readonly reason: string };

/**
 * What a part's order, as the exchange reports it, means: a fill to allocate, or a rejection (it
 * was cancelled before anything filled). An order still open is not an outcome yet
 * ({@link ExchangeUnknownOutcomeError}: read it back later); one that spent more than the part's
 * quote is {@link OverspendError}.
 */
export function partOutcome(order: ExchangeOrder, quoteMinor: bigint, digits: number): PartOutcome {
  if (order.status === 'OPEN') {
    throw new ExchangeUnknownOutcomeError(`order ${order.exchangeOrderId} is still open`);
  }
  if (order.spentMinor > quoteMinor) {
    throw new OverspendError(
      `block order ${order.exchangeOrderId} spent ${order.spentMinor} > the part's quote ${quoteMinor}`,
    );
  }
  if (order.filledSats === 0n) {
    return {
      status: 'REJECTED',
      code: 'REJECTED',
      reason: 'The exchange cancelled the order before any of it was filled. Nothing was spent.',
    };
  }
  return {
    status: order.status === 'FILLED' ? 'FILLED' : 'PARTIALLY_FILLED',
    exchangeOrderId: order.exchangeOrderId,
    filledSats: order.filledSats,
    spentMinor: order.spentMinor,
    feeMinor: order.feeMinor,
    averagePrice: fromUnits(order.averagePriceMinor, digits),
  };
}

/**
 * The reason a member of a partially filled part reads, in the words of a per-slot partial fill:
 * what it was charged (fee included) of what it contributed.
 */
export function partialFillReason(
  chargedMinor: bigint,
  quoteMinor: bigint,
  currency: string,
  digits: number,
): string {
  return `Only ${fromUnits(chargedMinor, digits)} ${currency} of ${fromUnits(quoteMinor, digits)} ${currency} could be bought: the exchange could not fill the whole order. The rest was not spent.`;
}

/** The longest an SQS message can be delayed. */
export const MAX_DELAY_SECONDS = 900;

/**
 * How long a block waits before its next attempt (attempt 1 = the first retry): the slots' backoff
 * (`retry-backoff.ts`, keyed by the block), at least as long as the exchange asked (an open circuit
 * or a rate limit), at most the longest SQS delay.
 */
export function blockRetryDelaySeconds(
  attempt: number,
  key: string,
  waitAtLeastSeconds = 0,
): number {
  const backoff = Math.ceil(retryDelayMs(attempt, key) / 1000);
  return Math.min(MAX_DELAY_SECONDS, Math.max(backoff, Math.ceil(waitAtLeastSeconds)));
}
