/**
 * The audit bucket as the audit functions and `npm run audit:verify -- --bucket` read and write
 * it: the `AuditStore` port of `domain/audit-digest.ts` over S3, and the audit key's signer.
 *
 * Objects are created with `If-None-Match: *` (S3 conditional writes): a digest, signature or
 * report is written once, and a second writer learns it was too late instead of adding a version.
 * No encryption headers: the bucket's default (SSE-KMS with the project key, bucket key on)
 * applies, which the bucket policy requires.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { AuditSigner, AuditStore } from '#domain/audit-digest.ts';

export function s3AuditStore(s3: S3Client, bucket: string): AuditStore {
  return {
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? [])
          if (object.Key !== undefined) keys.push(object.Key);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys.sort();
    },
    async first(prefix) {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }),
      );
      return page.Contents?.[0]?.Key;
    },
    async get(key) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return object.Body === undefined
          ? new Uint8Array()
          : await object.Body.transformToByteArray();
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async create(key, body) {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: typeof body === 'string' ? Buffer.from(body) : body,
            ContentType: key.endsWith('.json')
              ? 'application/json'
              : key.endsWith('.md')
                ? 'text/markdown; charset=utf-8'
                : key.endsWith('.csv')
                  ? 'text/csv; charset=utf-8'
                  : 'application/octet-stream',
            IfNoneMatch: '*',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) {
          return false;
        }
        throw error;
      }
    },
  };
}

/** Signs with the asymmetric audit key (ECC_NIST_P256): DER ECDSA over SHA-256 of the message. */
export function kmsAuditSigner(kms: KMSClient, keyId: string): AuditSigner {
  return async (message) => {
    const answer = await kms.send(
      new SignCommand({
        KeyId: keyId,
        Message: Buffer.from(message),
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (answer.Signature === undefined) throw new Error(`KMS answered no signature for ${keyId}`);
    return answer.Signature;
  };
}

/** The audit key's public key, to verify signatures without calling KMS for each one. */
export async function auditPublicKey(kms: KMSClient, keyId: string): Promise<KeyObject> {
  const answer = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
  if (answer.PublicKey === undefined) throw new Error(`KMS answered no public key for ${keyId}`);
  return createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' });
}
