/**
 * Lambda's versions and aliases, as the real `@aws-sdk/client-lambda` speaks to them (REST JSON
 * under `/2015-03-31/functions/...`): GetAlias, and Invoke of a version or an alias, synchronous
 * (RequestResponse) or asynchronous (Event, deferred to the clock's next sleep as Lambda queues
 * it). A test gives each published version a handler; CodeDeploy's stand-in moves aliases
 * in-process, as CodeDeploy moves them inside AWS.
 *
 * https://docs.aws.amazon.com/lambda/latest/api/API_GetAlias.html
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import { randomUUID } from 'node:crypto';
import type { Handler, LocalRequest, Reply } from '../../../local/http.ts';
import type { VirtualClock } from './virtual-clock.ts';

/** What a version does when invoked; a throw is the function's error. */
export type VersionHandler = (event: unknown) => unknown;

export interface StandInAlias {
  readonly functionVersion: string;
  /** Extra version -> weight (0 to 1), as `RoutingConfig.AdditionalVersionWeights`. */
  readonly weights: Readonly<Record<string, number>>;
}

/** One invocation, for assertions. */
export interface Invocation {
  readonly functionName: string;
  readonly version: string;
  readonly type: 'RequestResponse' | 'Event';
  readonly event: unknown;
}

interface StandInFunction {
  readonly versions: Map<string, VersionHandler>;
  readonly aliases: Map<string, StandInAlias & { readonly revisionId: string }>;
}

function error(status: number, type: string, message: string): Reply {
  return {
    status,
    headers: { 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() },
    body: { Type: 'User', message },
  };
}

class NotFound extends Error {}

export class LambdaStandIn {
  readonly handler: Handler;
  readonly invocations: Invocation[] = [];
  /** Every move of an alias, in order: `name:alias -> version (+ weights)`. */
  readonly moves: string[] = [];
  readonly #functions = new Map<string, StandInFunction>();
  readonly #region: string;
  readonly #accountId: string;
  readonly #clock: VirtualClock;
  readonly #prefix: string;

  constructor(options: { region: string; accountId: string; clock: VirtualClock; prefix: string }) {
    this.#region = options.region;
    this.#accountId = options.accountId;
    this.#clock = options.clock;
    this.#prefix = options.prefix;
    this.handler = (request) => this.#handle(request);
  }

  /** Publishes `version` of `functionName` (created on first use) with its behaviour. */
  publish(functionName: string, version: string, handler: VersionHandler): void {
    const fn = this.#functions.get(functionName) ?? { versions: new Map(), aliases: new Map() };
    fn.versions.set(version, handler);
    this.#functions.set(functionName, fn);
  }

  /** Points `alias` (created on first use) at `version`, with extra routing. */
  setAlias(
    functionName: string,
    alias: string,
    functionVersion: string,
    weights: Readonly<Record<string, number>> = {},
  ): void {
    const fn = this.#function(functionName);
    for (const version of [functionVersion, ...Object.keys(weights)]) {
      if (!fn.versions.has(version)) {
        throw new Error(`${functionName} has no version ${version}`);
      }
    }
    fn.aliases.set(alias, { functionVersion, weights: { ...weights }, revisionId: randomUUID() });
    const extra = Object.entries(weights).map(([version, weight]) => ` + ${weight} on ${version}`);
    this.moves.push(`${functionName}:${alias} -> ${functionVersion}${extra.join('')}`);
  }

  alias(functionName: string, alias: string): StandInAlias | undefined {
    const found = this.#functions.get(functionName)?.aliases.get(alias);
    return found === undefined
      ? undefined
      : { functionVersion: found.functionVersion, weights: found.weights };
  }

  hasVersion(functionName: string, version: string): boolean {
    return this.#functions.get(functionName)?.versions.has(version) ?? false;
  }

