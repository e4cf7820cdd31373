/**
 * AWS End User Messaging SMS, locally: `SendTextMessage` as the real
 * `@aws-sdk/client-pinpoint-sms-voice-v2` sends it (awsJson1_0: `POST <prefix>/` with
 * `x-amz-target: PinpointSMSVoiceV2.SendTextMessage`), mounted under a prefix such as `/_aws/sms`.
 * Every message sent (not a dry run) lands in the {@link LocalOutbox}.
 *
 * Faithful where code under test can notice:
 * - Errors are awsJson1_0 errors as the SDK reads them: `__type`
 *   (`com.amazonaws.pinpointsmsvoicev2#<Code>`) and the model's members (`Message`, and for a
 *   `ValidationException` its `Reason` and `Fields`) in the body, so the SDK throws its own
 *   exception classes with those fields set.
 * - The request is checked against the constraints of the API reference: the destination's
 *   pattern and length, then E.164 itself ("+", country code, at most 15 digits); the body's
 *   1 to 1600 characters, not only white space; the origination identity's, keyword's,
 *   configuration set's, max price's and time to live's patterns and ranges; the message type
 *   enum; at most 5 context entries, keys without white space (1 to 100 characters), values of
 *   1 to 800 characters without white space at either end. A failure is a `ValidationException`
 *   listing every field that failed.
 * - `DryRun` validates and answers a MessageId but delivers nothing.
 * - The stack's protect configuration (`protectConfiguration`, made from
 *   `notifications.sms.countries` as infra's `SmsProtection` is): a send that names it
 *   (`ProtectConfigurationId`, its id or ARN) to a number outside its allowed countries, or to a
 *   number of no country (toll-free, premium, satellite), is refused with a `ConflictException`
 *   (`Reason` DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION, `ResourceType`
 *   protect-configuration, `ResourceId` its id); one that names another protect configuration
 *   gets a `ResourceNotFoundException`. A send that names none goes under no country rules, as
 *   in AWS when no account default is set.
 * - The account's monthly SMS spend limit (`monthlySpendLimitUsd`): each delivered message
 *   costs `maxPricePerPartMicroUsd` per part, counted per UTC month of the local clock; a send
 *   that would pass the limit is refused with a `ServiceQuotaExceededException` (`Reason`
 *   MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT) and costs nothing.
 * - `setFailure('THROTTLING')` answers every send with `ThrottlingException` until
 *   `setFailure(null)`; nothing is sent meanwhile.
 *
 * Deliberately local:
 * - Only `SendTextMessage`; any other operation answers `UnknownOperationException`.
 * - A message body is required (the model makes it optional because a registered template or
 *   RCS could supply it; neither exists here).
 * - Every origination identity, keyword and configuration set is accepted (there are no phone
 *   numbers, pools or registrations locally), every destination country is enabled where no
 *   protect configuration applies, and no opt-out list applies.
 * - Every part costs the stack's counted price (`maxPricePerPartMicroUsd`), not the destination
 *   country's; parts are counted as the senders count them (`domain/sms-parts.ts`).
 * - Error messages are local wording; classes, reasons and fields follow the API reference and
 *   the SDK's model (`ConflictExceptionReason`, `ServiceQuotaExceededExceptionReason`).
 *
 * https://docs.aws.amazon.com/sms-voice/latest/APIReference/API_SendTextMessage.html
 * https://docs.aws.amazon.com/sms-voice/latest/APIReference/API_ValidationException.html
 * https://docs.aws.amazon.com/sms-voice/latest/userguide/protect-configuration.html
 */
import { randomUUID } from 'node:crypto';
import type { Handler } from '../http.ts';
import {
  AwsJsonProtocol,
  checkBoolean,
  checkEnum,
  checkInteger,
  checkString,
  isAbsent,
  missingProblem,
  type AwsJsonError,
  type FieldProblem,
  type JsonObject,
} from './aws-json.ts';
import type { LocalOutbox } from './outbox.ts';
import { phoneCountry } from '#domain/phone-country.ts';
import { smsParts } from '#domain/sms-parts.ts';

