/**
 * `npm run build [-- --stack <stack>] [--out <directory>]`
 *
 * Bundles every Lambda handler and every AppSync resolver exactly as `pulumi up` does for that
 * stack (the resolvers have the stack's settings compiled in), writes them under
 * `<out>/<stack>/` (default `dist/`), and prints each bundle's size. Nothing is deployed; the
 * platform team uses it to inspect or diff what a deploy would ship. Exit codes: 0 built, 1 a
 * bundle failed (a resolver over the project's size budget, a compile error), 2 bad arguments.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { apiSettingsFor } from '#shared/api-settings.ts';
import { PROJECT, parseStackConfig, readStackConfigValues } from '#shared/stack-config.ts';
import { bundleFunctions, PREBUILT_FUNCTIONS_ENV, SOURCE_MAP_FILE } from './functions.ts';
import {
  APPSYNC_CODE_LIMIT,
  bundleResolvers,
  loadResolverCatalog,
  RESOLVER_CODE_BUDGET,
} from './resolvers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USAGE = `usage: npm run build -- [--stack <stack>] [--out <directory>]

  --stack  the stack whose Pulumi.<stack>.yaml configures the resolvers (default: dev)
  --out    where to write <stack>/functions and <stack>/resolvers (default: dist)`;

function fail(message: string): never {
  console.error(`build: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values: { stack?: string; out?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      stack: { type: 'string', default: 'dev' },
      out: { type: 'string', default: 'dist' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (values.help === true) {
  console.log(USAGE);
  process.exit(0);
}
const stack = values.stack ?? 'dev';
const configFile = join(ROOT, `Pulumi.${stack}.yaml`);
if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(configFile)) {
  fail(`no stack configuration Pulumi.${stack}.yaml`);
}
const target = join(resolve(values.out ?? 'dist'), stack);

function write(file: string, text: string): number {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return Buffer.byteLength(text);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

// A build always bundles from source, even in a shell that points at earlier bundles.
Reflect.deleteProperty(process.env, PREBUILT_FUNCTIONS_ENV);

try {
  const config = parseStackConfig(readStackConfigValues(configFile));
  const catalog = loadResolverCatalog();
  const [functions, resolvers] = await Promise.all([
    bundleFunctions(),
    bundleResolvers(catalog, apiSettingsFor(`${PROJECT}-${stack}`, config)),
  ]);
  rmSync(target, { recursive: true, force: true });
  const rows: string[] = [];
  for (const [name, bundle] of functions) {
    // The file name and handler the Lambdas deploy with: index.mjs, index.handler.
    const size = write(join(target, 'functions', name, 'index.mjs'), bundle.code);
    write(join(target, 'functions', name, SOURCE_MAP_FILE), bundle.sourceMap);
    rows.push(`| Lambda   | ${name} | ${kib(size)} |`);
  }
  for (const [name, code] of resolvers) {
    const size = write(join(target, 'resolvers', `${name}.js`), code);
    rows.push(`| resolver | ${name} | ${kib(size)} |`);
  }
  write(join(target, 'schema.graphql'), catalog.schema);
  console.log(
    [
      `Built ${functions.size} Lambdas and ${resolvers.size} resolvers for ${stack} in ${target}`,
      `(resolvers: at most ${RESOLVER_CODE_BUDGET} characters each, this project's budget; AppSync's limit is ${APPSYNC_CODE_LIMIT})`,
      '',
      '| kind     | name | size |',
      '| -------- | ---- | ---: |',
      ...rows,
    ].join('\n'),
  );
} catch (error) {
  console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
