/**
 * `npm run bench:purchases`: N plans (default 1,000) due in the same minute, run through the local
 * stack: the scheduler fires them together, the purchase workflow buys on the paper exchange.
 * Reports purchases per second, p50/p99 from scheduled time to FILLED, DynamoDB requests per
 * purchase, duplicate orders (must be 0), and each Lambda's bundle size and module load time.
 *
 *   npm run bench:purchases -- --plans 1000
 *   npm run bench:purchases -- --rate-limit 30
 *   npm run bench:purchases -- --execution aggregated --window 60
 *
 * With `--rate-limit N` the paper exchange answers 429 beyond N requests a second (local clock),
 * as a real exchange does, and the report sets the time taken against the minimum that limit
 * allows (orders / N). The stack's own request budget (`exchangeRateLimitPerSecond`, 25 in
 * `Pulumi.dev.yaml`) stays below it unless `--budget` says otherwise; any 429 or failure fails
 * the run.
 *
 * `--execution aggregated` (default `per-slot`) runs the stack in aggregated mode with
 * `--window <seconds>` (default 60): the slots of a window and market join one block order. It
 * then also reports the blocks and the most orders one market and window got, and fails the run
 * if a block got more orders than `maxOrderAmount` required (`scripts/lib/block-report.ts`).
 * In either mode the clock goes on until every slot is final (or the purchase window ends): past
 * each window's seal, or past the retries of the runs the request budget turned away.
 *
 * It starts its own DynamoDB Local behind a counting proxy and its own local stack.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { SEAL_GRACE_MS } from '#shared/blocks.ts';
import { parseExecutionSettings, type ExecutionSettings } from '#shared/execution-settings.ts';
import { EXECUTION_STATUS } from '#shared/executions.ts';
import { LocalClock } from '#local/clock.ts';
import { startCountingProxy } from '#local/services/counting-proxy.ts';
import { LOCAL_AWS, startDynamoDbLocal } from '#local/services/dynamodb.ts';
import { parseExchangeFaults } from '#local/services/paper-exchange-server.ts';
import { SLOW_SETTLE_LINE } from '#local/clock-driver.ts';
import { devStackConfig, startLocalStack } from '#local/stack.ts';
import { coldStartTable, coldStarts } from './bench-bundles.ts';
import { blockReport } from './lib/block-report.ts';
import { chartSvg } from './lib/chart.ts';

const { values } = parseArgs({
  options: {
    plans: { type: 'string', default: '1000' },
    'rate-limit': { type: 'string' },
    budget: { type: 'string' },
    chart: { type: 'string' },
    execution: { type: 'string', default: 'per-slot' },
    window: { type: 'string' },
  },
});

/** Progress, on stderr: the table stays alone on stdout. */
const progress = (line: string) => process.stderr.write(`${line}\n`);

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer`);
  return value;
}

const plans = positiveInteger('plans', values.plans) ?? 1000;
const rateLimit = positiveInteger('rate-limit', values['rate-limit']);
const baseConfig = devStackConfig();
if (values.execution !== 'per-slot' && values.execution !== 'aggregated') {
  throw new Error('--execution must be per-slot or aggregated');
}
if (values.execution === 'per-slot' && values.window !== undefined) {
  throw new Error('--window applies to --execution aggregated only');
}
/** The mode the stack runs in (the window checked as the stack config checks it). */
const execution: ExecutionSettings =
  values.execution === 'aggregated'
    ? parseExecutionSettings({
        mode: 'aggregated',
        windowSeconds: positiveInteger('window', values.window) ?? 60,
      })
    : parseExecutionSettings({ mode: 'per-slot' });
const budget =
  positiveInteger('budget', values.budget) ??
  Math.min(baseConfig.exchangeRateLimitPerSecond, rateLimit ?? Number.MAX_SAFE_INTEGER);

function percentile(sorted: number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

const dynamodb = await startDynamoDbLocal();
// Ctrl-C or a kill skips the `finally` below: stop DynamoDB Local anyway, or its JVM outlives the
// run and slows whatever runs next on the machine.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void dynamodb.stop().finally(() => process.exit(130));
  });
}
const proxy = await startCountingProxy(dynamodb.endpoint, { capacity: true });
const slot = '2027-03-02T08:00:00Z';
const stack = await startLocalStack({
  port: 0,
  dynamodbEndpoint: proxy.url,
  clock: new LocalClock(new Date('2027-03-01T12:00:00Z')),
  autoFire: false,
  // The stack's own lines stay quiet, but for a settle that holds the clock over a minute.
  log: (line) => {
    if (line.startsWith(SLOW_SETTLE_LINE)) progress(line);
  },
  lambdaLogLevel: 'ERROR',
  config: { ...baseConfig, exchangeRateLimitPerSecond: budget, execution },
});
/** Slot executions (not blocks, their parts or holdings), straight from DynamoDB Local: uncounted. */
const uncounted = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamodb.endpoint });
async function scanLedger(client: DynamoDBClient): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: stack.tableNames.executions,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey !== undefined);
  return items;
}
const isSlot = (item: Record<string, unknown>) =>
  typeof item.planId === 'string' && !String(item.ownerPlan).startsWith('block#');
const OPEN: readonly unknown[] = [EXECUTION_STATUS.PENDING, EXECUTION_STATUS.SUBMITTED];

/**
 * Fires the slot and settles, then moves the clock on a step at a time until no slot is open, at
 * most until the purchase window ends. Per-slot, a step is five minutes: runs the exchange's
 * budget turned away come back from the retry queue at their backoff, delivered at their time on
 * the way. Aggregated, a step is a window and the seal's grace: blocks are placed after their
 * window is sealed. Answers the schedules fired.
 */
async function advance(): Promise<number> {
  let until = Date.parse(slot) + 60_000;
  let fired = await stack.advanceTo(until);
  const end = Date.parse(slot) + baseConfig.purchaseWindowHours * 3_600_000;
  const step =
    execution.mode === 'aggregated' ? execution.windowSeconds * 1000 + SEAL_GRACE_MS : 300_000;
  while (until < end) {
    const open = (await scanLedger(uncounted)).filter(
      (item) => isSlot(item) && OPEN.includes(item.status),
    ).length;
    if (open === 0) break;
    progress(`${open} slots open at ${new Date(until).toISOString()}: moving the clock on`);
    until = Math.max(until, stack.clock.now()) + step;
    fired += await stack.advanceTo(until);
  }
  return fired;
}
try {
  // N plans across users (25 each), all due at 09:00 Berlin on 2027-03-02.
  const users = Math.ceil(plans / stack.settings.maxPlansPerUser);
  const tokens: string[] = [];
  for (let user = 0; user < users; user += 1) {
    const response = await fetch(`${stack.url}/_local/token`, {
      method: 'POST',
      body: JSON.stringify({ sub: `bench-${user}` }),
    });
    tokens.push(((await response.json()) as { token: string }).token);
  }
  const input = {
    amount: '25.00',
    currency: 'EUR',
    schedule: {
      frequency: 'DAILY',
      timeOfDay: '09:00',
      timezone: 'Europe/Berlin',
      startDate: '2027-03-02',
      endDate: '2027-03-02',
    },
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let index = next++; index < plans; index = next++) {
        const response = await fetch(stack.graphqlUrl, {
          method: 'POST',
          headers: {
            authorization: tokens[index % users] ?? '',
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            query: 'mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }',
            variables: { input },
          }),
        });
        const body = (await response.json()) as { errors?: unknown };
        if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors));
        if ((index + 1) % Math.max(1, Math.ceil(plans / 10)) === 0) {
          progress(`plans created: ${index + 1}/${plans}`);
        }
      }
    }),
  );
  progress('arming the plans (plans stream, schedule-sync)...');
  await stack.settle();
  const armed = stack.scheduler
    .list()
    .filter((schedule) => schedule.name.startsWith('plan-')).length;

  if (rateLimit !== undefined) {
    stack.exchange.setFaults(parseExchangeFaults({ rateLimitPerSecond: rateLimit }));
  }
  proxy.counts.clear();
  proxy.countsByCaller.clear();
  proxy.capacityByCaller.clear();
  const started = performance.now();
  progress(`firing ${plans} plans at ${slot}...`);
  const ticker = setInterval(() => {
    const elapsed = ((performance.now() - started) / 1000).toFixed(0);
    progress(`${elapsed} s: ${stack.exchange.state().orders.length} orders placed of ${plans}`);
  }, 2000);
  const fired = await advance().finally(() => {
    clearInterval(ticker);
  });
  const seconds = (performance.now() - started) / 1000;
  progress(`settled after ${seconds.toFixed(1)} s`);
  const counts = new Map(proxy.counts);
  const byCaller = new Map(
    [...proxy.countsByCaller].map(([caller, operations]) => [caller, new Map(operations)]),
  );
  const capacity = new Map(
    [...proxy.capacityByCaller].map(([caller, units]) => [caller, { ...units }]),
  );

  const everything = await scanLedger(uncounted);
  const ledger = everything.filter(isSlot);
  const filled = ledger.filter((item) => item.status === EXECUTION_STATUS.FILLED);
  const latencies = filled
    .map((item) => Date.parse(item.updatedAt as string) - Date.parse(item.scheduledFor as string))
    .sort((a, b) => a - b);
  const orders = stack.exchange.state().orders;
  const retried = ledger.filter((item) => Number(item.attempts ?? 0) > 0).length;
  const duplicates = orders.length - new Set(orders.map((order) => order.clientOrderId)).size;
  const tableRequests = [...counts]
    .filter(([operation]) => operation.startsWith('DynamoDB_'))
    .reduce((sum, [, n]) => sum + n, 0);
  const streamRequests = [...counts]
    .filter(([operation]) => operation.startsWith('DynamoDBStreams_'))
    .reduce((sum, [, n]) => sum + n, 0);

  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nMachine: ${machine}`);
  console.log(`${plans} plans armed: ${armed}; schedules fired: ${fired}\n`);
  console.log('| metric | value |');
  console.log('| --- | ---: |');
  console.log(`| purchases FILLED | ${filled.length} of ${plans} |`);
  console.log(`| wall time, first firing to settled | ${seconds.toFixed(1)} s |`);
  console.log(`| purchases per second | ${(filled.length / seconds).toFixed(1)} |`);
  const exchangeStats = stack.exchange.state().stats;
  if (rateLimit !== undefined) {
    console.log(`| exchange rate limit / stack request budget | ${rateLimit}/s / ${budget}/s |`);
    console.log(
      `| theoretical minimum (${orders.length} orders at ${rateLimit}/s) | ${(orders.length / rateLimit).toFixed(1)} s |`,
    );
    console.log(
      `| wall time / theoretical minimum | ${(seconds / (orders.length / rateLimit)).toFixed(2)} |`,
    );
  }
  console.log(`| exchange requests answered 429 | ${exchangeStats.rateLimited} |`);
  console.log(`| runs sent to the retry queue | ${retried} |`);
  console.log(
    `| scheduled time to FILLED, p50 | ${(percentile(latencies, 50) / 1000).toFixed(2)} s |`,
  );
  console.log(
    `| scheduled time to FILLED, p99 | ${(percentile(latencies, 99) / 1000).toFixed(2)} s |`,
  );
  console.log(
    `| DynamoDB requests per purchase (tables) | ${(tableRequests / Math.max(filled.length, 1)).toFixed(1)} |`,
  );
  console.log(`| DynamoDB Streams requests (local polling) | ${streamRequests} |`);
  console.log(`| exchange orders | ${orders.length} |`);
  console.log(`| duplicate orders | ${duplicates} |`);
  const blocks =
    execution.mode === 'aggregated' ? blockReport(everything, orders, execution) : null;
  if (blocks !== null && execution.mode === 'aggregated') {
    console.log(`| execution | aggregated, ${execution.windowSeconds} s windows |`);
    console.log(`| slots that joined a block | ${blocks.members} |`);
    console.log(`| blocks (market and window) | ${blocks.blocks} |`);
    console.log(`| block orders per market and window, max | ${blocks.maxOrdersPerBlock} |`);
    console.log(`| exchange orders outside any block | ${blocks.ordersOutsideBlocks} |`);
    console.log(
      `| blocks with more orders than maxOrderAmount requires | ${blocks.oversplit.length} |`,
    );
    for (const block of blocks.oversplit) {
      progress(`block ${block.blockId}: ${block.orders} orders, at most ${block.allowed} allowed`);
    }
  }
  console.log(
    '\nDynamoDB requests by operation:',
    Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])),
  );
  console.log(
    '\n| caller | DynamoDB requests | per purchase | read units / purchase | write units / purchase | by operation |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const [caller, operations] of [...byCaller].sort()) {
    const tables = [...operations].filter(([operation]) => operation.startsWith('DynamoDB_'));
    const total = tables.reduce((sum, [, n]) => sum + n, 0);
    if (total === 0) continue;
    const detail = tables
      .sort((a, b) => b[1] - a[1])
      .map(([operation, n]) => `${operation.replace('DynamoDB_20120810.', '')} ${n}`)
      .join(', ');
    const per = (n: number) => (n / Math.max(filled.length, 1)).toFixed(2);
    const units = capacity.get(caller) ?? { read: 0, write: 0 };
    console.log(
      `| ${caller} | ${total} | ${per(total)} | ${per(units.read)} | ${per(units.write)} | ${detail} |`,
    );
  }
  console.log('');
  for (const line of coldStartTable(await coldStarts())) console.log(line);
  if (values.chart !== undefined) {
    const one = (title: string, unit: string, label: string, value: number) => ({
      title,
      unit,
      values: [{ label, value: Number(value.toFixed(2)) }],
    });
    writeFileSync(
      values.chart,
      chartSvg({
        title: `bench:purchases: ${plans} plans due in the same minute${rateLimit === undefined ? '' : `, exchange limit ${rateLimit}/s`}`,
        subtitle: machine,
        panels: [
          {
            title: 'scheduled time to FILLED',
            unit: 's',
            values: [
              { label: 'p50', value: Number((percentile(latencies, 50) / 1000).toFixed(2)) },
              { label: 'p99', value: Number((percentile(latencies, 99) / 1000).toFixed(2)) },
            ],
          },
          one('throughput', 'purchases/s', 'FILLED per second', filled.length / seconds),
          one('wall time', 's', 'first firing to settled', seconds),
          one(
            'DynamoDB requests per purchase',
            'requests',
            'tables',
            tableRequests / Math.max(filled.length, 1),
          ),
        ],
      }),
    );
    progress(`chart written to ${values.chart}`);
  }
  if (
    duplicates > 0 ||
    filled.length !== plans ||
    exchangeStats.rateLimited > 0 ||
    (blocks !== null && (blocks.oversplit.length > 0 || blocks.ordersOutsideBlocks > 0))
  ) {
    process.exitCode = 1;
  }
} finally {
  uncounted.destroy();
  await stack.stop();
  await proxy.close();
  await dynamodb.stop();
}
