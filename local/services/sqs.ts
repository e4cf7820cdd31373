/**
 * Amazon SQS, locally: the AWS JSON 1.0 API that the real `@aws-sdk/client-sqs` speaks (POST with
 * `x-amz-target: AmazonSQS.<Operation>`, mounted under a prefix such as `/_aws/sqs`), standard
 * queues kept in memory on the local clock, and an in-process API for the local orchestrator and
 * for in-process producers and consumers (the Lambda event source mapping, Step Functions tasks).
 *
 * Faithful where code under test can notice: queue URLs and ARNs, error shapes (`__type` in the
 * body plus the query-compatible code in `x-amzn-query-error`, which is what the SDK reads), the
 * documented limits and messages of the API reference, real MD5 digests of bodies and of message
 * attributes (the SDK checks `MD5OfMessageBody` and `MD5OfBody`), per-message delays, visibility
 * timeouts and their 12-hour cap, receive counts, the redrive policy (a message received more than
 * `maxReceiveCount` times moves to the dead-letter queue on the next receive, keeping its sent
 * time and receive count), retention measured from the original send, the 1 MiB message and
 * batch size limits, per-entry batch failures, PurgeQueue's once-a-minute rule and CreateQueue
 * answering the existing queue when the attributes agree.
 *
 * Deliberately local:
 * - Standard queues only: `FifoQueue`, a `.fifo` name and the other FIFO-only attributes are
 *   refused with `UnsupportedOperation`.
 * - Long polling answers at once: `WaitTimeSeconds` is validated, never waited for (time moves on
 *   the local clock, so a wait could not see later messages anyway).
 * - Delivery is exact and in send order: no duplicates, no sampling of servers, a receive returns
 *   every visible message up to `MaxNumberOfMessages`. The `Approximate*` counts are exact.
 * - Any receipt handle a message was given works for DeleteMessage and ChangeMessageVisibility
 *   (AWS asks for the latest one and says an older one "might" not work).
 * - PurgeQueue and retention deletions take effect at once, not within 60 seconds.
 * - Message move tasks (`StartMessageMoveTask`, `ListMessageMoveTasks`, `CancelMessageMoveTask`)
 *   progress on the local clock whenever the queues are looked at: at `MaxNumberOfMessagesPerSecond`
 *   when given, otherwise everything at the next look (AWS's "system-optimized" rate). A message
 *   that is not visible waits; the task completes once it moved the count it started with or the
 *   source is empty, and is cancelled at once (no CANCELLING phase). Tasks live in memory: a
 *   restart forgets them, not the messages they moved. A message with no original source queue
 *   (one sent to the dead-letter queue directly) fails a task that has no `DestinationArn`.
 * - `SenderId` is the account id; policies and encryption attributes are kept and answered, not
 *   enforced; tags are ignored. Operations outside the list in {@link LocalSqs} answer
 *   `UnsupportedOperation`.
 * - The handler answers the JSON protocol on any path: a client without an `endpoint` sends its
 *   requests to the origin of the QueueUrl (`useQueueUrlAsEndpoint`), i.e. to `POST /`.
 *
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/Welcome.html
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Handler, LocalRequest, Reply } from '../http.ts';
import { AwsJsonError, AwsJsonProtocol, FieldReader, type FieldProblem } from './aws-json.ts';
import { Journal } from './journal.ts';

export interface LocalSqsOptions {
  /** The local clock, in epoch milliseconds. */
  readonly now: () => number;
  readonly region: string;
  readonly accountId: string;
  /** Where `handler` is mounted. Default "/_aws/sqs". */
  readonly prefix?: string;
  /** The origin of the local server ("http://127.0.0.1:4000"), known once it listens. */
  readonly baseUrl: () => string;
  /**
   * Where messages are kept across restarts (every send, receive, visibility change and delete
   * is written before it is answered); absent: in memory only. Queues are not kept: the stack
   * creates them at every start, as the deploy does, and a queue created again finds its messages.
   */
  readonly journal?: Journal<StoredMessage>;
}

/** A message attribute as the API carries it (`BinaryValue` in base64). */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** Where a message is in its life: waiting out a delay, receivable, or received and hidden. */
export type MessageState = 'delayed' | 'visible' | 'in-flight';

/** A message as the local control endpoints and tests see it. */
export interface MessageView {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly receiveCount: number;
  /** When it was sent (epoch ms); a message moved to a dead-letter queue keeps its sent time. */
  readonly sentAt: number;
  readonly state: MessageState;
  /** When it is (or became) receivable, epoch ms. */
  readonly visibleAt: number;
  /** The queue it was moved from by a redrive policy, or null. */
  readonly deadLetterSourceArn: string | null;
}

/** A message handed out by {@link LocalSqs.receive}. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  /** The digest of `messageAttributes`, absent when there are none. */
  readonly md5OfMessageAttributes?: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  /** System attributes as ReceiveMessage answers them for `All` (strings, epoch ms). */
  readonly attributes: Readonly<Record<string, string>>;
}

/** What a send answers. */
export interface SentMessage {
  readonly messageId: string;
  readonly md5OfMessageBody: string;
  readonly md5OfMessageAttributes?: string;
}

/** Attributes of a queue, the strings CreateQueue takes ("VisibilityTimeout": "60"). */
export type QueueAttributes = Readonly<Record<string, string>>;

/** The shapes of SQS's errors: the body's `__type`, the query code the SDK reads, the status. */
const ERRORS = {
  QueueDoesNotExist: [
    'com.amazonaws.sqs#QueueDoesNotExist',
    'AWS.SimpleQueueService.NonExistentQueue',
    400,
  ],
  QueueNameExists: ['com.amazonaws.sqs#QueueNameExists', 'QueueAlreadyExists', 400],
  InvalidAddress: ['com.amazonaws.sqs#InvalidAddress', 'InvalidAddress', 404],
  InvalidAttributeName: ['com.amazonaws.sqs#InvalidAttributeName', 'InvalidAttributeName', 400],
  InvalidAttributeValue: ['com.amazonaws.sqs#InvalidAttributeValue', 'InvalidAttributeValue', 400],
  InvalidMessageContents: [
    'com.amazonaws.sqs#InvalidMessageContents',
    'InvalidMessageContents',
    400,
  ],
  ReceiptHandleIsInvalid: [
    'com.amazonaws.sqs#ReceiptHandleIsInvalid',
    'ReceiptHandleIsInvalid',
    404,
  ],
  PurgeQueueInProgress: [
    'com.amazonaws.sqs#PurgeQueueInProgress',
    'AWS.SimpleQueueService.PurgeQueueInProgress',
    403,
  ],
  UnsupportedOperation: [
    'com.amazonaws.sqs#UnsupportedOperation',
    'AWS.SimpleQueueService.UnsupportedOperation',
    400,
  ],
  EmptyBatchRequest: [
    'com.amazonaws.sqs#EmptyBatchRequest',
    'AWS.SimpleQueueService.EmptyBatchRequest',
    400,
  ],
  TooManyEntriesInBatchRequest: [
    'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    400,
  ],
  BatchEntryIdsNotDistinct: [
    'com.amazonaws.sqs#BatchEntryIdsNotDistinct',
    'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    400,
  ],
  InvalidBatchEntryId: [
    'com.amazonaws.sqs#InvalidBatchEntryId',
    'AWS.SimpleQueueService.InvalidBatchEntryId',
    400,
  ],
  BatchRequestTooLong: [
    'com.amazonaws.sqs#BatchRequestTooLong',
    'AWS.SimpleQueueService.BatchRequestTooLong',
    400,
  ],
  // Common errors: not in the service model, so the SDK names them after the query code.
  InvalidParameterValue: [
    'com.amazon.coral.service#InvalidParameterValueException',
    'InvalidParameterValue',
    400,
  ],
  MissingParameter: [
    'com.amazon.coral.service#MissingRequiredParameterException',
    'MissingParameter',
    400,
  ],
  SerializationException: [
    'com.amazon.coral.service#SerializationException',
    'SerializationException',
    400,
  ],
  InvalidAction: ['com.amazon.coral.service#UnknownOperationException', 'InvalidAction', 400],
  ResourceNotFoundException: [
    'com.amazonaws.sqs#ResourceNotFoundException',
    'ResourceNotFoundException',
    404,
  ],
} as const satisfies Record<string, readonly [string, string, number]>;

