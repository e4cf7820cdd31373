/**
 * Contact points on the preferences item (`emailContact`, `phoneContact`: `shared/contacts.ts`):
 * what the caller is shown of a contact's state, how a new email or phone starts over as PENDING,
 * and the calls to the contacts function, which alone issues and checks codes (APPSYNC_JS has no
 * HMAC and no CSPRNG).
 *
 * A state is bound to its destination: it applies only while it is about the email or phone in
 * force. The sign-in email with no state of its own stands as the identity provider says
 * (`email_verified`), as the notifier decides from the same claim kept on the user's meta item.
 */
import { util, type Context, type LambdaRequest } from '@aws-appsync/utils';
import type { ContactState, ContactStatus } from '#shared/contacts.ts';
import { MAX_ATTEMPTS, MAX_CODES_PER_HOUR } from './code-limits.ts';
import { callerId } from './plan.ts';

const HOUR_MS = 60 * 60 * 1000;

/** GraphQL `ContactVerification`. */
export interface ContactVerification {
  status: ContactStatus;
  since: string | null;
  verifiedAt: string | null;
  codeExpiresAt: string | null;
  attemptsLeft: number | null;
  nextCodeAllowedAt: string | null;
  undeliverableReason: string | null;
}

/** Who signed in, as the token says: the sign-in email and whether its provider verified it. */
export interface SignIn {
  email: string | null;
  emailVerified: boolean;
}

/** The caller's sign-in from the token's `email` and `email_verified` claims. */
export function signIn(ctx: Context): SignIn {
  const identity = ctx.identity as
    { claims?: { email?: unknown; email_verified?: unknown } } | null | undefined;
  const claims = identity && identity.claims ? identity.claims : {};
  const email = typeof claims.email === 'string' && claims.email.length > 0 ? claims.email : null;
  // Cognito hands the claim to AppSync as a boolean, some of its paths as the string "true".
  const verified = claims.email_verified === true || claims.email_verified === 'true';
  return { email, emailVerified: email !== null && verified };
}

function millis(iso: string): number {
  return util.time.parseISO8601ToEpochMilliSeconds(iso);
}

/** The instants of `sentAt` within the hour before `nowMs`. */
export function sentWithinHour(sentAt: readonly string[] | undefined, nowMs: number): string[] {
  // A mutable copy: the APPSYNC_JS lint rule knows array methods on arrays, not readonly ones.
  const all: string[] = sentAt ? sentAt.slice(0) : [];
  return all.filter((sent) => millis(sent) > nowMs - HOUR_MS);
}

/** The state when it is about `destination`, else null (it belongs to an earlier one). */
export function stateFor(
  state: ContactState | null | undefined,
  destination: string,
): ContactState | null {
  return state && state.destination === destination ? state : null;
}

/** True when the state holds a code that still works at `nowMs`. */
function liveCode(state: ContactState, nowMs: number): boolean {
  const code = state.code;
  return !!code && code.attempts < MAX_ATTEMPTS && millis(code.expiresAt) > nowMs;
}

/** What the caller sees of a contact's state at `nowMs`. */
export function toVerification(state: ContactState, nowMs: number): ContactVerification {
  const live = liveCode(state, nowMs);
  const code = live ? state.code : undefined;
  const recent = sentWithinHour(state.codesSentAt, nowMs);
  const oldest = recent.reduce((first, sent) => Math.min(first, millis(sent)), nowMs);
  return {
    status: state.status,
    since: state.since,
    verifiedAt: state.verifiedAt ? state.verifiedAt : null,
    codeExpiresAt: code ? code.expiresAt : null,
    attemptsLeft: code ? MAX_ATTEMPTS - code.attempts : null,
    nextCodeAllowedAt:
      recent.length >= MAX_CODES_PER_HOUR
        ? util.time.epochMilliSecondsToISO8601(oldest + HOUR_MS)
        : null,
    undeliverableReason: state.undeliverable ? state.undeliverable.reason : null,
  };
}

/** A contact with no state of its own: only a status to show. */
export function statusOnly(status: ContactStatus): ContactVerification {
  return {
    status,
    since: null,
    verifiedAt: null,
    codeExpiresAt: null,
    attemptsLeft: null,
    nextCodeAllowedAt: null,
    undeliverableReason: null,
  };
}

/**
 * The state to store after the contact changed from `before` to `after` (stored values; null:
 * none). The same value keeps the state; a new one starts PENDING, keeping the codes sent within
 * the hour so that switching numbers cannot reset the hourly limit; removing the contact removes
 * it, except a state about `keep` (the sign-in email, which stays in force without being stored).
 */
export function nextState(
  previous: ContactState | null | undefined,
  before: string | null,
  after: string | null,
  keep: string | null,
  now: string,
): ContactState | null {
  const current = previous ? previous : null;
  if (after === before) {
    return current;
  }
  if (after === null || after === keep) {
    return current && keep !== null && current.destination === keep ? current : null;
  }
  return {
    destination: after,
    status: 'PENDING',
    since: now,
    codesSentAt: sentWithinHour(current ? current.codesSentAt : [], millis(now)),
  };
}

/**
 * True when the state is PENDING and waiting for its first code (none was ever stored for it),
 * and the hourly limit would let one go: what issueCodes would send a code to.
 */
export function awaitsFirstCode(state: ContactState | null | undefined, nowMs: number): boolean {
  return (
    !!state &&
    state.status === 'PENDING' &&
    !state.code &&
    sentWithinHour(state.codesSentAt, nowMs).length < MAX_CODES_PER_HOUR
  );
}

/** Operations of the contacts function (its request payload, `functions/contacts`). */
export type ContactsOperation = 'issueCodes' | 'verifyContact' | 'resendVerification';

/** The contacts function's answer: the preferences item after the change, or a typed error. */
export type ContactsResult<Item> =
  | { item: Item | null; error?: undefined }
  | { error: { type: string; message: string }; item?: undefined };

/** Invokes the contacts function for the caller. */
export function invokeContacts(
  ctx: Context,
  operation: ContactsOperation,
  extra: { channel?: string; code?: string },
): LambdaRequest {
  const who = signIn(ctx);
  return {
    operation: 'Invoke',
    payload: {
      operation,
      userId: callerId(ctx),
      signInEmail: who.email,
      signInEmailVerified: who.emailVerified,
      ...extra,
    },
  };
}

/**
 * The item the contacts function answered with; its typed error (CodeMismatchError,
 * ExpiredCodeError, LimitExceededError, ValidationError, ConflictError) raised as it is.
 */
export function contactsItem<Item>(
  error: { message: string; type: string } | null | undefined,
  result: ContactsResult<Item> | null,
): Item | null {
  if (error) {
    return util.error(error.message, error.type);
  }
  if (result && result.error) {
    return util.error(result.error.message, result.error.type);
  }
  return result && result.item ? result.item : null;
}
