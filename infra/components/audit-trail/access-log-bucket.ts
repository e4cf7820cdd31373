/**
 * The bucket that receives the server access logs of the trail's record buckets. Buckets that
 * receive records never log to themselves: a bucket with Object Lock cannot be the target of server
 * access logs, so both record buckets log here, each under its own prefix.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { AuditTrailPart, type AuditTrailPartOptions } from './part.ts';
import { secureBucket, type AccessLogging } from './secure-bucket.ts';

type In<T> = pulumi.Input<T>;

/** A bucket whose access is logged here, and the prefix its logs land under. */
export interface LoggedBucket {
  readonly bucketName: In<string>;
  /** Ends with `/`. */
  readonly prefix: string;
}

export interface AccessLogBucketArgs {
  readonly bucketName: In<string>;
  /** The only buckets that may log here (of this account), each under its prefix. */
  readonly loggedBuckets: readonly LoggedBucket[];
  /** How long access logs are kept: as long as the records whose access they show. */
  readonly retentionDays: number;
  readonly accountId: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** The access-log bucket (resources `<name>-access-logs*`). */
export class AccessLogBucket extends AuditTrailPart {
  readonly bucket: aws.s3.Bucket;
  private readonly policy: aws.s3.BucketPolicy;
  private readonly prefixes: readonly string[];

  constructor(name: string, args: AccessLogBucketArgs, opts: AuditTrailPartOptions) {
    super('savings:audit:AccessLogBucket', name, opts);
    const resourceName = `${name}-access-logs`;
    // S3 server access logging supports only SSE-S3 default encryption on the target bucket, not
    // SSE-KMS: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    this.bucket = new aws.s3.Bucket(
      resourceName,
      { bucket: args.bucketName, tags: args.tags },
      this.childOptions(),
    );
    const arn = this.bucket.arn;
    const settings = secureBucket(
      resourceName,
      this.bucket,
      {
        encryption: { sseAlgorithm: 'AES256' },
        statements: [
          {
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
            Sid: 'S3ServerAccessLogsFromTheRecordBuckets',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: args.loggedBuckets.map(({ prefix }) => pulumi.interpolate`${arn}/${prefix}*`),
            Condition: {
              StringEquals: { 'aws:SourceAccount': args.accountId },
              ArnLike: {
                'aws:SourceArn': args.loggedBuckets.map(
                  ({ bucketName }) => pulumi.interpolate`arn:aws:s3:::${bucketName}`,
                ),
              },
            },
          },
        ],
        // Access logs say who read or wrote the records: they are kept as long as the records.
        lifecycle: [
          {
            id: 'expire-access-logs',
            status: 'Enabled',
            filter: {},
            expiration: { days: args.retentionDays },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      this,
    );
    this.policy = settings.policy;
    this.prefixes = args.loggedBuckets.map(({ prefix }) => prefix);
    this.registerOutputs({ bucketName: this.bucket.bucket });
  }

  /**
   * Logging into this bucket under `prefix`, once its policy lets S3 deliver there. Fails for a
   * prefix the bucket's policy does not grant: no log would ever be delivered there.
   */
  loggingFor(prefix: string): AccessLogging {
    if (!this.prefixes.includes(prefix)) {
      throw new Error(`access logs under ${prefix} are not allowed by the access-log bucket`);
    }
    return { targetBucket: this.bucket.bucket, targetPrefix: prefix, dependsOn: this.policy };
  }
}
