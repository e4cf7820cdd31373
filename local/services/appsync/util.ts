/**
 * The `util`, `runtime` and `extensions` objects that APPSYNC_JS code imports from
 * `@aws-appsync/utils`, implemented the way AppSync documents them. Time comes from the local
 * stack's clock, so moving that clock moves every resolver's notion of "now".
 *
 * Reference: https://docs.aws.amazon.com/appsync/latest/devguide/built-in-util-js.html
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { AppSyncModule } from './sandbox.ts';
import { formatJava, parseIso8601 } from './time.ts';

/** A field error raised by `util.error` or `util.unauthorized`. */
export class ResolverError extends Error {
  readonly errorType: string | null;
  readonly data: unknown;
  readonly errorInfo: unknown;

  constructor(message: string, errorType: string | null, data: unknown, errorInfo: unknown) {
    super(message);
    this.name = 'ResolverError';
    this.errorType = errorType;
    this.data = data ?? null;
    this.errorInfo = errorInfo ?? null;
  }
}

/** `runtime.earlyReturn`: ends the current handler with `value`. */
export class EarlyReturn {
  readonly value: unknown;
  readonly skipTo: 'END' | 'NEXT';

  constructor(value: unknown, skipTo: 'END' | 'NEXT') {
    this.value = value;
    this.skipTo = skipTo;
  }
}

/** An error recorded with `util.appendError`; the field still resolves. */
export interface AppendedError {
  readonly message: string;
  readonly errorType: string | null;
  readonly data: unknown;
  readonly errorInfo: unknown;
}

/** Per-request state that `util` functions read and write. */
export interface Invocation {
  readonly errors: AppendedError[];
  readonly authType: string;
}

/** Thrown by a `util` function that the local runtime deliberately does not offer. */
export class NotSupportedLocallyError extends Error {
  constructor(name: string) {
    super(`util.${name} is not implemented by the local APPSYNC_JS runtime`);
    this.name = 'NotSupportedLocallyError';
  }
}

type Typed = Record<string, unknown>;

function toDynamoDB(value: unknown): Typed {
  if (value === null || value === undefined) return { NULL: null };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map((item) => toDynamoDB(item)) };
  if (typeof value === 'object') return { M: toMapValues(value as Record<string, unknown>) };
  throw new TypeError(`util.dynamodb.toDynamoDB cannot convert a ${typeof value}`);
}

function toMapValues(value: Record<string, unknown>): Record<string, Typed> {
  const result: Record<string, Typed> = {};
  for (const [key, item] of Object.entries(value)) {
    // Like JSON.stringify, AppSync drops undefined members.
    if (item !== undefined) result[key] = toDynamoDB(item);
  }
  return result;
}

const ALPHABET62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KSUID_EPOCH_SECONDS = 1_400_000_000;

function ksuid(nowMs: number): string {
  const bytes = Buffer.concat([Buffer.alloc(4), randomBytes(16)]);
  bytes.writeUInt32BE(Math.floor(nowMs / 1000) - KSUID_EPOCH_SECONDS, 0);
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let text = '';
  while (value > 0n) {
    text = ALPHABET62.charAt(Number(value % 62n)) + text;
    value /= 62n;
  }
  return text.padStart(27, '0');
}

function javaRegexMatches(pattern: string, value: string): boolean {
  // AppSync uses Java's Pattern.matches: the whole input must match.
  return new RegExp(`^(?:${pattern})$`, 'u').test(value);
}

