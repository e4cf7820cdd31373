/**
 * Prebuilt bundles: with `SAVINGS_PLAN_BUY_PREBUILT` set, the build answers the bundles in that
 * folder (what a test run or a pipeline built once) and refuses to bundle quietly when one is
 * missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bundleFunctions,
  PREBUILT_FUNCTIONS_ENV,
  prebuiltBundleFile,
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
    writePrebuiltFunctions(
      dir,
      new Map([
        ['decide', { name: 'decide', code: 'export const handler = () => 1;' }],
        ['notifier', { name: 'notifier', code: 'export const handler = () => 2;' }],
      ]),
    );

    expect(prebuiltBundleFile(dir, 'decide')).toBe(join(dir, 'functions', 'decide', 'index.mjs'));
    expect(await bundleFunctions(['decide', 'notifier'])).toEqual(
      new Map([
        ['decide', { name: 'decide', code: 'export const handler = () => 1;' }],
        ['notifier', { name: 'notifier', code: 'export const handler = () => 2;' }],
      ]),
    );
  });

  it('refuses when a bundle is missing, naming it and the folder', async () => {
    writePrebuiltFunctions(dir, new Map([['decide', { name: 'decide', code: '' }]]));

    await expect(bundleFunctions(['decide', 'notifier'])).rejects.toThrow(
      `${PREBUILT_FUNCTIONS_ENV} is ${dir}, which has no bundle for notifier (${join(dir, 'functions', 'notifier', 'index.mjs')}); run npm run build, or unset it to bundle now`,
    );
  });
});
