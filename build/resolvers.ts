/**
 * Finds the resolver files, checks them against the schema and the manifest, and bundles them
 * for the APPSYNC_JS runtime. Pulumi deploys these bundles and the local stack runs them, so both
 * execute the same code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildSchema, isObjectType } from 'graphql';
import {
  functions as functionManifest,
  resolvers as resolverManifest,
  type DataSourceStep,
  type Pipeline,
} from '../resolvers/manifest.ts';
import { API_SETTINGS_IDENTIFIER, type ApiSettings } from '#shared/api-settings.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const RESOLVERS_DIR = fileURLToPath(new URL('../resolvers/', import.meta.url));

/** AppSync's limit on the code of one resolver or function, in characters. */
export const APPSYNC_CODE_LIMIT = 32_768;

/**
 * The most code this project lets one resolver or function bundle to, in characters (28 KiB):
 * the build fails past it, well before AppSync's limit, so a bundle that grows is split into
 * pipeline functions (`resolvers/pipeline/`) while there is still room to do it calmly.
 */
export const RESOLVER_CODE_BUDGET = 28 * 1024;

/** Scalars and directives AppSync defines itself; a schema for plain GraphQL tools needs them. */
export const APPSYNC_SCHEMA_PRELUDE = `
scalar AWSDate
scalar AWSTime
scalar AWSDateTime
scalar AWSTimestamp
scalar AWSEmail
scalar AWSJSON
scalar AWSURL
scalar AWSPhone
scalar AWSIPAddress
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
`;

export interface ResolverEntry {
  readonly typeName: string;
  readonly fieldName: string;
  readonly file: string;
  readonly config: DataSourceStep | Pipeline;
}

export interface FunctionEntry {
  readonly name: string;
  readonly file: string;
  readonly config: DataSourceStep;
}

export interface ResolverCatalog {
  /** The schema exactly as AppSync receives it. */
  readonly schema: string;
  readonly resolvers: readonly ResolverEntry[];
  readonly functions: readonly FunctionEntry[];
}

/** Thrown when resolver files, manifest and schema disagree; the message lists every mismatch. */
export class ResolverCatalogError extends Error {
  constructor(problems: readonly string[]) {
    super(`Resolvers do not match the schema and manifest:\n- ${problems.join('\n- ')}`);
    this.name = 'ResolverCatalogError';
  }
}

const FIELD_FILE = /^([A-Z][A-Za-z0-9]*)\.([A-Za-z][A-Za-z0-9]*)\.ts$/;

/**
 * Reads `resolvers/`: every `<Type>.<field>.ts` must name a schema field and have a manifest entry;
 * every Query, Mutation and Subscription field must have a resolver; every function file must be in
 * the manifest and used by a pipeline.
 */
export function loadResolverCatalog(dir: string = RESOLVERS_DIR): ResolverCatalog {
  const schemaText = readFileSync(`${dir}/schema.graphql`, 'utf8');
  const schema = buildSchema(APPSYNC_SCHEMA_PRELUDE + schemaText);
  const problems: string[] = [];
  const resolvers: ResolverEntry[] = [];
  const seen = new Set<string>();

  for (const file of readdirSync(dir).sort()) {
    const match = FIELD_FILE.exec(file);
    if (!match) continue;
    const [, typeName = '', fieldName = ''] = match;
    const key = `${typeName}.${fieldName}`;
    seen.add(key);
    const type = schema.getType(typeName);
    if (!isObjectType(type) || type.getFields()[fieldName] === undefined) {
      problems.push(`resolvers/${file} names ${key}, which the schema does not have`);
      continue;
    }
    const config = resolverManifest[key];
    if (config === undefined) {
      problems.push(`resolvers/${file} has no entry in resolvers/manifest.ts`);
      continue;
    }
    resolvers.push({ typeName, fieldName, file: `${dir}/${file}`, config });
  }
  for (const key of Object.keys(resolverManifest)) {
    if (!seen.has(key)) problems.push(`resolvers/manifest.ts lists ${key}, which has no file`);
  }
  for (const type of [
    schema.getQueryType(),
    schema.getMutationType(),
    schema.getSubscriptionType(),
  ]) {
    for (const field of Object.keys(type?.getFields() ?? {})) {
      if (type !== null && type !== undefined && !seen.has(`${type.name}.${field}`)) {
        problems.push(`${type.name}.${field} has no resolver (resolvers/${type.name}.${field}.ts)`);
      }
    }
  }

  const functionFiles = readdirSync(`${dir}/pipeline`)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort();
  const used = new Set(
    resolvers.flatMap((entry) => ('pipeline' in entry.config ? entry.config.pipeline : [])),
  );
  const functions: FunctionEntry[] = [];
  for (const name of functionFiles) {
    const config = (functionManifest as Record<string, DataSourceStep>)[name];
    if (config === undefined) {
      problems.push(`resolvers/pipeline/${name}.ts has no entry in resolvers/manifest.ts`);
    } else if (!used.has(name as never)) {
      problems.push(`resolvers/pipeline/${name}.ts is not used by any pipeline`);
    } else {
      functions.push({ name, file: `${dir}/pipeline/${name}.ts`, config });
    }
  }
  for (const name of used) {
    if (!functionFiles.includes(name)) {
      problems.push(`a pipeline uses function ${name}, which has no file in resolvers/pipeline/`);
    }
  }
  if (problems.length > 0) throw new ResolverCatalogError(problems);
  return { schema: schemaText, resolvers, functions };
}

