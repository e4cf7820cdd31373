/**
 * Prebuilt bundles: with `SAVINGS_PLAN_BUY_PREBUILT` set, the build answers the bundles in that
 * folder (what a test run or a pipeline built once) and refuses to bundle quietly when one is
 * missing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bundleFunctions,
  PREBUILT_FUNCTIONS_ENV,
  prebuiltBundleFile,
  SOURCE_MAP_FILE,
  writePrebuiltFunctions,
} from '#build/functions.ts';

let dir: string;
let before: string | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prebuilt-test-'));
  before = process.env[PREBUILT_FUNCTIONS_ENV];
  process.env[PREBUILT_FUNCTIONS_ENV] = dir;
});

afterEach(() => {
  if (before === undefined) Reflect.deleteProperty(process.env, PREBUILT_FUNCTIONS_ENV);
  else process.env[PREBUILT_FUNCTIONS_ENV] = before;
  rmSync(dir, { recursive: true, force: true });
});

describe('bundleFunctions with prebuilt bundles', () => {
  it('answers the bundles in the folder, in the layout npm run build writes', async () => {
    const bundles = new Map([
      ['decide', { name: 'decide', code: 'export const handler = () => 1;', sourceMap: '{"a":1}' }],
      ['notifier', { name: 'notifier', code: 'export const handler = () => 2;', sourceMap: '{}' }],
    ]);
    writePrebuiltFunctions(dir, bundles);

    expect(prebuiltBundleFile(dir, 'decide')).toBe(join(dir, 'functions', 'decide', 'index.mjs'));
    expect(readFileSync(join(dir, 'functions', 'decide', SOURCE_MAP_FILE), 'utf8')).toBe('{"a":1}');
    expect(await bundleFunctions(['decide', 'notifier'])).toEqual(bundles);
  });

  it('refuses when a bundle is missing, naming it and the folder', async () => {
    writePrebuiltFunctions(dir, new Map([['decide', { name: 'decide', code: '', sourceMap: '' }]]));

    await expect(bundleFunctions(['decide', 'notifier'])).rejects.toThrow(
      `${PREBUILT_FUNCTIONS_ENV} is ${dir}, which has no bundle for notifier (${join(dir, 'functions', 'notifier', 'index.mjs')}); run npm run build, or unset it to bundle now`,
    );
  });

  it('refuses when a source map is missing: what deploys is all of what was built', async () => {
    writePrebuiltFunctions(dir, new Map([['decide', { name: 'decide', code: '', sourceMap: '' }]]));
    const map = join(dir, 'functions', 'decide', SOURCE_MAP_FILE);
    rmSync(map);

    await expect(bundleFunctions(['decide'])).rejects.toThrow(
      `${PREBUILT_FUNCTIONS_ENV} is ${dir}, which has no source map for decide (${map}); run npm run build, or unset it to bundle now`,
    );
  });
});
