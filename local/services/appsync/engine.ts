/**
 * A local AppSync GraphQL API: the schema from `resolvers/schema.graphql`, every field resolved
 * by its deployed bundle in the APPSYNC_JS sandbox, unit and pipeline resolvers run in AppSync's
 * order, the API's query depth and resolver count limits, and errors shaped as AppSync returns
 * them.
 */
import {
  buildSchema,
  defaultFieldResolver,
  execute,
  type GraphQLError,
  isObjectType,
  Kind,
  parse,
  print,
  responsePathAsArray,
  validate,
  type ExecutionResult,
  type FieldNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { ResolverCatalog, ResolverCode, ResolverEntry } from '#build/resolvers.ts';
import { APPSYNC_SCHEMA_PRELUDE } from '#build/resolvers.ts';
import type { DataSourceName, DataSourceStep, Pipeline } from '../../../resolvers/manifest.ts';
import type { DataSourceOutcome, LocalDynamoDbDataSource } from './dynamodb.ts';
import { LambdaInvocationError, LambdaThrottledError, type LocalLambda } from '../lambda.ts';
import { loadResolverModule, type ResolverModule } from './sandbox.ts';
import { appSyncScalars } from './scalars.ts';
import {
  createAppSyncModule,
  EarlyReturn,
  ResolverError,
  type AppendedError,
  type Invocation,
} from './util.ts';

/** The Cognito user pool identity AppSync puts in `ctx.identity`. */
export interface CognitoIdentity {
  readonly sub: string;
  readonly issuer: string;
  readonly username: string;
  readonly claims: Record<string, unknown>;
  readonly sourceIp: string[];
  readonly defaultAuthStrategy: 'ALLOW';
  readonly groups: string[] | null;
}

/** A data source the local API can call: a DynamoDB table, or a local Lambda function. */
export type LocalDataSource =
  | {
      readonly kind: 'dynamodb';
      readonly tableName: string;
      readonly executor: LocalDynamoDbDataSource;
    }
  | { readonly kind: 'lambda'; readonly lambda: LocalLambda };

export interface LocalGraphqlApiOptions {
  readonly catalog: ResolverCatalog;
  readonly code: ResolverCode;
  readonly dataSources: Readonly<Record<DataSourceName, LocalDataSource>>;
  /** The stack clock, in epoch milliseconds. */
  readonly now: () => number;
  /** The API's `queryDepthLimit`: the deepest field a query may select (root fields are at 1). */
  readonly queryDepthLimit: number;
  /** The API's `resolverCountLimit`: the most resolvers one request may invoke. */
  readonly resolverCountLimit: number;
  readonly log?: (line: string) => void;
}

/** A GraphQL request as clients POST it. */
export interface GraphqlRequest {
  readonly query: string;
  readonly variables?: Record<string, unknown> | null;
  readonly operationName?: string | null;
}

/** One entry of the `errors` array, in AppSync's shape. */
export interface AppSyncError {
  path: (string | number)[] | null;
  data: unknown;
  errorType: string | null;
  errorInfo: unknown;
  locations: { line: number; column: number; sourceName: null }[] | null;
  message: string;
}

interface RequestContext {
  readonly identity: CognitoIdentity;
  readonly headers: Record<string, string>;
  readonly appended: AppSyncError[];
  /** Resolvers this request has invoked so far. */
  resolvers: number;
}

interface ResolverContext {
  arguments: unknown;
  args: unknown;
  identity: CognitoIdentity;
  source: unknown;
  stash: Record<string, unknown>;
  prev: { result: unknown };
  result?: unknown;
  error?: { message: string; type: string };
  info: object;
  request: { headers: Record<string, string>; domainName: null };
  env: Record<string, string>;
}

function clone<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}

function selectionSetList(
  selectionSet: SelectionSetNode | undefined,
  info: GraphQLResolveInfo,
  prefix = '',
): string[] {
  const names: string[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      const name = `${prefix}${selection.alias?.value ?? selection.name.value}`;
      names.push(name, ...selectionSetList(selection.selectionSet, info, `${name}/`));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      names.push(...selectionSetList(selection.selectionSet, info, prefix));
    } else {
      names.push(
        ...selectionSetList(info.fragments[selection.name.value]?.selectionSet, info, prefix),
      );
    }
  }
  return names;
}

/** A field's depth in the query: root fields are at 1; list indexes are no level. */
function depthOf(info: GraphQLResolveInfo): number {
  return responsePathAsArray(info.path).filter((key) => typeof key === 'string').length;
}

function locationsOf(nodes: readonly FieldNode[] | undefined, error: GraphQLError) {
  const locations =
    error.locations ??
    nodes
      ?.map((node) => node.loc?.startToken)
      .filter((token) => token !== undefined)
      .map((token) => ({ line: token.line, column: token.column }));
  return locations === undefined
    ? null
    : locations.map((location) => ({ ...location, sourceName: null as null }));
}

/** The local AppSync API. */
export class LocalGraphqlApi {
  readonly schema: GraphQLSchema;
  readonly #options: LocalGraphqlApiOptions;
  readonly #modules = new Map<string, ResolverModule>();
  #invocation: Invocation | undefined;

