/**
 * How one block order's fill is shared among the slots that made it up (issue 15, aggregated
 * execution): each slot gets satoshis, spends fiat and pays fee in proportion to the quote it
 * contributed, in integers, by largest remainder, so that the shares add up to exactly what the
 * exchange filled and charged.
 *
 * The exchange charges the block `spent + fee` fiat (its quote-sized market order includes the fee
 * in the quote) for `base` satoshis. Each slot is first charged its share of that total: a share of
 * at most the total never exceeds the slot's own quote, because the total never exceeds the sum of
 * the quotes. The fee is then shared the same way, capped at what each slot was charged, and the
 * rest of each charge is the slot's spend. What a slot was not charged (a partial fill) it did not
 * spend.
 *
 * Deterministic and independent of the order slots are given in: ties between equal remainders go
 * to the smaller slot id. Pure: no I/O, no clock, no floating point (BigInt throughout).
 */

/** A slot's part of a block: its id and the quote it contributed, in fiat minor units. */
export interface BlockSlot {
  readonly id: string;
  /** A positive integer as a digit string, e.g. `"2500"` for 25.00 EUR. */
  readonly quote: string;
}

/** What the exchange did with the block, in integers as digit strings. */
export interface BlockFill {
  /** Satoshis bought. */
  readonly base: string;
  /** Fiat minor units spent on bitcoin, fee excluded. */
  readonly spent: string;
  /** Fiat minor units the exchange charged as fee. */
  readonly fee: string;
}

/** One slot's share of the fill. `charged = spent + fee <= quote`; `unspent = quote - charged`. */
export interface SlotAllocation {
  readonly id: string;
  readonly base: string;
  readonly spent: string;
  readonly fee: string;
  readonly unspent: string;
}

/** Thrown for a block or fill that cannot be shared truthfully. */
export class AllocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllocationError';
  }
}

const DIGITS = /^(0|[1-9]\d*)$/;

function amount(text: string, what: string): bigint {
  if (typeof text !== 'string' || !DIGITS.test(text)) {
    throw new AllocationError(`${what} must be a non-negative integer digit string, got ${text}`);
  }
  return BigInt(text);
}

/**
 * Shares `total` among `weights` in proportion, by largest remainder, never giving entry `i` more
 * than `caps[i]`: floors first, then one unit each to the largest remainders (ties: the earlier
 * entry, the callers sort by slot id) among the entries still under their cap.
 */
function largestRemainder(
  total: bigint,
  weights: readonly bigint[],
  caps: readonly bigint[],
): bigint[] {
  const sum = weights.reduce((a, b) => a + b, 0n);
  const shares = weights.map((weight) => (total * weight) / sum);
  const given = shares.reduce((a, b) => a + b, 0n);
  const order = weights
    .map((weight, index) => ({ index, remainder: (total * weight) % sum }))
    .sort((a, b) =>
      a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
    );
  let left = total - given;
  // The first round serves the remainders; later rounds (only when a cap stopped an entry) serve
  // every entry still under its cap, in the same order, until the total is given.
  for (let round = 0, progress = true; left > 0n && progress; round += 1) {
    progress = false;
    for (const { index, remainder } of order) {
      if (left === 0n) break;
      if (round === 0 && remainder === 0n) continue;
      const share = shares[index] ?? 0n;
      if (share < (caps[index] ?? 0n)) {
        shares[index] = share + 1n;
        left -= 1n;
        progress = true;
      }
    }
    if (round === 0) progress = true;
  }
  if (left !== 0n) throw new AllocationError('the caps leave no room for the whole total');
  return shares;
}

/**
 * Each slot's satoshis, spend, fee and unspent quote for `fill`, in the order `slots` are given.
 * Refuses an empty block, duplicate ids, a non-positive quote, and a fill that charged more than
 * the slots contributed.
 */
export function allocateBlock(slots: readonly BlockSlot[], fill: BlockFill): SlotAllocation[] {
  if (slots.length === 0) throw new AllocationError('a block has at least one slot');
  const ids = new Set(slots.map((slot) => slot.id));
  if (ids.size !== slots.length) throw new AllocationError('slot ids must be unique in a block');
  const sorted = [...slots].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const quotes = sorted.map((slot) => {
    const quote = amount(slot.quote, `slot ${slot.id}'s quote`);
    if (quote === 0n) throw new AllocationError(`slot ${slot.id}'s quote must be more than 0`);
    return quote;
  });
  const base = amount(fill.base, 'the fill’s base');
  const spent = amount(fill.spent, 'the fill’s spent');
  const fee = amount(fill.fee, 'the fill’s fee');
  const charged = spent + fee;
  const contributed = quotes.reduce((a, b) => a + b, 0n);
  if (charged > contributed) {
    throw new AllocationError(
      `the block was charged ${charged} but its slots contributed ${contributed}`,
    );
  }
  const charges = largestRemainder(charged, quotes, quotes);
  const fees = largestRemainder(fee, quotes, charges);
  const bases = largestRemainder(
    base,
    quotes,
    quotes.map(() => base),
  );
  const byId = new Map(
    sorted.map((slot, index) => {
      const slotCharge = charges[index] ?? 0n;
      const slotFee = fees[index] ?? 0n;
      const quote = quotes[index] ?? 0n;
      return [
        slot.id,
        {
          id: slot.id,
          base: String(bases[index] ?? 0n),
          spent: String(slotCharge - slotFee),
          fee: String(slotFee),
          unspent: String(quote - slotCharge),
        },
      ] as const;
    }),
  );
  return slots.map((slot) => byId.get(slot.id) as SlotAllocation);
}
