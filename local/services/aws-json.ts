/**
 * The AWS JSON protocol (awsJson1_0 and awsJson1_1), once for every emulated service that speaks
 * it: `POST` with `x-amz-target: <TargetPrefix>.<Operation>` and a JSON object body, answered
 * with `application/x-amz-json-1.0` or `-1.1`, errors as `{ "__type": ..., "message": ... }` with
 * an HTTP status. A service is then a {@link AwsJsonProtocol} (its target prefix, version and
 * error conventions) and a table of operations, each a function from the parsed input to the
 * output; the field checks below read and validate members in the words of AWS's request
 * validation ("Member must not be null").
 *
 * What the SDK reads, and therefore what must be right: the error code comes from the
 * `x-amzn-errortype` header when present, else from `__type`, with any namespace
 * (`com.amazonaws.sqs#`) cut off; the message from `message` or `Message`; other members of the
 * body become fields of the exception. Services that also speak the query protocol (SQS) add
 * `x-amzn-query-error: <QueryCode>;Sender`, from which the SDK takes the error's `Code`.
 *
 * https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html
 * https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
 * https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#aws-protocols-awsquerycompatible-trait
 */
import { randomUUID } from 'node:crypto';
import type { Handler, LocalRequest, Reply } from '../http.ts';

/** The protocol's two versions; they differ on the wire only in the content type. */
export type AwsJsonVersion = '1.0' | '1.1';

/** A JSON object: an operation's input or output. */
export type JsonObject = Record<string, unknown>;

/**
 * The namespace of the errors AWS's service framework raises before an operation runs (unknown
 * operation, unreadable body, common parameter errors), as services with qualified error types
 * send them: `com.amazon.coral.service#UnknownOperationException`.
 */
export const COMMON_ERRORS_NAMESPACE = 'com.amazon.coral.service';

export interface AwsJsonErrorOptions {
  /** The HTTP status. Default 400. */
  readonly status?: number;
  /** Members of the error shape besides the message (SMS's `Reason` and `Fields`). */
  readonly members?: Readonly<JsonObject>;
  /** The query-protocol code a query-compatible service sends in `x-amzn-query-error`. */
  readonly queryCode?: string;
}

/**
 * An error an emulated service answers: `type` is the body's `__type` exactly as sent (bare,
 * "NotFoundException", or qualified, "com.amazonaws.sqs#QueueDoesNotExist"); `name` is the code the
 * SDK makes of it (the part after "#").
 */
export class AwsJsonError extends Error {
  readonly type: string;
  readonly status: number;
  readonly members: Readonly<JsonObject>;
  readonly queryCode: string | undefined;

  constructor(type: string, message: string, options: AwsJsonErrorOptions = {}) {
    super(message);
    this.name = type.slice(type.indexOf('#') + 1);
    this.type = type;
    this.status = options.status ?? 400;
    this.members = options.members ?? {};
    this.queryCode = options.queryCode;
  }
}

/** What sets one service's dialect of the protocol apart. */
export interface AwsJsonServiceSpec {
  /** The service as messages name it: "The local <service> supports only ...". */
  readonly service: string;
  /** The first part of `x-amz-target`, e.g. "AmazonSQS". */
  readonly targetPrefix: string;
  readonly version: AwsJsonVersion;
  /**
   * The Smithy namespace of the service's shapes (e.g. "com.amazonaws.sqs"), for a service whose
   * errors carry a qualified `__type`: {@link AwsJsonProtocol.error} qualifies codes with it and
   * the protocol's own errors carry {@link COMMON_ERRORS_NAMESPACE}. Omitted: bare codes.
   */
  readonly namespace?: string;
  /** The member that carries an error's message. Default "message"; SMS's shapes say "Message". */
  readonly messageMember?: 'message' | 'Message';
  /** Also send the code in an `x-amzn-errortype` header. */
  readonly errorTypeHeader?: boolean;
  /** Send `x-amzn-query-error` (the service has the `awsQueryCompatible` trait, as SQS does). */
  readonly queryCompatible?: boolean;
  /** The error for a body that is not a JSON object. Default: `SerializationException`. */
  readonly malformedBody?: (message: string) => AwsJsonError;
  /** The error for an operation of the real service that the local one leaves out. */
  readonly notImplemented?: (operation: string) => AwsJsonError;
}

