/**
 * The Firehose stream that writes the bus's events into the records bucket: encrypted with the
 * project key, one gzipped JSON-lines object a minute at most, by UTC date, with delivery errors
 * logged. Its role may write records to that bucket and its own delivery logs, nothing else.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, serviceTrustPolicy } from '../../iam.ts';
import { AuditTrailPart, type AuditTrailPartOptions } from './part.ts';

type In<T> = pulumi.Input<T>;

export interface DeliveryStreamArgs {
  /** `<project>-<stack>`, named in the role's description. */
  readonly prefix: string;
  readonly streamName: string;
  /** Known before the stream exists: the role's trust policy names it. */
  readonly streamArn: In<string>;
  /** Known before the role exists: the project key's policy names it. */
  readonly roleName: string;
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  /** The records bucket and its policy (the stream waits for the policy that guards the bucket). */
  readonly bucketArn: In<string>;
  readonly bucketPolicy: pulumi.Resource;
  readonly kmsKeyArn: In<string>;
  readonly accountId: In<string>;
  readonly region: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** The audit stream (resources `<name>-stream` and `<name>-firehose-*`). */
export class DeliveryStream extends AuditTrailPart {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: DeliveryStreamArgs, opts: AuditTrailPartOptions) {
    super('savings:audit:DeliveryStream', name, opts);
    const { bucketArn, kmsKeyArn, tags } = args;
    const logs = new aws.cloudwatch.LogGroup(
      `${name}-firehose-logs`,
      {
        name: args.logGroupName,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: kmsKeyArn,
        tags,
      },
      this.childOptions(),
    );
    const logStream = new aws.cloudwatch.LogStream(
      `${name}-firehose-delivery-logs`,
      { name: 'DestinationDelivery', logGroupName: logs.name },
      this.childOptions(),
    );
    const role = new aws.iam.Role(
      `${name}-firehose-role`,
      {
        name: args.roleName,
        description: `Firehose ${args.streamName}: writes audit records to ${args.prefix}'s audit bucket`,
        assumeRolePolicy: serviceTrustPolicy(
          'firehose.amazonaws.com',
          args.accountId,
          args.streamArn,
        ),
        tags,
      },
      this.childOptions(),
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-firehose-policy`,
      {
        role: role.id,
        policy: policyJson([
          {
            Sid: 'FindTheAuditBucket',
            Effect: 'Allow',
            Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
            Resource: bucketArn,
          },
          {
            Sid: 'WriteAuditRecords',
            Effect: 'Allow',
            Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
            Resource: pulumi.interpolate`${bucketArn}/*`,
          },
          {
            Sid: 'AuditRecordsAreEncryptedWithTheProjectKey',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: kmsKeyArn,
            Condition: {
              StringEquals: {
                'kms:ViaService': pulumi.interpolate`s3.${args.region}.amazonaws.com`,
              },
              // With an S3 Bucket Key the context is the bucket's ARN, without it the object's.
              StringLike: {
                'kms:EncryptionContext:aws:s3:arn': [bucketArn, pulumi.interpolate`${bucketArn}/*`],
              },
            },
          },
          {
            Sid: 'WriteOwnDeliveryLogs',
            Effect: 'Allow',
            Action: 'logs:PutLogEvents',
            Resource: pulumi.interpolate`${logs.arn}:log-stream:${logStream.name}`,
          },
        ]),
      },
      this.childOptions(),
    );
    const stream = new aws.kinesis.FirehoseDeliveryStream(
      `${name}-stream`,
      {
        name: args.streamName,
        destination: 'extended_s3',
        serverSideEncryption: {
          enabled: true,
          keyType: 'CUSTOMER_MANAGED_CMK',
          keyArn: kmsKeyArn,
        },
        extendedS3Configuration: {
          bucketArn,
          roleArn: role.arn,
          prefix: 'events/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/',
          errorOutputPrefix:
            'errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/',
          customTimeZone: 'UTC',
          // One object a minute at most: records are durable within a minute of the event.
          bufferingInterval: 60,
          bufferingSize: 5,
          compressionFormat: 'GZIP',
          fileExtension: '.jsonl.gz',
          // EventBridge events carry no delimiter; one event per line keeps the objects queryable.
          processingConfiguration: {
            enabled: true,
            // Its default delimiter is a newline.
            processors: [{ type: 'AppendDelimiterToRecord' }],
          },
          kmsKeyArn,
          cloudwatchLoggingOptions: {
            enabled: true,
            logGroupName: logs.name,
            logStreamName: logStream.name,
          },
        },
        tags,
      },
      // Deliveries start as soon as the stream exists: its permissions and the bucket's guard first.
      this.childOptions({ dependsOn: [rolePolicy, args.bucketPolicy] }),
    );
    this.arn = stream.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
