/**
 * Bundles the Lambdas once for the whole test run and hands the folder to every test file
 * ({@link PREBUILT_FUNCTIONS_ENV}), so each local stack and Pulumi program a test starts reads
 * these bundles instead of running esbuild again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleFunctions, writePrebuiltFunctions } from '#build/functions.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    prebuiltFunctions: string;
  }
}

/** One folder per run, shared by the projects of the run (their setups run in one process). */
const run = globalThis as { savingsPlanBuyBundles?: Promise<string> };

async function bundleOnce(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'savings-plan-buy-bundles-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  writePrebuiltFunctions(dir, await bundleFunctions());
  return dir;
}

export default async function setup(project: TestProject) {
  run.savingsPlanBuyBundles ??= bundleOnce();
  project.provide('prebuiltFunctions', await run.savingsPlanBuyBundles);
}