export type SqsErrorCode = keyof typeof ERRORS;

/**
 * An error SQS answers. Over HTTP it becomes the JSON error the SDK parses; the in-process API
 * throws it as is (`code` is the name the SDK gives the error, e.g. "QueueDoesNotExist").
 */
export class SqsApiError extends AwsJsonError {
  readonly code: SqsErrorCode;
  /** The query-protocol code, e.g. "AWS.SimpleQueueService.NonExistentQueue". */
  declare readonly queryCode: string;

  constructor(code: SqsErrorCode, message: string) {
    const [type, queryCode, status] = ERRORS[code];
    super(type, message, { status, queryCode });
    this.name = code === 'QueueDoesNotExist' || code === 'QueueNameExists' ? code : queryCode;
    this.code = code;
  }
}

/** Operations of SQS that the local one leaves out: `UnsupportedOperation`, not `InvalidAction`. */
const NOT_IMPLEMENTED = [
  'AddPermission',
  'DeleteQueue',
  'ListDeadLetterSourceQueues',
  'ListQueueTags',
  'RemovePermission',
  'SetQueueAttributes',
  'TagQueue',
  'UntagQueue',
];

const PROTOCOL = new AwsJsonProtocol({
  service: 'SQS',
  targetPrefix: 'AmazonSQS',
  version: '1.0',
  namespace: 'com.amazonaws.sqs',
  queryCompatible: true,
  notImplemented: (operation) =>
    new SqsApiError('UnsupportedOperation', `The local SQS does not implement ${operation}.`),
});

const invalidParameter = (message: string) => new SqsApiError('InvalidParameterValue', message);
const noSuchQueue = () =>
  new SqsApiError('QueueDoesNotExist', 'The specified queue does not exist.');

const SECOND_MS = 1000;
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_DELAY_SECONDS = 900;
const MAX_MESSAGE_BYTES = 1_048_576;
const MAX_BATCH_ENTRIES = 10;
const MAX_MESSAGE_ATTRIBUTES = 10;
const PURGE_INTERVAL_MS = 60 * SECOND_MS;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** What a message may contain: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

interface QueueSettings {
  readonly DelaySeconds: number;
  readonly MaximumMessageSize: number;
  readonly MessageRetentionPeriod: number;
  readonly ReceiveMessageWaitTimeSeconds: number;
  readonly VisibilityTimeout: number;
  readonly RedrivePolicy?: {
    readonly deadLetterTargetArn: string;
    readonly maxReceiveCount: number;
  };
  readonly Policy?: string;
  readonly RedriveAllowPolicy?: string;
  readonly KmsMasterKeyId?: string;
  readonly KmsDataKeyReusePeriodSeconds?: number;
  readonly SqsManagedSseEnabled: boolean;
}

/** Integer attributes: [minimum, maximum, default]. */
const INTEGER_ATTRIBUTES = {
  DelaySeconds: [0, MAX_DELAY_SECONDS, 0],
  MaximumMessageSize: [1024, MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES],
  MessageRetentionPeriod: [60, 1_209_600, 345_600],
  ReceiveMessageWaitTimeSeconds: [0, 20, 0],
  VisibilityTimeout: [0, MAX_VISIBILITY_SECONDS, 30],
  KmsDataKeyReusePeriodSeconds: [60, 86_400, 300],
} as const;

const FIFO_ATTRIBUTES = [
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
];
const WRITABLE_ATTRIBUTES = [
  ...Object.keys(INTEGER_ATTRIBUTES),
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'Policy',
  'KmsMasterKeyId',
  'SqsManagedSseEnabled',
];
const READ_ONLY_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
];

/** A message as the queue (and its journal) keeps it. */
export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly md5OfMessageAttributes: string | undefined;
  readonly systemAttributes: Readonly<Record<string, string>>;
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  lastReceivedAt: number | undefined;
  deadLetterSourceArn: string | undefined;
}

/** A message move task's state, as ListMessageMoveTasks names it. */
export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

interface MoveTask {
  readonly handle: string;
  readonly sourceArn: string;
  /** Absent: each message goes back to the queue it was dead-lettered from. */
  readonly destinationArn: string | undefined;
  readonly rate: number | undefined;
  readonly startedAt: number;
  readonly toMove: number;
  moved: number;
  status: MoveTaskStatus;
  failureReason: string | undefined;
}

/** The most a move task may be asked to move per second (StartMessageMoveTask). */
const MAX_MOVE_RATE = 500;
/** Tasks ListMessageMoveTasks answers at most. */
const MAX_LISTED_TASKS = 10;

interface StoredQueue {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly settings: QueueSettings;
  /** In send order (a message moved here by redrive joins at the end). */
  readonly messages: Map<string, StoredMessage>;
  lastPurgeAt: number | undefined;
}

/** A send, validated: what is stored and what SendMessage answers. */
interface Outgoing {
  readonly body: string;
  readonly delaySeconds: number | undefined;
  readonly messageAttributes: Record<string, MessageAttributeValue>;
  readonly systemAttributes: Record<string, string>;
  readonly size: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function md5(bytes: string | Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * The MD5 of message attributes, as SQS computes it: by name in ascending order, each name, data
 * type and value length-prefixed, with a transport byte (1 string, 2 binary) before the value.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 */
export function md5OfMessageAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): string {
  const parts: Buffer[] = [];
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    const binary = attribute.BinaryValue !== undefined;
    parts.push(
      lengthPrefixed(Buffer.from(name, 'utf8')),
      lengthPrefixed(Buffer.from(attribute.DataType, 'utf8')),
      Buffer.from([binary ? 2 : 1]),
      lengthPrefixed(
        binary
          ? Buffer.from(attribute.BinaryValue ?? '', 'base64')
          : Buffer.from(attribute.StringValue ?? '', 'utf8'),
      ),
    );
  }
  return md5(Buffer.concat(parts));
}

function attributeValueBytes(attribute: MessageAttributeValue): number {
  return attribute.BinaryValue !== undefined
    ? Buffer.from(attribute.BinaryValue, 'base64').length
    : Buffer.byteLength(attribute.StringValue ?? '', 'utf8');
}

// ---------------------------------------------------------------------------------------------
// Reading requests.

