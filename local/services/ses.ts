/**
 * Amazon SES, locally: API v2 `SendEmail` as the real `@aws-sdk/client-sesv2` sends it (REST-JSON:
 * `POST <prefix>/v2/email/outbound-emails`), mounted under a prefix such as `/_aws/ses` (point the
 * client's `endpoint` at `<origin>/_aws/ses`). Every accepted email lands in the {@link LocalOutbox},
 * one entry per recipient.
 *
 * Faithful where code under test can notice:
 * - Errors are REST-JSON errors as the SDK reads them: the code in the `x-amzn-errortype` header
 *   (`Code:http://internal.amazon.com/coral/com.amazonaws.sesv2/`, the SDK keeps the part before
 *   the colon), `{ "message" }` in the body and the status of the service model, so the SDK
 *   throws its own exception classes (`MessageRejected`, `BadRequestException`, ...).
 * - The sender must be a verified identity: an address in `verifiedIdentities`, or an address in
 *   a verified domain or one of its subdomains. Any other sender is refused as SES refuses it:
 *   `MessageRejected` (400), "Email address is not verified. The following identities failed the
 *   check in region ...".
 * - Simple content needs a subject and a text or HTML part; at most 50 recipients across To, Cc
 *   and Bcc ("Recipient count exceeds 50."); tag names and values only ASCII letters, digits, `_`
 *   and `-`, at most 256 characters (so a value with `:` is refused, as SES does); the
 *   `ses:feedback-id-a`/`-b` tag names are allowed.
 * - `setFailure('THROTTLING')` answers every send with `TooManyRequestsException` (429, which the
 *   SDK's retry strategy treats as throttling) until `setFailure(null)`; nothing is sent meanwhile.
 * - The account's suppression list (BOUNCE and COMPLAINT, as the stack turns it on): a send to a
 *   suppressed address is accepted (200 and a MessageId, as SES answers) but not delivered to the
 *   outbox, and a bounce event is published for it (`Permanent`/`OnAccountSuppressionList`).
 * - Bounces and complaints: {@link LocalSes.simulateFeedback} (`POST /_local/outbox` with
 *   `{"feedback": "BOUNCE" | "COMPLAINT", "to": "<address>"}`) takes the newest email to the
 *   address in the outbox and publishes the event SES publishes through the configuration set's
 *   EventBridge destination (default bus, source `aws.ses`, detail-type `Email Bounced` or
 *   `Email Complaint Received`, the detail with the message's `mail`, its tags included), then
 *   puts the address on the suppression list, as the account-level list does.
 *
 * Deliberately local:
 * - Only `SendEmail` with `Simple` content. `Raw` and `Template` content and
 *   `FromEmailAddressIdentityArn` are refused with `BadRequestException` saying so; any other
 *   operation answers `UnknownOperationException` (404).
 * - The account is out of the sandbox: recipients need no verification. Identities are compared
 *   case-insensitively. Charsets, headers, attachments, configuration sets, list management and
 *   the 40 MB size limit are accepted and ignored.
 * - Error messages are SES's own where they are known (unverified sender, recipient count, tags);
 *   the others are local wording with the same exception class.
 *
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html
 * https://docs.aws.amazon.com/ses/latest/dg/quotas.html
 * https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html
 * https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Handler, LocalRequest, Reply } from '../http.ts';
import { Journal } from './journal.ts';
import type { StoredEvent } from './eventbridge.ts';
import type { LocalOutbox, OutboxMessage } from './outbox.ts';

/** Why an address is on the account's suppression list. */
export type SuppressionReason = 'BOUNCE' | 'COMPLAINT';

/** An address on the suppression list. */
export interface SuppressedDestination {
  readonly emailAddress: string;
  readonly reason: SuppressionReason;
  /** ISO-8601 (local clock). */
  readonly lastUpdateTime: string;
}

/** An SES email event as the local SES publishes it (the EventBridge entry's parts). */
export interface SesEmailEvent {
  readonly detailType: 'Email Bounced' | 'Email Complaint Received';
  readonly detail: Record<string, unknown>;
}

/** `simulateFeedback` cannot: no email was sent to the address. */
export class NoEmailToAddressError extends Error {
  constructor(address: string) {
    super(`no email to ${address} in the outbox: send one first (GET /_local/outbox lists them)`);
    this.name = 'NoEmailToAddressError';
  }
}

