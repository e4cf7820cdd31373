/**
 * The AppSync DynamoDB data source, locally: takes the request objects resolvers return
 * (GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem, TransactGetItems,
 * TransactWriteItems), runs them against DynamoDB with the real SDK, and answers with AppSync's
 * `ctx.result` / `ctx.error` shapes: plain JSON items, opaque encrypted `nextToken`s, the current
 * item after a failed condition, cancellation reasons for transactions.
 *
 * Every request is checked against the IAM actions the step declares in `resolvers/manifest.ts`
 * and against the data source's table, as the data source's role would on AWS.
 *
 * Reference: https://docs.aws.amazon.com/appsync/latest/devguide/js-resolver-reference-dynamodb.html
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  BatchGetItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDbAction } from '../../../resolvers/manifest.ts';

/** What a data source call leaves for the response handler. */
export interface DataSourceOutcome {
  readonly result: unknown;
  readonly error?: { message: string; type: string };
}

/** The data source a step calls: its table and the actions its role grants. */
export interface DynamoDbTarget {
  /** The resolver or function name, for errors and pagination-token binding. */
  readonly caller: string;
  readonly tableName: string;
  readonly actions: readonly DynamoDbAction[];
}

/** A request the data source's role would refuse: recorded so tests can fail on it. */
export interface AccessViolation {
  readonly caller: string;
  readonly action: string;
  readonly table: string;
}

type Json = Record<string, unknown>;
type Typed = Record<string, unknown>;
type Expression = {
  expression?: string;
  expressionNames?: Record<string, string>;
  expressionValues?: Record<string, Typed>;
};
type Condition = Expression & {
  equalsIgnore?: string[];
  consistentRead?: boolean;
  returnValuesOnConditionCheckFailure?: boolean;
};

/** Converts AppSync's typed values (which allow `{N: 25}`) to DynamoDB's (`{N: "25"}`). */
export function toAttributeValue(value: unknown): AttributeValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`not a DynamoDB typed value: ${JSON.stringify(value)}`);
  }
  const entries = Object.entries(value as Typed);
  if (entries.length !== 1) {
    throw new TypeError(`a typed value needs exactly one type key: ${JSON.stringify(value)}`);
  }
  const [type, inner] = entries[0] as [string, unknown];
  switch (type) {
    case 'S':
      return { S: String(inner) };
    case 'N':
      return { N: String(inner) };
    case 'BOOL':
      if (typeof inner !== 'boolean')
        throw new TypeError(`BOOL needs true or false: ${JSON.stringify(value)}`);
      return { BOOL: inner };
    case 'NULL':
      return { NULL: true };
    case 'B':
      return { B: Buffer.from(String(inner), 'base64') };
    case 'SS':
      return { SS: (inner as unknown[]).map(String) };
    case 'NS':
      return { NS: (inner as unknown[]).map(String) };
    case 'BS':
      return { BS: (inner as unknown[]).map((item) => Buffer.from(String(item), 'base64')) };
    case 'L':
      return { L: (inner as unknown[]).map((item) => toAttributeValue(item)) };
    case 'M':
      return { M: toAttributeMap(inner as Record<string, unknown>) };
    default:
      throw new TypeError(`unknown DynamoDB type '${type}'`);
  }
}

function toAttributeMap(map: Record<string, unknown> | undefined): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(map ?? {})) result[key] = toAttributeValue(value);
  return result;
}

/** A value the SDK unmarshalled, with sets as lists and binary as base64, as AppSync has them. */
function plainJson(value: unknown): unknown {
  if (value instanceof Set) return [...value].map((item) => plainJson(item));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map((item) => plainJson(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plainJson(item)]));
  }
  return value;
}

/**
 * DynamoDB's answer as AppSync gives it to resolvers: plain JSON, numbers as numbers, string and
 * number sets as lists, binary values as base64 strings.
 * https://docs.aws.amazon.com/appsync/latest/devguide/js-aws-appsync-resolver-reference-dynamodb-typed-values-responses.html
 */
