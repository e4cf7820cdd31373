/**
 * `npm start`: runs the local stack until Ctrl-C.
 *
 *   npm start                 keep data in .local/ across restarts
 *   npm start -- --fresh      delete .local/ first
 *   PORT=4100 npm start       another port (default 4000)
 *   LOCAL_CLOCK_START=2026-12-01T08:00:00Z npm start    start the clock at that instant
 *   LOCAL_DATA_DIR=/tmp/spb npm start                    keep data elsewhere than .local/
 *   LOCAL_EXECUTION_MODE=aggregated npm start            block orders per market and window
 *   LOCAL_EXECUTION_WINDOW_SECONDS=30 ...                 their window (aggregated; default 60)
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigurationError } from '#shared/api-settings.ts';
import { withLocalExecution } from './execution-mode.ts';
import { JavaMissingError } from './services/dynamodb.ts';
import { devStackConfig, startLocalStack } from './stack.ts';

const DATA_DIR =
  process.env.LOCAL_DATA_DIR ?? fileURLToPath(new URL('../.local/', import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fresh: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'Usage: npm start [-- --fresh]   (PORT, LOCAL_CLOCK_START, LOCAL_EXECUTION_MODE and LOCAL_EXECUTION_WINDOW_SECONDS are read from the environment)',
    );
    return;
  }
  if (values.fresh) rmSync(DATA_DIR, { recursive: true, force: true });
  const port = Number(process.env.PORT ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, not '${process.env.PORT}'`);
  }

  // Checked before anything starts: a bad mode or window fails at once.
  const config = withLocalExecution(devStackConfig());
  const started = Date.now();
  const stack = await startLocalStack({ port, dataDir: DATA_DIR, config });
  const { url, graphqlUrl } = stack;
  console.log(`
Savings Plan Buy is running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s).

  GraphQL API     POST ${graphqlUrl}   (GraphiQL in a browser: ${graphqlUrl})
  Local token     POST ${url}/_local/token   {"sub":"alice","email":"alice@example.com"}
  Health          GET  ${url}/_local/health
  Clock           ${stack.clock.nowIso()}
  Execution       ${config.execution.mode === 'aggregated' ? `aggregated, ${config.execution.windowSeconds} s windows` : 'per-slot'}
  Data            ${DATA_DIR}   (npm start -- --fresh starts empty)

Try it from another terminal:

  TOKEN=$(curl -s -X POST ${url}/_local/token -d '{"sub":"alice"}' | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')
  curl -s ${graphqlUrl} -H "Authorization: $TOKEN" -H 'content-type: application/json' \\
    -d '{"query":"mutation { createPlan(input: {amount: \\"25.00\\", currency: \\"EUR\\", schedule: {frequency: WEEKLY, dayOfWeek: 1, timeOfDay: \\"09:00\\", timezone: \\"Europe/Berlin\\"}}) { id status amount nextRunAt } }"}'

Press Ctrl-C to stop.
`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping ...`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof JavaMissingError || error instanceof ConfigurationError) {
    console.error(`error: ${error.message}`);
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `error: port ${process.env.PORT ?? 4000} is in use; stop the other process or run PORT=4100 npm start`,
    );
  } else {
    console.error(error);
  }
  process.exit(1);
});
