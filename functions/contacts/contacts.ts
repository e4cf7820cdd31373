/**
 * The contacts function's three operations (the AppSync Lambda data source of
 * updateNotificationPreferences, verifyContact and resendVerification): send a one-time code to a
 * pending email address or phone number, check a guess, send a new code. The contract:
 *
 * - request `{ operation, userId, signInEmail, signInEmailVerified, channel?, code? }`;
 * - response `{ item }` (the preferences item after the change; null when none exists) or
 *   `{ error: { type, message } }`, which the resolver raises with `util.error(message, type)`.
 *
 * Every change is a write of the preferences item conditional on the `version` read, which it
 * increments; a lost race is read again and tried once more, then answered with ConflictError.
 *
 * The code is stored (as its hash) BEFORE it is sent. The conditional write is the claim: of two
 * concurrent requests only one sends, and never to a destination that changed in the meantime. A
 * stored code that never arrived is harmless (its owner asks for another); a code that arrived
 * but was never stored would be useless and would have spent the limits. When the provider
 * answers that it did not send, the code is removed again; when no answer comes at all, the code
 * may have arrived, so it stays.
 *
 * No I/O of its own: the table, the limits, the provider, the clock and the randomness come in
 * as {@link ContactsDependencies}, so it runs the same on AWS, on the local stack and in tests.
 */
import {
  MAX_CODES_PER_HOUR,
  TooManyCodesError,
  checkCode,
  codeCheckMessage,
  isLive,
  issueCode,
  type CodeSubject,
  type Randomness,
} from '#domain/contact-verification.ts';
import { codeMessage, type CodeMessage } from '#domain/contact-messages.ts';
import { phoneCountry } from '#domain/phone-country.ts';
import { CONTACT_ATTRIBUTE, type ContactFields, type ContactState } from '#shared/contacts.ts';
import type { ContactChannel } from '#shared/notification-settings.ts';
import { answered, retryable } from '../lib/delivery.ts';
import type { Allowance, AllowanceRefusal, AllowanceResult } from '../lib/send-limits.ts';

/** The operations of the contract. */
export const OPERATIONS = ['issueCodes', 'verifyContact', 'resendVerification'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The request payload (the resolver builds it from the caller's identity and arguments). */
export interface ContactsRequest {
  readonly operation: Operation;
  readonly userId: string;
  /** The token's `email` claim: where email goes while the item has no `email` of its own. */
  readonly signInEmail: string | null;
  /** The token's `email_verified` claim. */
  readonly signInEmailVerified: boolean;
  /** Required by verifyContact and resendVerification. */
  readonly channel?: ContactChannel;
  /** Required by verifyContact. */
  readonly code?: string;
}

/** The preferences item (`#preferences`, notifications table) as far as this function reads it. */
export interface PreferencesItem extends ContactFields {
  readonly userId: string;
  readonly sk: string;
  readonly email?: string;
  readonly phone?: string;
  readonly version: number;
  readonly [attribute: string]: unknown;
}

/** The error types the resolver raises (`resolvers/schema.graphql`). */
export type ContactsErrorType =
  | 'ValidationError'
  | 'CodeMismatchError'
  | 'ExpiredCodeError'
  | 'LimitExceededError'
  | 'ConflictError'
  | 'ServiceUnavailableError';

export type ContactsResponse =
  | { readonly item: PreferencesItem | null }
  | { readonly error: { readonly type: ContactsErrorType; readonly message: string } };

/** A payload outside the contract: the resolver's bug, never the user's input. */
export class InvalidContactsRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidContactsRequestError';
  }
}

/** The contact states to write: a state, or null to remove it. */
export type ContactChanges = Partial<Record<'emailContact' | 'phoneContact', ContactState | null>>;

/** Where the preferences item is kept. */
export interface PreferencesStore {
  /** The item, read strongly consistent; null when the user has none. */
  read(userId: string): Promise<PreferencesItem | null>;
  /**
   * Writes `changes` if the item is still at `expectedVersion` (null: the item must not exist
   * yet, and is created with the default rules), incrementing its version; answers the item
   * after the write, or null when the condition failed.
   */
  write(
    userId: string,
    expectedVersion: number | null,
    changes: ContactChanges,
  ): Promise<PreferencesItem | null>;
}

