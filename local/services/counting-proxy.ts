/**
 * A proxy in front of DynamoDB Local that counts requests by operation (`X-Amz-Target`, e.g.
 * `DynamoDB_20120810.PutItem`): the purchases benchmark reports requests per purchase with it,
 * and tests prove a request path writes nothing (a write undone before the end still counts).
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
  /** Where clients send their requests instead of DynamoDB. */
  readonly url: string;
  /** Requests so far by their full `X-Amz-Target` (`unknown` without one). */
  readonly counts: Map<string, number>;
  /**
   * Requests so far by caller, then operation. The caller is the SDK's application id in the
   * user agent (`app/<id>`, without the marker Powertools appends): the local stack gives each Lambda its function name
   * (`AWS_SDK_UA_APP_ID`) and the local Step Functions `states`; `other` without one.
   */
  readonly countsByCaller: Map<string, Map<string, number>>;
  close(): Promise<void>;
}

/** The SDK application id in a request's user agent (`app/<id>`), or `other`. */
export function callerOf(headers: Record<string, string | string[] | undefined>): string {
  const agents = [headers['x-amz-user-agent'], headers['user-agent']].flat().join(' ');
  // Powertools appends its own marker to the application id (`<id>-PT-<feature>-<version>-...`).
  const id = /(?:^|\s)app\/([^\s]+)/.exec(agents)?.[1];
  return id === undefined ? 'other' : id.replace(/-PT-.*$/, '');
}

/** Listens on a free loopback port and forwards everything to `target`. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const countsByCaller = new Map<string, Map<string, number>>();
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const operation = String(incoming.headers['x-amz-target'] ?? 'unknown');
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const caller = callerOf(incoming.headers);
    const callerCounts = countsByCaller.get(caller) ?? new Map<string, number>();
    callerCounts.set(operation, (callerCounts.get(operation) ?? 0) + 1);
    countsByCaller.set(caller, callerCounts);
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', (error) => outgoing.destroy(error));
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    countsByCaller,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
