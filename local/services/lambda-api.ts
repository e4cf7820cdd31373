/**
 * The Lambda Invoke API, locally: what the real `@aws-sdk/client-lambda` sends for an
 * asynchronous invocation (`POST /2015-03-31/functions/<name>/invocations` with
 * `X-Amz-Invocation-Type: Event`, under a prefix such as `/_aws/lambda`), answered 202 at once
 * while the function runs on, as Lambda queues the event. Only asynchronous invocations exist
 * here: the redrive of the jobs' dead letters is their caller.
 *
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import type { Handler, LocalRequest, Reply } from '../http.ts';

export interface LocalLambdaApiOptions {
  /** Starts an asynchronous invocation of the function `name` (a name or an ARN); false: none. */
  readonly invokeAsync: (name: string, event: unknown) => boolean;
  readonly region: string;
  readonly accountId: string;
  readonly prefix?: string;
}

const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;

function error(status: number, type: string, message: string): Reply {
  return {
    status,
    headers: { 'x-amzn-errortype': type },
    body: { Type: 'User', message },
  };
}

export class LocalLambdaApi {
  readonly prefix: string;
  readonly handler: Handler;
  readonly #options: LocalLambdaApiOptions;

  constructor(options: LocalLambdaApiOptions) {
    this.prefix = options.prefix ?? '/_aws/lambda';
    this.#options = options;
    this.handler = (request) => this.#handle(request);
  }

  #handle(request: LocalRequest): Reply {
    const path = request.url.pathname.slice(this.prefix.length);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path);
    if (request.method !== 'POST' || match === null) {
      return error(404, 'UnknownOperationException', `The local Lambda API answers Invoke only.`);
    }
    const name = decodeURIComponent(match[1] ?? '');
    const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (type !== 'Event') {
      return error(
        400,
        'InvalidParameterValueException',
        `The local Lambda API takes asynchronous invocations only (X-Amz-Invocation-Type: Event), not ${type}.`,
      );
    }
    if (request.bytes.length > MAX_ASYNC_PAYLOAD_BYTES) {
      return error(
        413,
        'RequestTooLargeException',
        'Request must be smaller than 1048576 bytes for the InvokeAsync operation',
      );
    }
    let event: unknown;
    try {
      event = request.rawBody === '' ? {} : (JSON.parse(request.rawBody) as unknown);
    } catch {
      return error(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    if (!this.#options.invokeAsync(name, event)) {
      const { region, accountId } = this.#options;
      const arn = name.startsWith('arn:')
        ? name
        : `arn:aws:lambda:${region}:${accountId}:function:${name}`;
      return error(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
    }
    return { status: 202, body: '', contentType: 'application/json' };
  }
}
