/**
 * Runs the bootstrap program (`bootstrap/index.ts`) under Pulumi's mocks with a bootstrap stack's
 * config, as `test/unit/infra/program.ts` does for the main program. One run per test file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runProgram, type ProgramRun } from '../../../policies/report/program.ts';
import type { PackConfig } from '../../../policies/report/evaluate.ts';
import { BOOTSTRAP_PROJECT } from '../../../bootstrap/names.ts';

export { ACCOUNT, REGION } from '../../../policies/report/program.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The pack configuration the bootstrap stacks run with (`--policy-pack-config`). */
export const BOOTSTRAP_PACK_CONFIG = JSON.parse(
  readFileSync(join(ROOT, 'bootstrap/policy-config.json'), 'utf8'),
) as PackConfig;

export function runBootstrap(
  stack: string,
  overrides: Readonly<Record<string, unknown>> = {},
): Promise<ProgramRun> {
  return runProgram(stack, overrides, {
    program: join(ROOT, 'bootstrap/index.ts'),
    project: BOOTSTRAP_PROJECT,
    configFile: join(ROOT, `bootstrap/Pulumi.${stack}.yaml`),
  });
}
