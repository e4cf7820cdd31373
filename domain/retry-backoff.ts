/**
 * When a slot that could not be bought is tried again: exponential backoff from one minute,
 * capped at fifteen, with "equal jitter" (half the delay fixed, half spread) so that a burst of
 * slots that failed together does not come back together. The spread is derived from the slot's
 * client order id and attempt, not drawn at random, so every delivery of the same retry message
 * agrees on when it is due.
 */

export const RETRY_BASE_MS = 60_000;
export const RETRY_CAP_MS = 15 * 60_000;

/** A stable fraction in [0, 1) from a string (FNV-1a). */
function fraction(text: string): number {
  let hash = 0x811c9dc5;
  for (const char of text) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}

/** The wait before retry number `attempt` (1 = the first retry) of the slot `key`. */
export function retryDelayMs(attempt: number, key: string): number {
  const retry = Math.max(attempt, 1);
  const exponent = Math.min(retry - 1, 20);
  const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** exponent);
  const half = Math.floor(delay / 2);
  return half + Math.floor(half * fraction(`${key}#${retry}`));
}
