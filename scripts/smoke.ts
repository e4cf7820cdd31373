/**
 * `npm run smoke -- --stack <stack>`: checks a released stack is on its release and healthy. See
 * `scripts/lib/release/smoke.ts`.
 */
import { systemClock } from './lib/release/clock.ts';
import { awsClients, runSmoke } from './lib/release/run.ts';
import { pulumiStackOutput } from './lib/release/targets.ts';

process.exitCode = await runSmoke(process.argv.slice(2), {
  clients: awsClients,
  stackOutput: pulumiStackOutput,
  clock: systemClock,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