function escapeJavaScript(value: string): string {
  return JSON.stringify(value).slice(1, -1).replace(/'/g, "\\'");
}

/**
 * Builds the module object for one local AppSync API. `now` is the stack clock in epoch
 * milliseconds; `current` returns the invocation whose handler is running (handlers are
 * synchronous, so exactly one runs at a time).
 */
export function createAppSyncModule(now: () => number, current: () => Invocation): AppSyncModule {
  const nextUlid = monotonicFactory();
  const notSupported = (name: string) => () => {
    throw new NotSupportedLocallyError(name);
  };
  const util = {
    error(message: string, errorType?: string, data?: unknown, errorInfo?: unknown): never {
      throw new ResolverError(String(message), errorType ?? null, data, errorInfo);
    },
    appendError(message: string, errorType?: string, data?: unknown, errorInfo?: unknown): void {
      current().errors.push({
        message: String(message),
        errorType: errorType ?? null,
        data: data ?? null,
        errorInfo: errorInfo ?? null,
      });
    },
    unauthorized(): never {
      throw new ResolverError('Unauthorized', 'Unauthorized', null, null);
    },
    autoId: () => randomUUID(),
    autoUlid: () => nextUlid(now()),
    autoKsuid: () => ksuid(now()),
    matches: (pattern: string, value: string) => javaRegexMatches(pattern, value),
    authType: () => current().authType,
    base64Encode: (value: string) => Buffer.from(value, 'utf8').toString('base64'),
    base64Decode: (value: string) => Buffer.from(value, 'base64').toString('utf8'),
    urlEncode: (value: string) => encodeURIComponent(value).replace(/%20/g, '+'),
    urlDecode: (value: string) => decodeURIComponent(value.replace(/\+/g, ' ')),
    escapeJavaScript,
    time: {
      nowISO8601: () => new Date(now()).toISOString(),
      nowEpochSeconds: () => Math.floor(now() / 1000),
      nowEpochMilliSeconds: () => now(),
      nowFormatted: (pattern: string, zone?: string) => formatJava(now(), pattern, zone),
      epochMilliSecondsToSeconds: (ms: number) => Math.floor(ms / 1000),
      epochMilliSecondsToISO8601: (ms: number) => new Date(ms).toISOString(),
      epochMilliSecondsToFormatted: (ms: number, pattern: string, zone?: string) =>
        formatJava(ms, pattern, zone),
      parseISO8601ToEpochMilliSeconds: (text: string) => parseIso8601(text),
      parseFormattedToEpochMilliSeconds: notSupported('time.parseFormattedToEpochMilliSeconds'),
    },
    dynamodb: {
      toDynamoDB,
      toMapValues,
      toMap: (value: Record<string, unknown>) => ({ M: toMapValues(value) }),
      toString: (value: string | null | undefined) => (value == null ? null : { S: value }),
      toStringSet: (value: string[] | null | undefined) => (value == null ? null : { SS: value }),
      toNumber: (value: number | null | undefined) => (value == null ? null : { N: value }),
      toNumberSet: (value: number[] | null | undefined) => (value == null ? null : { NS: value }),
      toBinary: (value: string | null | undefined) => (value == null ? null : { B: value }),
      toBinarySet: (value: string[] | null | undefined) => (value == null ? null : { BS: value }),
      toBoolean: (value: boolean | null | undefined) => (value == null ? null : { BOOL: value }),
      toNull: () => ({ NULL: null }),
      toList: (value: unknown[]) => ({ L: value.map((item) => toDynamoDB(item)) }),
      toS3Object: notSupported('dynamodb.toS3Object'),
      fromS3ObjectJson: notSupported('dynamodb.fromS3ObjectJson'),
    },
    transform: {
      toDynamoDBFilterExpression: notSupported('transform.toDynamoDBFilterExpression'),
      toDynamoDBConditionExpression: notSupported('transform.toDynamoDBConditionExpression'),
      toElasticsearchQueryDSL: notSupported('transform.toElasticsearchQueryDSL'),
      toSubscriptionFilter: notSupported('transform.toSubscriptionFilter'),
    },
    str: {
      normalize: (value: string, form: string) => value.normalize(form.toUpperCase()),
    },
    math: {
      roundNum: (value: number) => Math.round(value),
      minVal: (a: number, b: number) => Math.min(a, b),
      maxVal: (a: number, b: number) => Math.max(a, b),
      randomDouble: () => Math.random(),
      randomWithinRange: (start: number, end: number) =>
        Math.floor(Math.random() * (end - start + 1)) + start,
    },
    http: {
      copyHeaders: (headers: Record<string, unknown>) => ({ ...headers }),
      addResponseHeader: notSupported('http.addResponseHeader'),
      addResponseHeaders: notSupported('http.addResponseHeaders'),
    },
  };
  const runtime = {
    earlyReturn(value?: unknown, options?: { skipTo?: 'END' | 'NEXT' }): never {
      throw new EarlyReturn(value ?? null, options?.skipTo ?? 'NEXT');
    },
  };
  const extensions = {
    evictFromApiCache: notSupported('extensions.evictFromApiCache'),
    setSubscriptionFilter: notSupported('extensions.setSubscriptionFilter'),
    setSubscriptionInvalidationFilter: notSupported('extensions.setSubscriptionInvalidationFilter'),
    invalidateSubscriptions: notSupported('extensions.invalidateSubscriptions'),
  };
  return { util, runtime, extensions };
}