/** Bundled code of every resolver (`<Type>.<field>`) and pipeline function (`pipeline/<name>`). */
export type ResolverCode = ReadonlyMap<string, string>;

/** Thrown when a bundle exceeds {@link RESOLVER_CODE_BUDGET}. */
export class ResolverTooLargeError extends Error {
  /** The bundle: `<Type>.<field>` or `pipeline/<name>`. */
  readonly resolver: string;
  /** Its code, in characters. */
  readonly size: number;

  constructor(resolver: string, size: number) {
    super(
      `${resolver}: bundled code is ${size} characters, over this project's budget of ` +
        `${RESOLVER_CODE_BUDGET} (AppSync accepts at most ${APPSYNC_CODE_LIMIT}); move code it ` +
        'does not share into a pipeline function of its own (resolvers/pipeline/)',
    );
    this.name = 'ResolverTooLargeError';
    this.resolver = resolver;
    this.size = size;
  }
}

/** Fails the build when a bundle's code is over {@link RESOLVER_CODE_BUDGET}. */
export function checkCodeBudget(resolver: string, code: string): void {
  if (code.length > RESOLVER_CODE_BUDGET) throw new ResolverTooLargeError(resolver, code.length);
}

/**
 * Bundles every resolver and function with `settings` compiled in: ES module, `@aws-appsync/*`
 * left to the runtime, an inline source map without sources (AppSync shows it in errors). The
 * deploy, the local stack and `npm run build` all bundle here, so each refuses a bundle over
 * {@link RESOLVER_CODE_BUDGET} alike.
 */
export async function bundleResolvers(
  catalog: ResolverCatalog,
  settings: ApiSettings,
): Promise<ResolverCode> {
  const entries = [
    ...catalog.resolvers.map((entry) => ({
      name: `${entry.typeName}.${entry.fieldName}`,
      file: entry.file,
    })),
    ...catalog.functions.map((entry) => ({ name: `pipeline/${entry.name}`, file: entry.file })),
  ];
  const result = await build({
    entryPoints: entries.map((entry) => ({ in: entry.file, out: entry.name })),
    outdir: 'appsync',
    // Relative paths in source maps, so bundles (and deployments) do not depend on the checkout's path.
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    external: ['@aws-appsync/*'],
    sourcemap: 'inline',
    sourcesContent: false,
    minifyWhitespace: true,
    treeShaking: true,
    logLevel: 'silent',
    define: { [API_SETTINGS_IDENTIFIER]: JSON.stringify(settings) },
  });
  const code = new Map<string, string>();
  for (const entry of entries) {
    const output = result.outputFiles.find(
      (file) => file.path === `${ROOT}appsync/${entry.name}.js`,
    );
    if (output === undefined) throw new Error(`esbuild produced no output for ${entry.name}`);
    checkCodeBudget(entry.name, output.text);
    code.set(entry.name, output.text);
  }
  return code;
}
