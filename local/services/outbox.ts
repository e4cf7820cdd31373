/**
 * The local outbox: every email and text message that the local SES and SMS stand-ins accepted,
 * in the order they were accepted. It takes the place of the recipients' inboxes and phones, so
 * tests and developers can read what the notifier really sent (`GET /_local/outbox`).
 *
 * With a journal (the stack's data folder) it survives restarts, as an inbox does: each message
 * is written before the sending service answers. Without one it lives in memory.
 */
import { Journal } from './journal.ts';

/** One delivered message: an email to one recipient, or one text message. */
export interface OutboxMessage {
  readonly channel: 'EMAIL' | 'SMS';
  /** The recipient: an email address as the sender wrote it, or an E.164 phone number. */
  readonly to: string;
  /** The email's subject; null for a text message. */
  readonly subject: string | null;
  /** The email's text part (empty when it has only HTML), or the text message. */
  readonly body: string;
  /** The email's HTML part, or null. */
  readonly html?: string | null;
  /** The `event` tag (email) or context entry (text message) the sender attached, or null. */
  readonly event: string | null;
  /** The `planId` tag or context entry, or null. */
  readonly planId: string | null;
  /** The `executionId` tag or context entry, or null. */
  readonly executionId: string | null;
  /** When the service accepted the message (local clock), ISO 8601. */
  readonly sentAt: string;
  /** The id the service answered (one SES send to several recipients shares one id). */
  readonly messageId: string;
  /**
   * An email's SES message tags (`EmailTags`), absent when it had none: SES gives them back on
   * the bounce and complaint events of the message (`POST /_local/outbox`).
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The messages sent through the local stand-ins, oldest first. */
export class LocalOutbox {
  readonly #messages: OutboxMessage[] = [];
  readonly #journal: Journal<OutboxMessage>;

  constructor(journal: Journal<OutboxMessage> = new Journal()) {
    this.#journal = journal;
    for (const [, message] of journal.entries()) this.#messages.push(message);
  }

  /** Every message so far, oldest first (a copy). */
  messages(): OutboxMessage[] {
    return [...this.#messages];
  }

  /** Records a delivered message as the newest one. */
  add(message: OutboxMessage): void {
    this.#messages.push(message);
    this.#journal.put(String(this.#messages.length), message);
  }
}
