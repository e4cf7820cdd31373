/**
 * The immutable audit trail. Every event of this account on the project bus goes through a
 * KMS-encrypted Firehose stream into an S3 bucket with Object Lock in COMPLIANCE mode (the WORM
 * control: versions cannot be deleted or overwritten by anyone, root included, until their
 * retention ends), and into an encrypted EventBridge archive for replay. A multi-Region CloudTrail
 * trail with log file validation records the API calls, including object access to the audit
 * bucket, in a bucket of its own and in CloudWatch Logs. An asymmetric KMS key signs the daily
 * digests of the trail's records.
 *
 * Buckets that receive records never log to themselves: a bucket with Object Lock cannot be the
 * target of server access logs, so both record buckets log to a separate access-log bucket.
 *
 * The project key's policy must let CloudTrail, EventBridge and CloudWatch Logs use the key for
 * these resources: {@link auditKeyPolicyStatements} returns those statements.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, serviceTrustPolicy, type PolicyStatement } from '../iam.ts';

type In<T> = pulumi.Input<T>;

export interface AuditTrailArgs {
  /** `<project>-<stack>`: every name is derived from it, so ARNs are known before deployment. */
  readonly prefix: string;
  /** The project key: buckets, stream, log groups, archive, dead letters and the trail. */
  readonly kmsKeyArn: In<string>;
  /** The project bus whose events are recorded. */
  readonly eventBusName: In<string>;
  readonly eventBusArn: In<string>;
  /** Object Lock default retention (COMPLIANCE mode) of the audit records, in days. */
  readonly auditRetentionDays: number;
  /** Retention of the EventBridge archive in days; 0 keeps events indefinitely. */
  readonly archiveRetentionDays: number;
  /** Retention of the stream's and the trail's CloudWatch log groups, in days. */
  readonly logRetentionDays: number;
  /** The role that signs the daily digests (the digest job's): the only one the key lets sign. */
  readonly signerRoleArn: In<string>;
  readonly accountId: In<string>;
  readonly region: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** Records older than this move to S3 Glacier Flexible Retrieval (still locked, still versioned). */
export const GLACIER_AFTER_DAYS = 90;

/** Names and ARNs of the audit trail's resources, all derived from the prefix. */
export function auditTrailNames(args: {
  prefix: string;
  accountId: In<string>;
  region: In<string>;
  eventBusName: In<string>;
}) {
  const { prefix, accountId, region } = args;
  const streamName = `${prefix}-audit`;
  const trailName = `${prefix}-audit`;
  const ruleName = `${prefix}-audit`;
  const firehoseLogGroupName = `/aws/kinesisfirehose/${streamName}`;
  const trailLogGroupName = `/aws/cloudtrail/${trailName}`;
  const logGroupArn = (name: string) =>
    pulumi.interpolate`arn:aws:logs:${region}:${accountId}:log-group:${name}`;
  return {
    // Bucket names are global: the account and Region make them unique (at most 63 characters
    // for a 24-character prefix and a 14-character Region).
    auditBucketName: pulumi.interpolate`${prefix}-audit-${accountId}-${region}`,
    trailBucketName: pulumi.interpolate`${prefix}-trail-${accountId}-${region}`,
    accessLogBucketName: pulumi.interpolate`${prefix}-s3-logs-${accountId}-${region}`,
    streamName,
    streamArn: pulumi.interpolate`arn:aws:firehose:${region}:${accountId}:deliverystream/${streamName}`,
    firehoseLogGroupName,
    firehoseLogGroupArn: logGroupArn(firehoseLogGroupName),
    // Known before it exists: the project key's policy names the role that writes the records.
    firehoseRoleName: `${streamName}-firehose`,
    trailName,
    trailArn: pulumi.interpolate`arn:aws:cloudtrail:${region}:${accountId}:trail/${trailName}`,
    trailLogGroupName,
    trailLogGroupArn: logGroupArn(trailLogGroupName),
    ruleName,
    ruleArn: pulumi.interpolate`arn:aws:events:${region}:${accountId}:rule/${args.eventBusName}/${ruleName}`,
    busArn: pulumi.interpolate`arn:aws:events:${region}:${accountId}:event-bus/${args.eventBusName}`,
    archiveName: `${prefix}-audit`,
    deadLetterQueueName: `${prefix}-audit-dlq`,
    signingKeyAlias: `alias/${prefix}-audit-signing`,
  };
}