/** The local stack's protect configuration id, which its senders are given. */
export const LOCAL_PROTECT_CONFIGURATION_ID = 'protect-10ca1000000000000000000000000000';

/** A protect configuration: the countries its SMS rules ALLOW; every other country is blocked. */
export interface LocalProtectConfiguration {
  readonly id: string;
  /** ISO 3166-1 alpha-2. */
  readonly countries: readonly string[];
}

/** The account's monthly SMS spend limit, and what each message part is counted as. */
export interface LocalSpendLimit {
  /** Whole US dollars, as End User Messaging's enforced limit. */
  readonly monthlySpendLimitUsd: number;
  readonly maxPricePerPartMicroUsd: number;
}

export interface LocalSmsOptions {
  /** The local clock, in epoch milliseconds. */
  readonly now: () => number;
  readonly outbox: LocalOutbox;
  /** Where `handler` is mounted. Default "/_aws/sms". */
  readonly prefix?: string;
  /** The account's protect configuration; absent: none exists. */
  readonly protectConfiguration?: LocalProtectConfiguration;
  /** The account's monthly spend limit; absent: none applies. */
  readonly spendLimit?: LocalSpendLimit;
}

/** A field that failed validation, as `ValidationException.Fields` carries it. */
interface FieldError {
  readonly Name: string;
  readonly Message: string;
}

const PROTOCOL = new AwsJsonProtocol({
  service: 'SMS service',
  targetPrefix: 'PinpointSMSVoiceV2',
  version: '1.0',
  namespace: 'com.amazonaws.pinpointsmsvoicev2',
  messageMember: 'Message',
  malformedBody: (message) => validationError('CANNOT_PARSE', message),
});

function validationError(reason: string, message: string, fields: FieldError[] = []): AwsJsonError {
  return PROTOCOL.error('ValidationException', message, {
    members: { Reason: reason, ...(fields.length > 0 ? { Fields: fields } : {}) },
  });
}

/** A string member's constraints: length in code points and a pattern of the whole value. */
interface StringRule {
  readonly min: number;
  readonly max: number;
  readonly pattern: RegExp;
}

const RULES = {
  DestinationPhoneNumber: { min: 1, max: 20, pattern: /^\+?[1-9][0-9]{1,18}$/ },
  OriginationIdentity: { min: 1, max: 256, pattern: /^[A-Za-z0-9_:/+-]+$/ },
  MessageBody: { min: 1, max: 1600, pattern: /^(?!\s*$)[\s\S]+$/ },
  Keyword: { min: 1, max: 30, pattern: /^[ \S]+$/ },
  ConfigurationSetName: { min: 1, max: 256, pattern: /^[A-Za-z0-9_:/-]+$/ },
  MaxPrice: { min: 2, max: 8, pattern: /^[0-9]{0,2}\.[0-9]{1,5}$/ },
  ProtectConfigurationId: { min: 1, max: 256, pattern: /^[A-Za-z0-9_:/-]+$/ },
} as const satisfies Record<string, StringRule>;

const CONTEXT_KEY: StringRule = { min: 1, max: 100, pattern: /^\S+$/ };
const CONTEXT_VALUE: StringRule = { min: 1, max: 800, pattern: /^(?!\s)[\s\S]+(?<!\s)$/ };
const MAX_CONTEXT_ENTRIES = 5;
const MESSAGE_TYPES = ['TRANSACTIONAL', 'PROMOTIONAL'];
const TIME_TO_LIVE = { min: 5, max: 259_200 };
/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
const E164 = /^\+[1-9][0-9]{1,14}$/;

type Json = JsonObject;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The words of a field's message: the kit's, except that a length or range names both bounds
 * ("Member must have length between 1 and 1600"), as this service's messages always have.
 */
function fieldMessage(problem: FieldProblem, bounds?: { min: number; max: number }): string {
  if (bounds === undefined || (problem.kind !== 'length' && problem.kind !== 'range')) {
    return problem.constraint;
  }
  const what = problem.kind === 'length' ? 'length' : 'value';
  return `Member must have ${what} between ${bounds.min} and ${bounds.max}`;
}

