/**
 * Finds the Lambda handlers (`functions/<name>/handler.ts`) and bundles each into one ES module
 * for `nodejs24.x`: Pulumi deploys these bundles and the local stack runs the same files.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { runtimeClassNames } from './runtime-names.ts';
import {
  compactSdkExceptions,
  nativeHashesOnly,
  noEventStreams,
  pureSdkSchemas,
  sdkPackageVersions,
  sideEffectFreeDocumentClient,
} from './sdk-plugins.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FUNCTIONS_DIR = join(ROOT, 'functions');

/** Folders of `functions/` that hold shared code rather than a Lambda. */
const NOT_FUNCTIONS = new Set(['lib']);

/** The names of every Lambda: the folders of `functions/` with a `handler.ts`. */
export function functionNames(dir: string = FUNCTIONS_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !NOT_FUNCTIONS.has(entry.name))
    .filter((entry) => existsSync(join(dir, entry.name, 'handler.ts')))
    .map((entry) => entry.name)
    .sort();
}

/** The size every Lambda bundle must stay within (issue 15): a smaller module loads faster. */
export const BUNDLE_BUDGET_BYTES = 300 * 1024;

/**
 * The order Lambdas' larger budget: they also carry the exchange adapters, Powertools idempotency
 * and the secrets they sign with.
 */
export const ORDER_BUNDLE_BUDGET_BYTES = 400 * 1024;
const ORDER_FUNCTIONS = new Set(['place-order', 'block-worker']);

/**
 * Functions still above their budget, each with the ceiling it may not grow past (its size when
 * last measured, plus about 1 KiB). What keeps them there goes in the README (Benchmarks); every
 * entry is work left, to be removed once the function fits. None today.
 */
export const OVER_BUDGET_CEILINGS: Readonly<Record<string, number>> = {};

/** The budget of the Lambda `name` (issue 15), whether or not it is there yet. */
export function bundleTargetBytes(name: string): number {
  return ORDER_FUNCTIONS.has(name) ? ORDER_BUNDLE_BUDGET_BYTES : BUNDLE_BUDGET_BYTES;
}

/** The most bytes the bundle of the Lambda `name` may have: its ceiling, or else its budget. */
export function bundleBudgetBytes(name: string): number {
  return OVER_BUDGET_CEILINGS[name] ?? bundleTargetBytes(name);
}

export interface FunctionBundle {
  readonly name: string;
  /** The ES module Lambda loads as `index.mjs` (handler `index.handler`). */
  readonly code: string;
  /**
   * Its source map, deployed beside it as {@link SOURCE_MAP_FILE}: positions and names only, no
   * source text. Node reads it only with `--enable-source-maps` (README, Monitoring).
   */
  readonly sourceMap: string;
}

/** The file name of a bundle's source map, next to `index.mjs`, which names it in its last line. */
export const SOURCE_MAP_FILE = 'index.mjs.map';

/**
 * The environment variable naming a folder of Lambda bundles built earlier (`npm run build`'s
 * `<out>/<stack>` folder, which holds `functions/<name>/index.mjs`). When it is set,
 * {@link bundleFunctions} answers those files instead of bundling again: a test run bundles once
 * for every local stack and Pulumi program it starts, and a pipeline can deploy exactly the
 * artifacts it built and tested.
 */
export const PREBUILT_FUNCTIONS_ENV = 'SAVINGS_PLAN_BUY_PREBUILT';

/** Where a prebuilt folder keeps the bundle of the Lambda `name`, as `npm run build` writes it. */
export function prebuiltBundleFile(dir: string, name: string): string {
  return join(dir, 'functions', name, 'index.mjs');
}

/**
 * Bundles every handler with its dependencies (the AWS SDK included, so the deployed version is
 * the tested one), minified without names (why: {@link LAMBDA_CODE_OPTIONS}), each with its
 * source map (`index.mjs.map`). What is left out of the SDK
 * and why: `build/lambda-credentials.ts`, `build/lru-cache.ts` and `build/sdk-plugins.ts` (with
 * `build/sdk-exceptions.ts`); the X-Ray SDK:
 * `functions/lib/aws.ts`. With
 * {@link PREBUILT_FUNCTIONS_ENV} set, reads the bundles built earlier instead.
 */
export async function bundleFunctions(
  names: readonly string[] = functionNames(),
): Promise<Map<string, FunctionBundle>> {
  const prebuilt = process.env[PREBUILT_FUNCTIONS_ENV];
  if (prebuilt !== undefined && prebuilt !== '') return readPrebuiltFunctions(prebuilt, names);
  const result = await build(bundleOptions(names));
  const bundles = new Map<string, FunctionBundle>();
  for (const name of names) {
    const output = result.outputFiles.find(
      (file) => file.path === join(ROOT, 'lambda', `${name}.js`),
    );
    const map = result.outputFiles.find(
      (file) => file.path === join(ROOT, 'lambda', `${name}.js.map`),
    );
    if (output === undefined || map === undefined) {
      throw new Error(`esbuild produced no bundle or no source map for ${name}`);
    }
    bundles.set(name, { name, code: output.text, sourceMap: map.text });
  }
  return bundles;
}

