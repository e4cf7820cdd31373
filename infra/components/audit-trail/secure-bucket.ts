/**
 * The baseline every bucket of the audit trail gets: versioning, default encryption (with an S3
 * Bucket Key for KMS), no public access, ACLs disabled, object events to EventBridge, a TLS-only
 * policy, a lifecycle and, for the record buckets, server access logging. With `@pulumi/aws` v7
 * each setting is a resource of its own, named after the bucket's resource (`<name>-versioning`,
 * ...).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, type PolicyStatement } from '../../iam.ts';
import type { AuditTrailPart } from './part.ts';

type In<T> = pulumi.Input<T>;

/** Where a bucket's server access logs go. */
export interface AccessLogging {
  readonly targetBucket: In<string>;
  readonly targetPrefix: string;
  /** The target's bucket policy: S3 checks it when logging is turned on. */
  readonly dependsOn: pulumi.Resource;
}

/** What differs between the trail's buckets. */
export interface SecureBucketOptions {
  /** Default encryption of new objects. */
  readonly encryption:
    { sseAlgorithm: 'AES256' } | { sseAlgorithm: 'aws:kms'; kmsMasterKeyId: In<string> };
  /** Bucket policy statements besides the TLS-only one. */
  readonly statements: PolicyStatement[];
  readonly lifecycle: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  /** Where the bucket's server access logs go (none for the access-log bucket itself). */
  readonly logging?: AccessLogging;
}

/** The settings whose completion other resources wait for. */
export interface SecureBucketSettings {
  readonly versioning: aws.s3.BucketVersioning;
  readonly policy: aws.s3.BucketPolicy;
}

/** Refuses every request to the bucket that does not use TLS. */
function denyInsecureTransport(bucketArn: In<string>): PolicyStatement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': false } },
  };
}

/**
 * Applies the baseline to `bucket` (the resource named `name`), with its settings as children of
 * `part`.
 */
export function secureBucket(
  name: string,
  bucket: aws.s3.Bucket,
  options: SecureBucketOptions,
  part: AuditTrailPart,
): SecureBucketSettings {
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket: bucket.bucket, versioningConfiguration: { status: 'Enabled' } },
    part.childOptions(),
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    {
      bucket: bucket.bucket,
      rules: [
        options.encryption.sseAlgorithm === 'aws:kms'
          ? // The S3 Bucket Key cuts KMS requests (and cost) by orders of magnitude.
            { applyServerSideEncryptionByDefault: options.encryption, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: options.encryption },
      ],
    },
    part.childOptions(),
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    part.childOptions(),
  );
  // S3.11: object events go to EventBridge (the account's default bus), where detection rules
  // (a deleted or overwritten record, an unexpected writer) can watch them.
  new aws.s3.BucketNotification(
    `${name}-notifications`,
    { bucket: bucket.bucket, eventbridge: true },
    part.childOptions(),
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } },
    part.childOptions(),
  );
  const policy = new aws.s3.BucketPolicy(
    `${name}-policy`,
    {
      bucket: bucket.bucket,
      policy: policyJson([denyInsecureTransport(bucket.arn), ...options.statements]),
    },
    part.childOptions({ dependsOn: [publicAccess] }),
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    { bucket: bucket.bucket, rules: options.lifecycle },
    // Lifecycle rules on versions need versioning first.
    part.childOptions({ dependsOn: [versioning] }),
  );
  if (options.logging !== undefined) {
    new aws.s3.BucketLogging(
      `${name}-logging`,
      {
        bucket: bucket.bucket,
        targetBucket: options.logging.targetBucket,
        targetPrefix: options.logging.targetPrefix,
        targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: 'EventTime' } },
      },
      part.childOptions({ dependsOn: [options.logging.dependsOn] }),
    );
  }
  return { versioning, policy };
}
