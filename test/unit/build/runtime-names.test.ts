/**
 * Bundles are minified without names (`build/functions.ts`): the class names dependencies compare
 * at run time are listed in `build/runtime-names.ts` and given back, and every comparison in the
 * modules the bundles hold is with a listed name.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleOptions, functionNames, LAMBDA_CODE_OPTIONS } from '#build/functions.ts';
import {
  comparedClassNames,
  RUNTIME_CLASS_NAMES,
  runtimeClassNames,
  withClassName,
} from '#build/runtime-names.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'runtime-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The two classes as a Lambda bundle holds them, built with `plugins`. */
async function bundledClasses(plugins: Plugin[]): Promise<Record<string, { name: string }>> {
  const result = await build({
    stdin: {
      contents: [
        "export { NoOpLogger } from '@smithy/core/client';",
        "export { BatchProcessor } from '@aws-lambda-powertools/batch';",
      ].join('\n'),
      resolveDir: ROOT,
    },
    bundle: true,
    write: false,
    ...LAMBDA_CODE_OPTIONS,
    logLevel: 'silent',
    plugins,
  });
  const file = join(dir, `classes-${plugins.length}.mjs`);
  writeFileSync(file, result.outputFiles[0]?.text ?? '');
  return (await import(pathToFileURL(file).href)) as Record<string, { name: string }>;
}

describe('comparedClassNames', () => {
  it('finds comparisons of constructor names, with or without optional chaining', () => {
    expect(
      comparedClassNames(
        [
          'if (!context.logger || context.logger?.constructor?.name === "NoOpLogger") {}',
          "if (this.constructor.name === 'BatchProcessor') {}",
          'const w = !clientLogger.constructor?.name?.includes?.("NoOpLogger");',
          'if (runtimeConfig.logger.constructor?.name !== "Other") {}',
          'return binaryTypes.includes(data.constructor.name);',
          'throw new Error(`${this.constructor.name} missing`);',
        ].join('\n'),
      ),
    ).toEqual(['NoOpLogger', 'BatchProcessor', 'NoOpLogger', 'Other']);
  });
});

describe('runtimeClassNames', () => {
  it('lists exactly the classes of the bundles whose names their modules compare', async () => {
    const result = await build({ ...bundleOptions(functionNames()), metafile: true });
    const compared = new Set<string>();
    const declared = new Set<string>();
    for (const input of Object.keys(result.metafile.inputs)) {
      // Modules a plugin made up (`<namespace>:<name>`) have no file; they compare nothing.
      if (input.includes(':')) continue;
      const source = readFileSync(join(ROOT, input), 'utf8');
      for (const name of comparedClassNames(source)) compared.add(name);
      for (const match of source.matchAll(/\bclass\s+([A-Za-z_$][\w$]*)/g)) {
        declared.add(match[1] as string);
      }
    }
    // Built-ins (Map, Set, ...) keep their names, and a class no bundle holds (the SDK's
    // FetchHttpHandler, for browsers) compares unequal either way.
    expect([...compared].filter((name) => declared.has(name)).sort()).toEqual(
      Object.keys(RUNTIME_CLASS_NAMES).sort(),
    );
    expect(compared).toContain('FetchHttpHandler');
  });

  it('gives the listed classes their names back in a minified bundle, which would lose them', async () => {
    const minified = await bundledClasses([]);
    const named = await bundledClasses([runtimeClassNames]);

    expect(minified.NoOpLogger?.name).not.toBe('NoOpLogger');
    expect(minified.BatchProcessor?.name).not.toBe('BatchProcessor');
    expect([named.NoOpLogger?.name, named.BatchProcessor?.name]).toEqual([
      'NoOpLogger',
      'BatchProcessor',
    ]);
  });

  it('fails the build, saying what to update, when a listed module no longer declares its class', () => {
    expect(() => withClassName('export class Logger {}', 'NoOpLogger', 'x/NoOpLogger.js')).toThrow(
      'x/NoOpLogger.js no longer declares class NoOpLogger, whose name dependencies compare at run time: update RUNTIME_CLASS_NAMES (build/runtime-names.ts)',
    );
  });
});