/**
 * What the project key's policy must add for the audit trail's services (the Firehose role's use
 * of the key through S3 is among the stack roles' statements, by its name `firehoseRoleName`):
 * - CloudTrail encrypts this trail's log and digest files
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html);
 * - CloudWatch Logs encrypts the stream's and the trail's log groups, and no other;
 * - EventBridge describes the key and re-encrypts for the bus's archive
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/encryption-archives.html);
 * - EventBridge sends to the rule's encrypted dead-letter queue
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
 */
export function auditKeyPolicyStatements(args: {
  prefix: string;
  accountId: In<string>;
  region: In<string>;
  eventBusName: In<string>;
}): PolicyStatement[] {
  const names = auditTrailNames(args);
  return [
    {
      Sid: 'CloudTrailDescribesKeyForTheAuditTrail',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': names.trailArn } },
    },
    {
      Sid: 'CloudTrailEncryptsTheAuditTrailsLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:SourceArn': names.trailArn,
          'kms:EncryptionContext:aws:cloudtrail:arn': names.trailArn,
        },
      },
    },
    {
      Sid: 'CloudWatchLogsEncryptsTheAuditLogGroups',
      Effect: 'Allow',
      Principal: { Service: pulumi.interpolate`logs.${args.region}.amazonaws.com` },
      Action: [
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ],
      Resource: '*',
      Condition: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': [names.firehoseLogGroupArn, names.trailLogGroupArn],
        },
      },
    },
    {
      Sid: 'EventBridgeDescribesKeyForTheArchive',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
    },
    {
      Sid: 'EventBridgeArchivesTheProjectBus',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:SourceAccount': args.accountId,
          'kms:EncryptionContext:aws:events:event-bus:arn': names.busArn,
        },
      },
    },
    {
      Sid: 'EventBridgeSendsToTheAuditDeadLetterQueue',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { ArnEquals: { 'aws:SourceArn': names.ruleArn } },
    },
  ];
}

/**
 * Key administration through IAM, and reading the public key and verifying, for the asymmetric
 * digest key. Signing is not among them: only the signer role may sign.
 */
export const SIGNING_KEY_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:GetKeyPolicy',
  'kms:GetPublicKey',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
  'kms:Verify',
];

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

interface SecureBucketOptions {
  /** Default encryption of new objects. */
  readonly encryption:
    { sseAlgorithm: 'AES256' } | { sseAlgorithm: 'aws:kms'; kmsMasterKeyId: In<string> };
  /** Bucket policy statements besides the TLS-only one. */
  readonly statements: PolicyStatement[];
  readonly lifecycle: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  /** Where the bucket's server access logs go (none for the access-log bucket itself). */
  readonly logging?: { targetBucket: In<string>; targetPrefix: string; dependsOn: pulumi.Resource };
}

/**
 * The settings every bucket of the trail gets: versioning, default encryption (with an S3 Bucket
 * Key), no public access, ACLs disabled, a TLS-only policy, a lifecycle and access logging.
 */
function secureBucket(
  name: string,
  bucket: aws.s3.Bucket,
  options: SecureBucketOptions,
  parent: pulumi.Resource,
): { versioning: aws.s3.BucketVersioning; policy: aws.s3.BucketPolicy } {
  const versioning = new aws.s3.BucketVersioning(
    `${name}-versioning`,
    { bucket: bucket.bucket, versioningConfiguration: { status: 'Enabled' } },
    { parent },
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
    { parent },
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
    { parent },
  );
  // S3.11: object events go to EventBridge (the account's default bus), where detection rules
  // (a deleted or overwritten record, an unexpected writer) can watch them.
  new aws.s3.BucketNotification(
    `${name}-notifications`,
    { bucket: bucket.bucket, eventbridge: true },
    { parent },
  );
  new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } },
    { parent },
  );
  const policy = new aws.s3.BucketPolicy(
    `${name}-policy`,
    {
      bucket: bucket.bucket,
      policy: policyJson([denyInsecureTransport(bucket.arn), ...options.statements]),
    },
    { parent, dependsOn: [publicAccess] },
  );
  new aws.s3.BucketLifecycleConfiguration(
    `${name}-lifecycle`,
    { bucket: bucket.bucket, rules: options.lifecycle },
    // Lifecycle rules on versions need versioning first.
    { parent, dependsOn: [versioning] },
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
      { parent, dependsOn: [options.logging.dependsOn] },
    );
  }
  return { versioning, policy };
}