/** What happened, for logs and metrics: never the code or the destination. */
export interface ContactEvent {
  readonly metric:
    | 'CodesSent'
    | 'CodesRefused'
    | 'CodesFailed'
    | 'CodesUnconfirmed'
    | 'CodesVerified'
    | 'CodeGuessesWrong';
  readonly channel: ContactChannel;
  /** Why a code was refused or failed. */
  readonly reason?: CodeRefusal | 'PROVIDER_UNAVAILABLE' | 'PROVIDER_REFUSED';
}

export interface ContactsDependencies {
  readonly store: PreferencesStore;
  /** `takeAllowance` of `functions/lib/send-limits.ts`, bound to the table and settings. */
  readonly takeAllowance: (allowance: Allowance) => Promise<AllowanceResult>;
  /** `deliver` of `functions/lib/delivery.ts`, bound to the clients and identities. */
  readonly deliver: (
    channel: ContactChannel,
    to: string,
    message: CodeMessage,
    tags: Readonly<Record<string, string>>,
  ) => Promise<unknown>;
  /** Whether SMS can be sent at all (an origination identity is configured). */
  readonly smsAvailable: boolean;
  readonly now: () => Date;
  readonly random: Randomness;
  readonly observe: (event: ContactEvent) => void;
}

/**
 * Why a code is not sent: a refusal of the limits, the contact's own codes this hour
 * (CONTACT_LIMIT) or SMS not configured on this stack (SMS_UNAVAILABLE).
 */
export type CodeRefusal = AllowanceRefusal | 'CONTACT_LIMIT' | 'SMS_UNAVAILABLE';

const CONTACT_NAME: Readonly<Record<ContactChannel, string>> = {
  EMAIL: 'email address',
  SMS: 'phone number',
};
const CHANNELS: readonly ContactChannel[] = ['EMAIL', 'SMS'];
const ATTEMPTS = 2;
const CONFLICT = {
  error: {
    type: 'ConflictError',
    message:
      'Your notification preferences were changed in the meantime; reload them and try again.',
  },
} as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request, checked against the contract; anything else throws. */
export function parseRequest(payload: unknown): ContactsRequest {
  if (!isRecord(payload)) throw new InvalidContactsRequestError('the payload is not an object');
  const { operation, userId, signInEmail, signInEmailVerified, channel, code } = payload;
  if (!OPERATIONS.includes(operation as Operation)) {
    throw new InvalidContactsRequestError(`unknown operation ${JSON.stringify(operation)}`);
  }
  if (typeof userId !== 'string' || userId === '') {
    throw new InvalidContactsRequestError('userId must be a non-empty string');
  }
  if (signInEmail !== null && typeof signInEmail !== 'string') {
    throw new InvalidContactsRequestError('signInEmail must be a string or null');
  }
  if (typeof signInEmailVerified !== 'boolean') {
    throw new InvalidContactsRequestError('signInEmailVerified must be a boolean');
  }
  const request = {
    operation: operation as Operation,
    userId,
    signInEmail: signInEmail === '' ? null : signInEmail,
    signInEmailVerified,
  };
  if (operation === 'issueCodes') return request;
  if (channel !== 'EMAIL' && channel !== 'SMS') {
    throw new InvalidContactsRequestError(`${String(operation)} needs channel EMAIL or SMS`);
  }
  if (operation === 'resendVerification') return { ...request, channel };
  if (typeof code !== 'string') {
    throw new InvalidContactsRequestError('verifyContact needs the code as a string');
  }
  return { ...request, channel, code };
}

/** Where `channel` goes now: the item's email (or the sign-in email), or its phone. */
function destinationOf(
  item: PreferencesItem | null,
  channel: ContactChannel,
  signInEmail: string | null,
): string | null {
  if (channel === 'EMAIL') return item?.email ?? signInEmail;
  return item?.phone ?? null;
}

