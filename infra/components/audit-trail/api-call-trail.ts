/**
 * CloudTrail: a multi-Region trail with log file validation that records the account's API calls,
 * plus who read or wrote audit records (S3 data events on the records bucket) and who deleted or
 * changed the retention of objects in the other audit buckets (its own and the access logs'), into
 * a bucket of its own (CloudTrail writes SSE-KMS objects with the trail's key) and into CloudWatch
 * Logs. Those data events are what the audit-tampering rule (`monitoring/audit-tampering.ts`)
 * matches: without a trail recording them, EventBridge never sees them.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, serviceTrustPolicy } from '../../iam.ts';
import { AuditTrailPart, type AuditTrailPartOptions } from './part.ts';
import { GLACIER_AFTER_DAYS } from './records-bucket.ts';
import { secureBucket, type AccessLogging } from './secure-bucket.ts';

type In<T> = pulumi.Input<T>;

/** The object-level calls on the trail's and the access logs' buckets the trail records. */
export const TRAIL_RECORDED_TAMPERING = [
  'DeleteObject',
  'DeleteObjects',
  'PutObjectLegalHold',
  'PutObjectRetention',
];

export interface ApiCallTrailArgs {
  readonly trailName: string;
  /** Known before the trail exists: its bucket's policy and its role's trust policy name it. */
  readonly trailArn: In<string>;
  readonly bucketName: In<string>;
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  /** Trail files are kept as long as the audit records. */
  readonly retentionDays: number;
  /** The records bucket, whose object access the trail records. */
  readonly recordsBucketArn: In<string>;
  /**
   * Further audit buckets whose object deletions and retention changes are recorded (the access
   * logs'); the trail's own bucket is always among them.
   */
  readonly watchedBucketArns: readonly In<string>[];
  /** Where the trail bucket's server access logs go. */
  readonly accessLogging: AccessLogging;
  readonly kmsKeyArn: In<string>;
  readonly accountId: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** The CloudTrail trail (resources `<name>-trail*`). */
export class ApiCallTrail extends AuditTrailPart {
  readonly arn: pulumi.Output<string>;
  readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: ApiCallTrailArgs, opts: AuditTrailPartOptions) {
    super('savings:audit:ApiCallTrail', name, opts);
    const { accountId, kmsKeyArn, trailArn, tags } = args;
    const bucket = new aws.s3.Bucket(
      `${name}-trail-bucket`,
      { bucket: args.bucketName, tags },
      this.childOptions(),
    );
    const bucketSettings = secureBucket(
      `${name}-trail-bucket`,
      bucket,
      {
        encryption: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: kmsKeyArn },
        statements: [
          {
            // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
            Sid: 'CloudTrailChecksBucketAcl',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:GetBucketAcl',
            Resource: bucket.arn,
            Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
          },
          {
            Sid: 'CloudTrailWritesTheAuditTrail',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: pulumi.interpolate`${bucket.arn}/AWSLogs/${accountId}/*`,
            Condition: {
              StringEquals: {
                'aws:SourceArn': trailArn,
                's3:x-amz-acl': 'bucket-owner-full-control',
              },
            },
          },
        ],
        lifecycle: [
          {
            id: 'trail-to-glacier-then-expire',
            status: 'Enabled',
            filter: {},
            transitions: [{ days: GLACIER_AFTER_DAYS, storageClass: 'GLACIER' }],
            expiration: { days: args.retentionDays },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
        logging: args.accessLogging,
      },
      this,
    );
    const logs = new aws.cloudwatch.LogGroup(
      `${name}-trail-logs`,
      {
        name: args.logGroupName,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: kmsKeyArn,
        tags,
      },
      this.childOptions(),
    );
    const role = new aws.iam.Role(
      `${name}-trail-role`,
      {
        // Named under the stack's prefix: the deploy role manages roles by it (bootstrap/).
        name: `${args.trailName}-trail-logs`,
        description: `CloudTrail ${args.trailName}: delivers the trail to CloudWatch Logs`,
        assumeRolePolicy: serviceTrustPolicy('cloudtrail.amazonaws.com', accountId, trailArn),
        tags,
      },
      this.childOptions(),
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-trail-policy`,
      {
        role: role.id,
        policy: policyJson([
          {
            Sid: 'WriteTheTrailsLogGroup',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: pulumi.interpolate`${logs.arn}:log-stream:*`,
          },
        ]),
      },
      this.childOptions(),
    );
    const trail = new aws.cloudtrail.Trail(
      `${name}-trail`,
      {
        name: args.trailName,
        s3BucketName: bucket.bucket,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        kmsKeyId: kmsKeyArn,
        cloudWatchLogsGroupArn: pulumi.interpolate`${logs.arn}:*`,
        cloudWatchLogsRoleArn: role.arn,
        // Management events, who read or wrote audit records, and who deleted or locked objects
        // of the other audit buckets (S3 data events).
        advancedEventSelectors: [
          {
            name: 'Management events',
            fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }],
          },
          {
            name: 'Audit record access',
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Data'] },
              { field: 'resources.type', equals: ['AWS::S3::Object'] },
              {
                field: 'resources.ARN',
                startsWiths: [pulumi.interpolate`${args.recordsBucketArn}/`],
              },
            ],
          },
          {
            // Not the trail's own writes (PutObject): a trail recording the writes into its own
            // bucket would record its own recording, without end.
            // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
            name: 'Audit bucket tampering',
            fieldSelectors: [
              { field: 'eventCategory', equals: ['Data'] },
              { field: 'resources.type', equals: ['AWS::S3::Object'] },
              { field: 'eventName', equals: [...TRAIL_RECORDED_TAMPERING] },
              {
                field: 'resources.ARN',
                startsWiths: [bucket.arn, ...args.watchedBucketArns].map(
                  (arn) => pulumi.interpolate`${arn}/`,
                ),
              },
            ],
          },
        ],
        tags,
      },
      // CloudTrail checks on creation that it may write to the bucket and the log group.
      this.childOptions({ dependsOn: [bucketSettings.policy, rolePolicy] }),
    );
    this.arn = trail.arn;
    this.bucketName = bucket.bucket;
    this.registerOutputs({ arn: this.arn, bucketName: this.bucketName });
  }
}