/** One operation: the parsed input in, the output out; an {@link AwsJsonError} is answered. */
export type AwsJsonOperation = (input: JsonObject) => JsonObject | Promise<JsonObject>;

export interface AwsJsonRoutes {
  /** The operations the local service implements, by name ("SendMessage"). */
  readonly operations: Readonly<Record<string, AwsJsonOperation>>;
  /**
   * Where the handler is mounted: requests to `path` or `path/` are served, others are unknown
   * operations. Omitted: every path (SQS answers wherever a queue URL sends the client).
   */
  readonly path?: string;
  /** Operations of the real service that the local one leaves out, answered with `notImplemented`. */
  readonly notImplemented?: readonly string[];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A service's dialect of the AWS JSON protocol: its errors and a handler for its operations. */
export class AwsJsonProtocol {
  readonly spec: AwsJsonServiceSpec;
  /** "application/x-amz-json-1.0" or "-1.1". */
  readonly contentType: string;

  constructor(spec: AwsJsonServiceSpec) {
    this.spec = spec;
    this.contentType = `application/x-amz-json-${spec.version}`;
  }

  /** An error of the service's own model, e.g. `error('QueueDoesNotExist', ...)`. */
  error(code: string, message: string, options?: AwsJsonErrorOptions): AwsJsonError {
    const { namespace } = this.spec;
    return new AwsJsonError(
      namespace === undefined ? code : `${namespace}#${code}`,
      message,
      options,
    );
  }

  /** An error of AWS's service framework, common to every service (`SerializationException`). */
  commonError(code: string, message: string, options?: AwsJsonErrorOptions): AwsJsonError {
    const qualified =
      this.spec.namespace === undefined ? code : `${COMMON_ERRORS_NAMESPACE}#${code}`;
    return new AwsJsonError(qualified, message, options);
  }

  /** The `ValidationException` AWS's request validation answers for `problems`. */
  validationError(problems: readonly FieldProblem[]): AwsJsonError {
    return this.error('ValidationException', validationMessage(problems));
  }

  /**
   * Serves `routes`: checks method, path and `x-amz-target`, parses the body (empty means `{}`),
   * runs the operation and answers its output, or the error it throws. Anything that is not an
   * {@link AwsJsonError} propagates (the local server answers it with a 500).
   */
  handler(routes: AwsJsonRoutes): Handler {
    return async (request) => {
      const requestId = randomUUID();
      try {
        const operation = this.#operation(request, routes);
        const output = await operation(this.#parse(request.rawBody));
        return {
          status: 200,
          contentType: this.contentType,
          headers: { 'x-amzn-requestid': requestId },
          body: output,
        };
      } catch (error) {
        if (!(error instanceof AwsJsonError)) throw error;
        return this.errorReply(error, requestId);
      }
    };
  }

  /** `error` as the service sends it. */
  errorReply(error: AwsJsonError, requestId: string = randomUUID()): Reply {
    const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
    if (this.spec.errorTypeHeader === true) headers['x-amzn-errortype'] = error.name;
    if (this.spec.queryCompatible === true) {
      const fault = error.status >= 500 ? 'Receiver' : 'Sender';
      headers['x-amzn-query-error'] = `${error.queryCode ?? error.name};${fault}`;
    }
    return {
      status: error.status,
      contentType: this.contentType,
      headers,
      body: {
        __type: error.type,
        [this.spec.messageMember ?? 'message']: error.message,
        ...error.members,
      },
    };
  }

  #operation(request: LocalRequest, routes: AwsJsonRoutes): AwsJsonOperation {
    const { method, url } = request;
    const target = request.headers['x-amz-target'] ?? '';
    const prefix = `${this.spec.targetPrefix}.`;
    const name = target.startsWith(prefix) ? target.slice(prefix.length) : '';
    const onPath =
      routes.path === undefined ||
      url.pathname === routes.path ||
      url.pathname === `${routes.path}/`;
    const operation = Object.hasOwn(routes.operations, name) ? routes.operations[name] : undefined;
    if (method === 'POST' && onPath && operation !== undefined) return operation;
    if (method === 'POST' && onPath && routes.notImplemented?.includes(name) === true) {
      throw (
        this.spec.notImplemented?.(name) ??
        this.commonError(
          'UnknownOperationException',
          `The local ${this.spec.service} does not implement ${name}.`,
        )
      );
    }
    // The query protocol's name for an action a service does not have.
    throw this.commonError(
      'UnknownOperationException',
      `The local ${this.spec.service} supports only ${Object.keys(routes.operations).join(', ')}, not ${target === '' ? `${method} ${url.pathname}` : target}.`,
      { queryCode: 'InvalidAction' },
    );
  }