/** The validated request, what the outbox needs of it. */
interface TextMessage {
  readonly destination: string;
  readonly body: string;
  /** The protect configuration the request names (id or ARN), if any. */
  readonly protectConfiguration: string | null;
  readonly context: Readonly<Record<string, string>>;
  readonly dryRun: boolean;
}

/** The End User Messaging SMS stand-in. Mount `handler` under `prefix`. */
export class LocalSms {
  /** The path prefix `handler` expects, e.g. "/_aws/sms". */
  readonly prefix: string;
  /** Answers the SMS and voice v2 JSON API under `prefix`. */
  readonly handler: Handler;

  readonly #now: () => number;
  readonly #outbox: LocalOutbox;
  readonly #protect: LocalProtectConfiguration | null;
  readonly #spendLimit: LocalSpendLimit | null;
  #failure: 'THROTTLING' | null = null;
  /** The spend counted this month, in micro-USD, and the UTC month (`2026-12`) it is for. */
  #spend = { month: '', microUsd: 0 };

  constructor(options: LocalSmsOptions) {
    this.#now = options.now;
    this.#outbox = options.outbox;
    this.#protect = options.protectConfiguration ?? null;
    this.#spendLimit = options.spendLimit ?? null;
    this.prefix = options.prefix ?? '/_aws/sms';
    this.handler = PROTOCOL.handler({
      path: this.prefix,
      operations: { SendTextMessage: (input) => this.#sendTextMessage(input) },
    });
  }

  /**
   * Makes every following send fail with `ThrottlingException` ('THROTTLING'), or succeed again
   * (null). A refused send delivers nothing.
   */
  setFailure(error: 'THROTTLING' | null): void {
    this.#failure = error;
  }

  #sendTextMessage(body: Json): Json {
    if (this.#failure === 'THROTTLING') {
      throw PROTOCOL.error('ThrottlingException', 'Rate exceeded.');
    }
    const message = readTextMessage(body);
    this.#checkProtectConfiguration(message);
    const cost = this.#cost(message);
    const id = randomUUID();
    if (message.dryRun) return { MessageId: id };
    this.#spend = { month: this.#month(), microUsd: this.#spentThisMonth() + cost };
    this.#outbox.add({
      channel: 'SMS',
      to: message.destination,
      subject: null,
      body: message.body,
      html: null,
      event: message.context.event ?? null,
      planId: message.context.planId ?? null,
      executionId: message.context.executionId ?? null,
      sentAt: new Date(this.#now()).toISOString(),
      messageId: id,
    });
    return { MessageId: id };
  }

  /** The UTC month of the local clock, `YYYY-MM`. */
  #month(): string {
    return new Date(this.#now()).toISOString().slice(0, 7);
  }

  #spentThisMonth(): number {
    return this.#spend.month === this.#month() ? this.#spend.microUsd : 0;
  }

  /**
   * The rules of the protect configuration the request names: its countries ALLOW, every other
   * country (and a number of no country) is blocked.
   */
  #checkProtectConfiguration(message: TextMessage): void {
    const named = message.protectConfiguration;
    if (named === null) return;
    const protect = this.#protect;
    if (
      protect === null ||
      (named !== protect.id && !named.endsWith(`:protect-configuration/${protect.id}`))
    ) {
      throw PROTOCOL.error(
        'ResourceNotFoundException',
        `Protect configuration ${named} not found.`,
        {
          members: { ResourceType: 'protect-configuration', ResourceId: named },
        },
      );
    }
    const country = phoneCountry(message.destination);
    if (country === null || !protect.countries.includes(country)) {
      throw PROTOCOL.error(
        'ConflictException',
        `The destination country ${country ?? 'of this number'} is blocked by protect configuration ${protect.id}.`,
        {
          members: {
            Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
            ResourceType: 'protect-configuration',
            ResourceId: protect.id,
          },
        },
      );
    }
  }

  /** What the message costs against the month's limit; refuses it when it would pass the limit. */
  #cost(message: TextMessage): number {
    const limit = this.#spendLimit;
    if (limit === null) return 0;
    const cost = smsParts(message.body) * limit.maxPricePerPartMicroUsd;
    if (this.#spentThisMonth() + cost > limit.monthlySpendLimitUsd * 1_000_000) {
      throw PROTOCOL.error(
        'ServiceQuotaExceededException',
        `The account's monthly spend limit for text messages (${limit.monthlySpendLimitUsd} USD) is reached.`,
        { members: { Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' } },
      );
    }
    return cost;
  }
}