/**
 * The code every Lambda bundle is: an ES module for Node 24 with a `require` of its own, minified.
 * Shared with tests that bundle SDK modules the way the Lambdas do.
 *
 * Names are not kept: `keepNames` cost about 7% of every bundle (15 to 25 KiB) and a call per
 * function as the module loads. The two class names dependencies compare at run time are given
 * back by `runtimeClassNames` (`build/runtime-names.ts`); errors of this system name themselves
 * (`this.name = '...'`), the SDK's exceptions too (`build/sdk-exceptions.ts`). Stack traces name
 * minified functions; with `NODE_OPTIONS=--enable-source-maps` on a function, Node maps them to
 * the TypeScript sources through the deployed `index.mjs.map` (README, Monitoring).
 */
export const LAMBDA_CODE_OPTIONS = {
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: false,
  // Some dependencies still call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
} as const satisfies BuildOptions;

/**
 * How every Lambda is bundled (esbuild's options for the handlers of `names`, in memory). Exported
 * for `npm run bench:bundles -- --packages <name>`, which asks esbuild what a bundle holds.
 */
export function bundleOptions(names: readonly string[]): BuildOptions & { write: false } {
  return {
    absWorkingDir: ROOT,
    entryPoints: names.map((name) => ({ in: join(FUNCTIONS_DIR, name, 'handler.ts'), out: name })),
    outdir: 'lambda',
    bundle: true,
    write: false,
    ...LAMBDA_CODE_OPTIONS,
    legalComments: 'none',
    logLevel: 'silent',
    // Names and positions for `--enable-source-maps`, which the names esbuild no longer keeps
    // need; no source text (maps stay about 350 KiB, and the code is in the repository).
    sourcemap: 'external',
    sourcesContent: false,
    footer: { js: `//# sourceMappingURL=${SOURCE_MAP_FILE}` },
    alias: {
      // On Lambda credentials always come from the environment: the rest of the default chain
      // (SSO, ini files, process, web identity, instance metadata, with STS) never runs there.
      '@aws-sdk/credential-provider-node': './build/lambda-credentials.ts',
      // The DynamoDB client's endpoint-discovery cache, on a Map (why: build/lru-cache.ts).
      'mnemonist/lru-cache': './build/lru-cache.ts',
    },
    plugins: [
      runtimeClassNames,
      pureSdkSchemas,
      compactSdkExceptions,
      noEventStreams,
      nativeHashesOnly,
      sdkPackageVersions,
      sideEffectFreeDocumentClient,
    ],
  };
}

/**
 * Reads prebuilt bundles. A missing one is an error, never a reason to bundle quietly: the point
 * of prebuilt bundles is that what runs is exactly what was built.
 */
function readPrebuiltFunctions(dir: string, names: readonly string[]): Map<string, FunctionBundle> {
  const bundles = new Map<string, FunctionBundle>();
  for (const name of names) {
    const file = prebuiltBundleFile(dir, name);
    const map = join(dirname(file), SOURCE_MAP_FILE);
    for (const [what, path] of [
      ['bundle', file],
      ['source map', map],
    ] as const) {
      if (!existsSync(path)) {
        throw new Error(
          `${PREBUILT_FUNCTIONS_ENV} is ${dir}, which has no ${what} for ${name} (${path}); run npm run build, or unset it to bundle now`,
        );
      }
    }
    bundles.set(name, {
      name,
      code: readFileSync(file, 'utf8'),
      sourceMap: readFileSync(map, 'utf8'),
    });
  }
  return bundles;
}

/**
 * Writes bundles in the prebuilt layout ({@link prebuiltBundleFile}) under `dir`, for
 * {@link PREBUILT_FUNCTIONS_ENV}.
 */
export function writePrebuiltFunctions(dir: string, bundles: Map<string, FunctionBundle>): void {
  for (const bundle of bundles.values()) {
    const file = prebuiltBundleFile(dir, bundle.name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bundle.code);
    writeFileSync(join(dirname(file), SOURCE_MAP_FILE), bundle.sourceMap);
  }
}

/**
 * Writes a bundle where a local worker can import it: a content-addressed file, so concurrent
 * stacks and test files never see each other's half-written bundles.
 */
export function writeBundle(bundle: FunctionBundle): string {
  const dir = join(tmpdir(), 'savings-plan-buy-functions');
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha256').update(bundle.code).digest('hex').slice(0, 16);
  const file = join(dir, `${bundle.name}-${hash}.mjs`);
  if (!existsSync(file)) {
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temporary, bundle.code);
    renameSync(temporary, file);
  }
  return file;
}
