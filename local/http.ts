/** A small JSON HTTP server for the local stack's endpoints. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A handler's answer. A string or byte body is sent as-is with `contentType`; anything else as
 * JSON.
 */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

export interface LocalRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly sourceIp: string;
  /** The parsed JSON body (undefined when there is none). */
  readonly body: unknown;
  /** The body exactly as received, as UTF-8 text (empty string when there is none). */
  readonly rawBody: string;
  /** The body's bytes (binary uploads: the local S3). */
  readonly bytes: Buffer;
}

export type Handler = (request: LocalRequest) => Promise<Reply> | Reply;

/**
 * The routes of the server: exact ones ("METHOD /path") and prefix ones, which get every method
 * and every path under the prefix (local stand-ins for AWS APIs, e.g. "/_aws/scheduler").
 */
export interface Routes {
  readonly exact: Map<string, Handler>;
  readonly prefixes: Map<string, Handler>;
}

/** An empty route table. */
export function createRoutes(): Routes {
  return { exact: new Map(), prefixes: new Map() };
}

/** Thrown by a handler to answer 400 with `{ "error": message }`. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/**
 * The largest request body each kind of route reads. The `/_local/...` and GraphQL routes take
 * JSON documents; the AWS API stand-ins take what their service does, and S3 takes objects far
 * larger than 1 MiB (a day's audit digest of 10,000 plans is larger: one line per event).
 */
export const LOCAL_BODY_LIMITS = { json: 1024 * 1024, awsApi: 64 * 1024 * 1024 } as const;

/** A body over its route's limit: answered 413 and the connection closed. */
class PayloadTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body is larger than ${limit / (1024 * 1024)} MiB`);
    this.name = 'PayloadTooLargeError';
  }
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new BadRequestError('request body is not valid JSON');
  }
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function send(response: ServerResponse, reply: Reply): void {
  const text =
    typeof reply.body === 'string' || reply.body instanceof Uint8Array
      ? reply.body
      : JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'content-type': reply.contentType ?? 'application/json; charset=utf-8',
    // Frontends served from another local port may call the API from the browser.
    'access-control-allow-origin': '*',
    ...reply.headers,
  });
  response.end(text);
}

/**
 * Serves `routes` ("METHOD /path" -> handler). Unknown paths get 404, known paths with another
 * method 405, handler failures 500 with the message (this is a development server).
 */
export function createJsonServer(routes: Routes, log: (line: string) => void): Server {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'authorization, content-type, x-api-key',
        'access-control-max-age': '600',
      });
      response.end();
      return;
    }
    const prefix = [...routes.prefixes.keys()].find(
      (candidate) => url.pathname === candidate || url.pathname.startsWith(`${candidate}/`),
    );
    const handler =
      routes.exact.get(`${method} ${url.pathname}`) ??
      (prefix === undefined ? undefined : routes.prefixes.get(prefix));
    if (handler === undefined) {
      const known = [...routes.exact.keys()].some((key) => key.endsWith(` ${url.pathname}`));
      send(response, {
        status: known ? 405 : 404,
        body: {
          error: known
            ? `${method} is not allowed on ${url.pathname}`
            : `no route for ${url.pathname}`,
        },
      });
      return;
    }
    void (async () => {
      try {
        const bytes = await readBody(
          request,
          prefix === undefined ? LOCAL_BODY_LIMITS.json : LOCAL_BODY_LIMITS.awsApi,
        );
        const rawBody = bytes.toString('utf8');
        const reply = await handler({
          method,
          url,
          headers: headersOf(request),
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          // Prefix routes (AWS API stand-ins) parse their own bodies.
          body: prefix === undefined ? parseJson(rawBody) : undefined,
          rawBody,
          bytes,
        });
        send(response, reply);
      } catch (error) {
        if (error instanceof BadRequestError) {
          send(response, { status: 400, body: { error: error.message } });
          return;
        }
        if (error instanceof PayloadTooLargeError) {
          // The rest of the body is never read: answer, then close, so the writer is not left
          // waiting to send it (the SDK waits for a response it would otherwise never get).
          send(response, {
            status: 413,
            body: { error: error.message },
            headers: { connection: 'close' },
          });
          response.once('finish', () => request.destroy());
          return;
        }
        log(`${method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
        send(response, { status: 500, body: { error: (error as Error).message } });
      }
    })();
  });
  // Clients (fetch, the AWS SDK) reuse idle connections for about 4 s. A server that closed an
  // idle connection sooner (Node's default is 5 s) can close it just as a busy client reuses it,
  // and the request fails with ECONNRESET; keeping it open longer leaves the closing to them.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
