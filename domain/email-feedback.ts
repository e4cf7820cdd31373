/**
 * What SES's bounce and complaint events mean for a user's email address. SES publishes them
 * through the notification email's configuration set to the default event bus (detail-types
 * `Email Bounced` and `Email Complaint Received`); the detail is SES's event record: `eventType`,
 * `mail` (with the message's `tags`, each a list of strings, our `userId` among them) and
 * `bounce` or `complaint`.
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 *
 * Only a permanent bounce (the address does not exist, or is on a suppression list) and a
 * complaint (its owner said "spam") stop the mail: a transient bounce (a full mailbox, a
 * greylisting server) is SES's to retry, and the next message may well arrive. An address is
 * marked only while it is still the user's address: a user who changed it since is not punished
 * for the old one. Marking twice changes nothing more, so a redelivered event is harmless.
 *
 * Pure: no AWS SDK. The email-feedback function reads and writes the preferences item.
 */
import type { ContactState } from '#shared/contacts.ts';

/** What SES said about the recipients of one message. */
export type FeedbackKind = 'PERMANENT_BOUNCE' | 'TRANSIENT_BOUNCE' | 'COMPLAINT';

/** One bounce or complaint event, as far as the system cares. */
export interface EmailFeedback {
  readonly kind: FeedbackKind;
  /** The `userId` tag of the message; null for mail the notifier and contacts did not send. */
  readonly userId: string | null;
  /** The recipients the bounce or complaint is about. */
  readonly recipients: readonly string[];
  /** SES's words: `Permanent/General`, `Permanent/OnAccountSuppressionList`, `abuse`... */
  readonly detail: string;
  /** ISO-8601: when the bounce or complaint happened (SES's timestamp, else the event's time). */
  readonly at: string;
  /** SES's id of the message. */
  readonly messageId: string;
}

/** The event is not an SES bounce or complaint this system can read. */
export class UnreadableFeedbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFeedbackError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The addresses of a list of `{ emailAddress }` (bounced or complained recipients). */
function addresses(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new UnreadableFeedbackError(`${what} must be a non-empty list`);
  }
  return value.map((recipient) => {
    const address = isObject(recipient) ? text(recipient.emailAddress) : undefined;
    if (address === undefined) throw new UnreadableFeedbackError(`${what} without emailAddress`);
    return address;
  });
}

/** A tag's value: SES gives each tag as a list of strings; the first is ours. */
function tag(mail: Json, name: string): string | null {
  const tags = mail.tags;
  if (!isObject(tags)) return null;
  const values = tags[name];
  return Array.isArray(values) ? (text(values[0]) ?? null) : null;
}

/**
 * Reads an EventBridge event of SES (its envelope, as a rule hands it to a queue). Throws
 * {@link UnreadableFeedbackError} for anything that is not a bounce or complaint of SES.
 */
export function readFeedback(event: unknown): EmailFeedback {
  if (!isObject(event) || event.source !== 'aws.ses' || !isObject(event.detail)) {
    throw new UnreadableFeedbackError('not an SES event (source aws.ses with a detail)');
  }
  const { detail } = event;
  const mail = detail.mail;
  if (!isObject(mail)) throw new UnreadableFeedbackError('the event has no mail');
  const messageId = text(mail.messageId);
  if (messageId === undefined) throw new UnreadableFeedbackError('the mail has no messageId');
  const userId = tag(mail, 'userId');
  const eventTime = text(event.time) ?? text(mail.timestamp);
  if (detail.eventType === 'Bounce') {
    const bounce = detail.bounce;
    if (!isObject(bounce)) throw new UnreadableFeedbackError('a Bounce event without bounce');
    const type = text(bounce.bounceType);
    if (type === undefined) throw new UnreadableFeedbackError('a bounce without bounceType');
    const at = text(bounce.timestamp) ?? eventTime;
    if (at === undefined) throw new UnreadableFeedbackError('a bounce without a time');
    return {
      // SES's types: Permanent, Transient, Undetermined. Only Permanent is final.
      kind: type === 'Permanent' ? 'PERMANENT_BOUNCE' : 'TRANSIENT_BOUNCE',
      userId,
      recipients: addresses(bounce.bouncedRecipients, 'bounce.bouncedRecipients'),
      detail: `${type}/${text(bounce.bounceSubType) ?? 'Undetermined'}`,
      at,
      messageId,
    };
  }
  if (detail.eventType === 'Complaint') {
    const complaint = detail.complaint;
    if (!isObject(complaint)) {
      throw new UnreadableFeedbackError('a Complaint event without complaint');
    }
    const at = text(complaint.timestamp) ?? eventTime;
    if (at === undefined) throw new UnreadableFeedbackError('a complaint without a time');
    return {
      kind: 'COMPLAINT',
      userId,
      recipients: addresses(complaint.complainedRecipients, 'complaint.complainedRecipients'),
      // Not every mailbox provider says why (the feedback type is then absent).
      detail: text(complaint.complaintFeedbackType) ?? 'complaint',
      at,
      messageId,
    };
  }
  throw new UnreadableFeedbackError(
    `eventType ${String(detail.eventType)} is neither Bounce nor Complaint`,
  );
}

/** Addresses compare without regard to case (as people type them and SES reports them). */
export function sameAddress(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Why a bounce or complaint leaves the contact as it is. */
export type Unchanged = 'TRANSIENT' | 'NOT_CURRENT_ADDRESS' | 'ALREADY_MARKED';

/**
 * The email contact after `feedback` about `recipient`:
 * - a transient bounce changes nothing (TRANSIENT);
 * - an address that is not the user's current one (`currentAddress`: the stored email, else the
 *   sign-in email; null when the user has none) changes nothing (NOT_CURRENT_ADDRESS);
 * - an address already UNDELIVERABLE stays as it was first marked (ALREADY_MARKED): idempotent.
 * Otherwise the contact becomes UNDELIVERABLE for the current address, its code dropped (no code
 * can reach it) and its record of codes sent kept (the hourly limit still counts them).
 */
export function markUndeliverable(
  current: ContactState | undefined,
  currentAddress: string | null,
  feedback: EmailFeedback,
  recipient: string,
  now: string,
): { readonly contact: ContactState } | { readonly unchanged: Unchanged } {
  if (feedback.kind === 'TRANSIENT_BOUNCE') return { unchanged: 'TRANSIENT' };
  if (currentAddress === null || !sameAddress(currentAddress, recipient)) {
    return { unchanged: 'NOT_CURRENT_ADDRESS' };
  }
  if (
    current !== undefined &&
    current.status === 'UNDELIVERABLE' &&
    sameAddress(current.destination, currentAddress)
  ) {
    return { unchanged: 'ALREADY_MARKED' };
  }
  return {
    contact: {
      destination: currentAddress,
      status: 'UNDELIVERABLE',
      since: now,
      undeliverable: {
        reason: feedback.kind === 'COMPLAINT' ? 'COMPLAINT' : 'BOUNCE',
        at: feedback.at,
        detail: feedback.detail,
      },
      codesSentAt: current?.codesSentAt ?? [],
    },
  };
}