export interface LocalSesOptions {
  /** The local clock, in epoch milliseconds. */
  readonly now: () => number;
  readonly outbox: LocalOutbox;
  /** The region named in SES's messages, e.g. "eu-central-1". */
  readonly region: string;
  /** Verified identities: email addresses ("alerts@example.com") or domains ("example.com"). */
  readonly verifiedIdentities: readonly string[];
  /** Where `handler` is mounted. Default "/_aws/ses". */
  readonly prefix?: string;
  /**
   * Publishes an SES email event on the default bus (source `aws.ses`); resolves once it is
   * routed. Without it, bounces and complaints are not published.
   */
  readonly publish?: (event: SesEmailEvent) => Promise<StoredEvent>;
  /** Where the suppression list survives restarts (the stack's data folder); default memory. */
  readonly suppressionJournal?: Journal<SuppressedDestination>;
}

/** The exceptions this stand-in answers, with their HTTP status from the SES v2 model. */
const STATUS = {
  BadRequestException: 400,
  MessageRejected: 400,
  TooManyRequestsException: 429,
  UnknownOperationException: 404,
} as const;

type SesErrorCode = keyof typeof STATUS;

class SesApiError extends Error {
  readonly code: SesErrorCode;

  constructor(code: SesErrorCode, message: string) {
    super(message);
    this.name = code;
    this.code = code;
  }
}

const badRequest = (message: string) => new SesApiError('BadRequestException', message);

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
const MAX_RECIPIENTS = 50;
const TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;
/** Tag names SES reserves for custom feedback ids; they may contain a colon. */
const FEEDBACK_TAG_NAMES = new Set(['ses:feedback-id-a', 'ses:feedback-id-b']);
/** `local@domain`: an ASCII local part (SES has no SMTPUTF8) and a dotted ASCII domain. */
const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const ERROR_TYPE_SUFFIX = ':http://internal.amazon.com/coral/com.amazonaws.sesv2/';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `parent[key]` as an object, undefined when absent; `path` names it in errors. */
function optionalObject(parent: Json, key: string, path: string): Json | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw badRequest(`${path} must be an object.`);
  return value;
}