  constructor(options: LocalGraphqlApiOptions) {
    this.#options = options;
    const log = options.log ?? (() => undefined);
    const appsync = createAppSyncModule(options.now, () => {
      if (this.#invocation === undefined) throw new Error('util called outside a resolver call');
      return this.#invocation;
    });
    for (const [name, text] of options.code) {
      this.#modules.set(
        name,
        loadResolverModule(name, text, appsync, (level, args) =>
          log(
            `[${name}] ${level}: ${args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}`,
          ),
        ),
      );
    }
    this.schema = buildSchema(APPSYNC_SCHEMA_PRELUDE + options.catalog.schema);
    for (const [name, scalar] of Object.entries(appSyncScalars)) {
      const type = this.schema.getType(name);
      if (type !== undefined && !isObjectType(type))
        Object.assign(type, {
          serialize: scalar.serialize,
          parseValue: scalar.parseValue,
          parseLiteral: scalar.parseLiteral,
        });
    }
    for (const entry of options.catalog.resolvers) {
      const type = this.schema.getType(entry.typeName);
      const field = isObjectType(type) ? type.getFields()[entry.fieldName] : undefined;
      if (field === undefined)
        throw new Error(`schema has no field ${entry.typeName}.${entry.fieldName}`);
      field.resolve = this.#fieldResolver(entry);
    }
  }

  /** Executes a request for `identity` and returns the response body AppSync would send. */
  async execute(
    request: GraphqlRequest,
    identity: CognitoIdentity,
    headers: Record<string, string>,
  ) {
    let document;
    try {
      document = parse(request.query);
    } catch (error) {
      return { errors: [this.#formatValidation(error as GraphQLError)] };
    }
    const invalid = validate(this.schema, document);
    if (invalid.length > 0) {
      return { errors: invalid.map((error) => this.#formatValidation(error)) };
    }
    const context: RequestContext = { identity, headers, appended: [], resolvers: 0 };
    const result: ExecutionResult = await execute({
      schema: this.schema,
      document,
      variableValues: request.variables ?? {},
      operationName: request.operationName ?? null,
      contextValue: context,
      // Fields without a resolver (a plan's schedule, its timezone) count for the depth too.
      fieldResolver: (source, args, contextValue, info) => {
        this.#limitDepth(info);
        return defaultFieldResolver(source, args, contextValue, info);
      },
    });
    const errors = [
      ...(result.errors ?? []).map((error) => this.#formatError(error)),
      ...context.appended,
    ];
    return {
      ...(result.data === undefined ? {} : { data: result.data }),
      ...(errors.length > 0 ? { errors } : {}),
    };
  }

  /*
   * AppSync's execution limits, as its guide describes them: a field deeper than queryDepthLimit
   * fails with `QueryDepthLimitReached`, and each resolver after the resolverCountLimit-th of a
   * request fails with `ResolverExecutionLimitReached` and does not run. Everything else of the
   * request is answered; an error on a non-null field nulls its first nullable parent, as any
   * field error does. The guide gives the error types; it shows the messages only in screenshots,
   * so these messages are ours (clients should read `errorType`).
   * https://docs.aws.amazon.com/appsync/latest/devguide/configuration-limits.html
   */
  #limitDepth(info: GraphQLResolveInfo): void {
    if (depthOf(info) > this.#options.queryDepthLimit) {
      throw new ResolverError(
        `Query depth limit of ${this.#options.queryDepthLimit} reached`,
        'QueryDepthLimitReached',
        null,
        null,
      );
    }
  }

  #limitResolvers(context: RequestContext): void {
    context.resolvers += 1;
    if (context.resolvers > this.#options.resolverCountLimit) {
      throw new ResolverError(
        `Resolver invocation limit of ${this.#options.resolverCountLimit} reached`,
        'ResolverExecutionLimitReached',
        null,
        null,
      );
    }
  }

  #formatValidation(error: GraphQLError): AppSyncError {
    return {
      path: null,
      data: null,
      errorType: null,
      errorInfo: null,
      locations: locationsOf(undefined, error),
      message: `Validation error: ${error.message}`,
    };
  }

  #formatError(error: GraphQLError): AppSyncError {
    const original = error.originalError;
    if (original instanceof ResolverError) {
      return {
        path: error.path ? [...error.path] : null,
        data: original.data,
        errorType: original.errorType,
        errorInfo: original.errorInfo,
        locations: locationsOf(undefined, error),
        message: original.message,
      };
    }
    return {
      path: error.path ? [...error.path] : null,
      data: null,
      errorType: error.path === undefined ? null : original === undefined ? null : 'Code',
      errorInfo: null,
      locations: locationsOf(undefined, error),
      message: error.message,
    };
  }

  #call(
    handler: (ctx: object) => unknown,
    ctx: ResolverContext,
    invocation: Invocation,
  ): { value: unknown; early?: EarlyReturn } {
    this.#invocation = invocation;
    try {
      return { value: clone(handler(ctx)) };
    } catch (error) {
      if (error instanceof EarlyReturn) return { value: clone(error.value), early: error };
      throw error;
    } finally {
      this.#invocation = undefined;
    }
  }