function readTextMessage(body: Json): TextMessage {
  const fields: FieldError[] = [];
  const fail = (name: string, message: string) => fields.push({ Name: name, Message: message });
  /** Records `problem`, if any; answers whether the member passed. */
  const check = (problem: FieldProblem | undefined, bounds?: { min: number; max: number }) => {
    if (problem !== undefined) fail(problem.field, fieldMessage(problem, bounds));
    return problem === undefined;
  };

  const strings: Partial<Record<keyof typeof RULES, string>> = {};
  for (const [name, rule] of Object.entries(RULES) as [keyof typeof RULES, StringRule][]) {
    const value = body[name];
    if (check(checkString(name, value, rule), rule) && typeof value === 'string') {
      strings[name] = value;
    }
  }
  if (isAbsent(body.DestinationPhoneNumber)) check(missingProblem('DestinationPhoneNumber'));
  check(checkEnum('MessageType', body.MessageType, MESSAGE_TYPES));
  // Any time to live that is not an integer in range gets the words of the range.
  const ttl = checkInteger('TimeToLive', body.TimeToLive, TIME_TO_LIVE);
  check(ttl === undefined ? undefined : { ...ttl, kind: 'range' }, TIME_TO_LIVE);
  check(checkBoolean('DryRun', body.DryRun));
  const context = readContext(body.Context, fail);
  if (fields.length > 0) {
    throw validationError(
      'FIELD_VALIDATION_FAILED',
      `${fields.length} validation error${fields.length === 1 ? '' : 's'} detected: ${fields
        .map((field) => `${field.Name}: ${field.Message}`)
        .join('; ')}`,
      fields,
    );
  }

  const destination = strings.DestinationPhoneNumber ?? '';
  if (!E164.test(destination)) {
    throw validationError(
      'INVALID_PARAMETER',
      `DestinationPhoneNumber ${destination} is not a phone number in E.164 format.`,
      [{ Name: 'DestinationPhoneNumber', Message: 'Must be in E.164 format' }],
    );
  }
  const messageBody = strings.MessageBody;
  if (messageBody === undefined) {
    throw validationError('MISSING_PARAMETER', 'MessageBody is required to send a text message.', [
      { Name: 'MessageBody', Message: 'Member must not be null' },
    ]);
  }
  return {
    destination,
    body: messageBody,
    protectConfiguration: strings.ProtectConfigurationId ?? null,
    context,
    dryRun: body.DryRun === true,
  };
}

function readContext(
  value: unknown,
  fail: (name: string, message: string) => void,
): Record<string, string> {
  if (isAbsent(value)) return {};
  if (!isObject(value)) {
    fail('Context', 'Member must be a map of strings');
    return {};
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_CONTEXT_ENTRIES) {
    fail('Context', `Member must have at most ${MAX_CONTEXT_ENTRIES} entries`);
  }
  const context: Record<string, string> = {};
  for (const [key, entry] of entries) {
    const keyProblem = checkString('Context', key, CONTEXT_KEY);
    if (keyProblem !== undefined) {
      fail('Context', `Key '${key}': ${fieldMessage(keyProblem, CONTEXT_KEY)}`);
      continue;
    }
    if (typeof entry !== 'string') {
      fail(`Context.${key}`, 'Member must be a string');
      continue;
    }
    const valueProblem = checkString(`Context.${key}`, entry, CONTEXT_VALUE);
    if (valueProblem === undefined) context[key] = entry;
    else fail(valueProblem.field, fieldMessage(valueProblem, CONTEXT_VALUE));
  }
  return context;
}