export class AuditTrail extends pulumi.ComponentResource {
  readonly auditBucketName: pulumi.Output<string>;
  readonly auditBucketArn: pulumi.Output<string>;
  readonly logBucketName: pulumi.Output<string>;
  readonly trailBucketName: pulumi.Output<string>;
  readonly trailArn: pulumi.Output<string>;
  readonly firehoseArn: pulumi.Output<string>;
  readonly archiveArn: pulumi.Output<string>;
  readonly deadLetterQueueArn: pulumi.Output<string>;
  readonly signingKeyArn: pulumi.Output<string>;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:audit:AuditTrail', name, {}, opts);
    const names = auditTrailNames(args);
    const { accountId, region, tags, kmsKeyArn } = args;
    const parent = { parent: this };

    // Access logs of both record buckets. S3 server access logging supports only SSE-S3 default
    // encryption on the target bucket, not SSE-KMS:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    const accessLogs = new aws.s3.Bucket(
      `${name}-access-logs`,
      { bucket: names.accessLogBucketName, tags },
      parent,
    );
    const accessLogSettings = secureBucket(
      `${name}-access-logs`,
      accessLogs,
      {
        encryption: { sseAlgorithm: 'AES256' },
        statements: [
          {
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
            Sid: 'S3ServerAccessLogsFromTheRecordBuckets',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: [
              pulumi.interpolate`${accessLogs.arn}/audit/*`,
              pulumi.interpolate`${accessLogs.arn}/trail/*`,
            ],
            Condition: {
              StringEquals: { 'aws:SourceAccount': accountId },
              ArnLike: {
                'aws:SourceArn': [
                  pulumi.interpolate`arn:aws:s3:::${names.auditBucketName}`,
                  pulumi.interpolate`arn:aws:s3:::${names.trailBucketName}`,
                ],
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
            expiration: { days: args.auditRetentionDays },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      this,
    );

    // The audit records: Object Lock is enabled when the bucket is created (it cannot be later).
    const audit = new aws.s3.Bucket(
      `${name}-records`,
      { bucket: names.auditBucketName, objectLockEnabled: true, tags },
      parent,
    );
    const auditSettings = secureBucket(
      `${name}-records`,
      audit,
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
            Resource: pulumi.interpolate`${audit.arn}/*`,
            Condition: {
              StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' },
            },
          },
          {
            Sid: 'DenyObjectsEncryptedWithAnotherKey',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Resource: pulumi.interpolate`${audit.arn}/*`,
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
            Resource: pulumi.interpolate`${audit.arn}/*`,
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
        logging: {
          targetBucket: accessLogs.bucket,
          targetPrefix: 'audit/',
          dependsOn: accessLogSettings.policy,
        },
      },
      this,
    );
    new aws.s3.BucketObjectLockConfiguration(
      `${name}-records-object-lock`,
      {
        bucket: audit.bucket,
        objectLockEnabled: 'Enabled',
        rule: { defaultRetention: { mode: 'COMPLIANCE', days: args.auditRetentionDays } },
      },
      { parent: this, dependsOn: [auditSettings.versioning] },
    );

    // The stream into the audit bucket.
    const firehoseLogs = new aws.cloudwatch.LogGroup(
      `${name}-firehose-logs`,
      {
        name: names.firehoseLogGroupName,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: kmsKeyArn,
        tags,
      },
      parent,
    );
    const firehoseLogStream = new aws.cloudwatch.LogStream(
      `${name}-firehose-delivery-logs`,
      { name: 'DestinationDelivery', logGroupName: firehoseLogs.name },
      parent,
    );
    const firehoseRole = new aws.iam.Role(
      `${name}-firehose-role`,
      {
        name: names.firehoseRoleName,
        description: `Firehose ${names.streamName}: writes audit records to ${args.prefix}'s audit bucket`,
        assumeRolePolicy: serviceTrustPolicy('firehose.amazonaws.com', accountId, names.streamArn),
        tags,
      },
      parent,
    );
    const firehosePolicy = new aws.iam.RolePolicy(
      `${name}-firehose-policy`,
      {
        role: firehoseRole.id,
        policy: policyJson([
          {
            Sid: 'FindTheAuditBucket',
            Effect: 'Allow',
            Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
            Resource: audit.arn,
          },
          {
            Sid: 'WriteAuditRecords',
            Effect: 'Allow',
            Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
            Resource: pulumi.interpolate`${audit.arn}/*`,
          },
          {
            Sid: 'AuditRecordsAreEncryptedWithTheProjectKey',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: kmsKeyArn,
            Condition: {
              StringEquals: { 'kms:ViaService': pulumi.interpolate`s3.${region}.amazonaws.com` },
              // With an S3 Bucket Key the context is the bucket's ARN, without it the object's.
              StringLike: {
                'kms:EncryptionContext:aws:s3:arn': [audit.arn, pulumi.interpolate`${audit.arn}/*`],
              },
            },
          },
          {
            Sid: 'WriteOwnDeliveryLogs',
            Effect: 'Allow',
            Action: 'logs:PutLogEvents',
            Resource: pulumi.interpolate`${firehoseLogs.arn}:log-stream:${firehoseLogStream.name}`,
          },
        ]),
      },
      parent,
    );
    const stream = new aws.kinesis.FirehoseDeliveryStream(
      `${name}-stream`,
      {
        name: names.streamName,
        destination: 'extended_s3',
        serverSideEncryption: {
          enabled: true,
          keyType: 'CUSTOMER_MANAGED_CMK',
          keyArn: kmsKeyArn,
        },
        extendedS3Configuration: {
          bucketArn: audit.arn,
          roleArn: firehoseRole.arn,
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
            logGroupName: firehoseLogs.name,
            logStreamName: firehoseLogStream.name,
          },
        },
        tags,
      },
      { parent: this, dependsOn: [firehosePolicy, auditSettings.policy] },
    );

    // Every event of this account on the project bus goes to the stream.
    const rule = new aws.cloudwatch.EventRule(
      `${name}-rule`,
      {
        name: names.ruleName,
        eventBusName: args.eventBusName,
        description: 'Every event of this account, into the immutable audit trail',
        eventPattern: pulumi.jsonStringify({ account: [accountId] }),
        state: 'ENABLED',
        tags,
      },
      parent,
    );
    const eventsRole = new aws.iam.Role(
      `${name}-events-role`,
      {
        description: `EventBridge rule ${names.ruleName}: puts events on the audit stream`,
        assumeRolePolicy: serviceTrustPolicy('events.amazonaws.com', accountId, names.ruleArn),
        tags,
      },
      parent,
    );
    const eventsPolicy = new aws.iam.RolePolicy(
      `${name}-events-policy`,
      {
        role: eventsRole.id,
        policy: policyJson([
          {
            Sid: 'PutEventsOnTheAuditStream',
            Effect: 'Allow',
            Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
            Resource: stream.arn,
          },
        ]),
      },
      parent,
    );
    // What EventBridge could not deliver after a day of retries waits here for two weeks.
    const deadLetters = new aws.sqs.Queue(
      `${name}-dlq`,
      {
        name: names.deadLetterQueueName,
        kmsMasterKeyId: kmsKeyArn,
        kmsDataKeyReusePeriodSeconds: 300,
        messageRetentionSeconds: 14 * 24 * 60 * 60,
        tags,
      },
      parent,
    );
    const deadLettersPolicy = new aws.sqs.QueuePolicy(
      `${name}-dlq-policy`,
      {
        queueUrl: deadLetters.url,
        policy: policyJson([
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Resource: deadLetters.arn,
            Condition: { Bool: { 'aws:SecureTransport': false } },
          },
          {
            Sid: 'AuditRuleSendsUndeliveredEvents',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: deadLetters.arn,
            Condition: { ArnEquals: { 'aws:SourceArn': rule.arn } },
          },
        ]),
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      {
        rule: rule.name,
        eventBusName: args.eventBusName,
        targetId: 'audit-stream',
        arn: stream.arn,
        roleArn: eventsRole.arn,
        retryPolicy: { maximumEventAgeInSeconds: 24 * 60 * 60, maximumRetryAttempts: 185 },
        deadLetterConfig: { arn: deadLetters.arn },
      },
      { parent: this, dependsOn: [eventsPolicy, deadLettersPolicy] },
    );

    // Replay source; EventBridge archives every event on the bus by default (no pattern).
    const archive = new aws.cloudwatch.EventArchive(
      `${name}-archive`,
      {
        name: names.archiveName,
        description: 'Every event on the project bus, for replay',
        eventSourceArn: args.eventBusArn,
        // 0 is EventBridge's "keep indefinitely".
        retentionDays: args.archiveRetentionDays,
        kmsKeyIdentifier: kmsKeyArn,
      },
      parent,
    );

    // CloudTrail: its own bucket (CloudTrail writes SSE-KMS objects with the trail's key).
    const trailBucket = new aws.s3.Bucket(
      `${name}-trail-bucket`,
      { bucket: names.trailBucketName, tags },
      parent,
    );
    const trailSettings = secureBucket(
      `${name}-trail-bucket`,
      trailBucket,
      {
        encryption: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: kmsKeyArn },
        statements: [
          {
            // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
            Sid: 'CloudTrailChecksBucketAcl',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:GetBucketAcl',
            Resource: trailBucket.arn,
            Condition: { StringEquals: { 'aws:SourceArn': names.trailArn } },
          },
          {
            Sid: 'CloudTrailWritesTheAuditTrail',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: pulumi.interpolate`${trailBucket.arn}/AWSLogs/${accountId}/*`,
            Condition: {
              StringEquals: {
                'aws:SourceArn': names.trailArn,
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
            expiration: { days: args.auditRetentionDays },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
        logging: {
          targetBucket: accessLogs.bucket,
          targetPrefix: 'trail/',
          dependsOn: accessLogSettings.policy,
        },
      },
      this,
    );
    const trailLogs = new aws.cloudwatch.LogGroup(
      `${name}-trail-logs`,
      {
        name: names.trailLogGroupName,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: kmsKeyArn,
        tags,
      },
      parent,
    );
    const trailRole = new aws.iam.Role(
      `${name}-trail-role`,
      {
        description: `CloudTrail ${names.trailName}: delivers the trail to CloudWatch Logs`,
        assumeRolePolicy: serviceTrustPolicy('cloudtrail.amazonaws.com', accountId, names.trailArn),
        tags,
      },
      parent,
    );
    const trailRolePolicy = new aws.iam.RolePolicy(
      `${name}-trail-policy`,
      {
        role: trailRole.id,
        policy: policyJson([
          {
            Sid: 'WriteTheTrailsLogGroup',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: pulumi.interpolate`${trailLogs.arn}:log-stream:*`,
          },
        ]),
      },
      parent,
    );
    const trail = new aws.cloudtrail.Trail(
      `${name}-trail`,
      {
        name: names.trailName,
        s3BucketName: trailBucket.bucket,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        kmsKeyId: kmsKeyArn,
        cloudWatchLogsGroupArn: pulumi.interpolate`${trailLogs.arn}:*`,
        cloudWatchLogsRoleArn: trailRole.arn,
        // Management events, plus who read or wrote audit records (S3 data events).
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
              { field: 'resources.ARN', startsWiths: [pulumi.interpolate`${audit.arn}/`] },
            ],
          },
        ],
        tags,
      },
      { parent: this, dependsOn: [trailSettings.policy, trailRolePolicy] },
    );

    // Signs the daily digests of the audit records. Asymmetric keys cannot rotate automatically
    // (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html): a new key and
    // alias target replace it, and old digests stay verifiable with the old public key.
    const signingKey = new aws.kms.Key(
      `${name}-signing-key`,
      {
        description: `${args.prefix}: signs the daily digests of the audit trail`,
        customerMasterKeySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
        enableKeyRotation: false,
        deletionWindowInDays: 30,
        policy: policyJson([
          {
            Sid: 'AccountAdministersAndVerifiesThroughIam',
            Effect: 'Allow',
            Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
            Action: SIGNING_KEY_ACTIONS,
            Resource: '*',
          },
          {
            // No identity policy alone can let anyone else sign a digest.
            Sid: 'OnlyTheDigestJobSigns',
            Effect: 'Allow',
            Principal: { AWS: pulumi.interpolate`arn:aws:iam::${accountId}:root` },
            Action: 'kms:Sign',
            Resource: '*',
            Condition: { ArnEquals: { 'aws:PrincipalArn': args.signerRoleArn } },
          },
        ]),
        tags,
      },
      parent,
    );
    new aws.kms.Alias(
      `${name}-signing-alias`,
      { name: names.signingKeyAlias, targetKeyId: signingKey.keyId },
      parent,
    );

    this.auditBucketName = audit.bucket;
    this.auditBucketArn = audit.arn;
    this.logBucketName = accessLogs.bucket;
    this.trailBucketName = trailBucket.bucket;
    this.trailArn = trail.arn;
    this.firehoseArn = stream.arn;
    this.archiveArn = archive.arn;
    this.deadLetterQueueArn = deadLetters.arn;
    this.signingKeyArn = signingKey.arn;
    this.registerOutputs({
      auditBucketName: this.auditBucketName,
      auditBucketArn: this.auditBucketArn,
      logBucketName: this.logBucketName,
      trailArn: this.trailArn,
      firehoseArn: this.firehoseArn,
      archiveArn: this.archiveArn,
      signingKeyArn: this.signingKeyArn,
    });
  }
}