/** SQS's words for a parameter the field checks refuse; `reason` completes "... Reason: ". */
function parameterError(problem: FieldProblem, reason?: string): SqsApiError {
  if (problem.kind === 'missing') {
    return new SqsApiError(
      'MissingParameter',
      `The request must contain the parameter ${problem.field}.`,
    );
  }
  return reason === undefined
    ? invalidParameter(
        `Value ${JSON.stringify(problem.value)} for parameter ${problem.field} is invalid.`,
      )
    : invalidParameter(
        `Value ${String(problem.value)} for parameter ${problem.field} is invalid. Reason: ${reason}`,
      );
}

function optionalString(body: Json, key: string): string | undefined {
  return new FieldReader(body, (problem) => parameterError(problem)).string(key);
}

function requiredString(body: Json, key: string): string {
  return new FieldReader(body, (problem) => parameterError(problem)).requiredString(key);
}

/** An optional integer parameter; `reason` completes "Value x for parameter K is invalid. Reason: ". */
function optionalInteger(
  body: Json,
  key: string,
  min: number,
  max: number,
  reason: string,
): number | undefined {
  return new FieldReader(body, (problem) => parameterError(problem, reason)).integer(key, {
    min,
    max,
  });
}

function stringList(body: Json, key: string): string[] {
  return new FieldReader(body, (problem) => parameterError(problem)).stringList(key) ?? [];
}

/** The documented rules for a message attribute name. */
function isAttributeName(name: string): boolean {
  return (
    /^[A-Za-z0-9_.-]{1,256}$/.test(name) &&
    !/^(aws|amazon)\./i.test(name) &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..')
  );
}

