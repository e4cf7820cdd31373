/**
 * The local S3 and KMS stand-ins answer the real SDK clients as AWS does for what the audit jobs
 * use: write-once puts, reads, paged listings, errors by class; ECDSA signatures that verify with
 * the public key KMS hands out, and KMS's limits.
 */
import type { AddressInfo } from 'node:net';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { KMSClient, NotFoundException, SignCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureVerifies } from '#domain/audit-digest.ts';
import { LocalAuditSigner, LocalObjectStore } from '#local/services/audit.ts';
import { LOCAL_AWS } from '#local/services/dynamodb.ts';
import { createJsonServer, createRoutes, LOCAL_BODY_LIMITS } from '#local/http.ts';
import { LocalKms } from '#local/services/kms.ts';
import { LocalS3 } from '#local/services/s3.ts';
import {
  auditPublicKey,
  kmsAuditSigner,
  s3AuditStore,
} from '../../../functions/lib/audit-bucket.ts';

const KEY_ARN = 'arn:aws:kms:eu-central-1:000000000000:key/audit';
const bucket = new LocalObjectStore(undefined);
const signer = new LocalAuditSigner();
const routes = createRoutes();
const s3Api = new LocalS3({ buckets: new Map([['audit', bucket]]) });
const kmsApi = new LocalKms({ keys: [{ arn: KEY_ARN, names: ['alias/audit'], signer }] });
routes.prefixes.set(s3Api.prefix, s3Api.handler);
routes.prefixes.set(kmsApi.prefix, kmsApi.handler);
const server = createJsonServer(routes, () => undefined);
let s3: S3Client;
let kms: KMSClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s3 = new S3Client({ ...LOCAL_AWS, endpoint: `${origin}/_aws/s3`, forcePathStyle: true });
  kms = new KMSClient({ ...LOCAL_AWS, endpoint: `${origin}/_aws/kms` });
});

afterAll(async () => {
  s3.destroy();
  kms.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('the local S3', () => {
  it('takes an object of several MiB, as S3 does (a day of 10,000 plans has a digest over 1 MiB)', async () => {
    const store = s3AuditStore(s3, 'audit');
    const body = Buffer.alloc(3 * 1024 * 1024 + 17, 'digest line\n');
    expect(await store.create('digests/2026-12-06.json', body)).toBe(true);
    expect(Buffer.from((await store.get('digests/2026-12-06.json')) ?? []).equals(body)).toBe(true);
  });

  it('refuses a body over its limit with 413 and closes the connection, instead of leaving the writer waiting', async () => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const response = await fetch(`${origin}/_aws/s3/audit/too-big`, {
      method: 'PUT',
      body: Buffer.alloc(LOCAL_BODY_LIMITS.awsApi + 1),
    });
    expect([response.status, response.headers.get('connection')]).toEqual([413, 'close']);
  });

  it('writes an object once, reads its bytes back and refuses a second write', async () => {
    const store = s3AuditStore(s3, 'audit');
    const body = Buffer.from([0x30, 0x45, 0x02, 0x21, 0x00, 0xff, 0x0a]);
    expect(await store.create('digests/2026-12-07.sig', body)).toBe(true);
    expect(await store.create('digests/2026-12-07.sig', 'other')).toBe(false);
    expect(Buffer.from((await store.get('digests/2026-12-07.sig')) ?? [])).toEqual(body);
    expect(await store.get('digests/none.sig')).toBeUndefined();
    await expect(
      s3.send(new GetObjectCommand({ Bucket: 'audit', Key: 'digests/none.sig' })),
    ).rejects.toBeInstanceOf(NoSuchKey);
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'nope', Key: 'k', Body: 'x' })),
    ).rejects.toBeInstanceOf(NoSuchBucket);
    const refused = await s3
      .send(
        new PutObjectCommand({
          Bucket: 'audit',
          Key: 'digests/2026-12-07.sig',
          Body: 'x',
          IfNoneMatch: '*',
        }),
      )
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(412);
  });

  it('lists keys in order, page by page, under a prefix', async () => {
    for (let index = 0; index < 7; index += 1) {
      bucket.put(`events/2026/12/07/${String(index).padStart(2, '0')} & <${index}>.json`, '{}');
    }
    bucket.put('events/2026/12/08/x.json', '{}');
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: 'audit', Prefix: 'events/2026/12/07/', MaxKeys: 3 }),
    );
    expect(page.Contents?.map((object) => object.Key)).toEqual([
      'events/2026/12/07/00 & <0>.json',
      'events/2026/12/07/01 & <1>.json',
      'events/2026/12/07/02 & <2>.json',
    ]);
    expect(page.IsTruncated).toBe(true);
    const store = s3AuditStore(s3, 'audit');
    expect(await store.list('events/2026/12/07/')).toHaveLength(7);
    expect(await store.first('events/')).toBe('events/2026/12/07/00 & <0>.json');
    expect(await store.list('events/2026/12/0')).toHaveLength(8);
  });
});

describe('the local KMS', () => {
  it('signs with the audit key; the public key it hands out verifies the signature', async () => {
    const signature = await kmsAuditSigner(kms, 'alias/audit')('a statement');
    const publicKey = await auditPublicKey(kms, KEY_ARN);
    expect(signatureVerifies(publicKey, 'a statement', signature)).toBe(true);
    expect(signatureVerifies(publicKey, 'another statement', signature)).toBe(false);
    expect(signatureVerifies(signer.publicKey, 'a statement', signature)).toBe(true);
  });

  it('refuses unknown keys and messages over 4 KiB as KMS does', async () => {
    await expect(kmsAuditSigner(kms, 'alias/other')('x')).rejects.toBeInstanceOf(NotFoundException);
    await expect(
      kms.send(
        new SignCommand({
          KeyId: KEY_ARN,
          Message: Buffer.alloc(4097),
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
