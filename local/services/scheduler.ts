/**
 * EventBridge Scheduler, locally: the REST API that the real `@aws-sdk/client-scheduler` speaks
 * (restJson1, mounted under a prefix such as `/_aws/scheduler`) and a firing API for the local
 * orchestrator, which asks for the next due firing on the local clock and fires it.
 *
 * Faithful where code under test can notice: paths, status codes, error names (`x-amzn-errortype`)
 * and messages, the model's validation constraints, timestamps as epoch seconds, `UpdateSchedule`
 * replacing the whole definition, `ClientToken` idempotency, context attributes in the input,
 * retries and `ActionAfterCompletion`.
 *
 * Deliberately local:
 * - `cron()` is validated but never fires: `nextDue` throws {@link CronNotSupportedError} while an
 *   enabled cron schedule exists (the project schedules with `at()` and `rate()` only).
 * - A recurring `rate()` schedule fires at every interval the local clock passes, however far it
 *   jumps (as on AWS, where time does not jump); a one-time `at()` schedule fires once however late.
 * - Every firing happens at the scheduled instant: flexible time windows are kept, not applied.
 * - Retries happen at once, without backoff; `MaximumEventAgeInSeconds` is kept but not applied.
 *   A delivery that exhausts its retries is recorded in {@link LocalScheduler.deadLetters},
 *   whether or not the target has a `DeadLetterConfig`; with one, it is also sent there
 *   (`sendDeadLetter`) as a dead-letter event: the input as the body, and the attributes AWS sets
 *   (ERROR_CODE, ERROR_MESSAGE, EXECUTION_ID, EXHAUSTED_RETRY_CONDITION, IS_PAYLOAD_TRUNCATED,
 *   RETRY_ATTEMPTS, SCHEDULED_TIME, SCHEDULE_ARN, TARGET_ARN). ERROR_CODE is the error's name.
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
 * - Deleting a schedule group is immediate (AWS answers first and deletes in the background).
 * - With a journal (the stack's data folder), schedules, groups, idempotent deletes and dead
 *   letters are written before a request is answered; a firing is written as done once its target
 *   accepted the delivery, so a crash in between delivers it again after the restart (AWS's
 *   delivery is at least once too). Without one they live in memory.
 *
 * https://docs.aws.amazon.com/scheduler/latest/APIReference/Welcome.html
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
import { randomUUID } from 'node:crypto';
import { Temporal } from 'temporal-polyfill';
import { isTimeZoneName } from '#domain/timezones.ts';
import type { Handler, LocalRequest, Reply } from '../http.ts';
import { Journal } from './journal.ts';

const NO_NAMES: ReadonlySet<string> = new Set();

/** A schedule as the local control endpoints and the orchestrator see it. */
export interface ScheduleView {
  readonly name: string;
  readonly group: string;
  readonly arn: string;
  readonly expression: string;
  /** The zone the expression is evaluated in: the schedule's, or UTC when it has none. */
  readonly timezone: string;
  readonly state: ScheduleState;
  /** When it fires next on the local clock (ISO), or null: disabled, done, or a cron schedule. */
  readonly nextFireAt: string | null;
  readonly startDate: string | null;
  readonly endDate: string | null;
  readonly description: string | null;
  readonly target: DeliveryTarget;
  readonly flexibleTimeWindow: { readonly Mode: string; readonly MaximumWindowInMinutes?: number };
  readonly actionAfterCompletion: ActionAfterCompletion;
  readonly kmsKeyArn: string | null;
  /** The policy that applies: the target's, with AWS's defaults for what it leaves out. */
  readonly retryPolicy: {
    readonly MaximumRetryAttempts: number;
    readonly MaximumEventAgeInSeconds: number;
  };
  readonly deadLetterConfig: { readonly Arn: string } | null;
}

export type ScheduleState = 'ENABLED' | 'DISABLED';
export type ActionAfterCompletion = 'NONE' | 'DELETE';

export interface DeliveryTarget {
  readonly Arn: string;
  readonly RoleArn: string;
  readonly Input?: string;
}

/** One attempt to invoke a schedule's target. */
export interface Delivery {
  readonly schedule: ScheduleView;
  readonly target: DeliveryTarget;
  /** `Target.Input` with the context attributes substituted ("{}" when the target has none). */
  readonly input: string;
  /** The scheduled time, e.g. "2026-12-07T08:00:00Z". */
  readonly scheduledTime: string;
  /** 1 for the first attempt, then one more per retry. */
  readonly attempt: number;
}

/** A firing that is due: the schedule and the scheduled instant (epoch ms). */
export interface DueFiring {
  readonly schedule: ScheduleView;
  readonly fireAt: number;
}

/** A delivery that failed on every attempt its retry policy allows. */
export interface DeadLetter {
  readonly scheduleName: string;
  readonly groupName: string;
  readonly scheduleArn: string;
  readonly scheduledTime: string;
  /** The input of the last attempt. */
  readonly input: string;
  /** The message of the last attempt's error. */
  readonly error: string;
  readonly attempts: number;
  /** Where AWS would have sent it (`Target.DeadLetterConfig.Arn`), null when nowhere. */
  readonly deadLetterArn: string | null;
}

export interface LocalSchedulerOptions {
  /** The local clock, in epoch milliseconds. */
  readonly now: () => number;
  readonly region: string;
  readonly accountId: string;
  /** Invokes a target; a rejection counts as a failed attempt and is retried. */
  readonly deliver: (delivery: Delivery) => Promise<void>;
  /** Where `handler` is mounted. Default "/_aws/scheduler". */
  readonly prefix?: string;
  /** Where the scheduler's state is kept across restarts; absent: in memory only. */
  readonly journal?: Journal<SchedulerRecord>;
  /**
   * Sends a dead letter to its schedule's dead-letter queue (`deadLetterArn`), as AWS does: the
   * body is the input, the message attributes say why (the local stack puts it in the local SQS).
   */
  readonly sendDeadLetter?: (
    deadLetter: DeadLetter & { readonly deadLetterArn: string },
    attributes: Readonly<
      Record<string, { readonly DataType: 'String'; readonly StringValue: string }>
    >,
  ) => void;
  /** Told of every delivery that exhausted its retries (the local metric store's AWS/Scheduler). */
  readonly onDeadLetter?: (deadLetter: DeadLetter) => void;
}

/** One entry of the scheduler's journal: a schedule, a group, a delete token or a dead letter. */
export type SchedulerRecord =
  | { readonly kind: 'schedule'; readonly schedule: ScheduleRecord }
  | { readonly kind: 'group'; readonly group: GroupRecord }
  | { readonly kind: 'deleted' }
  | { readonly kind: 'dead-letter'; readonly deadLetter: DeadLetter };

