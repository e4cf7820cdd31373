/**
 * `npm run bench:api`: measures createPlan and plans (the list query) against the local stack,
 * through HTTP exactly as a frontend calls them, and prints p50/p99 latency and throughput.
 *
 *   npm run bench:api -- --requests 1000 --concurrency 8 [--chart api.svg]
 *
 * Progress goes to stderr as it runs; `--chart` also writes the figures as an SVG chart.
 * It starts its own local stack (in-memory DynamoDB Local) on a free port.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startLocalStack } from '#local/stack.ts';
import { chartSvg } from './lib/chart.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
    chart: { type: 'string' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
if (
  !Number.isInteger(requests) ||
  requests < 1 ||
  !Number.isInteger(concurrency) ||
  concurrency < 1
) {
  throw new Error('--requests and --concurrency must be positive integers');
}

const CREATE = `mutation Create($input: CreatePlanInput!) { createPlan(input: $input) { id version } }`;
const LIST = `query List($limit: Int) { plans(limit: $limit) { items { id amount status nextRunAt } nextToken } }`;
const INPUT = {
  amount: '25.00',
  currency: 'EUR',
  schedule: { frequency: 'WEEKLY', dayOfWeek: 1, timeOfDay: '09:00', timezone: 'Europe/Berlin' },
};

function percentile(sorted: number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

interface Figures {
  readonly name: string;
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function measure(
  name: string,
  count: number,
  send: (index: number) => Promise<void>,
): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const step = Math.max(1, Math.ceil(count / 10));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = next++; index < count; index = next++) {
        const begin = performance.now();
        await send(index);
        latencies.push(performance.now() - begin);
        if (latencies.length % step === 0 || latencies.length === count) {
          const elapsed = (performance.now() - started) / 1000;
          progress(`${name}: ${latencies.length}/${count} (${elapsed.toFixed(1)} s)`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: count / seconds,
  };
}

const stack = await startLocalStack({ port: 0, log: () => undefined });
try {
  const users = Math.ceil(requests / stack.settings.maxPlansPerUser);
  const tokens: string[] = [];
  for (let user = 0; user < users; user += 1) {
    const response = await fetch(`${stack.url}/_local/token`, {
      method: 'POST',
      body: JSON.stringify({ sub: `bench-${user}` }),
    });
    tokens.push(((await response.json()) as { token: string }).token);
  }
  const send = async (token: string, query: string, variables: object) => {
    const response = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { errors?: unknown[] };
    if (response.status !== 200 || body.errors !== undefined) throw new Error(JSON.stringify(body));
  };
  // Warm-up: module loading and JIT are not what this measures.
  for (let index = 0; index < 20; index += 1) await send(tokens[0] ?? '', LIST, { limit: 25 });

  const rows = [
    await measure('createPlan', requests, (index) =>
      send(tokens[index % users] ?? '', CREATE, { input: INPUT }),
    ),
    await measure('plans (limit 25)', requests, (index) =>
      send(tokens[index % users] ?? '', LIST, { limit: 25 }),
    ),
  ];
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`\nMachine: ${machine}`);
  console.log('| operation | requests | concurrency | p50 ms | p99 ms | requests/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.name} | ${requests} | ${concurrency} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.perSecond.toFixed(0)} |`,
    );
  }
  if (values.chart !== undefined) {
    const panel = (title: string, unit: string, of: (row: Figures) => number) => ({
      title,
      unit,
      values: rows.map((row) => ({ label: row.name, value: Number(of(row).toFixed(1)) })),
    });
    writeFileSync(
      values.chart,
      chartSvg({
        title: `bench:api: ${requests} requests, concurrency ${concurrency}`,
        subtitle: machine,
        panels: [
          panel('p50 latency', 'ms', (row) => row.p50),
          panel('p99 latency', 'ms', (row) => row.p99),
          panel('throughput', 'requests/s', (row) => row.perSecond),
        ],
      }),
    );
    progress(`chart written to ${values.chart}`);
  }
} finally {
  await stack.stop();
}