export function toJson(item: Record<string, AttributeValue> | undefined): Json | null {
  if (item === undefined) return null;
  return plainJson(unmarshall(item, { wrapNumbers: false })) as Json;
}

function expressionParts(
  expression: Expression | undefined,
  prefix: 'Condition' | 'Filter' | 'KeyCondition' | 'Update' | 'Projection',
) {
  if (expression?.expression === undefined) return {};
  return {
    [`${prefix}Expression`]: expression.expression,
  };
}

/** Names and values of several expressions, merged as DynamoDB takes them. */
function expressionAttributes(...expressions: (Expression | undefined)[]) {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  for (const expression of expressions) {
    Object.assign(names, expression?.expressionNames ?? {});
    Object.assign(values, toAttributeMap(expression?.expressionValues));
  }
  return {
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

function errorOf(error: unknown): { message: string; type: string } {
  if (error instanceof DynamoDBServiceException) {
    return { type: `DynamoDB:${error.name}`, message: error.message };
  }
  if (error instanceof TypeError) {
    return { type: 'DynamoDB:MappingTemplate', message: error.message };
  }
  throw error;
}

function sameItem(a: Json, b: Json, ignore: readonly string[]): boolean {
  const strip = (item: Json) =>
    JSON.stringify(
      Object.keys(item)
        .filter((key) => !ignore.includes(key))
        .sort()
        .map((key) => [key, item[key]]),
    );
  return strip(a) === strip(b);
}

/** One DynamoDB data source (one table) of the local AppSync API. */
export class LocalDynamoDbDataSource {
  readonly #client: DynamoDBClient;
  readonly #tokenKey = randomBytes(32);
  readonly violations: AccessViolation[] = [];

  constructor(client: DynamoDBClient) {
    this.#client = client;
  }

  /** Runs one AppSync DynamoDB request for `target`. */
  async execute(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    try {
      switch (request.operation) {
        case 'GetItem':
          return await this.#getItem(target, request);
        case 'PutItem':
          return await this.#putItem(target, request);
        case 'UpdateItem':
          return await this.#updateItem(target, request);
        case 'DeleteItem':
          return await this.#deleteItem(target, request);
        case 'Query':
          return await this.#query(target, request);
        case 'Scan':
          return await this.#scan(target, request);
        case 'BatchGetItem':
          return await this.#batchGetItem(target, request);
        case 'TransactGetItems':
          return await this.#transactGetItems(target, request);
        case 'TransactWriteItems':
          return await this.#transactWriteItems(target, request);
        default:
          return {
            result: null,
            error: {
              type: 'DynamoDB:MappingTemplate',
              message: `Unsupported operation '${String(request.operation)}'`,
            },
          };
      }
    } catch (error) {
      if (error instanceof AccessDenied) {
        return {
          result: null,
          error: { type: 'DynamoDB:AccessDeniedException', message: error.message },
        };
      }
      return { result: null, error: errorOf(error) };
    }
  }

  #authorize(target: DynamoDbTarget, action: DynamoDbAction, table: string): void {
    if (!target.actions.includes(action) || table !== target.tableName) {
      this.violations.push({ caller: target.caller, action, table });
      throw new AccessDenied(
        `${target.caller} is not authorized to perform dynamodb:${action} on table ${table}: ` +
          'resolvers/manifest.ts does not grant it to this data source',
      );
    }
  }

  async #currentItem(table: string, key: Record<string, AttributeValue>, consistent: boolean) {
    const output = await this.#client.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: consistent }),
    );
    return toJson(output.Item);
  }

  async #getItem(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    this.#authorize(target, 'GetItem', target.tableName);
    const projection = request.projection as Expression | undefined;
    const output = await this.#client.send(
      new GetItemCommand({
        TableName: target.tableName,
        Key: toAttributeMap(request.key as Json),
        ConsistentRead: request.consistentRead === true,
        ...expressionParts(projection, 'Projection'),
        ...(projection?.expressionNames
          ? { ExpressionAttributeNames: projection.expressionNames }
          : {}),
      }),
    );
    return { result: toJson(output.Item) };
  }

  /**
   * After a failed condition AppSync reads the item as it is now and hands it to the response
   * handler; when that item is what the write wanted anyway, the write counts as done.
   */
  async #conditionFailed(
    target: DynamoDbTarget,
    key: Record<string, AttributeValue>,
    condition: Condition,
    error: unknown,
    succeedsWhen: (current: Json | null) => boolean,
  ): Promise<DataSourceOutcome> {
    this.#authorize(target, 'GetItem', target.tableName);
    const current = await this.#currentItem(
      target.tableName,
      key,
      condition.consistentRead !== false,
    );
    if (succeedsWhen(current)) return { result: current };
    return { result: current, error: errorOf(error) };
  }

  async #putItem(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    this.#authorize(target, 'PutItem', target.tableName);
    const key = toAttributeMap(request.key as Json);
    const item = { ...toAttributeMap(request.attributeValues as Json), ...key };
    const condition = request.condition as Condition | undefined;
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: target.tableName,
          Item: item,
          ...expressionParts(condition, 'Condition'),
          ...expressionAttributes(condition),
        }),
      );
    } catch (error) {
      if (condition === undefined || (error as Error).name !== 'ConditionalCheckFailedException')
        throw error;
      const written = toJson(item) as Json;
      return this.#conditionFailed(
        target,
        key,
        condition,
        error,
        (current) => current !== null && sameItem(current, written, condition.equalsIgnore ?? []),
      );
    }
    return { result: toJson(item) };
  }

  async #updateItem(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    this.#authorize(target, 'UpdateItem', target.tableName);
    const key = toAttributeMap(request.key as Json);
    const update = request.update as Expression;
    const condition = request.condition as Condition | undefined;
    try {
      const output = await this.#client.send(
        new UpdateItemCommand({
          TableName: target.tableName,
          Key: key,
          ...expressionParts(update, 'Update'),
          ...expressionParts(condition, 'Condition'),
          ...expressionAttributes(update, condition),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { result: toJson(output.Attributes) };
    } catch (error) {
      if (condition === undefined || (error as Error).name !== 'ConditionalCheckFailedException')
        throw error;
      return this.#conditionFailed(target, key, condition, error, () => false);
    }
  }

  async #deleteItem(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    this.#authorize(target, 'DeleteItem', target.tableName);
    const key = toAttributeMap(request.key as Json);
    const condition = request.condition as Condition | undefined;
    try {
      const output = await this.#client.send(
        new DeleteItemCommand({
          TableName: target.tableName,
          Key: key,
          ...expressionParts(condition, 'Condition'),
          ...expressionAttributes(condition),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { result: toJson(output.Attributes) };
    } catch (error) {
      if (condition === undefined || (error as Error).name !== 'ConditionalCheckFailedException')
        throw error;
      return this.#conditionFailed(target, key, condition, error, (current) => current === null);
    }
  }

  #encodeToken(
    target: DynamoDbTarget,
    index: string | undefined,
    key: Record<string, AttributeValue>,
  ) {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#tokenKey, iv);
    cipher.setAAD(Buffer.from(`${target.caller}|${target.tableName}|${index ?? ''}`));
    const body = Buffer.concat([cipher.update(JSON.stringify(key), 'utf8'), cipher.final()]);
    const token = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    return Buffer.from(JSON.stringify({ version: 2, token })).toString('base64');
  }

  /** Decrypts a token issued to this caller for this table and index, or fails like AppSync. */
  #decodeToken(target: DynamoDbTarget, index: string | undefined, nextToken: string) {
    try {
      const outer = JSON.parse(Buffer.from(nextToken, 'base64').toString('utf8')) as {
        token: string;
      };
      const raw = Buffer.from(outer.token, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.#tokenKey, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${target.caller}|${target.tableName}|${index ?? ''}`));
      decipher.setAuthTag(raw.subarray(12, 28));
      const plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as Record<string, AttributeValue>;
    } catch {
      throw new InvalidToken();
    }
  }

  async #page(
    target: DynamoDbTarget,
    request: Json,
    run: (start: Record<string, AttributeValue> | undefined) => Promise<{
      Items?: Record<string, AttributeValue>[];
      LastEvaluatedKey?: Record<string, AttributeValue>;
      ScannedCount?: number;
    }>,
  ): Promise<DataSourceOutcome> {
    const index = request.index as string | undefined;
    let start: Record<string, AttributeValue> | undefined;
    if (typeof request.nextToken === 'string' && request.nextToken.length > 0) {
      try {
        start = this.#decodeToken(target, index, request.nextToken);
      } catch {
        return {
          result: null,
          error: {
            type: 'DynamoDB:UserIllegalArgumentException',
            message:
              'com.amazonaws.deepdish.common.pagination.InvalidPaginationTokenException: Invalid pagination token given.',
          },
        };
      }
    }
    const output = await run(start);
    return {
      result: {
        items: (output.Items ?? []).map((item) => toJson(item)),
        nextToken:
          output.LastEvaluatedKey === undefined
            ? null
            : this.#encodeToken(target, index, output.LastEvaluatedKey),
        scannedCount: output.ScannedCount ?? 0,
      },
    };
  }

  async #query(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    this.#authorize(target, 'Query', target.tableName);
    const query = request.query as Expression;
    const filter = request.filter as Expression | undefined;
    const projection = request.projection as Expression | undefined;
    return this.#page(target, request, (start) =>
      this.#client.send(
        new QueryCommand({
          TableName: target.tableName,
          ...(request.index === undefined ? {} : { IndexName: request.index as string }),
          ...expressionParts(query, 'KeyCondition'),
          ...expressionParts(filter, 'Filter'),
          ...expressionParts(projection, 'Projection'),
          ...expressionAttributes(query, filter, projection),
          ...(request.limit === undefined ? {} : { Limit: Number(request.limit) }),
          ScanIndexForward: request.scanIndexForward !== false,
          ConsistentRead: request.consistentRead === true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      ),
    );
  }

  async #scan(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    this.#authorize(target, 'Scan', target.tableName);
    const filter = request.filter as Expression | undefined;
    return this.#page(target, request, (start) =>
      this.#client.send(
        new ScanCommand({
          TableName: target.tableName,
          ...(request.index === undefined ? {} : { IndexName: request.index as string }),
          ...expressionParts(filter, 'Filter'),
          ...expressionAttributes(filter),
          ...(request.limit === undefined ? {} : { Limit: Number(request.limit) }),
          ConsistentRead: request.consistentRead === true,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      ),
    );
  }

  async #batchGetItem(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    const tables = request.tables as Record<
      string,
      { keys: Json[]; consistentRead?: boolean } | Json[]
    >;
    const requestItems: Record<
      string,
      { Keys: Record<string, AttributeValue>[]; ConsistentRead: boolean }
    > = {};
    for (const [table, spec] of Object.entries(tables)) {
      this.#authorize(target, 'BatchGetItem', table);
      const keys = Array.isArray(spec) ? spec : spec.keys;
      requestItems[table] = {
        Keys: keys.map((key) => toAttributeMap(key)),
        ConsistentRead: !Array.isArray(spec) && spec.consistentRead === true,
      };
    }
    const output = await this.#client.send(new BatchGetItemCommand({ RequestItems: requestItems }));
    const data: Record<string, (Json | null)[]> = {};
    const unprocessedKeys: Record<string, Json[]> = {};
    for (const [table, spec] of Object.entries(requestItems)) {
      const found = (output.Responses?.[table] ?? []).map((item) => toJson(item) as Json);
      data[table] = spec.Keys.map((key) => {
        const wanted = toJson(key) as Json;
        return (
          found.find((item) => Object.keys(wanted).every((name) => item[name] === wanted[name])) ??
          null
        );
      });
      unprocessedKeys[table] = (output.UnprocessedKeys?.[table]?.Keys ?? []).map(
        (key) => toJson(key) as Json,
      );
    }
    return { result: { data, unprocessedKeys } };
  }

  async #transactGetItems(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    const items = request.transactItems as { table: string; key: Json }[];
    for (const item of items) this.#authorize(target, 'GetItem', item.table);
    try {
      const output = await this.#client.send(
        new TransactGetItemsCommand({
          TransactItems: items.map((item) => ({
            Get: { TableName: item.table, Key: toAttributeMap(item.key) },
          })),
        }),
      );
      return {
        result: {
          items: (output.Responses ?? []).map((response) => toJson(response.Item)),
          cancellationReasons: null,
        },
      };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      return {
        result: { items: null, cancellationReasons: cancellationReasons(error) },
        error: errorOf(error),
      };
    }
  }

  async #transactWriteItems(target: DynamoDbTarget, request: Json): Promise<DataSourceOutcome> {
    const items = request.transactItems as (Json & {
      table: string;
      operation: string;
      key: Json;
    })[];
    const actions: Record<string, DynamoDbAction> = {
      PutItem: 'PutItem',
      UpdateItem: 'UpdateItem',
      DeleteItem: 'DeleteItem',
      ConditionCheck: 'ConditionCheckItem',
    };
    const transactItems: TransactWriteItem[] = items.map((item) => {
      const action = actions[item.operation];
      if (action === undefined)
        throw new TypeError(`unknown transaction operation '${item.operation}'`);
      this.#authorize(target, action, item.table);
      const key = toAttributeMap(item.key);
      const condition = item.condition as Condition | undefined;
      const common = {
        TableName: item.table,
        ...expressionParts(condition, 'Condition'),
        ...(condition === undefined || condition.returnValuesOnConditionCheckFailure === false
          ? {}
          : { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }),
      };
      switch (item.operation) {
        case 'PutItem':
          return {
            Put: {
              ...common,
              Item: { ...toAttributeMap(item.attributeValues as Json), ...key },
              ...expressionAttributes(condition),
            },
          };
        case 'UpdateItem': {
          const update = item.update as Expression;
          return {
            Update: {
              ...common,
              Key: key,
              UpdateExpression: update.expression ?? '',
              ...expressionAttributes(update, condition),
            },
          };
        }
        case 'DeleteItem':
          return { Delete: { ...common, Key: key, ...expressionAttributes(condition) } };
        default:
          return {
            ConditionCheck: {
              ...common,
              Key: key,
              ConditionExpression: condition?.expression ?? '',
              ...expressionAttributes(condition),
            },
          };
      }
    });
    try {
      await this.#client.send(new TransactWriteItemsCommand({ TransactItems: transactItems }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      return {
        result: { keys: null, cancellationReasons: cancellationReasons(error) },
        error: errorOf(error),
      };
    }
    return {
      result: {
        keys: items.map((item) => toJson(toAttributeMap(item.key))),
        cancellationReasons: null,
      },
    };
  }
}

/** AppSync's `cancellationReasons`: `type`/`message` (not DynamoDB's `Code`/`Message`), per its docs. */
function cancellationReasons(error: TransactionCanceledException) {
  return (error.CancellationReasons ?? []).map((reason) => ({
    ...(reason.Item === undefined ? {} : { item: toJson(reason.Item) }),
    type:
      reason.Code === 'ConditionalCheckFailed' ? 'ConditionCheckFailed' : (reason.Code ?? 'None'),
    message: reason.Message ?? 'None',
  }));
}

class AccessDenied extends Error {}
class InvalidToken extends Error {}