function optionalString(parent: Json, key: string, path: string): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${path} must be a string.`);
  return value;
}

function stringList(parent: Json, key: string, path: string): string[] {
  const value = parent[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw badRequest(`${path} must be a list of strings.`);
  }
  return value as string[];
}

/** The bare address of "Name <local@domain>" or "local@domain"; refuses anything else. */
function addressOf(value: string): string {
  const angle = /^[^<>]*<([^<>]+)>\s*$/.exec(value);
  const address = (angle?.[1] ?? value).trim();
  if (!ADDRESS.test(address)) throw badRequest(`Illegal address: ${value}`);
  return address;
}

/** The `Data` of a `Content` member (Subject, Body.Text, Body.Html), or undefined if absent. */
function contentData(parent: Json, key: string, path: string): string | undefined {
  const content = optionalObject(parent, key, path);
  if (content === undefined) return undefined;
  const data = optionalString(content, 'Data', `${path}.Data`);
  if (data === undefined) throw badRequest(`${path}.Data is required.`);
  return data;
}

/** SES's MessageId shape: 16 hex digits, a UUID and a six-digit suffix. */
function messageId(): string {
  return `${randomBytes(8).toString('hex')}-${randomUUID()}-000000`;
}

/** What a valid Simple SendEmail carries into the outbox. */
interface SimpleEmail {
  readonly from: string;
  readonly recipients: readonly string[];
  readonly subject: string;
  readonly text: string | undefined;
  readonly html: string | undefined;
  readonly tags: ReadonlyMap<string, string>;
  /** `Content.Simple.Headers`, names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
}

/** The SES v2 stand-in. Mount `handler` under `prefix`. */
export class LocalSes {
  /** The path prefix `handler` expects, e.g. "/_aws/ses". */
  readonly prefix: string;
  /** Answers the SES v2 REST API under `prefix`. */
  readonly handler: Handler;

  readonly #now: () => number;
  readonly #outbox: LocalOutbox;
  readonly #region: string;
  readonly #identities: readonly string[];
  readonly #publish: ((event: SesEmailEvent) => Promise<StoredEvent>) | undefined;
  /** The suppression list by lower-case address, kept in `#suppressionJournal` too. */
  readonly #suppressed = new Map<string, SuppressedDestination>();
  readonly #suppressionJournal: Journal<SuppressedDestination>;
  #failure: 'THROTTLING' | null = null;

  constructor(options: LocalSesOptions) {
    this.#now = options.now;
    this.#outbox = options.outbox;
    this.#region = options.region;
    this.#identities = options.verifiedIdentities.map((identity) => identity.toLowerCase());
    this.#publish = options.publish;
    this.#suppressionJournal = options.suppressionJournal ?? new Journal();
    for (const [address, destination] of this.#suppressionJournal.entries()) {
      this.#suppressed.set(address, destination);
    }
    this.prefix = options.prefix ?? '/_aws/ses';
    this.handler = (request) => this.#handle(request);
  }

  /** The account's suppression list, in the order addresses were first put on it. */
  suppressedDestinations(): SuppressedDestination[] {
    return [...this.#suppressed.values()];
  }

  /** The suppression entry of `address` (compared without case), or undefined. */
  suppressedDestination(address: string): SuppressedDestination | undefined {
    return this.#suppressed.get(bareAddress(address));
  }

  /**
   * Simulates what SES reports when the newest email to `to` bounces (permanently: the mailbox
   * does not exist) or its recipient marks it as spam: publishes SES's event for it on the default
   * bus, waits until it is routed, and puts the address on the suppression list. Answers the event
   * as the bus stored it. Throws {@link NoEmailToAddressError} when no email to `to` is in the
   * outbox.
   */
  async simulateFeedback(kind: SuppressionReason, to: string): Promise<StoredEvent> {
    const publish = this.#publish;
    if (publish === undefined) throw new Error('this local SES has no bus to publish events on');
    const sent = this.#outbox
      .messages()
      .filter(
        (message) => message.channel === 'EMAIL' && bareAddress(message.to) === bareAddress(to),
      )
      .at(-1);
    if (sent === undefined) throw new NoEmailToAddressError(to);
    const at = new Date(this.#now()).toISOString();
    const event =
      kind === 'BOUNCE'
        ? bounceEvent(mailOf(sent), bareAddress(sent.to), 'General', at)
        : complaintEvent(mailOf(sent), bareAddress(sent.to), at);
    const published = await publish(event);
    this.#suppress(bareAddress(sent.to), kind, at);
    return published;
  }

  #suppress(address: string, reason: SuppressionReason, at: string): void {
    const emailAddress = address.toLowerCase();
    const destination = { emailAddress, reason, lastUpdateTime: at };
    this.#suppressed.set(emailAddress, destination);
    this.#suppressionJournal.put(emailAddress, destination);
  }

  /**
   * Makes every following send fail with `TooManyRequestsException` ('THROTTLING'), or succeed
   * again (null). A refused send delivers nothing.
   */
  setFailure(error: 'THROTTLING' | null): void {
    this.#failure = error;
  }

  #handle(request: LocalRequest): Reply {
    const requestId = randomUUID();
    try {
      const path = request.url.pathname.slice(this.prefix.length);
      if (request.method !== 'POST' || path !== SEND_EMAIL_PATH) {
        throw new SesApiError(
          'UnknownOperationException',
          `The local SES supports only SendEmail (POST ${SEND_EMAIL_PATH}), not ${request.method} ${path}.`,
        );
      }
      if (this.#failure === 'THROTTLING') {
        throw new SesApiError('TooManyRequestsException', 'Maximum sending rate exceeded.');
      }
      return {
        status: 200,
        headers: { 'x-amzn-requestid': requestId },
        body: { MessageId: this.#sendEmail(request.rawBody) },
      };
    } catch (error) {
      if (!(error instanceof SesApiError)) throw error;
      return {
        status: STATUS[error.code],
        headers: {
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': `${error.code}${ERROR_TYPE_SUFFIX}`,
        },
        body: { message: error.message },
      };
    }
  }

  #sendEmail(raw: string): string {
    let body: unknown;
    try {
      body = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      throw badRequest('The request body is not JSON.');
    }
    if (!isObject(body)) throw badRequest('The request body must be a JSON object.');
    const email = this.#readSimpleEmail(body);
    const from = addressOf(email.from);
    if (!this.#isVerified(from)) {
      throw new SesApiError(
        'MessageRejected',
        `Email address is not verified. The following identities failed the check in region ${this.#region.toUpperCase()}: ${email.from}`,
      );
    }
    const id = messageId();
    const sentAt = new Date(this.#now()).toISOString();
    const tags = Object.fromEntries(email.tags);
    for (const to of email.recipients) {
      const address = bareAddress(to);
      if (this.suppressedDestination(address) !== undefined) {
        // Accepted and counted as sent, never delivered: SES bounces it at once, and says why.
        const mail = { timestamp: sentAt, messageId: id, destination: [address] };
        void this.#publish?.(
          bounceEvent(
            { ...mail, tags: sesTags(tags) },
            address,
            'OnAccountSuppressionList',
            sentAt,
          ),
        );
        continue;
      }
      this.#outbox.add({
        channel: 'EMAIL',
        to,
        subject: email.subject,
        body: email.text ?? '',
        html: email.html ?? null,
        // The ids travel as message headers (exact) and as tags (for SES event publishing,
        // where values are restricted to letters, digits, `_` and `-`).
        event: email.headers.get('x-savings-event') ?? email.tags.get('event') ?? null,
        planId: email.headers.get('x-savings-plan-id') ?? email.tags.get('planId') ?? null,
        executionId:
          email.headers.get('x-savings-execution-id') ?? email.tags.get('executionId') ?? null,
        sentAt,
        messageId: id,
        ...(email.tags.size === 0 ? {} : { tags }),
      });
    }
    return id;
  }

  #readSimpleEmail(body: Json): SimpleEmail {
    const content = optionalObject(body, 'Content', 'Content');
    if (content === undefined) throw badRequest('Content is required.');
    if (content.Raw !== undefined || content.Template !== undefined) {
      throw badRequest('The local SES supports only Simple content, not Raw or Template.');
    }
    const simple = optionalObject(content, 'Simple', 'Content.Simple');
    if (simple === undefined) throw badRequest('Content must contain Simple, Raw or Template.');
    const subject = contentData(simple, 'Subject', 'Content.Simple.Subject');
    if (subject === undefined) throw badRequest('Content.Simple.Subject is required.');
    const messageBody = optionalObject(simple, 'Body', 'Content.Simple.Body');
    if (messageBody === undefined) throw badRequest('Content.Simple.Body is required.');
    const text = contentData(messageBody, 'Text', 'Content.Simple.Body.Text');
    const html = contentData(messageBody, 'Html', 'Content.Simple.Body.Html');
    if (text === undefined && html === undefined) {
      throw badRequest('Content.Simple.Body must contain Text or Html.');
    }

    if (body.FromEmailAddressIdentityArn !== undefined) {
      throw badRequest('The local SES does not support FromEmailAddressIdentityArn.');
    }
    const from = optionalString(body, 'FromEmailAddress', 'FromEmailAddress');
    if (from === undefined) throw badRequest('FromEmailAddress is required for Simple content.');

    const destination = optionalObject(body, 'Destination', 'Destination') ?? {};
    const recipients = [
      ...stringList(destination, 'ToAddresses', 'Destination.ToAddresses'),
      ...stringList(destination, 'CcAddresses', 'Destination.CcAddresses'),
      ...stringList(destination, 'BccAddresses', 'Destination.BccAddresses'),
    ];
    if (recipients.length === 0) throw badRequest('Destination must name at least one recipient.');
    if (recipients.length > MAX_RECIPIENTS) {
      throw badRequest(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
    }
    for (const address of [
      ...recipients,
      ...stringList(body, 'ReplyToAddresses', 'ReplyToAddresses'),
    ]) {
      addressOf(address);
    }

    return {
      from,
      recipients,
      subject,
      text,
      html,
      tags: readTags(body),
      headers: readHeaders(simple),
    };
  }

  /** A verified address, or an address in a verified domain or one of its subdomains. */
  #isVerified(address: string): boolean {
    const lower = address.toLowerCase();
    const domain = lower.slice(lower.lastIndexOf('@') + 1);
    return this.#identities.some((identity) =>
      identity.includes('@')
        ? identity === lower
        : domain === identity || domain.endsWith(`.${identity}`),
    );
  }
}