  #module(name: string): ResolverModule {
    const module = this.#modules.get(name);
    if (module === undefined) throw new Error(`no bundle for ${name}`);
    return module;
  }

  async #callDataSource(
    name: string,
    step: DataSourceStep,
    request: unknown,
  ): Promise<DataSourceOutcome> {
    const source = this.#options.dataSources[step.dataSource];
    if (source.kind === 'dynamodb') {
      return source.executor.execute(
        { caller: name, tableName: source.tableName, actions: step.actions },
        request as Record<string, unknown>,
      );
    }
    // AppSync's Lambda data source: { operation: 'Invoke', payload } -> the function's answer.
    const { operation, payload } = (request ?? {}) as { operation?: string; payload?: unknown };
    if (operation !== 'Invoke') {
      return {
        result: null,
        error: {
          type: 'Lambda:MappingTemplate',
          message: `Unsupported operation '${String(operation)}'`,
        },
      };
    }
    try {
      // AppSync invokes synchronously and does not wait for capacity: a function whose reserved
      // concurrency is in use throttles the field.
      return { result: await source.lambda.invoke(payload ?? null, { whenThrottled: 'reject' }) };
    } catch (error) {
      if (error instanceof LambdaThrottledError) {
        // AppSync's `<data source>:<exception>` naming, as for DynamoDB's errors.
        return {
          result: null,
          error: { type: 'Lambda:TooManyRequestsException', message: error.message },
        };
      }
      const failure =
        error instanceof LambdaInvocationError
          ? error
          : new LambdaInvocationError('Error', String(error));
      return { result: null, error: { type: 'Lambda:Unhandled', message: failure.message } };
    }
  }

  /** request -> data source -> response, for a unit resolver or a pipeline function. */
  async #runStep(name: string, step: DataSourceStep, ctx: ResolverContext, invocation: Invocation) {
    const module = this.#module(name);
    delete ctx.result;
    delete ctx.error;
    const request = this.#call(module.request, ctx, invocation);
    if (request.early !== undefined) return request;
    const outcome = await this.#callDataSource(name, step, request.value);
    ctx.result = outcome.result;
    if (outcome.error !== undefined) ctx.error = outcome.error;
    return this.#call(module.response, ctx, invocation);
  }

  async #runPipeline(
    name: string,
    pipeline: Pipeline,
    ctx: ResolverContext,
    invocation: Invocation,
  ) {
    const resolver = this.#module(name);
    const before = this.#call(resolver.request, ctx, invocation);
    ctx.prev = { result: before.value };
    if (before.early === undefined) {
      for (const functionName of pipeline.pipeline) {
        const step = this.#options.catalog.functions.find((entry) => entry.name === functionName);
        if (step === undefined) throw new Error(`unknown pipeline function ${functionName}`);
        const outcome = await this.#runStep(
          `pipeline/${functionName}`,
          step.config,
          ctx,
          invocation,
        );
        ctx.prev = { result: outcome.value };
        if (outcome.early?.skipTo === 'END') break;
      }
    }
    delete ctx.error;
    ctx.result = ctx.prev.result;
    return this.#call(resolver.response, ctx, invocation).value;
  }

  #fieldResolver(entry: ResolverEntry): GraphQLFieldResolver<unknown, RequestContext> {
    const name = `${entry.typeName}.${entry.fieldName}`;
    return async (source, args, context, info) => {
      // Before the first await: resolvers are counted in the order AppSync starts them.
      this.#limitDepth(info);
      this.#limitResolvers(context);
      const invocation: Invocation = { errors: [], authType: 'User Pool Authorization' };
      const fieldNode = info.fieldNodes[0];
      const ctx: ResolverContext = {
        arguments: clone(args),
        args: undefined,
        identity: context.identity,
        source: source ?? null,
        stash: {},
        prev: { result: null },
        info: {
          fieldName: info.fieldName,
          parentTypeName: info.parentType.name,
          variables: clone(info.variableValues),
          selectionSetList: selectionSetList(fieldNode?.selectionSet, info),
          selectionSetGraphQL: fieldNode?.selectionSet ? print(fieldNode.selectionSet) : '',
        },
        request: { headers: context.headers, domainName: null },
        env: {},
      };
      ctx.args = ctx.arguments;
      try {
        const value =
          'pipeline' in entry.config
            ? await this.#runPipeline(name, entry.config, ctx, invocation)
            : (await this.#runStep(name, entry.config, ctx, invocation)).value;
        return value;
      } finally {
        for (const error of invocation.errors) context.appended.push(this.#appended(error, info));
      }
    };
  }

  #appended(error: AppendedError, info: GraphQLResolveInfo): AppSyncError {
    return {
      path: responsePathAsArray(info.path),
      data: error.data,
      errorType: error.errorType,
      errorInfo: error.errorInfo,
      locations: info.fieldNodes.map((node) => ({
        line: node.loc?.startToken.line ?? 0,
        column: node.loc?.startToken.column ?? 0,
        sourceName: null,
      })),
      message: error.message,
    };
  }
}
