/**
 * `npm start` as a user runs it, for the restart and crash tests: `node local/main.ts` on a free
 * port with its own data folder, the local endpoints and GraphQL over HTTP, Ctrl-C and `kill -9`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../local/main.ts', import.meta.url));

export interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
}

/** Starts `npm start` on `dataDir`; resolves once it printed its URLs. */
export function startNpm(dataDir: string, env: Record<string, string> = {}): Promise<Started> {
  const { LOCAL_CLOCK_START: _start, ...inherited } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: { ...inherited, PORT: '0', LOCAL_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Health\s+GET\s+(http:\/\/127\.0\.0\.1:\d+)\/_local\/health/.exec(output);
      if (match?.[1] !== undefined && output.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

/** Sends `signal` and resolves with the exit code (null when killed by the signal). */
export function stopNpm(
  started: Started,
  signal: NodeJS.Signals = 'SIGINT',
): Promise<number | null> {
  return new Promise((resolve) => {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      resolve(started.child.exitCode);
      return;
    }
    started.child.once('exit', (code) => resolve(code));
    started.child.kill(signal);
  });
}

/** Process ids of the DynamoDB Local that a stack on `dataDir` started. */
export function dynamoDbPids(dataDir: string): number[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal') && line.includes(dataDir))
    .map((line) => Number(line.trim().split(' ')[0]));
}

/** Kills the DynamoDB Local a stack on `dataDir` started, and waits until it is gone. */
export async function killDynamoDb(dataDir: string): Promise<void> {
  for (const pid of dynamoDbPids(dataDir)) process.kill(pid, 'SIGKILL');
  while (dynamoDbPids(dataDir).length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Calls a local endpoint; answers the JSON body, failing on a status other than 200. */
export async function local<T>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Runs a GraphQL operation as `sub`; answers `data`, failing on any error. */
export async function graphql<T>(
  url: string,
  sub: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const { token } = await local<{ token: string }>(url, 'POST', '/_local/token', { sub });
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors !== undefined || body.data === undefined) {
    throw new Error(`GraphQL: ${JSON.stringify(body)}`);
  }
  return body.data;
}

export interface RunView {
  readonly scheduledFor: string;
  readonly status: string;
  readonly clientOrderId: string;
  readonly failureCode: string | null;
}

/** Creates `count` daily plans buying at `timeOfDay` UTC (Europe/London in winter) for `sub`. */
export async function createDailyPlans(
  url: string,
  sub: string,
  count: number,
  timeOfDay: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const { createPlan } = await graphql<{ createPlan: { id: string } }>(
      url,
      sub,
      `mutation { createPlan(input: { amount: "25.00", currency: "EUR", schedule: { frequency: DAILY, timeOfDay: "${timeOfDay}", timezone: "Europe/London" } }) { id } }`,
    );
    ids.push(createPlan.id);
  }
  return ids;
}

/** Waits until the scheduler holds a schedule for each plan, due at `at` (ISO with ms). */
export async function waitUntilArmed(url: string, count: number, at: string): Promise<void> {
  for (let tries = 0; tries < 600; tries += 1) {
    const schedules = await local<{ group: string; nextFireAt: string | null }[]>(
      url,
      'GET',
      '/_local/schedules',
    );
    if (
      schedules.filter((view) => view.nextFireAt === at && view.group === 'local-plans').length ===
      count
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the plans were not armed for ${at}`);
}

/** Every run of each plan, as the API shows them. */
export async function runsOf(
  url: string,
  sub: string,
  planIds: readonly string[],
): Promise<RunView[][]> {
  return Promise.all(
    planIds.map(async (planId) => {
      const { executions } = await graphql<{ executions: { items: RunView[] } }>(
        url,
        sub,
        'query($id: ID!) { executions(planId: $id, limit: 50) { items { scheduledFor status clientOrderId failureCode } } }',
        { id: planId },
      );
      return executions.items;
    }),
  );
}