/** `Content.Simple.Headers`: a list of `{Name, Value}` (at most 15, as SES allows). */
function readHeaders(simple: Json): Map<string, string> {
  const value = simple.Headers;
  const headers = new Map<string, string>();
  if (value === undefined || value === null) return headers;
  if (!Array.isArray(value) || value.length > 15) {
    throw badRequest('Content.Simple.Headers must be a list of at most 15 headers.');
  }
  for (const header of value as unknown[]) {
    const { Name: name, Value: text } = (header ?? {}) as { Name?: unknown; Value?: unknown };
    if (typeof name !== 'string' || typeof text !== 'string' || name.length === 0) {
      throw badRequest('Each header needs a Name and a Value.');
    }
    headers.set(name.toLowerCase(), text);
  }
  return headers;
}

function readTags(body: Json): Map<string, string> {
  const value = body.EmailTags;
  const tags = new Map<string, string>();
  if (value === undefined || value === null) return tags;
  if (!Array.isArray(value)) throw badRequest('EmailTags must be a list of tags.');
  for (const tag of value) {
    const name = isObject(tag) ? tag.Name : undefined;
    const tagValue = isObject(tag) ? tag.Value : undefined;
    if (typeof name !== 'string' || typeof tagValue !== 'string') {
      throw badRequest('Every email tag needs a Name and a Value.');
    }
    if (!TAG_TEXT.test(name) && !FEEDBACK_TAG_NAMES.has(name)) {
      throw badRequest(
        `Invalid tag name <${name}>: only alphanumeric ASCII characters, '_', and '-' are allowed.`,
      );
    }
    if (!TAG_TEXT.test(tagValue)) {
      throw badRequest(
        `Invalid tag value <${tagValue}>: only alphanumeric ASCII characters, '_', and '-' are allowed.`,
      );
    }
    tags.set(name, tagValue);
  }
  return tags;
}

