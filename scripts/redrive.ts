/**
 * `npm run redrive`: brings a dead-letter queue's messages back into the flow. See HELP.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RedriveQueueError } from '#shared/redrive.ts';
import { topology as stackTopology } from '#shared/topology.ts';
import {
  awsClients,
  deployedTopology,
  destroyClients,
  formatRedrive,
  localClients,
  redrive,
  stackSettings,
} from './lib/redrive.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const HELP = `npm run redrive -- --stack <stack> --queue <name> [--dry-run] [--max N]
npm run redrive -- --local [--url http://127.0.0.1:4000] --queue <name> [--dry-run] [--max N]

Brings the messages of a dead-letter queue back into the flow, and prints a table of what it
moved (message id, target, action) and a summary; progress goes to stderr as it runs.

--queue is a dead-letter queue of the topology, by key (purchase-retries-dlq, plan-stream-failures-dlq,
notifications-dlq, plans-dlq, audit-dlq) or by physical name.
- purchase-retries-dlq, plan-stream-failures-dlq, notifications-dlq go back to their work queue
  through an SQS message move task (StartMessageMoveTask, watched until it completes). A move task
  takes no count: with --max, messages are moved one at a time (receive, send, delete).
- plans-dlq (Scheduler dead-letter events of plan slots and jobs, and the jobs' failed
  asynchronous runs) and audit-dlq (events the audit rule could not put on its stream) are
  replayed through the target each message missed: StartExecution of the purchase workflow with
  the slot's input, an asynchronous Invoke of the job, PutRecord on the audit stream. A message is
  deleted only once its target accepted it; one of unknown shape or for another stack stays.

Safe to repeat: the purchase path is idempotent per slot (the client order id comes from the plan
and the slot, and the workflow looks the order up on the exchange before it places one), so a slot
bought meanwhile is not bought again.

--stack    a stack with a Pulumi.<stack>.yaml: its Region; the account comes from the credentials
           (STS GetCallerIdentity) and must be one of the stack's aws:allowedAccountIds
--local    the running local stack (npm start) instead of AWS; --url to point elsewhere
--dry-run  list what would move; move nothing
--max N    move or replay N messages at most`;

const { values } = parseArgs({
  options: {
    stack: { type: 'string' },
    queue: { type: 'string' },
    local: { type: 'boolean', default: false },
    url: { type: 'string', default: 'http://127.0.0.1:4000' },
    'dry-run': { type: 'boolean', default: false },
    max: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${HELP}\n`);
  process.exit(2);
}

if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
if (values.queue === undefined) fail('--queue is required');
if (values.local === (values.stack !== undefined)) fail('give either --stack <stack> or --local');
const max = values.max === undefined ? undefined : Number(values.max);
if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
  fail('--max must be a positive integer');
}

const progress = (line: string) => process.stderr.write(`${line}\n`);
const clients = values.local
  ? localClients(values.url)
  : awsClients(stackSettings(ROOT, values.stack as string).region);
try {
  const topology = values.local
    ? stackTopology({ prefix: 'local', region: 'eu-central-1', accountId: '000000000000' })
    : await deployedTopology(ROOT, values.stack as string);
  progress(
    `${values['dry-run'] ? 'dry run: ' : ''}redriving ${values.queue} of ${topology.names.prefix}`,
  );
  const result = await redrive(clients, {
    topology,
    queue: values.queue,
    dryRun: values['dry-run'],
    ...(max === undefined ? {} : { max }),
    progress,
  });
  process.stdout.write(`${formatRedrive(result)}\n`);
} catch (error) {
  if (error instanceof RedriveQueueError) fail(error.message);
  process.stderr.write(`redrive failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  destroyClients(clients);
}