function parseMessageAttributes(value: unknown): Record<string, MessageAttributeValue> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalidParameter('MessageAttributes must be a map.');
  const names = Object.keys(value);
  if (names.length > MAX_MESSAGE_ATTRIBUTES) {
    throw invalidParameter(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const name of names) {
    if (!isAttributeName(name)) {
      throw invalidParameter(
        `Message (user) attribute name '${name}' is invalid: use A-Z, a-z, 0-9, '_', '-' and '.', at most 256 characters, not starting with 'AWS.' or 'Amazon.', without leading, trailing or consecutive periods.`,
      );
    }
    const attribute = value[name];
    const dataType = isObject(attribute) ? attribute.DataType : undefined;
    if (!isObject(attribute) || typeof dataType !== 'string' || dataType === '') {
      throw invalidParameter(
        `The message attribute '${name}' must contain a non-empty message attribute type.`,
      );
    }
    if (!/^(String|Number|Binary)(\..+)?$/.test(dataType) || dataType.length > 256) {
      throw invalidParameter(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    const transport = dataType.startsWith('Binary') ? 'Binary' : 'String';
    const raw = attribute[`${transport}Value`];
    if (typeof raw !== 'string' || raw === '') {
      throw invalidParameter(
        `The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${dataType.split('.')[0] ?? dataType}'.`,
      );
    }
    if (transport === 'String' && INVALID_CHARACTER.test(raw)) {
      throw new SqsApiError(
        'InvalidMessageContents',
        `Invalid characters found in the value of message (user) attribute '${name}'.`,
      );
    }
    if (
      dataType.startsWith('Number') &&
      !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim())
    ) {
      throw invalidParameter(
        `Can't cast the value of message (user) attribute '${name}' to a number.`,
      );
    }
    attributes[name] =
      transport === 'Binary'
        ? { DataType: dataType, BinaryValue: raw }
        : { DataType: dataType, StringValue: raw };
  }
  return attributes;
}

function parseSystemAttributes(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalidParameter('MessageSystemAttributes must be a map.');
  const attributes: Record<string, string> = {};
  for (const [name, attribute] of Object.entries(value)) {
    if (name !== 'AWSTraceHeader') {
      throw invalidParameter(
        `Message system attribute name '${name}' is invalid. The only supported message system attribute is AWSTraceHeader.`,
      );
    }
    const text = isObject(attribute) ? attribute.StringValue : undefined;
    if (!isObject(attribute) || attribute.DataType !== 'String' || typeof text !== 'string') {
      throw invalidParameter('The AWSTraceHeader message system attribute must be a String.');
    }
    attributes[name] = text;
  }
  return attributes;
}

/** A SendMessage request or batch entry, validated against the queue. */
function parseOutgoing(body: Json, queue: StoredQueue): Outgoing {
  const messageBody = optionalString(body, 'MessageBody');
  if (messageBody === undefined || messageBody === '') {
    throw new SqsApiError(
      'MissingParameter',
      'The request must contain the parameter MessageBody.',
    );
  }
  const invalid = INVALID_CHARACTER.exec(messageBody);
  if (invalid !== null) {
    const code = (invalid[0].codePointAt(0) ?? 0).toString(16).toUpperCase();
    throw new SqsApiError(
      'InvalidMessageContents',
      `Invalid binary character '#x${code}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
    );
  }
  const delaySeconds = optionalInteger(
    body,
    'DelaySeconds',
    0,
    MAX_DELAY_SECONDS,
    `DelaySeconds must be >= 0 and <= ${MAX_DELAY_SECONDS}.`,
  );
  const deduplicationId = optionalString(body, 'MessageDeduplicationId');
  if (deduplicationId !== undefined) {
    throw invalidParameter(
      `Value ${deduplicationId} for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.`,
    );
  }
  const messageAttributes = parseMessageAttributes(body.MessageAttributes);
  const systemAttributes = parseSystemAttributes(body.MessageSystemAttributes);
  const groupId = optionalString(body, 'MessageGroupId');
  // Standard queues take a MessageGroupId for fair queuing; it is kept and answered.
  if (groupId !== undefined) systemAttributes.MessageGroupId = groupId;
  // The body, and every name, type and value of the attributes, count towards the limit.
  const size =
    Buffer.byteLength(messageBody, 'utf8') +
    Object.entries(messageAttributes).reduce(
      (sum, [name, attribute]) =>
        sum +
        Buffer.byteLength(name, 'utf8') +
        Buffer.byteLength(attribute.DataType, 'utf8') +
        attributeValueBytes(attribute),
      0,
    );
  if (size > queue.settings.MaximumMessageSize) {
    throw invalidParameter(
      `One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.MaximumMessageSize} bytes.`,
    );
  }
  return { body: messageBody, delaySeconds, messageAttributes, systemAttributes, size };
}

function parseRedrivePolicy(text: string): QueueSettings['RedrivePolicy'] {
  const reject = (reason: string) =>
    invalidParameter(`Value ${text} for parameter RedrivePolicy is invalid. Reason: ${reason}`);
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw reject('Redrive policy is not a valid JSON map.');
  }
  if (!isObject(policy)) throw reject('Redrive policy is not a valid JSON map.');
  const { deadLetterTargetArn, maxReceiveCount } = policy;
  if (typeof deadLetterTargetArn !== 'string' || deadLetterTargetArn === '') {
    throw invalidParameter("The required parameter 'deadLetterTargetArn' is missing");
  }
  if (maxReceiveCount === undefined || maxReceiveCount === null) {
    throw invalidParameter("The required parameter 'maxReceiveCount' is missing");
  }
  const count = typeof maxReceiveCount === 'string' ? Number(maxReceiveCount) : maxReceiveCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) {
    throw reject(
      `Invalid value for maxReceiveCount: ${String(maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`,
    );
  }
  return { deadLetterTargetArn, maxReceiveCount: count };
}

function integerAttribute(name: keyof typeof INTEGER_ATTRIBUTES, value: string): number {
  const [min, max] = INTEGER_ATTRIBUTES[name];
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) {
    throw new SqsApiError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
  }
  return number;
}

/** CreateQueue's attributes, validated, over the defaults. */
function parseSettings(value: unknown): QueueSettings {
  if (value !== undefined && value !== null && !isObject(value)) {
    throw invalidParameter('Attributes must be a map.');
  }
  const given = value ?? {};
  for (const [name, text] of Object.entries(given)) {
    if (FIFO_ATTRIBUTES.includes(name) && !(name === 'FifoQueue' && text === 'false')) {
      throw new SqsApiError(
        'UnsupportedOperation',
        `The local SQS has standard queues only: ${name} is a FIFO queue attribute.`,
      );
    }
    if (!WRITABLE_ATTRIBUTES.includes(name) && name !== 'FifoQueue') {
      throw new SqsApiError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    if (typeof text !== 'string') {
      throw new SqsApiError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
    }
  }
  const text = (name: string) => given[name] as string | undefined;
  const integer = (name: keyof typeof INTEGER_ATTRIBUTES) => {
    const given = text(name);
    return given === undefined ? INTEGER_ATTRIBUTES[name][2] : integerAttribute(name, given);
  };
  const sse = text('SqsManagedSseEnabled');
  if (sse !== undefined && sse !== 'true' && sse !== 'false') {
    throw new SqsApiError(
      'InvalidAttributeValue',
      'Invalid value for the parameter SqsManagedSseEnabled.',
    );
  }
  const kmsKey = text('KmsMasterKeyId');
  if (kmsKey !== undefined && kmsKey !== '' && sse === 'true') {
    throw invalidParameter(
      'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.',
    );
  }
  const redrive = text('RedrivePolicy');
  const usesKms = kmsKey !== undefined && kmsKey !== '';
  return {
    DelaySeconds: integer('DelaySeconds'),
    MaximumMessageSize: integer('MaximumMessageSize'),
    MessageRetentionPeriod: integer('MessageRetentionPeriod'),
    ReceiveMessageWaitTimeSeconds: integer('ReceiveMessageWaitTimeSeconds'),
    VisibilityTimeout: integer('VisibilityTimeout'),
    ...(redrive === undefined || redrive === ''
      ? {}
      : { RedrivePolicy: parseRedrivePolicy(redrive) }),
    ...(text('Policy') ? { Policy: text('Policy') } : {}),
    ...(text('RedriveAllowPolicy') ? { RedriveAllowPolicy: text('RedriveAllowPolicy') } : {}),
    ...(usesKms
      ? {
          KmsMasterKeyId: kmsKey,
          KmsDataKeyReusePeriodSeconds: integer('KmsDataKeyReusePeriodSeconds'),
        }
      : {}),
    // New queues are encrypted with SQS-owned keys unless a KMS key is given or SSE is turned off.
    SqsManagedSseEnabled: !usesKms && sse !== 'false',
  };
}

/** The settings as GetQueueAttributes answers them. */
function settingsAttributes(settings: QueueSettings): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    attributes[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return attributes;
}

interface Receipt {
  readonly queueName: string;
  readonly messageId: string;
}

function encodeReceipt(queueName: string, message: StoredMessage): string {
  return Buffer.from(
    JSON.stringify([queueName, message.id, message.receiveCount, randomUUID()]),
  ).toString('base64');
}

function decodeReceipt(handle: string): Receipt | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(handle, 'base64').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 4 &&
      typeof decoded[0] === 'string' &&
      typeof decoded[1] === 'string'
    ) {
      return { queueName: decoded[0], messageId: decoded[1] };
    }
  } catch {
    // not one of ours
  }
  return undefined;
}

const invalidReceipt = (handle: string) =>
  new SqsApiError(
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );

/** Which of `names` ReceiveMessage should answer for a request listing `wanted` ("All", "x.*"). */
function selectNames(names: readonly string[], wanted: readonly string[]): string[] {
  if (wanted.includes('All') || wanted.includes('.*')) return [...names];
  return names.filter((name) =>
    wanted.some((pattern) =>
      pattern.endsWith('.*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern,
    ),
  );
}

function pick<T>(record: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(
    names.flatMap((name) => {
      const value = record[name];
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

interface BatchFailure {
  readonly Id: string;
  readonly SenderFault: boolean;
  readonly Code: string;
  readonly Message: string;
}

function batchFailure(id: string, error: SqsApiError): BatchFailure {
  return { Id: id, SenderFault: true, Code: error.queryCode, Message: error.message };
}

/** The entries of a batch request, checked as SQS does before it looks at any of them. */
function batchEntries(body: Json, entryName: string): { id: string; entry: Json }[] {
  const value = body.Entries;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    throw new SqsApiError(
      'EmptyBatchRequest',
      `There should be at least one ${entryName} in the request.`,
    );
  }
  if (!Array.isArray(value)) throw invalidParameter('Entries must be a list.');
  if (value.length > MAX_BATCH_ENTRIES) {
    throw new SqsApiError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${value.length}.`,
    );
  }
  const seen = new Set<string>();
  return value.map((entry: unknown) => {
    const id = isObject(entry) ? entry.Id : undefined;
    if (!isObject(entry) || typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw new SqsApiError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(id)) throw new SqsApiError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
    return { id, entry };
  });
}

/**
 * The SQS stand-in. Mount `handler` under `prefix` (and, for clients without an endpoint, at
 * `POST /`). Operations: CreateQueue, GetQueueUrl, GetQueueAttributes, ListQueues, SendMessage,
 * SendMessageBatch, ReceiveMessage, DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility,
 * ChangeMessageVisibilityBatch, PurgeQueue, StartMessageMoveTask, ListMessageMoveTasks,
 * CancelMessageMoveTask.
 */
export class LocalSqs {
  /** The path prefix of queue URLs and of `handler`, e.g. "/_aws/sqs". */
  readonly prefix: string;
  /** Answers the SQS JSON protocol. */
  readonly handler: Handler;

  readonly #now: () => number;
  readonly #region: string;
  readonly #accountId: string;
  readonly #baseUrl: () => string;
  readonly #queues = new Map<string, StoredQueue>();
  readonly #journal: Journal<StoredMessage>;
  /** Messages read back from the journal, by queue name, until their queue is created. */
  readonly #restored = new Map<string, StoredMessage[]>();
  /** Message move tasks, oldest first. */
  readonly #moveTasks: MoveTask[] = [];

  constructor(options: LocalSqsOptions) {
    this.#now = options.now;
    this.#region = options.region;
    this.#accountId = options.accountId;
    this.#baseUrl = options.baseUrl;
    this.#journal = options.journal ?? new Journal();
    for (const [key, message] of this.#journal.entries()) {
      const queueName = key.slice(0, key.lastIndexOf('/'));
      this.#restored.set(queueName, [...(this.#restored.get(queueName) ?? []), message]);
    }
    this.prefix = options.prefix ?? '/_aws/sqs';
    this.handler = (request) => this.#handle(request);
  }

  // -------------------------------------------------------------------------------------------
  // The in-process API.

  /**
   * Creates a queue (or answers the existing one when `attributes` agree with it), as
   * CreateQueue does; answers its URL.
   *
   * @throws SqsApiError as CreateQueue would answer.
   */
  createQueue(name: string, attributes: QueueAttributes = {}): string {
    return this.#createQueue(name, attributes);
  }

  /** The ARN of the queue at `url`. @throws SqsApiError (QueueDoesNotExist, InvalidAddress). */
  queueArnOf(url: string): string {
    return this.#queueByUrl(url).arn;
  }

  /** The URL of the queue `arn`. @throws SqsApiError (QueueDoesNotExist). */
  queueUrlOf(arn: string): string {
    return this.#url(this.#queueByArn(arn));
  }

  /**
   * The earliest instant (epoch ms) at which a message of the queue (an ARN or URL), or of any
   * queue, is or becomes receivable; null when no message will be. At or before now means a
   * message is receivable now. A message that would move to its dead-letter queue counts, as its
   * next receive is what moves it.
   */
  nextVisibleAt(queueArnOrUrl?: string): number | null {
    this.#stepMoveTasks();
    const queues =
      queueArnOrUrl === undefined ? [...this.#queues.values()] : [this.#resolve(queueArnOrUrl)];
    let earliest: number | null = null;
    for (const queue of queues) {
      this.#expire(queue);
      for (const message of queue.messages.values()) {
        // A message that expires before it becomes visible never will.
        if (message.visibleAt >= this.#expiresAt(queue, message)) continue;
        if (earliest === null || message.visibleAt < earliest) earliest = message.visibleAt;
      }
    }
    return earliest;
  }

  /** The messages of the queue `queueName`, in send order. @throws SqsApiError (QueueDoesNotExist). */
  messages(queueName: string): MessageView[] {
    const queue = this.#queues.get(queueName);
    if (queue === undefined) throw noSuchQueue();
    this.#stepMoveTasks();
    this.#expire(queue);
    const now = this.#now();
    return [...queue.messages.values()].map((message) => ({
      messageId: message.id,
      body: message.body,
      messageAttributes: message.messageAttributes,
      receiveCount: message.receiveCount,
      sentAt: message.sentAt,
      state:
        message.visibleAt <= now ? 'visible' : message.receiveCount > 0 ? 'in-flight' : 'delayed',
      visibleAt: message.visibleAt,
      deadLetterSourceArn: message.deadLetterSourceArn ?? null,
    }));
  }

  /**
   * Sends a message as SendMessage does, for in-process producers (e.g. a Step Functions
   * `sqs:sendMessage` task). `delaySeconds` overrides the queue's DelaySeconds.
   *
   * @throws SqsApiError as SendMessage would answer.
   */
  send(
    queueArnOrUrl: string,
    body: string,
    delaySeconds?: number,
    messageAttributes?: Readonly<Record<string, MessageAttributeValue>>,
  ): SentMessage {
    const queue = this.#resolve(queueArnOrUrl);
    return this.#send(
      queue,
      parseOutgoing(
        { MessageBody: body, DelaySeconds: delaySeconds, MessageAttributes: messageAttributes },
        queue,
      ),
    );
  }

  /**
   * Receives up to `maxMessages` receivable messages as ReceiveMessage does (the redrive policy
   * applies), hiding them for `visibilityTimeout` seconds (default: the queue's). Unlike the API,
   * `maxMessages` is not capped at 10: a Lambda event source mapping takes batches of up to 10,000.
   */
  receive(
    queueArnOrUrl: string,
    options: { readonly maxMessages?: number; readonly visibilityTimeout?: number } = {},
  ): ReceivedMessage[] {
    this.#stepMoveTasks();
    const queue = this.#resolve(queueArnOrUrl);
    const visibilityTimeout = options.visibilityTimeout ?? queue.settings.VisibilityTimeout;
    return this.#receive(queue, options.maxMessages ?? 1, visibilityTimeout).map(
      ({ message, receiptHandle }) => ({
        messageId: message.id,
        receiptHandle,
        body: message.body,
        md5OfBody: message.md5OfBody,
        ...(message.md5OfMessageAttributes === undefined
          ? {}
          : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
        messageAttributes: message.messageAttributes,
        attributes: this.#systemAttributes(message),
      }),
    );
  }

  /**
   * Deletes the message a receipt handle was given for, as DeleteMessage does (a message already
   * gone is not an error).
   *
   * @throws SqsApiError (ReceiptHandleIsInvalid) for a handle that is not of this queue.
   */
  delete(queueArnOrUrl: string, receiptHandle: string): void {
    this.#delete(this.#resolve(queueArnOrUrl), receiptHandle);
  }

  // -------------------------------------------------------------------------------------------
  // Queues and messages.

  #url(queue: StoredQueue): string {
    return `${this.#baseUrl()}${this.prefix}/${this.#accountId}/${queue.name}`;
  }

  #queueByArn(arn: string): StoredQueue {
    const prefix = `arn:aws:sqs:${this.#region}:${this.#accountId}:`;
    const queue = arn.startsWith(prefix) ? this.#queues.get(arn.slice(prefix.length)) : undefined;
    if (queue === undefined) throw noSuchQueue();
    return queue;
  }

  /** The queue a QueueUrl names: its last two path segments are the account and the name. */
  #queueByUrl(url: string): StoredQueue {
    let segments: string[];
    try {
      segments = new URL(url).pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new SqsApiError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    }
    const [account, name] = segments.slice(-2);
    if (account === undefined || name === undefined) {
      throw new SqsApiError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    }
    const queue = account === this.#accountId ? this.#queues.get(name) : undefined;
    if (queue === undefined) throw noSuchQueue();
    return queue;
  }

  #resolve(queueArnOrUrl: string): StoredQueue {
    return queueArnOrUrl.startsWith('arn:')
      ? this.#queueByArn(queueArnOrUrl)
      : this.#queueByUrl(queueArnOrUrl);
  }

  #createQueue(name: string, attributes: unknown): string {
    if (name.endsWith('.fifo')) {
      throw new SqsApiError(
        'UnsupportedOperation',
        `The local SQS has standard queues only: ${name} names a FIFO queue.`,
      );
    }
    if (!QUEUE_NAME.test(name)) {
      throw invalidParameter(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const settings = parseSettings(attributes);
    const existing = this.#queues.get(name);
    if (existing !== undefined) {
      const now = settingsAttributes(existing.settings);
      const requested = settingsAttributes(settings);
      for (const key of Object.keys(isObject(attributes) ? attributes : {})) {
        if (key !== 'FifoQueue' && now[key] !== requested[key]) {
          throw new SqsApiError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${key}`,
          );
        }
      }
      return this.#url(existing);
    }
    if (settings.RedrivePolicy !== undefined) {
      const target = settings.RedrivePolicy.deadLetterTargetArn;
      try {
        this.#queueByArn(target);
      } catch {
        throw invalidParameter(
          `Value ${JSON.stringify(settings.RedrivePolicy)} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
        );
      }
    }
    const queue: StoredQueue = {
      name,
      arn: `arn:aws:sqs:${this.#region}:${this.#accountId}:${name}`,
      createdAt: this.#now(),
      settings,
      messages: new Map(),
      lastPurgeAt: undefined,
    };
    for (const message of this.#restored.get(name) ?? []) queue.messages.set(message.id, message);
    this.#restored.delete(name);
    this.#queues.set(name, queue);
    return this.#url(queue);
  }

  /** Writes the message's current state to the journal (before the change is answered). */
  #keep(queue: StoredQueue, message: StoredMessage): void {
    this.#journal.put(`${queue.name}/${message.id}`, message);
  }

  /** Removes a message from its queue and from the journal. */
  #remove(queue: StoredQueue, message: StoredMessage): void {
    queue.messages.delete(message.id);
    this.#journal.delete(`${queue.name}/${message.id}`);
  }

  #expiresAt(queue: StoredQueue, message: StoredMessage): number {
    return message.sentAt + queue.settings.MessageRetentionPeriod * SECOND_MS;
  }

  /** Deletes what the retention period no longer keeps (measured from the original send). */
  #expire(queue: StoredQueue): void {
    const now = this.#now();
    for (const message of queue.messages.values()) {
      if (this.#expiresAt(queue, message) <= now) this.#remove(queue, message);
    }
  }

  #send(queue: StoredQueue, outgoing: Outgoing): SentMessage {
    const now = this.#now();
    const hasAttributes = Object.keys(outgoing.messageAttributes).length > 0;
    const message: StoredMessage = {
      id: randomUUID(),
      body: outgoing.body,
      md5OfBody: md5(outgoing.body),
      messageAttributes: outgoing.messageAttributes,
      md5OfMessageAttributes: hasAttributes
        ? md5OfMessageAttributes(outgoing.messageAttributes)
        : undefined,
      systemAttributes: outgoing.systemAttributes,
      sentAt: now,
      visibleAt: now + (outgoing.delaySeconds ?? queue.settings.DelaySeconds) * SECOND_MS,
      receiveCount: 0,
      firstReceivedAt: undefined,
      lastReceivedAt: undefined,
      deadLetterSourceArn: undefined,
    };
    queue.messages.set(message.id, message);
    this.#keep(queue, message);
    return {
      messageId: message.id,
      md5OfMessageBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes === undefined
        ? {}
        : { md5OfMessageAttributes: message.md5OfMessageAttributes }),
    };
  }

  #receive(
    queue: StoredQueue,
    maxMessages: number,
    visibilityTimeout: number,
  ): { message: StoredMessage; receiptHandle: string }[] {
    this.#expire(queue);
    const now = this.#now();
    const received: { message: StoredMessage; receiptHandle: string }[] = [];
    const policy = queue.settings.RedrivePolicy;
    for (const message of [...queue.messages.values()]) {
      if (received.length >= maxMessages) break;
      if (message.visibleAt > now) continue;
      if (policy !== undefined && message.receiveCount >= policy.maxReceiveCount) {
        const target = this.#queues.get(policy.deadLetterTargetArn.split(':').at(-1) ?? '');
        if (target !== undefined && target !== queue) {
          this.#remove(queue, message);
          message.deadLetterSourceArn = queue.arn;
          message.visibleAt = now;
          target.messages.set(message.id, message);
          this.#keep(target, message);
          continue;
        }
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.lastReceivedAt = now;
      message.visibleAt = now + visibilityTimeout * SECOND_MS;
      this.#keep(queue, message);
      received.push({ message, receiptHandle: encodeReceipt(queue.name, message) });
    }
    return received;
  }

  /** The message a receipt handle of `queue` names, or undefined when it is gone. */
  #messageOf(queue: StoredQueue, receiptHandle: string): StoredMessage | undefined {
    const receipt = decodeReceipt(receiptHandle);
    if (receipt === undefined || receipt.queueName !== queue.name) {
      throw invalidReceipt(receiptHandle);
    }
    this.#expire(queue);
    return queue.messages.get(receipt.messageId);
  }

  #delete(queue: StoredQueue, receiptHandle: string): void {
    const message = this.#messageOf(queue, receiptHandle);
    if (message !== undefined) this.#remove(queue, message);
  }

  #changeVisibility(queue: StoredQueue, receiptHandle: string, timeout: number): void {
    const message = this.#messageOf(queue, receiptHandle);
    const now = this.#now();
    if (message === undefined || message.visibleAt <= now || message.lastReceivedAt === undefined) {
      throw invalidParameter(
        `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    // The timeout counts from now, but a message stays hidden at most 12 hours after its receive.
    const hiddenSeconds = (now - message.lastReceivedAt) / SECOND_MS + timeout;
    if (hiddenSeconds > MAX_VISIBILITY_SECONDS) {
      throw invalidParameter(
        `Value ${timeout} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds]`,
      );
    }
    message.visibleAt = now + timeout * SECOND_MS;
    this.#keep(queue, message);
  }

  #systemAttributes(message: StoredMessage): Record<string, string> {
    return {
      ...message.systemAttributes,
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: this.#accountId,
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
      ...(message.deadLetterSourceArn === undefined
        ? {}
        : { DeadLetterQueueSourceArn: message.deadLetterSourceArn }),
    };
  }

  #queueAttributes(queue: StoredQueue): Record<string, string> {
    this.#expire(queue);
    const now = this.#now();
    const messages = [...queue.messages.values()];
    const visible = messages.filter((message) => message.visibleAt <= now).length;
    const delayed = messages.filter(
      (message) => message.visibleAt > now && message.receiveCount === 0,
    ).length;
    return {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(messages.length - visible - delayed),
      ApproximateNumberOfMessagesDelayed: String(delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / SECOND_MS)),
      LastModifiedTimestamp: String(Math.floor(queue.createdAt / SECOND_MS)),
      ...settingsAttributes(queue.settings),
    };
  }

  // -------------------------------------------------------------------------------------------
  // The JSON protocol.

  async #handle(request: LocalRequest): Promise<Reply> {
    // Move tasks run in the background on AWS: here they catch up before each request.
    this.#stepMoveTasks();
    return this.#api(request);
  }

  readonly #api: Handler = PROTOCOL.handler({
    notImplemented: NOT_IMPLEMENTED,
    operations: {
      CreateQueue: (body) => ({
        QueueUrl: this.#createQueue(requiredString(body, 'QueueName'), body.Attributes),
      }),
      GetQueueUrl: (body) => this.#getQueueUrl(body),
      GetQueueAttributes: (body) => this.#getQueueAttributes(body),
      ListQueues: (body) => this.#listQueues(body),
      SendMessage: (body) => this.#sendMessage(body),
      SendMessageBatch: (body) => this.#sendMessageBatch(body),
      ReceiveMessage: (body) => this.#receiveMessage(body),
      DeleteMessage: (body) => {
        this.#delete(this.#queueOf(body), requiredString(body, 'ReceiptHandle'));
        return {};
      },
      DeleteMessageBatch: (body) => this.#deleteMessageBatch(body),
      ChangeMessageVisibility: (body) => this.#changeMessageVisibility(body),
      ChangeMessageVisibilityBatch: (body) => this.#changeMessageVisibilityBatch(body),
      PurgeQueue: (body) => this.#purgeQueue(body),
      StartMessageMoveTask: (body) => this.#startMessageMoveTask(body),
      ListMessageMoveTasks: (body) => this.#listMessageMoveTasks(body),
      CancelMessageMoveTask: (body) => this.#cancelMessageMoveTask(body),
    },
  });

  #queueOf(body: Json): StoredQueue {
    return this.#queueByUrl(requiredString(body, 'QueueUrl'));
  }

  #getQueueUrl(body: Json): Json {
    const name = requiredString(body, 'QueueName');
    const owner = optionalString(body, 'QueueOwnerAWSAccountId');
    const queue =
      owner === undefined || owner === this.#accountId ? this.#queues.get(name) : undefined;
    if (queue === undefined) throw noSuchQueue();
    return { QueueUrl: this.#url(queue) };
  }

  #getQueueAttributes(body: Json): Json {
    const queue = this.#queueOf(body);
    const names = stringList(body, 'AttributeNames');
    const known = [...WRITABLE_ATTRIBUTES, ...READ_ONLY_ATTRIBUTES, ...FIFO_ATTRIBUTES];
    for (const name of names) {
      if (name !== 'All' && !known.includes(name)) {
        throw new SqsApiError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
    }
    const attributes = this.#queueAttributes(queue);
    const answered = names.includes('All') ? attributes : pick(attributes, names);
    return Object.keys(answered).length === 0 ? {} : { Attributes: answered };
  }

  #listQueues(body: Json): Json {
    const prefix = optionalString(body, 'QueueNamePrefix') ?? '';
    const maxResults = optionalInteger(
      body,
      'MaxResults',
      1,
      1000,
      'MaxResults must be an integer between 1 and 1000.',
    );
    const token = optionalString(body, 'NextToken');
    if (token !== undefined && maxResults === undefined) {
      throw invalidParameter(
        'MaxResults is a mandatory parameter when you provide a value for NextToken.',
      );
    }
    const after = token === undefined ? '' : Buffer.from(token, 'base64').toString('utf8');
    const names = [...this.#queues.keys()]
      .filter((name) => name.startsWith(prefix) && name > after)
      .sort();
    const page = names.slice(0, maxResults ?? 1000);
    const last = page.at(-1);
    return {
      ...(page.length === 0
        ? {}
        : { QueueUrls: page.map((name) => this.#url(this.#queues.get(name) as StoredQueue)) }),
      ...(maxResults !== undefined && names.length > page.length && last !== undefined
        ? { NextToken: Buffer.from(last).toString('base64') }
        : {}),
    };
  }

  #sendMessage(body: Json): Json {
    const queue = this.#queueOf(body);
    const sent = this.#send(queue, parseOutgoing(body, queue));
    return {
      MessageId: sent.messageId,
      MD5OfMessageBody: sent.md5OfMessageBody,
      ...(sent.md5OfMessageAttributes === undefined
        ? {}
        : { MD5OfMessageAttributes: sent.md5OfMessageAttributes }),
    };
  }

  #sendMessageBatch(body: Json): Json {
    const queue = this.#queueOf(body);
    const entries = batchEntries(body, 'SendMessageBatchRequestEntry');
    const parsed = entries.map(({ id, entry }) => {
      try {
        return { id, outgoing: parseOutgoing(entry, queue) };
      } catch (error) {
        if (!(error instanceof SqsApiError)) throw error;
        return { id, error };
      }
    });
    const total = parsed.reduce((sum, item) => sum + (item.outgoing?.size ?? 0), 0);
    if (total > MAX_MESSAGE_BYTES) {
      throw new SqsApiError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_MESSAGE_BYTES} bytes. You have sent ${total} bytes.`,
      );
    }
    const successful: Json[] = [];
    const failed: BatchFailure[] = [];
    for (const item of parsed) {
      if (item.outgoing === undefined) {
        failed.push(batchFailure(item.id, item.error));
        continue;
      }
      const sent = this.#send(queue, item.outgoing);
      successful.push({
        Id: item.id,
        MessageId: sent.messageId,
        MD5OfMessageBody: sent.md5OfMessageBody,
        ...(sent.md5OfMessageAttributes === undefined
          ? {}
          : { MD5OfMessageAttributes: sent.md5OfMessageAttributes }),
      });
    }
    return { Successful: successful, Failed: failed };
  }

  #receiveMessage(body: Json): Json {
    const queue = this.#queueOf(body);
    const maxMessages =
      optionalInteger(
        body,
        'MaxNumberOfMessages',
        1,
        MAX_BATCH_ENTRIES,
        'Must be between 1 and 10, if provided.',
      ) ?? 1;
    const visibilityTimeout =
      optionalInteger(
        body,
        'VisibilityTimeout',
        0,
        MAX_VISIBILITY_SECONDS,
        `Must be >= 0 and <= ${MAX_VISIBILITY_SECONDS}, if provided.`,
      ) ?? queue.settings.VisibilityTimeout;
    // Validated, never waited for: see the header.
    optionalInteger(body, 'WaitTimeSeconds', 0, 20, 'Must be >= 0 and <= 20, if provided.');
    const systemNames = [
      ...stringList(body, 'AttributeNames'),
      ...stringList(body, 'MessageSystemAttributeNames'),
    ];
    const attributeNames = stringList(body, 'MessageAttributeNames');
    const messages = this.#receive(queue, maxMessages, visibilityTimeout).map(
      ({ message, receiptHandle }) => {
        const system = this.#systemAttributes(message);
        const attributes = selectNames(Object.keys(system), systemNames);
        const userNames = selectNames(Object.keys(message.messageAttributes), attributeNames);
        const user = pick(message.messageAttributes, userNames);
        return {
          MessageId: message.id,
          ReceiptHandle: receiptHandle,
          MD5OfBody: message.md5OfBody,
          Body: message.body,
          ...(attributes.length === 0 ? {} : { Attributes: pick(system, attributes) }),
          // The digest covers the attributes answered, so a client can check what it got.
          ...(userNames.length === 0
            ? {}
            : { MD5OfMessageAttributes: md5OfMessageAttributes(user), MessageAttributes: user }),
        };
      },
    );
    return messages.length === 0 ? {} : { Messages: messages };
  }

  #deleteMessageBatch(body: Json): Json {
    const queue = this.#queueOf(body);
    const successful: Json[] = [];
    const failed: BatchFailure[] = [];
    for (const { id, entry } of batchEntries(body, 'DeleteMessageBatchRequestEntry')) {
      try {
        this.#delete(queue, requiredString(entry, 'ReceiptHandle'));
        successful.push({ Id: id });
      } catch (error) {
        if (!(error instanceof SqsApiError)) throw error;
        failed.push(batchFailure(id, error));
      }
    }
    return { Successful: successful, Failed: failed };
  }

  #visibilityTimeout(body: Json): number {
    const timeout = optionalInteger(
      body,
      'VisibilityTimeout',
      0,
      MAX_VISIBILITY_SECONDS,
      `VisibilityTimeout must be an integer between 0 and ${MAX_VISIBILITY_SECONDS}.`,
    );
    if (timeout === undefined) {
      throw new SqsApiError(
        'MissingParameter',
        'The request must contain the parameter VisibilityTimeout.',
      );
    }
    return timeout;
  }

  #changeMessageVisibility(body: Json): Json {
    const queue = this.#queueOf(body);
    const receiptHandle = requiredString(body, 'ReceiptHandle');
    this.#changeVisibility(queue, receiptHandle, this.#visibilityTimeout(body));
    return {};
  }

  #changeMessageVisibilityBatch(body: Json): Json {
    const queue = this.#queueOf(body);
    const successful: Json[] = [];
    const failed: BatchFailure[] = [];
    for (const { id, entry } of batchEntries(body, 'ChangeMessageVisibilityBatchRequestEntry')) {
      try {
        const receiptHandle = requiredString(entry, 'ReceiptHandle');
        this.#changeVisibility(queue, receiptHandle, this.#visibilityTimeout(entry));
        successful.push({ Id: id });
      } catch (error) {
        if (!(error instanceof SqsApiError)) throw error;
        failed.push(batchFailure(id, error));
      }
    }
    return { Successful: successful, Failed: failed };
  }

  #purgeQueue(body: Json): Json {
    const queue = this.#queueOf(body);
    const now = this.#now();
    if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < PURGE_INTERVAL_MS) {
      throw new SqsApiError(
        'PurgeQueueInProgress',
        `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`,
      );
    }
    queue.lastPurgeAt = now;
    for (const message of [...queue.messages.values()]) this.#remove(queue, message);
    return {};
  }

  // -------------------------------------------------------------------------------------------
  // Message move tasks (dead-letter queue redrive).
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html

  /** The queue `arn` names, or ResourceNotFoundException (what the move task operations answer). */
  #moveQueue(arn: string, parameter: 'SourceArn' | 'DestinationArn'): StoredQueue {
    try {
      return this.#queueByArn(arn);
    } catch {
      throw new SqsApiError(
        'ResourceNotFoundException',
        `The resource that you specified for the ${parameter} parameter does not exist.`,
      );
    }
  }

  #startMessageMoveTask(body: Json): Json {
    const sourceArn = requiredString(body, 'SourceArn');
    const source = this.#moveQueue(sourceArn, 'SourceArn');
    const isDeadLetterQueue = [...this.#queues.values()].some(
      (queue) => queue.settings.RedrivePolicy?.deadLetterTargetArn === source.arn,
    );
    if (!isDeadLetterQueue) {
      throw invalidParameter(
        `Value ${sourceArn} for parameter SourceArn is invalid. Reason: Source queue must be configured as a Dead Letter Queue.`,
      );
    }
    const destinationArn = optionalString(body, 'DestinationArn');
    if (destinationArn !== undefined) {
      const destination = this.#moveQueue(destinationArn, 'DestinationArn');
      if (destination === source) {
        throw invalidParameter(
          `Value ${destinationArn} for parameter DestinationArn is invalid. Reason: Source queue arn and destination queue arn cannot be the same.`,
        );
      }
    }
    const rate = optionalInteger(
      body,
      'MaxNumberOfMessagesPerSecond',
      1,
      MAX_MOVE_RATE,
      `MaxNumberOfMessagesPerSecond must be between 1 and ${MAX_MOVE_RATE}.`,
    );
    if (
      this.#moveTasks.some((task) => task.sourceArn === source.arn && task.status === 'RUNNING')
    ) {
      throw invalidParameter(
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    }
    this.#expire(source);
    const handle = Buffer.from(
      JSON.stringify({ taskId: randomUUID(), sourceArn: source.arn }),
    ).toString('base64');
    this.#moveTasks.push({
      handle,
      sourceArn: source.arn,
      destinationArn,
      rate,
      startedAt: this.#now(),
      toMove: source.messages.size,
      moved: 0,
      status: 'RUNNING',
      failureReason: undefined,
    });
    return { TaskHandle: handle };
  }

  #listMessageMoveTasks(body: Json): Json {
    const source = this.#moveQueue(requiredString(body, 'SourceArn'), 'SourceArn');
    const maxResults =
      optionalInteger(
        body,
        'MaxResults',
        1,
        MAX_LISTED_TASKS,
        `MaxResults must be between 1 and ${MAX_LISTED_TASKS}.`,
      ) ?? 1;
    const tasks = this.#moveTasks
      .filter((task) => task.sourceArn === source.arn)
      .reverse()
      .slice(0, maxResults);
    return {
      Results: tasks.map((task) => ({
        // Only a running task can be cancelled: only it has a handle in the listing.
        ...(task.status === 'RUNNING' ? { TaskHandle: task.handle } : {}),
        Status: task.status,
        SourceArn: task.sourceArn,
        ...(task.destinationArn === undefined ? {} : { DestinationArn: task.destinationArn }),
        ...(task.rate === undefined ? {} : { MaxNumberOfMessagesPerSecond: task.rate }),
        ApproximateNumberOfMessagesMoved: task.moved,
        ApproximateNumberOfMessagesToMove: task.toMove,
        ...(task.failureReason === undefined ? {} : { FailureReason: task.failureReason }),
        StartedTimestamp: task.startedAt,
      })),
    };
  }

  #cancelMessageMoveTask(body: Json): Json {
    const handle = requiredString(body, 'TaskHandle');
    const task = this.#moveTasks.find((each) => each.handle === handle);
    if (task === undefined) {
      throw new SqsApiError('ResourceNotFoundException', 'The specified task does not exist.');
    }
    if (task.status !== 'RUNNING') {
      throw invalidParameter(
        `Value ${handle} for parameter TaskHandle is invalid. Reason: Only a task with status RUNNING can be cancelled; this one is ${task.status}.`,
      );
    }
    // What was moved stays moved; the rest stays in the source queue.
    task.status = 'CANCELLED';
    return { ApproximateNumberOfMessagesMoved: task.moved };
  }

  /** Moves what each running task may have moved by now (its rate, counted from its start). */
  #stepMoveTasks(): void {
    const now = this.#now();
    for (const task of this.#moveTasks) {
      if (task.status !== 'RUNNING') continue;
      const source = this.#queues.get(task.sourceArn.split(':').at(-1) ?? '');
      if (source === undefined) {
        task.status = 'FAILED';
        task.failureReason = 'The source queue does not exist any more.';
        continue;
      }
      this.#expire(source);
      const allowed =
        task.rate === undefined
          ? Number.POSITIVE_INFINITY
          : Math.floor((task.rate * (now - task.startedAt)) / SECOND_MS) - task.moved;
      let budget = Math.min(allowed, task.toMove - task.moved);
      for (const message of [...source.messages.values()]) {
        if (budget <= 0) break;
        if (message.visibleAt > now) continue;
        const destinationArn = task.destinationArn ?? message.deadLetterSourceArn;
        const destination =
          destinationArn === undefined
            ? undefined
            : this.#queues.get(destinationArn.split(':').at(-1) ?? '');
        if (destination === undefined) {
          task.status = 'FAILED';
          task.failureReason =
            destinationArn === undefined
              ? `Message ${message.id} has no original source queue: start the task with a DestinationArn.`
              : `The destination queue ${destinationArn} does not exist.`;
          break;
        }
        this.#remove(source, message);
        // A redriven message is a new message: new id, sent now, never received.
        this.#send(destination, {
          body: message.body,
          delaySeconds: 0,
          messageAttributes: { ...message.messageAttributes },
          systemAttributes: { ...message.systemAttributes },
          size: 0,
        });
        task.moved += 1;
        budget -= 1;
      }
      if (task.status === 'RUNNING' && (task.moved >= task.toMove || source.messages.size === 0)) {
        task.status = 'COMPLETED';
      }
    }
  }
}