/** The contact's state, if it is about `destination` (a state about an earlier one is void). */
function stateOf(
  item: PreferencesItem | null,
  channel: ContactChannel,
  destination: string,
): ContactState | null {
  const state = item?.[CONTACT_ATTRIBUTE[channel]];
  return state !== undefined && state.destination === destination ? state : null;
}

/**
 * English country names, built on first use: building `Intl.DisplayNames` loads ICU's region data,
 * about 20 ms, which every cold start paid while only a refused SMS code needs it.
 */
let regionNames: Intl.DisplayNames | undefined;

function regionName(country: string): string {
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region' });
  return regionNames.of(country) ?? country;
}

function countryRefusal(destination: string): string {
  const country = phoneCountry(destination);
  if (country === null) {
    return 'SMS codes cannot be sent to this number: it belongs to no country (toll-free, premium-rate or satellite numbers are not served).';
  }
  return `SMS codes cannot be sent to numbers in ${regionName(country)} (${country}): SMS is not offered there.`;
}

/** What a person reads when a code they asked for is not sent. */
function refusalError(
  refusal: CodeRefusal,
  channel: ContactChannel,
  destination: string,
  now: Date,
  contactRetryAt: string | null,
): { type: ContactsErrorType; message: string } {
  const contact = CONTACT_NAME[channel];
  switch (refusal) {
    case 'CONTACT_LIMIT':
      return {
        type: 'LimitExceededError',
        message: `${MAX_CODES_PER_HOUR} codes were sent to this ${contact} within the last hour; ask for a new one after ${contactRetryAt ?? ''}.`,
      };
    case 'CODE_LIMIT': {
      // The destination's codes are counted per UTC hour (`send-limits.ts`).
      const nextHour = new Date(now);
      nextHour.setUTCMinutes(60, 0, 0);
      return {
        type: 'LimitExceededError',
        message: `${MAX_CODES_PER_HOUR} codes were sent to this ${contact} within this hour; ask for a new one after ${nextHour.toISOString()}.`,
      };
    }
    case 'DAILY_LIMIT':
      return {
        type: 'LimitExceededError',
        message: `You reached today's limit of messages by ${channel === 'EMAIL' ? 'email' : 'SMS'}; try again tomorrow.`,
      };
    case 'DESTINATION_LIMIT':
      return {
        type: 'LimitExceededError',
        message: `This ${contact} reached today's limit of messages; try again tomorrow.`,
      };
    case 'COUNTRY_NOT_ALLOWED':
      return { type: 'ValidationError', message: countryRefusal(destination) };
    case 'SMS_BUDGET':
      return { type: 'LimitExceededError', message: 'SMS codes are paused; try email.' };
    case 'SMS_UNAVAILABLE':
      return { type: 'ValidationError', message: 'SMS is not available on this service.' };
    case 'NOT_VERIFIED':
    case 'UNDELIVERABLE':
    case 'COALESCED':
      // Reasons of the notifier: the limits never answer them for a code.
      throw new Error(`unexpected refusal ${refusal} for a code`);
  }
}

/** How a code request ends when it sends nothing (issueCodes does not fail for these). */
type Outcome =
  | { readonly kind: 'item'; readonly item: PreferencesItem | null }
  | {
      readonly kind: 'refused';
      readonly item: PreferencesItem | null;
      readonly error: ContactsError;
    }
  | { readonly kind: 'failed'; readonly error: ContactsError };
type ContactsError = { readonly type: ContactsErrorType; readonly message: string };

/**
 * Sends a new code to `channel`'s contact, as issueCodes (`mode: 'issue'`: only to a PENDING
 * contact with no live code) or resendVerification (`'resend'`) asks.
 */