/** A schedule as the journal keeps it: its last create or update request, and its timing. */
interface ScheduleRecord extends Omit<StoredSchedule, 'definition'> {
  readonly request: Json;
}

interface GroupRecord extends Omit<StoredGroup, 'tags'> {
  readonly tags: [string, string][];
}

/** Thrown by `nextDue` while an enabled `cron()` schedule exists: cron does not fire locally. */
export class CronNotSupportedError extends Error {
  constructor(scheduleArn: string, expression: string) {
    super(
      `${scheduleArn} uses ${expression}: cron() schedules are accepted but not fired by the local scheduler; use at() or rate().`,
    );
    this.name = 'CronNotSupportedError';
  }
}

/** Thrown by `fire` for a firing that is no longer due (already fired, updated or deleted). */
export class StaleFiringError extends Error {
  constructor(scheduleArn: string, fireAt: number) {
    super(`${scheduleArn} is not due at ${isoSeconds(fireAt)} any more`);
    this.name = 'StaleFiringError';
  }
}

/** Thrown for a schedule expression that does not follow the documented syntax. */
export class InvalidScheduleExpressionError extends Error {
  constructor(expression: string) {
    super(`Invalid Schedule Expression ${expression}.`);
    this.name = 'InvalidScheduleExpressionError';
  }
}

/** A parsed schedule expression. */
export type ScheduleExpression =
  | { readonly kind: 'at'; readonly local: Temporal.PlainDateTime }
  | { readonly kind: 'rate'; readonly intervalMs: number }
  | { readonly kind: 'cron'; readonly fields: readonly string[] };

const MINUTE_MS = 60_000;
const RATE_UNITS: Readonly<Record<string, number>> = {
  minute: MINUTE_MS,
  minutes: MINUTE_MS,
  hour: 60 * MINUTE_MS,
  hours: 60 * MINUTE_MS,
  // "days represents a 24-hour duration on the clock", whatever daylight saving does.
  day: 24 * 60 * MINUTE_MS,
  days: 24 * 60 * MINUTE_MS,
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly day?: 'month' | 'week';
}

const CRON_FIELDS: readonly CronField[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31, day: 'month' },
  { min: 1, max: 12, names: MONTHS },
  { min: 1, max: 7, names: WEEKDAYS, day: 'week' },
  { min: 1970, max: 2199 },
];

