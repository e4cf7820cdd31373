/**
 * Amazon S3, locally: the object operations the audit functions use (`PutObject`, `GetObject`,
 * `HeadObject`, `ListObjectsV2`), as the real `@aws-sdk/client-s3` sends them in path style
 * (`<prefix>/<bucket>/<key>`; point the client's endpoint at `<origin>/_aws/s3` with
 * `forcePathStyle`). Each bucket is a {@link LocalObjectStore}: the audit bucket is the
 * `.local/audit/` folder the local Firehose stand-in writes.
 *
 * Faithful where code under test can notice:
 * - Errors are S3's XML errors with its codes and statuses: `NoSuchBucket` and `NoSuchKey` (404),
 *   `PreconditionFailed` (412) for `If-None-Match: *` on a key that exists (S3's conditional
 *   write, which the digest and report jobs use to write each object once).
 * - Bodies sent `aws-chunked` (the SDK's default when it adds a trailing checksum) are decoded.
 * - `ListObjectsV2` answers keys in order, at most `max-keys` (default 1,000) per page, with
 *   `start-after`, `continuation-token` and `encoding-type=url`.
 *
 * Deliberately local: no versions, Object Lock, encryption, ACLs or bucket operations; objects
 * may be replaced by an unconditional put (on AWS a new version would hide the old one).
 *
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
import { createHash } from 'node:crypto';
import type { Handler, LocalRequest, Reply } from '../http.ts';
import type { LocalObjectStore } from './audit.ts';

const STATUS = {
  NoSuchBucket: 404,
  NoSuchKey: 404,
  PreconditionFailed: 412,
  NotImplemented: 501,
  InvalidArgument: 400,
} as const;
type S3ErrorCode = keyof typeof STATUS;

const escapeXml = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');

function xml(status: number, body: string): Reply {
  return {
    status,
    contentType: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

function s3Error(code: S3ErrorCode, message: string, resource: string): Reply {
  return xml(
    STATUS[code],
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><Resource>${escapeXml(resource)}</Resource></Error>`,
  );
}

/** The payload of an `aws-chunked` body: `<hex size>[;chunk-signature=...]\r\n<data>\r\n`..., `0`. */
function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) throw new RangeError('aws-chunked body ends inside a chunk header');
    const size = Number.parseInt(
      body.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '',
      16,
    );
    if (!Number.isSafeInteger(size)) throw new RangeError('aws-chunked chunk size is not hex');
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

const etagOf = (body: Uint8Array) => `"${createHash('md5').update(body).digest('hex')}"`;

export interface LocalS3Options {
  /** Buckets by name. */
  readonly buckets: ReadonlyMap<string, LocalObjectStore>;
  /** Where `handler` is mounted. Default "/_aws/s3". */
  readonly prefix?: string;
}

/** The S3 stand-in. Mount `handler` under `prefix`. */
export class LocalS3 {
  readonly prefix: string;
  readonly handler: Handler;
  readonly #buckets: ReadonlyMap<string, LocalObjectStore>;

  constructor(options: LocalS3Options) {
    this.prefix = options.prefix ?? '/_aws/s3';
    this.#buckets = options.buckets;
    this.handler = (request) => this.#handle(request);
  }

  #handle(request: LocalRequest): Reply {
    const path = request.url.pathname.slice(this.prefix.length).replace(/^\//, '');
    const [bucketName = '', ...keyParts] = path.split('/');
    const bucket = this.#buckets.get(decodeURIComponent(bucketName));
    const resource = `/${decodeURIComponent(bucketName)}`;
    if (bucket === undefined) {
      return s3Error('NoSuchBucket', 'The specified bucket does not exist', resource);
    }
    const key = keyParts.map((part) => decodeURIComponent(part)).join('/');
    const query = request.url.searchParams;
    if (key === '') {
      if (request.method === 'GET' && query.get('list-type') === '2') {
        return this.#list(bucketName, bucket, query);
      }
      return s3Error(
        'NotImplemented',
        `the local S3 does not implement ${request.method} on a bucket`,
        resource,
      );
    }
    switch (request.method) {
      case 'PUT':
        return this.#put(bucket, key, request, `${resource}/${key}`);
      case 'GET':
      case 'HEAD': {
        const body = bucket.get(key);
        if (body === undefined) {
          return s3Error('NoSuchKey', 'The specified key does not exist.', `${resource}/${key}`);
        }
        return {
          status: 200,
          contentType: 'application/octet-stream',
          headers: { etag: etagOf(body), 'content-length': String(body.byteLength) },
          body: request.method === 'HEAD' ? '' : body,
        };
      }
      default:
        return s3Error(
          'NotImplemented',
          `the local S3 does not implement ${request.method} on an object`,
          `${resource}/${key}`,
        );
    }
  }

  #put(bucket: LocalObjectStore, key: string, request: LocalRequest, resource: string): Reply {
    if (query(request, 'uploadId') !== null || query(request, 'partNumber') !== null) {
      return s3Error('NotImplemented', 'the local S3 has no multipart uploads', resource);
    }
    const chunked = (request.headers['content-encoding'] ?? '')
      .split(',')
      .some((part) => part.trim() === 'aws-chunked');
    const body = chunked ? decodeChunked(request.bytes) : request.bytes;
    const condition = request.headers['if-none-match'];
    if (condition !== undefined && condition !== '*') {
      return s3Error('NotImplemented', 'If-None-Match supports only "*"', resource);
    }
    if (condition === '*') {
      if (!bucket.create(key, body)) {
        return s3Error(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          resource,
        );
      }
    } else {
      bucket.put(key, body);
    }
    return { status: 200, body: '', headers: { etag: etagOf(body) } };
  }

  #list(bucketName: string, bucket: LocalObjectStore, params: URLSearchParams): Reply {
    const prefix = params.get('prefix') ?? '';
    const maxKeys = Math.min(1000, Number(params.get('max-keys') ?? '1000'));
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 0) {
      return s3Error(
        'InvalidArgument',
        'max-keys must be an integer from 0 to 1000',
        `/${bucketName}`,
      );
    }
    const token = params.get('continuation-token');
    const after =
      token === null
        ? (params.get('start-after') ?? '')
        : Buffer.from(token, 'base64url').toString('utf8');
    // The store lists folders; a prefix that ends inside a name is filtered here.
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const keys = bucket.list(folder).filter((key) => key.startsWith(prefix) && key > after);
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const encode = params.get('encoding-type') === 'url';
    const name = (text: string) => escapeXml(encode ? encodeURIComponent(text) : text);
    const contents = page
      .map((key) => {
        const body = bucket.get(key) ?? new Uint8Array();
        return `<Contents><Key>${name(key)}</Key><LastModified>${new Date(0).toISOString()}</LastModified><ETag>${escapeXml(etagOf(body))}</ETag><Size>${body.byteLength}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next =
      truncated && page.length > 0
        ? `<NextContinuationToken>${Buffer.from(page.at(-1) ?? '').toString('base64url')}</NextContinuationToken>`
        : '';
    return xml(
      200,
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(decodeURIComponent(bucketName))}</Name><Prefix>${name(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>${encode ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
    );
  }
}

const query = (request: LocalRequest, name: string) => request.url.searchParams.get(name);
