/**
 * `npm run bench:api`: measures createPlan and plans (the list query) against the local stack,
 * through HTTP exactly as a frontend calls them, and prints p50/p99 latency and throughput.
 *
 *   npm run bench:api -- --requests 1000 --concurrency 8
 *
 * It starts its own local stack (in-memory DynamoDB Local) on a free port.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startLocalStack } from '#local/stack.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
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

async function measure(
  name: string,
  count: number,
  send: (index: number) => Promise<void>,
): Promise<string> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = next++; index < count; index = next++) {
        const begin = performance.now();
        await send(index);
        latencies.push(performance.now() - begin);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return `| ${name} | ${count} | ${concurrency} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${(count / seconds).toFixed(0)} |`;
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
  console.log(
    `\nMachine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log('| operation | requests | concurrency | p50 ms | p99 ms | requests/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
} finally {
  await stack.stop();
}