  #parse(raw: string): JsonObject {
    if (raw.trim() === '') return {};
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw this.#malformed('The request body is not JSON.');
    }
    if (!isObject(body)) throw this.#malformed('The request body is not a JSON object.');
    return body;
  }

  #malformed(message: string): AwsJsonError {
    return (
      this.spec.malformedBody?.(message) ?? this.commonError('SerializationException', message)
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Field checks: a member's value against the constraint traits of its shape (required, length,
// pattern, range, enum), reported in the words of AWS's request validation.

/** What is wrong with a member: which constraint it breaks. */
export type FieldProblemKind = 'missing' | 'type' | 'length' | 'pattern' | 'range' | 'enum';

/** A member that breaks a constraint. */
export interface FieldProblem {
  /** The member's name as the request spells it ("QueueName"). */
  readonly field: string;
  /** The value sent (undefined when it is missing). */
  readonly value: unknown;
  readonly kind: FieldProblemKind;
  /** AWS's words for the constraint: "Member must have length less than or equal to 10". */
  readonly constraint: string;
  /** The value is not repeated in messages (KMS's `Message`: "Value at 'message' ..."). */
  readonly sensitive?: boolean;
}

/** Length in code points, as Smithy's `@length` counts a string. */
export interface StringRule {
  readonly min?: number;
  readonly max?: number;
  /** Tested against the whole value. */
  readonly pattern?: RegExp;
  readonly sensitive?: boolean;
}

export interface RangeRule {
  readonly min?: number;
  readonly max?: number;
}

/** Null counts as absent: the SDK never sends null, and AWS treats it as a missing member. */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** A required member that is absent. */
export function missingProblem(field: string): FieldProblem {
  return { field, value: undefined, kind: 'missing', constraint: 'Member must not be null' };
}

function boundProblem(
  field: string,
  value: unknown,
  kind: 'length' | 'range',
  measure: number,
  rule: RangeRule,
): FieldProblem | undefined {
  const what = kind === 'length' ? 'length' : 'value';
  if (rule.min !== undefined && measure < rule.min) {
    return {
      field,
      value,
      kind,
      constraint: `Member must have ${what} greater than or equal to ${rule.min}`,
    };
  }
  if (rule.max !== undefined && measure > rule.max) {
    return {
      field,
      value,
      kind,
      constraint: `Member must have ${what} less than or equal to ${rule.max}`,
    };
  }
  return undefined;
}

function stringProblem(field: string, value: unknown, rule: StringRule): FieldProblem | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') {
    return { field, value, kind: 'type', constraint: 'Member must be a string' };
  }
  const length = boundProblem(field, value, 'length', [...value].length, rule);
  if (length !== undefined) return length;
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    return {
      field,
      value,
      kind: 'pattern',
      constraint: `Member must satisfy regular expression pattern: ${rule.pattern.source}`,
    };
  }
  return undefined;
}

/** Why a present `value` breaks `rule` as a string member, or undefined when it does not. */
export function checkString(
  field: string,
  value: unknown,
  rule: StringRule = {},
): FieldProblem | undefined {
  const problem = stringProblem(field, value, rule);
  return problem !== undefined && rule.sensitive === true
    ? { ...problem, sensitive: true }
    : problem;
}

/** Why a present `value` breaks `rule` as an integer member, or undefined when it does not. */
export function checkInteger(
  field: string,
  value: unknown,
  rule: RangeRule = {},
): FieldProblem | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return { field, value, kind: 'type', constraint: 'Member must be an integer' };
  }
  return boundProblem(field, value, 'range', value, rule);
}

/** Why a present `value` is not a boolean, or undefined when it is one. */
export function checkBoolean(field: string, value: unknown): FieldProblem | undefined {
  if (isAbsent(value) || typeof value === 'boolean') return undefined;
  return { field, value, kind: 'type', constraint: 'Member must be a boolean' };
}

