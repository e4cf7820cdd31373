/**
 * The whole system on one machine: DynamoDB Local with the tables from `shared/tables.ts`, the
 * AppSync API running the deployed resolver bundles, the Cognito stand-in, and the control
 * endpoints under `/_local/`. `npm start` runs it; integration tests start one per test file.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bundleResolvers, loadResolverCatalog } from '#build/resolvers.ts';
import { currencySettings, type ApiSettings } from '#shared/api-settings.ts';
import { parseStackConfig, readStackConfigValues, type StackConfig } from '#shared/stack-config.ts';
import { tableName, tables, plansTable } from '#shared/tables.ts';
import { LocalDynamoDbDataSource } from './appsync/dynamodb.ts';
import { LocalGraphqlApi, type GraphqlRequest } from './appsync/engine.ts';
import { LocalUserPool, TokenRequestError, UnauthorizedError } from './auth.ts';
import { LocalClock } from './clock.ts';
import { ensureTables, LOCAL_AWS, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb.ts';
import { graphiqlPage } from './graphiql.ts';
import { createJsonServer, createRoutes, type Reply } from './http.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface LocalStackOptions {
  /** HTTP port; 0 picks a free one. Default 4000. */
  readonly port?: number;
  /** Where DynamoDB data and the token key persist; omitted means in memory. */
  readonly dataDir?: string;
  /** An already running DynamoDB Local to use instead of starting one (tests share one). */
  readonly dynamodbEndpoint?: string;
  /** Prefix of the table names. Default "local". */
  readonly prefix?: string;
  readonly clock?: LocalClock;
  /** Stack config; default: `Pulumi.dev.yaml`, so local behaves like dev. */
  readonly config?: StackConfig;
  readonly log?: (line: string) => void;
}

export interface LocalStack {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly clock: LocalClock;
  readonly dynamodb: DynamoDBClient;
  readonly dynamodbEndpoint: string;
  readonly settings: ApiSettings;
  readonly tableNames: Readonly<Record<string, string>>;
  /** Requests the resolvers made beyond what `resolvers/manifest.ts` grants (should stay empty). */
  readonly accessViolations: () => readonly { caller: string; action: string; table: string }[];
  stop(): Promise<void>;
}

/** The dev stack's config, which the local stack uses unless told otherwise. */
export function devStackConfig(): StackConfig {
  return parseStackConfig(readStackConfigValues(join(ROOT, 'Pulumi.dev.yaml')));
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

function unauthorized(message: string): Reply {
  return {
    status: 401,
    headers: { 'x-amzn-errortype': 'UnauthorizedException' },
    body: { errors: [{ errorType: 'UnauthorizedException', message }] },
  };
}

function isGraphqlRequest(body: unknown): body is GraphqlRequest {
  if (body === null || typeof body !== 'object') return false;
  const { query, variables, operationName } = body as Record<string, unknown>;
  return (
    typeof query === 'string' &&
    (variables === undefined ||
      variables === null ||
      (typeof variables === 'object' && !Array.isArray(variables))) &&
    (operationName === undefined || operationName === null || typeof operationName === 'string')
  );
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const clock = options.clock ?? LocalClock.fromEnvironment();
  const config = options.config ?? devStackConfig();
  const prefix = options.prefix ?? 'local';
  const catalog = loadResolverCatalog();

  let ready = false;
  let dynamoDbLocal: DynamoDbLocal | undefined;
  const userPool = new LocalUserPool(
    'https://cognito-idp.local.amazonaws.com/local_pool',
    options.dataDir === undefined ? undefined : join(options.dataDir, 'token-key'),
  );

  const routes = createRoutes();
  const server = createJsonServer(routes, log);
  const port = await listen(server, options.port ?? 4000);
  const url = `http://127.0.0.1:${port}`;
  routes.exact.set('GET /_local/health', () =>
    ready ? { status: 200, body: { status: 'ok' } } : { status: 503, body: { status: 'starting' } },
  );

  try {
    if (options.dynamodbEndpoint === undefined) {
      dynamoDbLocal = await startDynamoDbLocal(
        options.dataDir === undefined ? {} : { dataDir: join(options.dataDir, 'dynamodb') },
      );
    }
    const dynamodbEndpoint = options.dynamodbEndpoint ?? (dynamoDbLocal as DynamoDbLocal).endpoint;
    const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamodbEndpoint });
    const tableNames = Object.fromEntries(
      tables.map((table) => [table.name, tableName(prefix, table)]),
    );
    await ensureTables(
      dynamodb,
      tables.map((table) => ({ table, name: tableName(prefix, table) })),
    );

    const settings: ApiSettings = {
      plansTable: tableName(prefix, plansTable),
      maxPlansPerUser: config.maxPlansPerUser,
      currencies: currencySettings(config.currencies),
    };
    const plansSource = new LocalDynamoDbDataSource(dynamodb);
    const api = new LocalGraphqlApi({
      catalog,
      code: await bundleResolvers(catalog, settings),
      dataSources: { plans: { tableName: settings.plansTable, executor: plansSource } },
      now: () => clock.now(),
      log,
    });

    routes.exact.set('POST /_local/token', async (request) => {
      try {
        const token = await userPool.issueToken(LocalUserPool.parseTokenRequest(request.body));
        return { status: 200, body: { token } };
      } catch (error) {
        if (error instanceof TokenRequestError)
          return { status: 400, body: { error: error.message } };
        throw error;
      }
    });
    routes.exact.set('GET /graphql', async (request) => {
      const sub = request.url.searchParams.get('sub') ?? 'demo';
      const token = await userPool.issueToken(LocalUserPool.parseTokenRequest({ sub }));
      return {
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: graphiqlPage(token, sub),
      };
    });
    routes.exact.set('POST /graphql', async (request) => {
      let identity;
      try {
        identity = await userPool.authenticate(request.headers.authorization, request.sourceIp);
      } catch (error) {
        if (error instanceof UnauthorizedError) return unauthorized(error.message);
        throw error;
      }
      if (!isGraphqlRequest(request.body)) {
        return {
          status: 400,
          body: {
            errors: [
              {
                errorType: 'MalformedHttpRequestException',
                message:
                  'The body must be a JSON object with a string `query` and optional `variables` and `operationName`.',
              },
            ],
          },
        };
      }
      return { status: 200, body: await api.execute(request.body, identity, request.headers) };
    });

    ready = true;
    return {
      url,
      graphqlUrl: `${url}/graphql`,
      clock,
      dynamodb,
      dynamodbEndpoint,
      settings,
      tableNames,
      accessViolations: () => plansSource.violations,
      async stop() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        dynamodb.destroy();
        await dynamoDbLocal?.stop();
      },
    };
  } catch (error) {
    server.close();
    await dynamoDbLocal?.stop();
    throw error;
  }
}
