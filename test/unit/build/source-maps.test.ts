/**
 * Every bundle ships with its source map (`index.mjs.map`, `build/functions.ts`): without
 * `--enable-source-maps` Node never reads it, with it a stack trace names the TypeScript source.
 * The bundles are the run's (`test/support/bundles-setup.ts`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunctions, SOURCE_MAP_FILE } from '#build/functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'source-maps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The stack of the error the calendar Lambda throws for an unknown operation. */
function stackOfFailedCall(file: string, flags: string[]): string {
  const script = [
    `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    "try { await handler({ operation: 'unknown' }); } catch (error) { console.log(error.stack); }",
  ].join('\n');
  const run = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  return run.stdout;
}

describe('Lambda source maps', () => {
  it('name the TypeScript source in stack traces with --enable-source-maps, and only then', async () => {
    const bundle = (await bundleFunctions(['calendar'])).get('calendar');
    if (bundle === undefined) throw new Error('no calendar bundle');
    const folder = join(dir, 'calendar');
    mkdirSync(folder);
    const file = join(folder, 'index.mjs');
    writeFileSync(file, bundle.code);
    writeFileSync(join(folder, SOURCE_MAP_FILE), bundle.sourceMap);

    expect(bundle.code.trimEnd().split('\n').at(-1)).toBe(
      `//# sourceMappingURL=${SOURCE_MAP_FILE}`,
    );
    expect(JSON.parse(bundle.sourceMap)).not.toHaveProperty('sourcesContent');
    const plain = stackOfFailedCall(file, []);
    const mapped = stackOfFailedCall(file, ['--enable-source-maps']);
    expect(plain).toContain('InvalidCalendarRequestError: unknown operation unknown');
    expect(plain).not.toContain('handler.ts');
    expect(mapped).toContain('InvalidCalendarRequestError: unknown operation unknown');
    expect(mapped).toContain(join('functions', 'calendar', 'handler.ts'));
  });
});