  /** Starts an asynchronous invocation, as CodeDeploy starts a hook. */
  invokeAsync(functionName: string, event: unknown): void {
    const { name, version } = this.#resolve(functionName, undefined);
    this.#clock.defer(async () => {
      try {
        await this.#run(name, version, 'Event', event);
      } catch {
        // An asynchronous invocation's error goes nowhere a caller sees (no destination here).
      }
    });
  }

  #function(name: string): StandInFunction {
    const fn = this.#functions.get(name);
    if (fn === undefined) {
      throw new NotFound(
        `Function not found: arn:aws:lambda:${this.#region}:${this.#accountId}:function:${name}`,
      );
    }
    return fn;
  }

  /** A name, a `name:qualifier` or an ARN, and a qualifier, to the function and version run. */
  #resolve(identifier: string, qualifier: string | undefined): { name: string; version: string } {
    const parts = identifier.startsWith('arn:')
      ? identifier.split(':').slice(6)
      : identifier.split(':');
    const name = parts[0] ?? '';
    const which = qualifier ?? parts[1] ?? '$LATEST';
    const fn = this.#function(name);
    if (which === '$LATEST') {
      const latest = [...fn.versions.keys()].sort((a, b) => Number(b) - Number(a))[0];
      if (latest === undefined) throw new NotFound(`Function not found: ${name}`);
      return { name, version: latest };
    }
    if (fn.versions.has(which)) return { name, version: which };
    const alias = fn.aliases.get(which);
    if (alias === undefined) {
      throw new NotFound(
        `Function not found: arn:aws:lambda:${this.#region}:${this.#accountId}:function:${name}:${which}`,
      );
    }
    // Weighted routing picks at random in Lambda; the stand-in serves the alias's main version.
    return { name, version: alias.functionVersion };
  }

  async #run(
    name: string,
    version: string,
    type: Invocation['type'],
    event: unknown,
  ): Promise<unknown> {
    this.invocations.push({ functionName: name, version, type, event });
    const handler = this.#function(name).versions.get(version) as VersionHandler;
    return handler(event);
  }

  async #handle(request: LocalRequest): Promise<Reply> {
    const path = request.url.pathname.slice(this.#prefix.length);
    try {
      const alias = /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)$/.exec(path);
      if (request.method === 'GET' && alias !== null) {
        return this.#getAlias(
          decodeURIComponent(alias[1] ?? ''),
          decodeURIComponent(alias[2] ?? ''),
        );
      }
      const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path);
      if (request.method === 'POST' && invoke !== null) {
        return await this.#invoke(request, decodeURIComponent(invoke[1] ?? ''));
      }
      return error(
        404,
        'UnknownOperationException',
        `The Lambda stand-in answers GetAlias and Invoke only, not ${request.method} ${path}.`,
      );
    } catch (caught) {
      if (caught instanceof NotFound)
        return error(404, 'ResourceNotFoundException', caught.message);
      throw caught;
    }
  }

  #getAlias(functionName: string, name: string): Reply {
    const fn = this.#function(functionName);
    const arn = `arn:aws:lambda:${this.#region}:${this.#accountId}:function:${functionName}:${name}`;
    const alias = fn.aliases.get(name);
    if (alias === undefined) throw new NotFound(`Alias not found: ${arn}`);
    return {
      status: 200,
      body: {
        AliasArn: arn,
        Name: name,
        FunctionVersion: alias.functionVersion,
        Description: '',
        ...(Object.keys(alias.weights).length === 0
          ? {}
          : { RoutingConfig: { AdditionalVersionWeights: alias.weights } }),
        RevisionId: alias.revisionId,
      },
    };
  }

  async #invoke(request: LocalRequest, identifier: string): Promise<Reply> {
    const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'Event') {
      return error(400, 'InvalidParameterValueException', `Unsupported InvocationType: ${type}`);
    }
    let event: unknown;
    try {
      event = request.rawBody === '' ? {} : (JSON.parse(request.rawBody) as unknown);
    } catch {
      return error(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const { name, version } = this.#resolve(
      identifier,
      request.url.searchParams.get('Qualifier') ?? undefined,
    );
    if (type === 'Event') {
      this.#clock.defer(() => this.#run(name, version, 'Event', event).catch(() => undefined));
      return { status: 202, body: '', contentType: 'application/json' };
    }
    const headers = { 'x-amz-executed-version': version };
    try {
      const result = await this.#run(name, version, 'RequestResponse', event);
      return { status: 200, headers, body: JSON.stringify(result ?? null) };
    } catch (caught) {
      const failure = caught as Error;
      return {
        status: 200,
        headers: { ...headers, 'x-amz-function-error': 'Unhandled' },
        body: { errorType: failure.name, errorMessage: failure.message },
      };
    }
  }
}
