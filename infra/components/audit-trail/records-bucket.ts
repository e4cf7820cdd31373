/**
 * The audit records: the bucket Firehose writes every bus event into, with Object Lock in
 * COMPLIANCE mode (the WORM control: versions cannot be deleted or overwritten by anyone, root
 * included, until their retention ends). Records are encrypted with the project key only, and move
 * to Glacier (still locked) after {@link GLACIER_AFTER_DAYS}; they are never expired by lifecycle.
 *
 * A deployed stack must never replace this bucket: it cannot be emptied before the retention ends.
 * Its resources keep their addresses (see `part.ts`) and its name is derived from the stack only.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { AuditTrailPart, type AuditTrailPartOptions } from './part.ts';
import { secureBucket, type AccessLogging } from './secure-bucket.ts';

type In<T> = pulumi.Input<T>;

/** Records older than this move to S3 Glacier Flexible Retrieval (still locked, still versioned). */
export const GLACIER_AFTER_DAYS = 90;

export interface RecordsBucketArgs {
  readonly bucketName: In<string>;
  /** The project key: the only key records may be encrypted with. */
  readonly kmsKeyArn: In<string>;
  /** Object Lock default retention (COMPLIANCE mode) of every record, in days. */
  readonly retentionDays: number;
  /** Where the bucket's server access logs go. */
  readonly accessLogging: AccessLogging;
  readonly tags: In<Record<string, In<string>>>;
}

/** The locked records bucket (resources `<name>-records*`). */
export class RecordsBucket extends AuditTrailPart {
  readonly bucket: aws.s3.Bucket;
  /** Writers wait for it: it is what refuses objects not encrypted with the project key. */
  readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: RecordsBucketArgs, opts: AuditTrailPartOptions) {
    super('savings:audit:RecordsBucket', name, opts);
    const resourceName = `${name}-records`;
    const { kmsKeyArn } = args;
    // Object Lock is enabled when the bucket is created (it cannot be later).
    this.bucket = new aws.s3.Bucket(
      resourceName,
      { bucket: args.bucketName, objectLockEnabled: true, tags: args.tags },
      this.childOptions(),
    );
    const objects = pulumi.interpolate`${this.bucket.arn}/*`;
    const settings = secureBucket(
      resourceName,
      this.bucket,
      {
        encryption: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: kmsKeyArn },
        statements: [
          // Objects without encryption headers get the bucket default (the project key); objects
          // with headers must name SSE-KMS and the project key. "IfExists", because UploadPart
          // requests are authorized as s3:PutObject but carry no encryption headers.
          {
            Sid: 'DenyObjectsNotEncryptedWithKms',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Resource: objects,
            Condition: {
              StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' },
            },
          },
          {
            Sid: 'DenyObjectsEncryptedWithAnotherKey',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Resource: objects,
            Condition: {
              StringNotEqualsIfExists: {
                's3:x-amz-server-side-encryption-aws-kms-key-id': kmsKeyArn,
              },
            },
          },
          {
            // SSE-KMS without a key id would use the AWS managed key aws/s3.
            Sid: 'DenyObjectsEncryptedWithTheAwsManagedKey',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Resource: objects,
            Condition: {
              StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
              Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
            },
          },
        ],
        // Locked versions can move to Glacier; they cannot be deleted before their retention ends.
        lifecycle: [
          {
            id: 'records-to-glacier',
            status: 'Enabled',
            filter: {},
            transitions: [{ days: GLACIER_AFTER_DAYS, storageClass: 'GLACIER' }],
            noncurrentVersionTransitions: [
              { noncurrentDays: GLACIER_AFTER_DAYS, storageClass: 'GLACIER' },
            ],
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
        logging: args.accessLogging,
      },
      this,
    );
    new aws.s3.BucketObjectLockConfiguration(
      `${resourceName}-object-lock`,
      {
        bucket: this.bucket.bucket,
        objectLockEnabled: 'Enabled',
        rule: { defaultRetention: { mode: 'COMPLIANCE', days: args.retentionDays } },
      },
      // Object Lock needs versioning.
      this.childOptions({ dependsOn: [settings.versioning] }),
    );
    this.policy = settings.policy;
    this.registerOutputs({ bucketName: this.bucket.bucket });
  }
}
