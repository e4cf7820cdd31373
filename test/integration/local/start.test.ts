/**
 * `npm start` as a new user runs it: prints where everything is, serves the API, keeps data in
 * its data directory across restarts (unless --fresh), stops everything on Ctrl-C, and says
 * clearly when Java is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../../local/main.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'spb-start-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function start(args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, PORT: '0', LOCAL_DATA_DIR: dataDir },
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

function stop(started: Started): Promise<number | null> {
  return new Promise((resolve) => {
    started.child.once('exit', (code) => resolve(code));
    started.child.kill('SIGINT');
  });
}

/** DynamoDB Local processes still running on this data directory. */
function dynamoDbProcesses(): string[] {
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal') && line.includes(dataDir));
}

async function gql(url: string, query: string): Promise<unknown> {
  const token = (
    (await (
      await fetch(`${url}/_local/token`, { method: 'POST', body: '{"sub":"starter"}' })
    ).json()) as { token: string }
  ).token;
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

const CREATE = `mutation { createPlan(input: { amount: "25.00", currency: "EUR", schedule: { frequency: DAILY, timeOfDay: "09:00", timezone: "Europe/Berlin" } }) { id } }`;
const LIST = '{ plans { items { id } } }';

describe('npm start', () => {
  it('serves the API, keeps data across restarts, starts empty with --fresh and stops everything on Ctrl-C', async () => {
    const first = await start();
    expect(first.output()).toContain('Savings Plan Buy is running locally');
    expect(first.output()).toContain(`${first.url}/graphql`);
    expect((await fetch(`${first.url}/_local/health`)).status).toBe(200);
    const created = (await gql(first.url, CREATE)) as { data: { createPlan: { id: string } } };
    const id = created.data.createPlan.id;
    expect(dynamoDbProcesses()).toHaveLength(1);
    expect(await stop(first)).toBe(0);
    expect(dynamoDbProcesses()).toEqual([]);

    const second = await start();
    expect(await gql(second.url, LIST)).toEqual({ data: { plans: { items: [{ id }] } } });
    expect(await stop(second)).toBe(0);

    const fresh = await start(['--fresh']);
    expect(await gql(fresh.url, LIST)).toEqual({ data: { plans: { items: [] } } });
    expect(await stop(fresh)).toBe(0);
    expect(dynamoDbProcesses()).toEqual([]);
  }, 300_000);

  it('fails with one clear line when Java is missing', () => {
    const result = spawnSync(process.execPath, [MAIN], {
      env: { ...process.env, PATH: '/nonexistent', PORT: '0', LOCAL_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'error: Java 17 or newer is required to run DynamoDB Local, but `java` was not found on PATH. ' +
        'Install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17) and try again.',
    ]);
  });
});
