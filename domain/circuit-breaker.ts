/**
 * The circuit breaker's rules, shared by every execution that calls an exchange (its state lives
 * in DynamoDB, see `functions/lib/exchange-guard.ts`). Pure: the store applies these decisions.
 *
 * - CLOSED: calls go through. Calls and failures are counted per fixed window; when a window holds
 *   at least `minimumFailures` failures that are at least `failurePercent` of its calls, it opens.
 * - OPEN: calls fail fast until `openSeconds` have passed; then one call at a time may probe
 *   (a lease of `probeLeaseSeconds`, so a probe that dies does not keep the circuit shut).
 * - A probe that succeeds closes the circuit; one that fails opens it for another period.
 *
 * Failures are what says the exchange is unwell: unreachable, 5xx, timeouts. A refusal (insufficient
 * funds, below minimum) is an answer from a healthy exchange; a 429 is the limiter's business.
 */

export interface BreakerSettings {
  readonly windowSeconds: number;
  readonly minimumFailures: number;
  /** Failures as a share of calls in the window, in percent (integer), to open. */
  readonly failurePercent: number;
  readonly openSeconds: number;
  readonly probeLeaseSeconds: number;
}

export const DEFAULT_BREAKER: BreakerSettings = {
  windowSeconds: 30,
  minimumFailures: 5,
  failurePercent: 50,
  openSeconds: 30,
  probeLeaseSeconds: 20,
};

/** The shared state, as stored. Times are epoch milliseconds. */
export interface BreakerState {
  readonly state: 'CLOSED' | 'OPEN';
  /** Start of the counting window (epoch ms, a multiple of the window length). */
  readonly windowStart: number;
  readonly calls: number;
  readonly failures: number;
  /** OPEN: when a probe may first be tried. */
  readonly openUntil: number;
  /** OPEN: until when the current probe holds its lease (0: none). */
  readonly probeUntil: number;
}

export const CLOSED: BreakerState = {
  state: 'CLOSED',
  windowStart: 0,
  calls: 0,
  failures: 0,
  openUntil: 0,
  probeUntil: 0,
};

/** What a caller may do now: call, try to take the probe lease, or fail fast. */
export type Admission = 'CALL' | 'PROBE' | 'REJECT';

export function admission(state: BreakerState, nowMs: number): Admission {
  if (state.state === 'CLOSED') return 'CALL';
  if (nowMs < state.openUntil) return 'REJECT';
  return state.probeUntil > nowMs ? 'REJECT' : 'PROBE';
}

/** The counting window that `nowMs` falls in. */
export function windowOf(nowMs: number, settings: BreakerSettings = DEFAULT_BREAKER): number {
  const length = settings.windowSeconds * 1000;
  return Math.floor(nowMs / length) * length;
}

/** Whether a window's counts open the circuit. Integer arithmetic: no rounding surprises. */
export function tripped(
  calls: number,
  failures: number,
  settings: BreakerSettings = DEFAULT_BREAKER,
): boolean {
  return failures >= settings.minimumFailures && failures * 100 >= calls * settings.failurePercent;
}

/** Seconds a caller rejected now should wait before the circuit may let a call through. */
export function retryAfterSeconds(state: BreakerState, nowMs: number): number {
  const until = Math.max(state.openUntil, state.probeUntil);
  return Math.max(1, Math.ceil((until - nowMs) / 1000));
}
