/**
 * `npm run lint:workflows`: validates every GitHub Actions workflow in `.github/workflows/` against
 * the workflow schema with `@action-validator/cli` (offline; GitHub itself cannot be reached from
 * the development machines). Exits 1 when a workflow is invalid or when there is none to check, so
 * a renamed folder cannot pass silently. The pipeline's own rules (environments, policy pack,
 * permissions, pinning) are asserted by `test/unit/pipeline/workflows.test.ts`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORKFLOWS = join(ROOT, '.github/workflows');
const VALIDATOR = join(ROOT, 'node_modules/.bin/action-validator');

const files = readdirSync(WORKFLOWS)
  .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
  .sort();
if (files.length === 0) {
  console.error(`lint:workflows: no workflow in ${WORKFLOWS}`);
  process.exit(1);
}

let invalid = 0;
for (const name of files) {
  // The validator prints its findings (JSON) itself; one file per run is what its CLI takes.
  const run = spawnSync(VALIDATOR, [join(WORKFLOWS, name)], { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) {
    invalid += 1;
    console.error(`lint:workflows: ${name} is not a valid workflow`);
  }
}
console.error(`lint:workflows: ${files.length - invalid} of ${files.length} workflows valid`);
process.exit(invalid === 0 ? 0 : 1);