/** Why a present `value` is not one of `values`, or undefined when it is. */
export function checkEnum(
  field: string,
  value: unknown,
  values: readonly string[],
): FieldProblem | undefined {
  if (isAbsent(value) || (typeof value === 'string' && values.includes(value))) return undefined;
  return {
    field,
    value,
    kind: 'enum',
    constraint: `Member must satisfy enum value set: [${values.join(', ')}]`,
  };
}

/** Why a present `value` breaks `rule` as a list member (of `items` when given), or undefined. */
export function checkList(
  field: string,
  value: unknown,
  rule: RangeRule & { readonly items?: 'string' } = {},
): FieldProblem | undefined {
  if (isAbsent(value)) return undefined;
  if (
    !Array.isArray(value) ||
    (rule.items === 'string' && value.some((item) => typeof item !== 'string'))
  ) {
    const constraint =
      rule.items === 'string' ? 'Member must be a list of strings' : 'Member must be a list';
    return { field, value, kind: 'type', constraint };
  }
  return boundProblem(field, value, 'length', value.length, rule);
}

/** How AWS's request validation shows a value: null, or the value in single quotes. */
function describeValue(problem: FieldProblem): string {
  if (problem.sensitive === true) return '';
  const { value } = problem;
  if (isAbsent(value)) return ' null';
  return ` '${typeof value === 'string' ? value : JSON.stringify(value)}'`;
}

/**
 * The message of the `ValidationException` AWS's request validation answers: "1 validation error
 * detected: Value null at 'entries' failed to satisfy constraint: Member must not be null", the
 * member named as in the model (first letter in lower case), problems joined by "; ".
 */
export function validationMessage(problems: readonly FieldProblem[]): string {
  const count = problems.length;
  const details = problems.map(
    (problem) =>
      `Value${describeValue(problem)} at '${problem.field.charAt(0).toLowerCase()}${problem.field.slice(1)}' failed to satisfy constraint: ${problem.constraint}`,
  );
  return `${count} validation error${count === 1 ? '' : 's'} detected: ${details.join('; ')}`;
}

/**
 * Reads the members of one request, throwing what `refuse` makes of the first problem: a service
 * turns problems into its own errors (SQS's `MissingParameter`, the common `ValidationException`).
 */
export class FieldReader {
  readonly #body: JsonObject;
  readonly #refuse: (problem: FieldProblem) => Error;

  constructor(body: JsonObject, refuse: (problem: FieldProblem) => Error) {
    this.#body = body;
    this.#refuse = refuse;
  }

  string(field: string, rule?: StringRule): string | undefined {
    this.#check(checkString(field, this.#body[field], rule));
    return this.#present(field) as string | undefined;
  }

  requiredString(field: string, rule?: StringRule): string {
    return this.#required(field, this.string(field, rule));
  }

  integer(field: string, rule?: RangeRule): number | undefined {
    this.#check(checkInteger(field, this.#body[field], rule));
    return this.#present(field) as number | undefined;
  }

  requiredInteger(field: string, rule?: RangeRule): number {
    return this.#required(field, this.integer(field, rule));
  }

  boolean(field: string): boolean | undefined {
    this.#check(checkBoolean(field, this.#body[field]));
    return this.#present(field) as boolean | undefined;
  }

  enum<T extends string>(field: string, values: readonly T[]): T | undefined {
    this.#check(checkEnum(field, this.#body[field], values));
    return this.#present(field) as T | undefined;
  }

  stringList(field: string, rule?: RangeRule): string[] | undefined {
    this.#check(checkList(field, this.#body[field], { ...rule, items: 'string' }));
    return this.#present(field) as string[] | undefined;
  }

  list(field: string, rule?: RangeRule): unknown[] | undefined {
    this.#check(checkList(field, this.#body[field], rule));
    return this.#present(field) as unknown[] | undefined;
  }

  requiredList(field: string, rule?: RangeRule): unknown[] {
    return this.#required(field, this.list(field, rule));
  }

  #present(field: string): unknown {
    const value = this.#body[field];
    return isAbsent(value) ? undefined : value;
  }

  #check(problem: FieldProblem | undefined): void {
    if (problem !== undefined) throw this.#refuse(problem);
  }

  #required<T>(field: string, value: T | undefined): T {
    if (value === undefined) throw this.#refuse(missingProblem(field));
    return value;
  }
}