async function sendCode(
  deps: ContactsDependencies,
  request: ContactsRequest,
  channel: ContactChannel,
  mode: 'issue' | 'resend',
): Promise<Outcome> {
  const { userId } = request;
  const attribute = CONTACT_ATTRIBUTE[channel];
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const item = await deps.store.read(userId);
    const now = deps.now();
    const destination = destinationOf(item, channel, request.signInEmail);
    const state = destination === null ? null : stateOf(item, channel, destination);
    if (mode === 'issue') {
      if (destination === null || state?.status !== 'PENDING' || isLive(state.code, now)) {
        return { kind: 'item', item };
      }
    } else if (destination === null) {
      return {
        kind: 'failed',
        error: { type: 'ValidationError', message: `No ${CONTACT_NAME[channel]} is set.` },
      };
    } else if (
      state?.status === 'VERIFIED' ||
      (state === null &&
        channel === 'EMAIL' &&
        item?.email === undefined &&
        request.signInEmailVerified)
    ) {
      return {
        kind: 'failed',
        error: {
          type: 'ValidationError',
          message: `This ${CONTACT_NAME[channel]} is already verified; no code is needed.`,
        },
      };
    }

    const refuse = (refusal: CodeRefusal, retryAt: string | null = null): Outcome => {
      deps.observe({ metric: 'CodesRefused', channel, reason: refusal });
      return {
        kind: 'refused',
        item,
        error: refusalError(refusal, channel, destination, now, retryAt),
      };
    };
    if (channel === 'SMS' && !deps.smsAvailable) return refuse('SMS_UNAVAILABLE');
    const subject: CodeSubject = { userId, channel, destination };
    let issued: ReturnType<typeof issueCode>;
    try {
      issued = issueCode(subject, state?.codesSentAt ?? [], now, deps.random);
    } catch (error) {
      if (error instanceof TooManyCodesError) return refuse('CONTACT_LIMIT', error.retryAt);
      throw error;
    }
    const message = codeMessage(issued.code);
    const allowance = await deps.takeAllowance({
      userId,
      channel,
      destination,
      code: true,
      ...(channel === 'SMS' ? { smsText: message.sms } : {}),
    });
    if (!allowance.allowed) return refuse(allowance.reason);

    const pending: ContactState = {
      destination,
      status: 'PENDING',
      since: state?.status === 'PENDING' ? state.since : now.toISOString(),
      code: issued.pending,
      codesSentAt: issued.sentAt,
    };
    const claimed = await deps.store.write(userId, item?.version ?? null, {
      [attribute]: pending,
    });
    if (claimed === null) {
      await allowance.giveBack();
      continue;
    }

    try {
      await deps.deliver(channel, destination, message, {
        event: 'CONTACT_VERIFICATION',
        userId,
      });
    } catch (error) {
      const answer = answered(error);
      if (answer === null) {
        // No answer: the code may have arrived, so it stays (and counts).
        deps.observe({ metric: 'CodesUnconfirmed', channel });
        return { kind: 'item', item: claimed };
      }
      const unavailable = retryable(answer);
      if (unavailable) await allowance.giveBack();
      deps.observe({
        metric: 'CodesFailed',
        channel,
        reason: unavailable ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REFUSED',
      });
      // Surely not sent: no live code. A code the provider was too busy for does not count
      // against the contact's hour either; one it refused does (asking again is no faster).
      const { code: _unsent, ...rest } = pending;
      const withdrawn = await withdraw(deps, userId, claimed, attribute, {
        ...rest,
        codesSentAt: unavailable ? issued.sentAt.slice(0, -1) : issued.sentAt,
      });
      if (unavailable) {
        return {
          kind: 'failed',
          error: {
            type: 'ServiceUnavailableError',
            message: 'The code could not be sent just now; ask for a new one in a few minutes.',
          },
        };
      }
      return {
        kind: 'refused',
        item: withdrawn,
        error: {
          type: 'ValidationError',
          message: `The code could not be delivered to this ${CONTACT_NAME[channel]}; check it and set it again.`,
        },
      };
    }
    deps.observe({ metric: 'CodesSent', channel });
    return { kind: 'item', item: claimed };
  }
  return { kind: 'failed', error: CONFLICT.error };
}

/**
 * Removes the code just claimed (the provider answered that it did not send it): conditional on
 * the claim's version, and if the item moved on, only while it still holds this very code.
 */
async function withdraw(
  deps: ContactsDependencies,
  userId: string,
  claimed: PreferencesItem,
  attribute: 'emailContact' | 'phoneContact',
  state: ContactState,
): Promise<PreferencesItem | null> {
  const ours = claimed[attribute]?.code?.hash;
  let item: PreferencesItem | null = claimed;
  for (let attempt = 1; attempt <= ATTEMPTS && item !== null; attempt += 1) {
    if (item[attribute]?.code?.hash !== ours) return item;
    const written = await deps.store.write(userId, item.version, { [attribute]: state });
    if (written !== null) return written;
    item = await deps.store.read(userId);
  }
  return item;
}

