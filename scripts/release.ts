/**
 * `npm run release -- --stack <stack>`: shifts the released functions' and the state machine's
 * `live` aliases to what `pulumi up` published, and waits. See `scripts/lib/release/run.ts`.
 */
import { systemClock } from './lib/release/clock.ts';
import { awsClients, runRelease } from './lib/release/run.ts';
import { pulumiStackOutput } from './lib/release/targets.ts';

process.exitCode = await runRelease(process.argv.slice(2), {
  clients: awsClients,
  stackOutput: pulumiStackOutput,
  clock: systemClock,
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
