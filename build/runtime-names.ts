/**
 * The class names that dependencies of the Lambdas compare at run time, kept in bundles that are
 * minified without names (`build/functions.ts`).
 *
 * esbuild's `keepNames` keeps every function's and class's name, at about 7% of each bundle (15
 * to 25 KiB) and one `Object.defineProperty` call per function when the module loads. Only two
 * names are ever compared:
 *
 * - the SDK's `NoOpLogger`: its middleware writes a hint to the console instead of the client's
 *   logger when the logger is one (`logger?.constructor?.name === "NoOpLogger"`, in
 *   `@smithy/core`'s deserializer, schema and retry middleware and waiter);
 * - Powertools batch's `BatchProcessor`: `processSync` fails fast when the processor is the
 *   asynchronous one (`this.constructor.name === 'BatchProcessor'`).
 *
 * This plugin gives those two classes their name back, and nothing else. Other comparisons are
 * with built-ins (`Map`, `Set`: their names stay) or with classes no bundle holds (the S3
 * middleware's `FetchHttpHandler`, for browsers: unequal either way).
 * `test/unit/build/runtime-names.test.ts` reads every module the bundles hold and fails when one
 * compares the name of a class the bundles declare that is not listed here, so a dependency
 * update that adds one fails a test instead of changing behaviour in the minified bundles.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/** Each class whose name is compared at run time, and the module of the bundles that defines it. */
export const RUNTIME_CLASS_NAMES: Readonly<Record<string, RegExp>> = {
  NoOpLogger:
    /[\\/]node_modules[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]client[\\/]smithy-client[\\/]NoOpLogger\.js$/,
  BatchProcessor:
    /[\\/]node_modules[\\/]@aws-lambda-powertools[\\/]batch[\\/]lib[\\/]esm[\\/]BatchProcessor\.js$/,
};

/**
 * The class names a module's source compares with `constructor.name` (`=== "X"`, `!== 'X'`,
 * `.includes("X")`, optional chaining or not), in order of appearance.
 */
export function comparedClassNames(source: string): string[] {
  const comparison =
    /constructor\??\.name(?:\??\.includes\??\.\(\s*|\s*[!=]==?\s*)["']([A-Za-z_$][\w$]*)["']/g;
  return [...source.matchAll(comparison)].map((match) => match[1] as string);
}

/** Appends `Object.defineProperty(X, 'name', ...)` to the module that declares class `X`. */
export function withClassName(source: string, name: string, file: string): string {
  if (!new RegExp(`\\bclass ${name}\\b`).test(source)) {
    throw new Error(
      `${file} no longer declares class ${name}, whose name dependencies compare at run time: update RUNTIME_CLASS_NAMES (build/runtime-names.ts)`,
    );
  }
  return `${source}\nObject.defineProperty(${name}, 'name', { value: '${name}' });\n`;
}

export const runtimeClassNames: Plugin = {
  name: 'runtime-class-names',
  setup(build) {
    for (const [name, module] of Object.entries(RUNTIME_CLASS_NAMES)) {
      build.onLoad({ filter: module }, async (args) => ({
        contents: withClassName(await readFile(args.path, 'utf8'), name, args.path),
        loader: 'js',
      }));
    }
  },
};