async function issueCodes(
  deps: ContactsDependencies,
  request: ContactsRequest,
): Promise<ContactsResponse> {
  let item: PreferencesItem | null = null;
  let failure: ContactsError | null = null;
  for (const channel of CHANNELS) {
    const outcome = await sendCode(deps, request, channel, 'issue');
    if (outcome.kind === 'failed') failure ??= outcome.error;
    else item = outcome.item;
  }
  if (failure !== null) {
    return {
      error:
        failure.type === 'ServiceUnavailableError'
          ? {
              type: failure.type,
              message:
                'Your preferences are saved, but the code could not be sent just now; ask for a new one in a few minutes.',
            }
          : failure,
    };
  }
  // Every channel read the item; the last read or write is the newest.
  return { item: item ?? (await deps.store.read(request.userId)) };
}

async function resendVerification(
  deps: ContactsDependencies,
  request: ContactsRequest & { channel: ContactChannel },
): Promise<ContactsResponse> {
  const outcome = await sendCode(deps, request, request.channel, 'resend');
  return outcome.kind === 'item' ? { item: outcome.item } : { error: outcome.error };
}

async function verifyContact(
  deps: ContactsDependencies,
  request: ContactsRequest & { channel: ContactChannel; code: string },
): Promise<ContactsResponse> {
  const { userId, channel, code } = request;
  const attribute = CONTACT_ATTRIBUTE[channel];
  if (!/^\d{6}$/.test(code)) {
    return {
      error: { type: 'ValidationError', message: codeCheckMessage({ outcome: 'MALFORMED' }) },
    };
  }
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const item = await deps.store.read(userId);
    const now = deps.now();
    const destination = destinationOf(item, channel, request.signInEmail);
    const state = destination === null ? null : stateOf(item, channel, destination);
    if (destination === null || state === null) {
      return {
        error: { type: 'ExpiredCodeError', message: codeCheckMessage({ outcome: 'NO_CODE' }) },
      };
    }
    // Entered twice (a double submit): it stays verified.
    if (state.status === 'VERIFIED') return { item };
    const check = checkCode(
      { userId, channel, destination },
      state.status === 'PENDING' ? (state.code ?? null) : null,
      code,
      now,
    );
    if (check.outcome === 'VERIFIED') {
      const verified: ContactState = {
        destination,
        status: 'VERIFIED',
        since: now.toISOString(),
        verifiedAt: now.toISOString(),
        codesSentAt: state.codesSentAt,
      };
      const written = await deps.store.write(userId, item?.version ?? null, {
        [attribute]: verified,
      });
      if (written === null) continue;
      deps.observe({ metric: 'CodesVerified', channel });
      return { item: written };
    }
    if (check.outcome === 'WRONG') {
      // The guess counts before it is answered: a guess whose count was not written gets no
      // answer about the code (ConflictError), so racing guesses learn nothing more.
      const written = await deps.store.write(userId, item?.version ?? null, {
        [attribute]: { ...state, code: check.pending },
      });
      if (written === null) continue;
      deps.observe({ metric: 'CodeGuessesWrong', channel });
      return { error: { type: 'CodeMismatchError', message: codeCheckMessage(check) } };
    }
    return { error: { type: 'ExpiredCodeError', message: codeCheckMessage(check) } };
  }
  return CONFLICT;
}

/** Runs one request of the contract. */
export async function handleContacts(
  deps: ContactsDependencies,
  request: ContactsRequest,
): Promise<ContactsResponse> {
  switch (request.operation) {
    case 'issueCodes':
      return issueCodes(deps, request);
    case 'resendVerification':
      return resendVerification(deps, request as ContactsRequest & { channel: ContactChannel });
    case 'verifyContact':
      return verifyContact(
        deps,
        request as ContactsRequest & { channel: ContactChannel; code: string },
      );
  }
}
