/**
 * A proxy in front of DynamoDB Local that counts requests by operation (`X-Amz-Target`, e.g.
 * `DynamoDB_20120810.PutItem`) and by caller: the purchases benchmark reports requests per
 * purchase with it, and tests prove a request path writes nothing (a write undone before the end
 * still counts). With `capacity`, it also asks DynamoDB Local for the capacity each request
 * consumed (`ReturnConsumedCapacity: INDEXES`, added to requests that do not ask for it) and sums
 * the read and write units by caller, global secondary indexes included. DynamoDB Local's units
 * follow AWS's for single requests and for a transaction of one item, indexes included, but it
 * reports a transaction of several items to one table as if it held one (three puts: 2 units, as
 * one): a cost model applies AWS's rule to transactions itself (README, Cost model).
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Capacity units consumed, as DynamoDB reports them (tables and their indexes together). */
export interface CapacityUnits {
  read: number;
  write: number;
}

export interface CountingProxy {
  /** Where clients send their requests instead of DynamoDB. */
  readonly url: string;
  /** Requests so far by their full `X-Amz-Target` (`unknown` without one). */
  readonly counts: Map<string, number>;
  /**
   * Requests so far by caller, then operation. The caller is the SDK's application id in the
   * user agent (`app/<id>`, without the marker Powertools appends): the local stack gives each
   * Lambda its function name (`AWS_SDK_UA_APP_ID`) and the local Step Functions `states`;
   * `other` without one.
   */
  readonly countsByCaller: Map<string, Map<string, number>>;
  /** With `capacity`: units consumed so far by caller (empty otherwise). */
  readonly capacityByCaller: Map<string, CapacityUnits>;
  close(): Promise<void>;
}

/** The SDK application id in a request's user agent (`app/<id>`), or `other`. */
export function callerOf(headers: Record<string, string | string[] | undefined>): string {
  const agents = [headers['x-amz-user-agent'], headers['user-agent']].flat().join(' ');
  // Powertools appends its own marker to the application id (`<id>-PT-<feature>-<version>-...`).
  const id = /(?:^|\s)app\/([^\s]+)/.exec(agents)?.[1];
  return id === undefined ? 'other' : id.replace(/-PT-.*$/, '');
}

/** Operations that take `ReturnConsumedCapacity`, and whether they write. */
const CAPACITY_OPERATIONS: Readonly<Record<string, 'read' | 'write'>> = {
  GetItem: 'read',
  BatchGetItem: 'read',
  Query: 'read',
  Scan: 'read',
  TransactGetItems: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
};

interface ConsumedCapacity {
  readonly CapacityUnits?: number;
}

/** The units a response reports (one entry, or one per table for batches and transactions). */
export function consumedUnits(body: string): number {
  let parsed: { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return 0;
  }
  return [parsed.ConsumedCapacity ?? []]
    .flat()
    .reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Listens on a free loopback port and forwards everything to `target`. */
export async function startCountingProxy(
  target: string,
  options: { readonly capacity?: boolean } = {},
): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const countsByCaller = new Map<string, Map<string, number>>();
  const capacityByCaller = new Map<string, CapacityUnits>();
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? 'unknown');
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const caller = callerOf(incoming.headers);
    const callerCounts = countsByCaller.get(caller) ?? new Map<string, number>();
    callerCounts.set(operation, (callerCounts.get(operation) ?? 0) + 1);
    countsByCaller.set(caller, callerCounts);
    const kind = CAPACITY_OPERATIONS[operation.replace(/^DynamoDB_\d+\./, '')];
    const measure = options.capacity === true && kind !== undefined;
    const forward = (body: Buffer | undefined) => {
      const request = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers:
            body === undefined
              ? incoming.headers
              : { ...incoming.headers, 'content-length': String(body.length) },
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
          if (!measure || answer.headers['content-encoding'] !== undefined) {
            answer.pipe(outgoing);
            return;
          }
          void readAll(answer).then((data) => {
            const units = capacityByCaller.get(caller) ?? { read: 0, write: 0 };
            units[kind] += consumedUnits(data.toString('utf8'));
            capacityByCaller.set(caller, units);
            outgoing.end(data);
          });
        },
      );
      request.on('error', (error) => outgoing.destroy(error));
      if (body === undefined) incoming.pipe(request);
      else request.end(body);
    };
    if (!measure) {
      forward(undefined);
      return;
    }
    // DynamoDB Local does not check signatures, so the body may change under them.
    void readAll(incoming).then((data) => {
      let body = data;
      try {
        const parsed = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
        if (parsed.ReturnConsumedCapacity === undefined) {
          body = Buffer.from(JSON.stringify({ ...parsed, ReturnConsumedCapacity: 'INDEXES' }));
        }
      } catch {
        // Not JSON: forwarded as it is, and DynamoDB answers what it makes of it.
      }
      forward(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    countsByCaller,
    capacityByCaller,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
