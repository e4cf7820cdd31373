/**
 * Calls resolver bundles directly in the local APPSYNC_JS sandbox, without HTTP or DynamoDB:
 * for asserting the exact request objects resolvers hand their data source.
 */
import { bundleResolvers, loadResolverCatalog } from '#build/resolvers.ts';
import type { ApiSettings } from '#shared/api-settings.ts';
import { loadResolverModule, type ResolverModule } from '#local/services/appsync/sandbox.ts';
import {
  createAppSyncModule,
  EarlyReturn,
  ResolverError,
  type Invocation,
} from '#local/services/appsync/util.ts';

export const TEST_SETTINGS: ApiSettings = {
  plansTable: 'test-plans',
  maxPlansPerUser: 25,
  currencies: {
    USD: { digits: 2, minAmount: '1.00', maxAmount: '10000.00' },
    EUR: { digits: 2, minAmount: '1.00', maxAmount: '10000.00' },
  },
  smsCountries: ['AT', 'DE', 'GB'],
};

/** 2026-11-23T08:00:00.000Z: a Monday. */
export const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);

export interface Handlers {
  request(ctx: object): unknown;
  response(ctx: object): unknown;
}

/** What a handler call ended with: a value, an early return, or a field error. */
export type Outcome =
  | { kind: 'value'; value: unknown }
  | { kind: 'earlyReturn'; value: unknown }
  | { kind: 'error'; message: string; errorType: string | null; errorInfo: unknown };

export async function loadHandlers(
  settings: ApiSettings = TEST_SETTINGS,
): Promise<(name: string) => Handlers> {
  const invocation: Invocation = { errors: [], authType: 'User Pool Authorization' };
  const appsync = createAppSyncModule(
    () => NOW,
    () => invocation,
  );
  const code = await bundleResolvers(loadResolverCatalog(), settings);
  const modules = new Map<string, ResolverModule>();
  for (const [name, text] of code)
    modules.set(
      name,
      loadResolverModule(name, text, appsync, () => undefined),
    );
  return (name) => {
    const module = modules.get(name);
    if (module === undefined) throw new Error(`no bundle ${name}`);
    return module;
  };
}

/** Runs one handler and reports how it ended. */
export function call(handler: (ctx: object) => unknown, ctx: object): Outcome {
  try {
    return { kind: 'value', value: JSON.parse(JSON.stringify(handler(ctx) ?? null)) as unknown };
  } catch (error) {
    if (error instanceof EarlyReturn) return { kind: 'earlyReturn', value: error.value };
    if (error instanceof ResolverError) {
      return {
        kind: 'error',
        message: error.message,
        errorType: error.errorType,
        errorInfo: error.errorInfo,
      };
    }
    throw error;
  }
}

/** A resolver context for `sub` with the given arguments. */
export function context(args: object, extra: object = {}, sub = 'alice'): Record<string, unknown> {
  return {
    arguments: args,
    args,
    identity: {
      sub,
      issuer: 'local',
      username: sub,
      claims: {},
      sourceIp: ['127.0.0.1'],
      defaultAuthStrategy: 'ALLOW',
      groups: null,
    },
    source: null,
    stash: {},
    prev: { result: {} },
    info: {
      fieldName: 'x',
      parentTypeName: 'Query',
      variables: {},
      selectionSetList: [],
      selectionSetGraphQL: '',
    },
    request: { headers: {}, domainName: null },
    env: {},
    ...extra,
  };
}