function cronValue(text: string, field: CronField): number | undefined {
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return index + 1;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

function isCronTerm(term: string, field: CronField): boolean {
  const match = /^(\*|[^-/]+(?:-[^-/]+)?)(?:\/(\d{1,4}))?$/.exec(term);
  if (match === null) return false;
  const [, base = '', step] = match;
  if (step !== undefined && Number(step) < 1) return false;
  if (base === '*') return true;
  return base.split('-').every((value) => cronValue(value, field) !== undefined);
}

/**
 * The documented cron syntax: six fields, `?` in exactly one of the day fields, `L` and `nW` in
 * day-of-month, `L`, `nL` and a single `n#m` in day-of-week. Forms the guide does not document
 * (`LW`, `L-n`, lists with `#`) are refused rather than guessed.
 */
function isCronExpression(fields: readonly string[]): boolean {
  if (fields.length !== CRON_FIELDS.length) return false;
  const dayOfMonth = fields[2];
  const dayOfWeek = fields[4];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) return false;
  return fields.every((text, index) => {
    const field = CRON_FIELDS[index];
    if (field === undefined) return false;
    if (field.day !== undefined && (text === '?' || text === 'L')) return true;
    if (field.day === 'month') {
      const weekday = /^(\d{1,2})W$/.exec(text);
      if (weekday !== null) return cronValue(weekday[1] ?? '', field) !== undefined;
    }
    if (field.day === 'week') {
      const last = /^([^L#]+)L$/.exec(text);
      if (last !== null) return cronValue(last[1] ?? '', field) !== undefined;
      const nth = /^([^#]+)#([1-5])$/.exec(text);
      if (nth !== null) return cronValue(nth[1] ?? '', field) !== undefined;
    }
    return text.split(',').every((term) => isCronTerm(term, field));
  });
}

/**
 * Parses `at(yyyy-mm-ddThh:mm:ss)`, `rate(value unit)` or `cron(six fields)`.
 *
 * @throws InvalidScheduleExpressionError when the expression does not follow the syntax.
 */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const at = /^at\((\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)\)$/.exec(expression);
  if (at !== null) {
    try {
      return {
        kind: 'at',
        local: Temporal.PlainDateTime.from(at[1] ?? '', { overflow: 'reject' }),
      };
    } catch {
      throw new InvalidScheduleExpressionError(expression);
    }
  }
  const rate = /^rate\(([1-9]\d*) ([a-z]+)\)$/.exec(expression);
  if (rate !== null) {
    const unit = RATE_UNITS[rate[2] ?? ''];
    const intervalMs = Number(rate[1]) * (unit ?? Number.NaN);
    if (Number.isSafeInteger(intervalMs)) return { kind: 'rate', intervalMs };
    throw new InvalidScheduleExpressionError(expression);
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron !== null) {
    const fields = (cron[1] ?? '').split(' ');
    if (isCronExpression(fields)) return { kind: 'cron', fields };
  }
  throw new InvalidScheduleExpressionError(expression);
}

/**
 * The instant of an `at()` wall time in `timezone`. A time that daylight saving skips moves
 * forward by the gap and a repeated time takes its first occurrence (Temporal's "compatible"
 * disambiguation, as `java.time` and most schedulers do).
 */
export function atInstant(local: Temporal.PlainDateTime, timezone: string): number {
  return local.toZonedDateTime(timezone, { disambiguation: 'compatible' }).epochMilliseconds;
}

/** "2026-12-07T08:00:00Z": the format of `<aws.scheduler.scheduled-time>`. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// ---------------------------------------------------------------------------------------------
// The service's errors, as the SDK reads them: the name in `x-amzn-errortype`, `Message` in the
// body, and the status of the error's `@httpError` trait.

class SchedulerApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
  }
}

const validationError = (message: string) =>
  new SchedulerApiError('ValidationException', 400, message);
const notFound = (message: string) =>
  new SchedulerApiError('ResourceNotFoundException', 404, message);
const conflict = (message: string) => new SchedulerApiError('ConflictException', 409, message);

function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  return `'${typeof value === 'string' ? value : JSON.stringify(value)}'`;
}

/** The message AWS's request validation answers (Smithy constraint traits). */
function constraintError(path: string, value: unknown, constraint: string): SchedulerApiError {
  return validationError(
    `1 validation error detected: Value ${describeValue(value)} at '${path}' failed to satisfy constraint: ${constraint}`,
  );
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function memberPath(parent: string, key: string): string {
  const member = `${key.charAt(0).toLowerCase()}${key.slice(1)}`;
  return parent === '' ? member : `${parent}.${member}`;
}

interface StringRule {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly values?: readonly string[];
}

function checkString(value: unknown, path: string, rule: StringRule): string {
  if (typeof value !== 'string') throw constraintError(path, value, 'Member must be a string');
  if (rule.min !== undefined && value.length < rule.min) {
    throw constraintError(
      path,
      value,
      `Member must have length greater than or equal to ${rule.min}`,
    );
  }
  if (rule.max !== undefined && value.length > rule.max) {
    throw constraintError(path, value, `Member must have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    throw constraintError(
      path,
      value,
      `Member must satisfy regular expression pattern: ${rule.pattern.source}`,
    );
  }
  if (rule.values !== undefined && !rule.values.includes(value)) {
    throw constraintError(
      path,
      value,
      `Member must satisfy enum value set: [${rule.values.join(', ')}]`,
    );
  }
  return value;
}

function optionalString(
  source: Json,
  key: string,
  parent: string,
  rule: StringRule,
): string | undefined {
  const value = source[key];
  return value === undefined || value === null
    ? undefined
    : checkString(value, memberPath(parent, key), rule);
}

function requiredString(source: Json, key: string, parent: string, rule: StringRule): string {
  const value = optionalString(source, key, parent, rule);
  if (value === undefined) {
    throw constraintError(memberPath(parent, key), undefined, 'Member must not be null');
  }
  return value;
}

function optionalInteger(
  source: Json,
  key: string,
  parent: string,
  min: number,
  max: number,
): number | undefined {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  const path = memberPath(parent, key);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw constraintError(path, value, 'Member must be an integer');
  }
  if (value < min) {
    throw constraintError(path, value, `Member must have value greater than or equal to ${min}`);
  }
  if (value > max) {
    throw constraintError(path, value, `Member must have value less than or equal to ${max}`);
  }
  return value;
}

function optionalObject(source: Json, key: string, parent: string): Json | undefined {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    throw constraintError(memberPath(parent, key), value, 'Member must be a structure');
  }
  return value;
}

function requiredObject(source: Json, key: string, parent: string): Json {
  const value = optionalObject(source, key, parent);
  if (value === undefined) {
    throw constraintError(memberPath(parent, key), undefined, 'Member must not be null');
  }
  return value;
}

/** restJson1 sends timestamps as epoch seconds (fractions allowed); answers epoch ms. */
function optionalTimestamp(source: Json, key: string): number | undefined {
  const value = source[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw constraintError(
      memberPath('', key),
      value,
      'Member must be a timestamp in epoch seconds',
    );
  }
  return Math.round(value * 1000);
}

const NAME: StringRule = { min: 1, max: 64, pattern: /^[0-9a-zA-Z-_.]+$/ };
const CLIENT_TOKEN: StringRule = { min: 1, max: 64, pattern: /^[a-zA-Z0-9-_]+$/ };
const ROLE_ARN: StringRule = {
  min: 1,
  max: 1600,
  pattern: /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/,
};
const KMS_KEY_ARN: StringRule = {
  min: 1,
  max: 2048,
  pattern: /^arn:aws(-[a-z]+)?:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[0-9a-zA-Z-_]*$/,
};
const DEAD_LETTER_ARN: StringRule = {
  min: 1,
  max: 1600,
  pattern: /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9-_]+$/,
};
const STATES: readonly ScheduleState[] = ['ENABLED', 'DISABLED'];
const ACTIONS: readonly ActionAfterCompletion[] = ['NONE', 'DELETE'];

/** The members of `Target`: anything else a client sends is dropped, as a Smithy server does. */
const TARGET_MEMBERS = [
  'Arn',
  'RoleArn',
  'DeadLetterConfig',
  'RetryPolicy',
  'Input',
  'EcsParameters',
  'EventBridgeParameters',
  'KinesisParameters',
  'SageMakerPipelineParameters',
  'SqsParameters',
];

const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_EVENT_AGE_SECONDS = 86_400;
const DEFAULT_GROUP = 'default';

/** A validated CreateSchedule / UpdateSchedule request: the whole definition of a schedule. */
interface ScheduleDefinition {
  readonly expression: string;
  readonly parsed: ScheduleExpression;
  readonly timezone: string | undefined;
  readonly startDate: number | undefined;
  readonly endDate: number | undefined;
  readonly description: string | undefined;
  readonly state: ScheduleState;
  readonly kmsKeyArn: string | undefined;
  readonly actionAfterCompletion: ActionAfterCompletion;
  readonly flexibleTimeWindow: Json;
  /** The target exactly as sent (its members only), which GetSchedule answers. */
  readonly target: Json;
  readonly delivery: DeliveryTarget;
  readonly retryAttempts: number;
  readonly eventAgeSeconds: number;
  readonly deadLetterArn: string | undefined;
}

interface StoredSchedule {
  readonly name: string;
  readonly group: string;
  readonly arn: string;
  readonly creationDate: number;
  readonly clientToken: string | undefined;
  /** The create request without its token, to tell a retried create from a different one. */
  readonly fingerprint: string;
  definition: ScheduleDefinition;
  /** The create or update request `definition` was read from (what the journal keeps). */
  request: Json;
  lastModificationDate: number;
  /** The start of a rate() schedule's grid of firings. */
  anchor: number;
  /** The pending firing (epoch ms), null when there is none (fired, past EndDate, cron). */
  next: number | null;
}

interface StoredGroup {
  readonly name: string;
  readonly arn: string;
  readonly creationDate: number;
  lastModificationDate: number;
  readonly tags: Map<string, string>;
}

function parseTarget(
  body: Json,
): Pick<
  ScheduleDefinition,
  'target' | 'delivery' | 'retryAttempts' | 'eventAgeSeconds' | 'deadLetterArn'
> {
  const source = requiredObject(body, 'Target', '');
  const arn = requiredString(source, 'Arn', 'target', { min: 1, max: 1600 });
  const roleArn = requiredString(source, 'RoleArn', 'target', ROLE_ARN);
  const input = optionalString(source, 'Input', 'target', { min: 1 });
  const retry = optionalObject(source, 'RetryPolicy', 'target');
  const retryAttempts =
    retry === undefined
      ? undefined
      : optionalInteger(retry, 'MaximumRetryAttempts', 'target.retryPolicy', 0, 185);
  const eventAgeSeconds =
    retry === undefined
      ? undefined
      : optionalInteger(retry, 'MaximumEventAgeInSeconds', 'target.retryPolicy', 60, 86_400);
  const deadLetter = optionalObject(source, 'DeadLetterConfig', 'target');
  const deadLetterArn =
    deadLetter === undefined
      ? undefined
      : optionalString(deadLetter, 'Arn', 'target.deadLetterConfig', DEAD_LETTER_ARN);
  for (const key of TARGET_MEMBERS.slice(5)) optionalObject(source, key, 'target');
  const target = Object.fromEntries(
    TARGET_MEMBERS.filter((key) => source[key] !== undefined && source[key] !== null).map((key) => [
      key,
      structuredClone(source[key]),
    ]),
  );
  return {
    target,
    delivery: { Arn: arn, RoleArn: roleArn, ...(input === undefined ? {} : { Input: input }) },
    retryAttempts: retryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
    eventAgeSeconds: eventAgeSeconds ?? DEFAULT_EVENT_AGE_SECONDS,
    deadLetterArn,
  };
}

function parseFlexibleTimeWindow(body: Json): Json {
  const window = requiredObject(body, 'FlexibleTimeWindow', '');
  const mode = requiredString(window, 'Mode', 'flexibleTimeWindow', {
    values: ['OFF', 'FLEXIBLE'],
  });
  const maximum = optionalInteger(window, 'MaximumWindowInMinutes', 'flexibleTimeWindow', 1, 1440);
  if (mode === 'FLEXIBLE' && maximum === undefined) {
    throw validationError('MaximumWindowInMinutes is required when Mode is FLEXIBLE.');
  }
  return { Mode: mode, ...(maximum === undefined ? {} : { MaximumWindowInMinutes: maximum }) };
}

function parseTimezone(body: Json): string | undefined {
  const timezone = optionalString(body, 'ScheduleExpressionTimezone', '', { min: 1, max: 50 });
  if (timezone === undefined) return undefined;
  let known = isTimeZoneName(timezone);
  if (known) {
    try {
      Temporal.PlainDateTime.from('2026-01-01T00:00:00').toZonedDateTime(timezone);
    } catch {
      known = false;
    }
  }
  if (!known) throw validationError(`Invalid timezone ${timezone}.`);
  return timezone;
}

/** Validates a CreateSchedule or UpdateSchedule body. */
function parseDefinition(body: Json): ScheduleDefinition {
  const expression = requiredString(body, 'ScheduleExpression', '', { min: 1, max: 256 });
  const target = parseTarget(body);
  const flexibleTimeWindow = parseFlexibleTimeWindow(body);
  let parsed: ScheduleExpression;
  try {
    parsed = parseScheduleExpression(expression);
  } catch (error) {
    if (error instanceof InvalidScheduleExpressionError) throw validationError(error.message);
    throw error;
  }
  const timezone = parseTimezone(body);
  const startDate = optionalTimestamp(body, 'StartDate');
  const endDate = optionalTimestamp(body, 'EndDate');
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate) {
    throw validationError('The EndDate you specify must be later than the StartDate.');
  }
  return {
    expression,
    parsed,
    timezone,
    startDate,
    endDate,
    description: optionalString(body, 'Description', '', { max: 512 }),
    // Left out, State and ActionAfterCompletion take their defaults (also on update).
    state: (optionalString(body, 'State', '', { values: STATES }) ?? 'ENABLED') as ScheduleState,
    kmsKeyArn: optionalString(body, 'KmsKeyArn', '', KMS_KEY_ARN),
    actionAfterCompletion: (optionalString(body, 'ActionAfterCompletion', '', {
      values: ACTIONS,
    }) ?? 'NONE') as ActionAfterCompletion,
    flexibleTimeWindow,
    ...target,
  };
}

function parseBody(raw: string): Json {
  if (raw.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new SchedulerApiError('SerializationException', 400, 'The request body is not JSON.');
  }
  if (!isObject(body)) {
    throw new SchedulerApiError(
      'SerializationException',
      400,
      'The request body is not a JSON object.',
    );
  }
  return body;
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** Orders by group, then name (NUL sorts before every character a name may have). */
function scheduleKey(group: string, name: string): string {
  return `${group}\u0000${name}`;
}

interface Page<T> {
  readonly items: T[];
  readonly nextToken: string | undefined;
}

/** Pages `items` (sorted by `key`); the token is the key of the last item answered. */
function paginate<T>(
  items: readonly T[],
  key: (item: T) => string,
  query: URLSearchParams,
): Page<T> {
  const maxText = query.get('MaxResults');
  const maxResults = maxText === null ? 100 : Number(maxText);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
    throw constraintError(
      'maxResults',
      maxText,
      'Member must have value between 1 and 100, inclusive',
    );
  }
  const token = query.get('NextToken');
  let after: string | undefined;
  if (token !== null) {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
      if (!isObject(decoded) || typeof decoded.after !== 'string') throw new Error('bad token');
      after = decoded.after;
    } catch {
      throw validationError('The NextToken is not valid.');
    }
  }
  const remaining = after === undefined ? items : items.filter((item) => key(item) > after);
  const page = remaining.slice(0, maxResults);
  const last = page.at(-1);
  return {
    items: page,
    nextToken:
      remaining.length > maxResults && last !== undefined
        ? Buffer.from(JSON.stringify({ after: key(last) })).toString('base64url')
        : undefined,
  };
}

function substitute(template: string, values: Readonly<Record<string, string>>): string {
  let text = template;
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`<${name}>`, value);
  return text;
}

/** The EventBridge Scheduler stand-in. Mount `handler` under `prefix`. */
export class LocalScheduler {
  /** The path prefix `handler` expects, e.g. "/_aws/scheduler". */
  readonly prefix: string;
  /** Answers the Scheduler REST API under `prefix`. */
  readonly handler: Handler;

  readonly #now: () => number;
  readonly #region: string;
  readonly #accountId: string;
  readonly #deliver: (delivery: Delivery) => Promise<void>;
  readonly #sendDeadLetter: LocalSchedulerOptions['sendDeadLetter'];
  readonly #onDeadLetter: ((deadLetter: DeadLetter) => void) | undefined;
  readonly #schedules = new Map<string, StoredSchedule>();
  readonly #groups = new Map<string, StoredGroup>();
  readonly #deletedWithToken = new Set<string>();
  readonly #deadLetters: DeadLetter[] = [];
  readonly #journal: Journal<SchedulerRecord>;

  constructor(options: LocalSchedulerOptions) {
    this.#now = options.now;
    this.#region = options.region;
    this.#accountId = options.accountId;
    this.#deliver = options.deliver;
    this.#sendDeadLetter = options.sendDeadLetter;
    this.#onDeadLetter = options.onDeadLetter;
    this.prefix = options.prefix ?? '/_aws/scheduler';
    this.handler = (request) => this.#handle(request);
    this.#journal = options.journal ?? new Journal();
    const created = this.#now();
    this.#groups.set(DEFAULT_GROUP, {
      name: DEFAULT_GROUP,
      arn: this.#groupArn(DEFAULT_GROUP),
      creationDate: created,
      lastModificationDate: created,
      tags: new Map(),
    });
    this.#restore();
  }

  /** Reads the journal back: what a restart must find as it was answered. */
  #restore(): void {
    for (const [key, record] of this.#journal.entries()) {
      if (record.kind === 'group') {
        this.#groups.set(record.group.name, { ...record.group, tags: new Map(record.group.tags) });
      } else if (record.kind === 'schedule') {
        const { request, ...stored } = record.schedule;
        this.#schedules.set(scheduleKey(stored.group, stored.name), {
          ...stored,
          request,
          definition: parseDefinition(request),
        });
      } else if (record.kind === 'deleted') {
        this.#deletedWithToken.add(key.slice('deleted/'.length));
      } else {
        this.#deadLetters.push(record.deadLetter);
      }
    }
  }

  /** Writes the schedule under `key` as it is now (or its deletion) to the journal. */
  #keepSchedule(key: string): void {
    const stored = this.#schedules.get(key);
    if (stored === undefined) {
      this.#journal.delete(`schedule/${key}`);
      return;
    }
    const { definition: _definition, ...record } = stored;
    this.#journal.put(`schedule/${key}`, { kind: 'schedule', schedule: record });
  }

  /** Writes the group `name` as it is now (or its deletion) to the journal. */
  #keepGroup(name: string): void {
    const group = this.#groups.get(name);
    if (group === undefined) {
      this.#journal.delete(`group/${name}`);
      return;
    }
    this.#journal.put(`group/${name}`, {
      kind: 'group',
      group: { ...group, tags: [...group.tags] },
    });
  }

  /** Every schedule, ordered by group and name. */
  list(): ScheduleView[] {
    return [...this.#schedules.values()]
      .sort((a, b) => (scheduleKey(a.group, a.name) < scheduleKey(b.group, b.name) ? -1 : 1))
      .map((schedule) => this.#view(schedule));
  }

  /** The deliveries that failed on every attempt, oldest first. */
  deadLetters(): DeadLetter[] {
    return [...this.#deadLetters];
  }

  /**
   * The earliest firing due at or before `upTo` among enabled schedules (ties broken by name),
   * or null. A rate() schedule that missed several intervals answers the earliest of them.
   *
   * @throws CronNotSupportedError while an enabled cron() schedule exists.
   */
  nextDue(upTo: number, except: ReadonlySet<string> = NO_NAMES): DueFiring | null {
    let best: { schedule: StoredSchedule; fireAt: number } | undefined;
    for (const schedule of this.#schedules.values()) {
      if (schedule.definition.state !== 'ENABLED' || except.has(schedule.name)) continue;
      if (schedule.definition.parsed.kind === 'cron') {
        throw new CronNotSupportedError(schedule.arn, schedule.definition.expression);
      }
      const fireAt = this.#dueAt(schedule, upTo);
      if (fireAt === null) continue;
      if (
        best === undefined ||
        fireAt < best.fireAt ||
        (fireAt === best.fireAt &&
          (schedule.name < best.schedule.name ||
            (schedule.name === best.schedule.name && schedule.group < best.schedule.group)))
      ) {
        best = { schedule, fireAt };
      }
    }
    return best === undefined ? null : { schedule: this.#view(best.schedule), fireAt: best.fireAt };
  }

  /**
   * Marks `due` done (an at() schedule has no further firing, a rate() schedule moves to its next
   * interval after `fireAt`), deletes a completed schedule whose ActionAfterCompletion is DELETE,
   * and delivers `copies` copies concurrently (more than one simulates AWS's at-least-once
   * delivery). A failed attempt is retried at once, up to the target's MaximumRetryAttempts;
   * after the last one the delivery becomes a dead letter. Resolves when every copy is settled.
   *
   * @throws StaleFiringError when the firing is no longer due.
   */
  async fire(due: DueFiring, copies = 1): Promise<void> {
    if (!Number.isInteger(copies) || copies < 1) {
      throw new RangeError(`copies must be a positive integer, not ${copies}`);
    }
    const { key, schedule } = this.#markFired(due);
    const view = this.#view(schedule);
    await Promise.all(
      Array.from({ length: copies }, () =>
        this.#deliverWithRetries(view, schedule.definition, due.fireAt),
      ),
    );
    // Done once the target has it: a crash before this line fires it again after the restart.
    this.#keepSchedule(key);
  }

  /**
   * Marks `due` done as {@link LocalScheduler.fire} does, without delivering it: for the clock
   * driver, when the target is known to find nothing to do. Not journaled: after a crash the
   * firing is considered again, and found idle again.
   *
   * @throws StaleFiringError when the firing is no longer due.
   */
  /**
   * Records, without delivering, every firing before `before` of the enabled rate() schedules
   * named in `names` (all intervals at once, by arithmetic); answers how many. For the clock's
   * recurring jobs while their probes say they would find nothing and nothing else happens.
   */
  elideBefore(names: ReadonlySet<string>, before: number): number {
    let count = 0;
    for (const [key, schedule] of this.#schedules) {
      const { definition } = schedule;
      if (!names.has(schedule.name) || definition.state !== 'ENABLED') continue;
      if (definition.parsed.kind !== 'rate' || schedule.next === null) continue;
      if (schedule.next >= before) continue;
      const { intervalMs } = definition.parsed;
      const last = definition.endDate === undefined ? before : Math.min(before, definition.endDate);
      const intervals = Math.max(1, Math.ceil((last - schedule.next) / intervalMs));
      const next = schedule.next + intervals * intervalMs;
      count += intervals;
      schedule.next = definition.endDate !== undefined && next >= definition.endDate ? null : next;
      if (schedule.next === null && definition.actionAfterCompletion === 'DELETE') {
        this.#schedules.delete(key);
      }
      this.#keepSchedule(key);
    }
    return count;
  }

  elide(due: DueFiring): void {
    const { key } = this.#markFired(due);
    // A completed schedule that was deleted stays deleted; a moved one is not worth a write.
    if (!this.#schedules.has(key)) this.#keepSchedule(key);
  }

  /** Moves a due schedule past `due`, deleting it when it completed and asks for that. */
  #markFired(due: DueFiring): { key: string; schedule: StoredSchedule } {
    const key = scheduleKey(due.schedule.group, due.schedule.name);
    const schedule = this.#schedules.get(key);
    if (
      schedule === undefined ||
      schedule.arn !== due.schedule.arn ||
      schedule.definition.state !== 'ENABLED' ||
      schedule.next === null ||
      schedule.next > due.fireAt
    ) {
      throw new StaleFiringError(due.schedule.arn, due.fireAt);
    }
    const { definition } = schedule;
    if (definition.parsed.kind === 'rate') {
      const next = due.fireAt + definition.parsed.intervalMs;
      schedule.next = definition.endDate !== undefined && next >= definition.endDate ? null : next;
    } else {
      schedule.next = null;
    }
    // AWS deletes a completed schedule once it has invoked the target, long before an
    // asynchronous target (a Step Functions execution) finishes: delete it before delivering.
    if (schedule.next === null && definition.actionAfterCompletion === 'DELETE') {
      this.#schedules.delete(key);
    }
    return { key, schedule };
  }

  async #deliverWithRetries(
    schedule: ScheduleView,
    definition: ScheduleDefinition,
    fireAt: number,
  ): Promise<void> {
    const scheduledTime = isoSeconds(fireAt);
    const attempts = definition.retryAttempts + 1;
    let input = '';
    let executionId = '';
    let failure: unknown;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      executionId = randomUUID();
      input = substitute(definition.delivery.Input ?? '{}', {
        'aws.scheduler.scheduled-time': scheduledTime,
        // One per attempt, as in AWS: not an idempotency key.
        'aws.scheduler.execution-id': executionId,
        'aws.scheduler.schedule-arn': schedule.arn,
        'aws.scheduler.attempt-number': String(attempt),
      });
      try {
        await this.#deliver({
          schedule,
          target: definition.delivery,
          input,
          scheduledTime,
          attempt,
        });
        return;
      } catch (error) {
        failure = error;
      }
    }
    const deadLetter: DeadLetter = {
      scheduleName: schedule.name,
      groupName: schedule.group,
      scheduleArn: schedule.arn,
      scheduledTime,
      input,
      error: failure instanceof Error ? failure.message : String(failure),
      attempts,
      deadLetterArn: definition.deadLetterArn ?? null,
    };
    this.#deadLetters.push(deadLetter);
    this.#journal.put(`dead-letter/${this.#deadLetters.length}-${randomUUID()}`, {
      kind: 'dead-letter',
      deadLetter,
    });
    this.#onDeadLetter?.(deadLetter);
    const { deadLetterArn } = deadLetter;
    if (deadLetterArn === null || this.#sendDeadLetter === undefined) return;
    const text = (value: string) => ({ DataType: 'String' as const, StringValue: value || '-' });
    this.#sendDeadLetter(
      { ...deadLetter, deadLetterArn },
      {
        ERROR_CODE: text(failure instanceof Error ? failure.name : 'Error'),
        ERROR_MESSAGE: text(deadLetter.error.slice(0, 1000)),
        EXECUTION_ID: text(executionId),
        EXHAUSTED_RETRY_CONDITION: text('MaximumRetryAttempts'),
        IS_PAYLOAD_TRUNCATED: text('false'),
        RETRY_ATTEMPTS: text(String(attempts - 1)),
        SCHEDULED_TIME: text(scheduledTime),
        SCHEDULE_ARN: text(schedule.arn),
        TARGET_ARN: text(definition.delivery.Arn),
      },
    );
  }

  /** When `schedule` fires if the clock reads `upTo`, or null when it does not by then. */
  #dueAt(schedule: StoredSchedule, upTo: number): number | null {
    // Every interval fires, one after the other: `fire` moves a rate() schedule one step on.
    const { next } = schedule;
    return next === null || next > upTo ? null : next;
  }

  /** Sets the timing of a new schedule, or of one whose definition `previous` was replaced. */
  #schedule(stored: StoredSchedule, previous: ScheduleDefinition | undefined): void {
    const now = this.#now();
    const { definition } = stored;
    const { parsed } = definition;
    const sameTiming =
      previous !== undefined &&
      previous.expression === definition.expression &&
      previous.timezone === definition.timezone &&
      previous.startDate === definition.startDate &&
      previous.endDate === definition.endDate;
    if (parsed.kind === 'cron') {
      stored.next = null;
    } else if (parsed.kind === 'at') {
      // A one-time schedule that already fired stays fired while its time stays the same.
      if (!sameTiming) stored.next = atInstant(parsed.local, definition.timezone ?? 'UTC');
    } else if (!sameTiming || previous.state !== 'ENABLED' || definition.state !== 'ENABLED') {
      // "If you do not provide a StartDate for a rate-based schedule, your schedule starts
      // invoking the target immediately." A re-enabled schedule resumes on its grid from now,
      // without catching up on what it missed while disabled.
      if (!sameTiming) stored.anchor = definition.startDate ?? now;
      const { intervalMs } = parsed;
      const from = Math.max(stored.anchor, now);
      const next = stored.anchor + Math.ceil((from - stored.anchor) / intervalMs) * intervalMs;
      stored.next = definition.endDate !== undefined && next >= definition.endDate ? null : next;
    }
  }

  #view(schedule: StoredSchedule): ScheduleView {
    const { definition } = schedule;
    const next = definition.state === 'ENABLED' ? schedule.next : null;
    return {
      name: schedule.name,
      group: schedule.group,
      arn: schedule.arn,
      expression: definition.expression,
      timezone: definition.timezone ?? 'UTC',
      state: definition.state,
      nextFireAt: next === null ? null : new Date(next).toISOString(),
      startDate:
        definition.startDate === undefined ? null : new Date(definition.startDate).toISOString(),
      endDate: definition.endDate === undefined ? null : new Date(definition.endDate).toISOString(),
      description: definition.description ?? null,
      target: definition.delivery,
      flexibleTimeWindow: definition.flexibleTimeWindow as ScheduleView['flexibleTimeWindow'],
      actionAfterCompletion: definition.actionAfterCompletion,
      kmsKeyArn: definition.kmsKeyArn ?? null,
      retryPolicy: {
        MaximumRetryAttempts: definition.retryAttempts,
        MaximumEventAgeInSeconds: definition.eventAgeSeconds,
      },
      deadLetterConfig:
        definition.deadLetterArn === undefined ? null : { Arn: definition.deadLetterArn },
    };
  }

  #scheduleArn(group: string, name: string): string {
    return `arn:aws:scheduler:${this.#region}:${this.#accountId}:schedule/${group}/${name}`;
  }

  #groupArn(name: string): string {
    return `arn:aws:scheduler:${this.#region}:${this.#accountId}:schedule-group/${name}`;
  }

  // -------------------------------------------------------------------------------------------
  // The REST API.

  async #handle(request: LocalRequest): Promise<Reply> {
    try {
      return this.#route(request);
    } catch (error) {
      if (!(error instanceof SchedulerApiError)) throw error;
      return {
        status: error.status,
        headers: { 'x-amzn-errortype': error.code },
        body: { Message: error.message },
      };
    }
  }

  #route(request: LocalRequest): Reply {
    const { pathname, searchParams } = request.url;
    const path = pathname.startsWith(this.prefix) ? pathname.slice(this.prefix.length) : undefined;
    let segments: string[] = [];
    try {
      segments = (path ?? '').split('/').slice(1).map(decodeURIComponent);
    } catch {
      throw validationError('The request path is not correctly percent-encoded.');
    }
    const [collection, label, ...rest] = segments;
    const operation = `${request.method} ${collection ?? ''}${label === undefined ? '' : '/{}'}`;
    const body = () => parseBody(request.rawBody);
    if (path !== undefined && rest.length === 0 && label !== '') {
      switch (operation) {
        case 'POST schedules/{}':
          return this.#createSchedule(label ?? '', body());
        case 'PUT schedules/{}':
          return this.#updateSchedule(label ?? '', body());
        case 'GET schedules/{}':
          return this.#getSchedule(label ?? '', searchParams);
        case 'DELETE schedules/{}':
          return this.#deleteSchedule(label ?? '', searchParams);
        case 'GET schedules':
          return this.#listSchedules(searchParams);
        case 'POST schedule-groups/{}':
          return this.#createGroup(label ?? '', body());
        case 'GET schedule-groups/{}':
          return this.#getGroup(label ?? '');
        case 'DELETE schedule-groups/{}':
          return this.#deleteGroup(label ?? '');
        case 'GET schedule-groups':
          return this.#listGroups(searchParams);
        case 'GET tags/{}':
          return this.#listTags(label ?? '');
        case 'POST tags/{}':
          return this.#tagResource(label ?? '', body());
        case 'DELETE tags/{}':
          return this.#untagResource(label ?? '', searchParams);
      }
    }
    throw new SchedulerApiError(
      'UnknownOperationException',
      404,
      `The local scheduler has no operation for ${request.method} ${pathname}.`,
    );
  }

  #group(name: string): StoredGroup {
    const group = this.#groups.get(name);
    if (group === undefined) throw notFound(`Schedule group ${name} does not exist.`);
    return group;
  }

  #groupName(value: string | null | undefined): string {
    if (value === null || value === undefined) return DEFAULT_GROUP;
    return checkString(value, 'groupName', NAME);
  }

  #existing(name: string, groupName: string): StoredSchedule {
    this.#group(groupName);
    const schedule = this.#schedules.get(scheduleKey(groupName, name));
    if (schedule === undefined) throw notFound(`Schedule ${name} does not exist.`);
    return schedule;
  }

  #createSchedule(nameText: string, body: Json): Reply {
    const name = checkString(nameText, 'name', NAME);
    const groupName = this.#groupName(optionalString(body, 'GroupName', '', NAME));
    const clientToken = optionalString(body, 'ClientToken', '', CLIENT_TOKEN);
    const definition = parseDefinition(body);
    const group = this.#group(groupName);
    const key = scheduleKey(group.name, name);
    const { ClientToken: _token, ...request } = body;
    const fingerprint = JSON.stringify(request);
    const existing = this.#schedules.get(key);
    if (existing !== undefined) {
      // A retried request (same token, same definition) answers what the first one did.
      if (
        clientToken !== undefined &&
        existing.clientToken === clientToken &&
        existing.fingerprint === fingerprint
      ) {
        return { status: 200, body: { ScheduleArn: existing.arn } };
      }
      throw conflict(`Schedule ${name} already exists.`);
    }
    const now = this.#now();
    const stored: StoredSchedule = {
      name,
      group: group.name,
      arn: this.#scheduleArn(group.name, name),
      creationDate: now,
      lastModificationDate: now,
      clientToken,
      fingerprint,
      definition,
      request: body,
      anchor: now,
      next: null,
    };
    this.#schedule(stored, undefined);
    this.#schedules.set(key, stored);
    this.#keepSchedule(key);
    return { status: 200, body: { ScheduleArn: stored.arn } };
  }

  #updateSchedule(nameText: string, body: Json): Reply {
    const name = checkString(nameText, 'name', NAME);
    const groupName = this.#groupName(optionalString(body, 'GroupName', '', NAME));
    optionalString(body, 'ClientToken', '', CLIENT_TOKEN);
    const definition = parseDefinition(body);
    const stored = this.#existing(name, groupName);
    const previous = stored.definition;
    stored.definition = definition;
    stored.request = body;
    stored.lastModificationDate = this.#now();
    this.#schedule(stored, previous);
    this.#keepSchedule(scheduleKey(stored.group, stored.name));
    return { status: 200, body: { ScheduleArn: stored.arn } };
  }

  #getSchedule(nameText: string, query: URLSearchParams): Reply {
    const name = checkString(nameText, 'name', NAME);
    const stored = this.#existing(name, this.#groupName(query.get('groupName')));
    const { definition } = stored;
    const optional = {
      StartDate: definition.startDate === undefined ? undefined : seconds(definition.startDate),
      EndDate: definition.endDate === undefined ? undefined : seconds(definition.endDate),
      Description: definition.description,
      ScheduleExpressionTimezone: definition.timezone,
      KmsKeyArn: definition.kmsKeyArn,
    };
    return {
      status: 200,
      body: {
        Arn: stored.arn,
        GroupName: stored.group,
        Name: stored.name,
        ScheduleExpression: definition.expression,
        State: definition.state,
        CreationDate: seconds(stored.creationDate),
        LastModificationDate: seconds(stored.lastModificationDate),
        Target: definition.target,
        FlexibleTimeWindow: definition.flexibleTimeWindow,
        ActionAfterCompletion: definition.actionAfterCompletion,
        ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
      },
    };
  }

  #deleteSchedule(nameText: string, query: URLSearchParams): Reply {
    const name = checkString(nameText, 'name', NAME);
    const groupName = this.#groupName(query.get('groupName'));
    const token = query.get('clientToken');
    if (token !== null) checkString(token, 'clientToken', CLIENT_TOKEN);
    const key = scheduleKey(groupName, name);
    const tokenKey = `${key}?${token ?? ''}`;
    if (token !== null && this.#deletedWithToken.has(tokenKey) && !this.#schedules.has(key)) {
      return { status: 200, body: {} };
    }
    this.#existing(name, groupName);
    this.#schedules.delete(key);
    this.#keepSchedule(key);
    if (token !== null) {
      this.#deletedWithToken.add(tokenKey);
      this.#journal.put(`deleted/${tokenKey}`, { kind: 'deleted' });
    }
    return { status: 200, body: {} };
  }

  #listSchedules(query: URLSearchParams): Reply {
    const groupText = query.get('ScheduleGroup');
    const prefixText = query.get('NamePrefix');
    const stateText = query.get('State');
    const group = groupText === null ? undefined : checkString(groupText, 'groupName', NAME);
    const prefix = prefixText === null ? undefined : checkString(prefixText, 'namePrefix', NAME);
    const state =
      stateText === null ? undefined : checkString(stateText, 'state', { values: STATES });
    if (group !== undefined) this.#group(group);
    const matching = [...this.#schedules.values()]
      .filter(
        (schedule) =>
          (group === undefined || schedule.group === group) &&
          (prefix === undefined || schedule.name.startsWith(prefix)) &&
          (state === undefined || schedule.definition.state === state),
      )
      .sort((a, b) => (scheduleKey(a.group, a.name) < scheduleKey(b.group, b.name) ? -1 : 1));
    const page = paginate(
      matching,
      (schedule) => scheduleKey(schedule.group, schedule.name),
      query,
    );
    return {
      status: 200,
      body: {
        Schedules: page.items.map((schedule) => ({
          Arn: schedule.arn,
          Name: schedule.name,
          GroupName: schedule.group,
          State: schedule.definition.state,
          CreationDate: seconds(schedule.creationDate),
          LastModificationDate: seconds(schedule.lastModificationDate),
          Target: { Arn: schedule.definition.delivery.Arn },
        })),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      },
    };
  }

  #groupSummary(group: StoredGroup): Json {
    return {
      Arn: group.arn,
      Name: group.name,
      State: 'ACTIVE',
      CreationDate: seconds(group.creationDate),
      LastModificationDate: seconds(group.lastModificationDate),
    };
  }

  #readTags(source: Json, parent: string): Map<string, string> {
    const list = source.Tags;
    const tags = new Map<string, string>();
    if (list === undefined || list === null) return tags;
    const path = memberPath(parent, 'Tags');
    if (!Array.isArray(list)) throw constraintError(path, list, 'Member must be a list');
    if (list.length > 200) {
      throw constraintError(path, list, 'Member must have length less than or equal to 200');
    }
    for (const tag of list) {
      if (!isObject(tag))
        throw constraintError(`${path}.member`, tag, 'Member must be a structure');
      tags.set(
        requiredString(tag, 'Key', `${path}.member`, { min: 1, max: 128 }),
        requiredString(tag, 'Value', `${path}.member`, { min: 0, max: 256 }),
      );
    }
    return tags;
  }

  #createGroup(nameText: string, body: Json): Reply {
    const name = checkString(nameText, 'name', NAME);
    optionalString(body, 'ClientToken', '', CLIENT_TOKEN);
    const tags = this.#readTags(body, '');
    if (this.#groups.has(name)) throw conflict(`Schedule group ${name} already exists.`);
    const now = this.#now();
    const group = {
      name,
      arn: this.#groupArn(name),
      creationDate: now,
      lastModificationDate: now,
      tags,
    };
    this.#groups.set(name, group);
    this.#keepGroup(name);
    return { status: 200, body: { ScheduleGroupArn: group.arn } };
  }

  #getGroup(nameText: string): Reply {
    const name = checkString(nameText, 'name', NAME);
    return { status: 200, body: this.#groupSummary(this.#group(name)) };
  }

  #deleteGroup(nameText: string): Reply {
    const name = checkString(nameText, 'name', NAME);
    this.#group(name);
    if (name === DEFAULT_GROUP)
      throw validationError('The default schedule group cannot be deleted.');
    for (const [key, schedule] of this.#schedules) {
      if (schedule.group === name) {
        this.#schedules.delete(key);
        this.#keepSchedule(key);
      }
    }
    this.#groups.delete(name);
    this.#keepGroup(name);
    return { status: 200, body: {} };
  }

  #listGroups(query: URLSearchParams): Reply {
    const prefixText = query.get('NamePrefix');
    const prefix = prefixText === null ? undefined : checkString(prefixText, 'namePrefix', NAME);
    const matching = [...this.#groups.values()]
      .filter((group) => prefix === undefined || group.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = paginate(matching, (group) => group.name, query);
    return {
      status: 200,
      body: {
        ScheduleGroups: page.items.map((group) => this.#groupSummary(group)),
        ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
      },
    };
  }

  /** Tags belong to schedule groups only (the model's TagResourceArn pattern). */
  #taggedGroup(arn: string): StoredGroup {
    checkString(arn, 'resourceArn', {
      min: 1,
      max: 1011,
      pattern: /^arn:aws(-[a-z]+)?:scheduler:[a-z0-9-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+$/,
    });
    const group = [...this.#groups.values()].find((candidate) => candidate.arn === arn);
    if (group === undefined) throw notFound(`Schedule group ${arn} does not exist.`);
    return group;
  }

  #listTags(arn: string): Reply {
    const group = this.#taggedGroup(arn);
    return {
      status: 200,
      body: { Tags: [...group.tags].map(([Key, Value]) => ({ Key, Value })) },
    };
  }

  #tagResource(arn: string, body: Json): Reply {
    const group = this.#taggedGroup(arn);
    if (body.Tags === undefined || body.Tags === null) {
      throw constraintError('tags', undefined, 'Member must not be null');
    }
    for (const [key, value] of this.#readTags(body, '')) group.tags.set(key, value);
    this.#keepGroup(group.name);
    return { status: 200, body: {} };
  }

  #untagResource(arn: string, query: URLSearchParams): Reply {
    const group = this.#taggedGroup(arn);
    const keys = query.getAll('TagKeys');
    if (keys.length === 0) throw constraintError('tagKeys', undefined, 'Member must not be null');
    for (const key of keys) group.tags.delete(key);
    this.#keepGroup(group.name);
    return { status: 200, body: {} };
  }
}