/** `local@domain` of "Name <local@domain>" or "local@domain", in lower case (not checked). */
function bareAddress(value: string): string {
  const angle = /^[^<>]*<([^<>]+)>\s*$/.exec(value);
  return (angle?.[1] ?? value).trim().toLowerCase();
}

/** SES's form of message tags in its events: each tag a list of values. */
function sesTags(tags: Readonly<Record<string, string>>): Record<string, string[]> {
  return {
    ...Object.fromEntries(Object.entries(tags).map(([name, value]) => [name, [value]])),
    'ses:operation': ['SendEmail'],
  };
}

/** The `mail` object of an SES event about a message of the outbox. */
function mailOf(sent: OutboxMessage): Record<string, unknown> {
  return {
    timestamp: sent.sentAt,
    messageId: sent.messageId,
    destination: [sent.to],
    tags: sesTags(sent.tags ?? {}),
  };
}

/** Feedback ids look like SES's: hex, a UUID, a suffix. */
function feedbackId(): string {
  return `${randomBytes(8).toString('hex')}-${randomUUID()}-000000`;
}

/** A permanent bounce of `recipient` (SES's `Bounce` event record). */
function bounceEvent(
  mail: Record<string, unknown>,
  recipient: string,
  subType: 'General' | 'OnAccountSuppressionList',
  at: string,
): SesEmailEvent {
  const suppressed = subType === 'OnAccountSuppressionList';
  return {
    detailType: 'Email Bounced',
    detail: {
      eventType: 'Bounce',
      bounce: {
        feedbackId: feedbackId(),
        bounceType: 'Permanent',
        bounceSubType: subType,
        bouncedRecipients: [
          {
            emailAddress: recipient,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: suppressed
              ? 'Amazon SES did not send the message to this address because it is on the suppression list for your account.'
              : 'smtp; 550 5.1.1 user unknown',
          },
        ],
        timestamp: at,
        reportingMTA: 'dns; local.amazonses.com',
      },
      mail,
    },
  };
}

/** A complaint by `recipient` (SES's `Complaint` event record). */
function complaintEvent(
  mail: Record<string, unknown>,
  recipient: string,
  at: string,
): SesEmailEvent {
  return {
    detailType: 'Email Complaint Received',
    detail: {
      eventType: 'Complaint',
      complaint: {
        feedbackId: feedbackId(),
        complainedRecipients: [{ emailAddress: recipient }],
        timestamp: at,
        arrivalDate: at,
        userAgent: 'local-mailbox',
        complaintFeedbackType: 'abuse',
      },
      mail,
    },
  };
}
