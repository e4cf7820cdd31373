/**
 * The audit trail component on its own under Pulumi mocks: every security setting of its buckets,
 * stream, rule, archive, trail, roles and keys, asserted exactly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditTrail } from '../../../infra/components/audit-trail.ts';
import { auditRecording } from './audit-recording.ts';
import { ACCOUNT, REGION, runComponent, type ComponentRun } from './component-harness.ts';
import { policy } from './program.ts';

const P = 'savings-plan-buy-prod';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const BUS = `${P}-events`;
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`;
const TAGS = { project: 'savings-plan-buy', stack: 'prod' };
const RECORDS = `${P}-audit-${ACCOUNT}-${REGION}`;
const RECORDS_ARN = `arn:aws:s3:::${RECORDS}`;
const ACCESS_LOGS = `${P}-s3-logs-${ACCOUNT}-${REGION}`;
const ACCESS_LOGS_ARN = `arn:aws:s3:::${ACCESS_LOGS}`;
const TRAIL_BUCKET = `${P}-trail-${ACCOUNT}-${REGION}`;
const TRAIL_BUCKET_ARN = `arn:aws:s3:::${TRAIL_BUCKET}`;
const STREAM_ARN = `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${P}-audit`;
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/${P}-audit`;
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${P}-audit`;
const FIREHOSE_LOGS = `/aws/kinesisfirehose/${P}-audit`;
const FIREHOSE_LOGS_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${FIREHOSE_LOGS}`;
const TRAIL_LOGS = `/aws/cloudtrail/${P}-audit`;
const TRAIL_LOGS_ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${TRAIL_LOGS}`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-audit-dlq`;
const SEVEN_YEARS = 2557;
const SIGNER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${P}-audit-digest-lambda`;

let run: ComponentRun<AuditTrail>;
let keyStatements: unknown;

beforeAll(async () => {
  run = await runComponent(async () => {
    const { AuditTrail } = await import('../../../infra/components/audit-trail.ts');
    return new AuditTrail('audit', {
      prefix: P,
      kmsKeyArn: KEY_ARN,
      eventBusName: BUS,
      eventBusArn: BUS_ARN,
      auditRetentionDays: SEVEN_YEARS,
      archiveRetentionDays: 0,
      logRetentionDays: 365,
      signerRoleArn: SIGNER_ROLE_ARN,
      recording: auditRecording(),
      accountId: ACCOUNT,
      region: REGION,
      tags: TAGS,
    });
  });
  const { auditKeyPolicyStatements } = await import('../../../infra/components/audit-trail.ts');
  const { policyJson } = await import('../../../infra/iam.ts');
  const document = policyJson(
    auditKeyPolicyStatements({ prefix: P, accountId: ACCOUNT, region: REGION, eventBusName: BUS }),
  );
  keyStatements = policy(await run.value(document)).Statement;
});

const inputs = (type: string, name: string) => run.one(type, name).inputs;
const bucketSetting = (type: string, bucket: string) => {
  const matches = run.all(type).filter((resource) => resource.inputs.bucket === bucket);
  if (matches.length !== 1) throw new Error(`expected one ${type} of ${bucket}`);
  return (matches[0] as { inputs: Record<string, unknown> }).inputs;
};
const S3 = {
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  encryption:
    'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicAccess: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  ownership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  policy: 'aws:s3/bucketPolicy:BucketPolicy',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  logging: 'aws:s3/bucketLogging:BucketLogging',
  objectLock: 'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration',
};
const denyInsecureTransport = (bucketArn: string) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 's3:*',
  Resource: [bucketArn, `${bucketArn}/*`],
  Condition: { Bool: { 'aws:SecureTransport': false } },
});
const trustPolicy = (service: string, sourceArn: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sts:AssumeRole',
      Condition: {
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': sourceArn },
      },
    },
  ],
});

describe.each([
  { bucket: RECORDS, logs: 'audit/' },
  { bucket: ACCESS_LOGS, logs: null },
  { bucket: TRAIL_BUCKET, logs: 'trail/' },
])('bucket $bucket', ({ bucket, logs }) => {
  it('keeps every version', () => {
    expect(bucketSetting(S3.versioning, bucket)).toEqual({
      bucket,
      versioningConfiguration: { status: 'Enabled' },
    });
  });

  it('blocks all public access', () => {
    expect(bucketSetting(S3.publicAccess, bucket)).toEqual({
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  it('disables ACLs: the bucket owner owns every object', () => {
    expect(bucketSetting(S3.ownership, bucket)).toEqual({
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
  });

  it(
    logs === null
      ? 'does not log its own access'
      : `logs its access to the access-log bucket under ${logs}`,
    () => {
      const logging = run.all(S3.logging).filter((resource) => resource.inputs.bucket === bucket);
      expect(logging.map((resource) => resource.inputs)).toEqual(
        logs === null
          ? []
          : [
              {
                bucket,
                targetBucket: ACCESS_LOGS,
                targetPrefix: logs,
                targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: 'EventTime' } },
              },
            ],
      );
    },
  );
});

describe('audit records bucket', () => {
  it('is created with Object Lock enabled', () => {
    expect(inputs('aws:s3/bucket:Bucket', 'audit-records')).toEqual({
      bucket: RECORDS,
      objectLockEnabled: true,
      tags: TAGS,
    });
  });

  it('locks every record in COMPLIANCE mode for the audit retention', () => {
    expect(run.one(S3.objectLock).inputs).toEqual({
      bucket: RECORDS,
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: 'COMPLIANCE', days: SEVEN_YEARS } },
    });
  });

  it('encrypts records with the project key and an S3 Bucket Key', () => {
    expect(bucketSetting(S3.encryption, RECORDS)).toEqual({
      bucket: RECORDS,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY_ARN },
          bucketKeyEnabled: true,
        },
      ],
    });
  });

  it('refuses non-TLS requests and objects encrypted otherwise than with the project key', () => {
    expect(policy(bucketSetting(S3.policy, RECORDS).policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        denyInsecureTransport(RECORDS_ARN),
        {
          Sid: 'DenyObjectsNotEncryptedWithKms',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:PutObject',
          Resource: `${RECORDS_ARN}/*`,
          Condition: {
            StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          },
        },
        {
          Sid: 'DenyObjectsEncryptedWithAnotherKey',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:PutObject',
          Resource: `${RECORDS_ARN}/*`,
          Condition: {
            StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN },
          },
        },
        {
          Sid: 'DenyObjectsEncryptedWithTheAwsManagedKey',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:PutObject',
          Resource: `${RECORDS_ARN}/*`,
          Condition: {
            StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
            Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
          },
        },
      ],
    });
  });

  it('moves records and noncurrent versions to Glacier after 90 days and never expires them', () => {
    expect(bucketSetting(S3.lifecycle, RECORDS)).toEqual({
      bucket: RECORDS,
      rules: [
        {
          id: 'records-to-glacier',
          status: 'Enabled',
          filter: {},
          transitions: [{ days: 90, storageClass: 'GLACIER' }],
          noncurrentVersionTransitions: [{ noncurrentDays: 90, storageClass: 'GLACIER' }],
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    });
  });
});

describe('access-log bucket', () => {
  it('uses SSE-S3, the only default encryption server access logging delivers to', () => {
    expect(inputs('aws:s3/bucket:Bucket', 'audit-access-logs')).toEqual({
      bucket: ACCESS_LOGS,
      tags: TAGS,
    });
    expect(bucketSetting(S3.encryption, ACCESS_LOGS)).toEqual({
      bucket: ACCESS_LOGS,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
  });

  it('takes logs from the two record buckets of this account only, over TLS only', () => {
    expect(policy(bucketSetting(S3.policy, ACCESS_LOGS).policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        denyInsecureTransport(ACCESS_LOGS_ARN),
        {
          Sid: 'S3ServerAccessLogsFromTheRecordBuckets',
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: [`${ACCESS_LOGS_ARN}/audit/*`, `${ACCESS_LOGS_ARN}/trail/*`],
          Condition: {
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
            ArnLike: { 'aws:SourceArn': [RECORDS_ARN, TRAIL_BUCKET_ARN] },
          },
        },
      ],
    });
  });

  it('keeps access logs as long as the records, old versions 30 days', () => {
    expect(bucketSetting(S3.lifecycle, ACCESS_LOGS)).toEqual({
      bucket: ACCESS_LOGS,
      rules: [
        {
          id: 'expire-access-logs',
          status: 'Enabled',
          filter: {},
          expiration: { days: SEVEN_YEARS },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    });
  });
});

describe('Firehose stream', () => {
  it('delivers into the records bucket by date, compressed, encrypted with the project key', () => {
    expect(
      inputs('aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream', 'audit-stream'),
    ).toEqual({
      name: `${P}-audit`,
      destination: 'extended_s3',
      serverSideEncryption: { enabled: true, keyType: 'CUSTOMER_MANAGED_CMK', keyArn: KEY_ARN },
      extendedS3Configuration: {
        bucketArn: RECORDS_ARN,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/${P}-audit-firehose`,
        prefix: 'events/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/',
        errorOutputPrefix:
          'errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/',
        customTimeZone: 'UTC',
        bufferingInterval: 60,
        bufferingSize: 5,
        compressionFormat: 'GZIP',
        fileExtension: '.jsonl.gz',
        processingConfiguration: {
          enabled: true,
          processors: [{ type: 'AppendDelimiterToRecord' }],
        },
        kmsKeyArn: KEY_ARN,
        cloudwatchLoggingOptions: {
          enabled: true,
          logGroupName: FIREHOSE_LOGS,
          logStreamName: 'DestinationDelivery',
        },
      },
      tags: TAGS,
    });
  });

  it('logs delivery errors to an encrypted log group with retention', () => {
    expect(inputs('aws:cloudwatch/logGroup:LogGroup', 'audit-firehose-logs')).toEqual({
      name: FIREHOSE_LOGS,
      retentionInDays: 365,
      kmsKeyId: KEY_ARN,
      tags: TAGS,
    });
    expect(inputs('aws:cloudwatch/logStream:LogStream', 'audit-firehose-delivery-logs')).toEqual({
      name: 'DestinationDelivery',
      logGroupName: FIREHOSE_LOGS,
    });
  });

  it('runs as a role named after the stream (the key policy names it), only Firehose may assume', () => {
    expect(inputs('aws:iam/role:Role', 'audit-firehose-role').name).toBe(`${P}-audit-firehose`);
    expect(policy(inputs('aws:iam/role:Role', 'audit-firehose-role').assumeRolePolicy)).toEqual(
      trustPolicy('firehose.amazonaws.com', STREAM_ARN),
    );
  });

  it('may write records to the records bucket and its delivery logs, nothing else', () => {
    expect(policy(inputs('aws:iam/rolePolicy:RolePolicy', 'audit-firehose-policy').policy)).toEqual(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'FindTheAuditBucket',
            Effect: 'Allow',
            Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
            Resource: RECORDS_ARN,
          },
          {
            Sid: 'WriteAuditRecords',
            Effect: 'Allow',
            Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
            Resource: `${RECORDS_ARN}/*`,
          },
          {
            Sid: 'AuditRecordsAreEncryptedWithTheProjectKey',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: KEY_ARN,
            Condition: {
              StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
              StringLike: {
                'kms:EncryptionContext:aws:s3:arn': [RECORDS_ARN, `${RECORDS_ARN}/*`],
              },
            },
          },
          {
            Sid: 'WriteOwnDeliveryLogs',
            Effect: 'Allow',
            Action: 'logs:PutLogEvents',
            Resource: `${FIREHOSE_LOGS_ARN}:log-stream:DestinationDelivery`,
          },
        ],
      },
    );
  });
});

describe('EventBridge rule', () => {
  it('matches every event of this account on the project bus', () => {
    expect(inputs('aws:cloudwatch/eventRule:EventRule', 'audit-rule')).toEqual({
      name: `${P}-audit`,
      eventBusName: BUS,
      description: 'Every event of this account, into the immutable audit trail',
      eventPattern: JSON.stringify({ account: [ACCOUNT] }),
      state: 'ENABLED',
      tags: TAGS,
    });
  });

  it('targets the stream for a day of retries, then the dead-letter queue', () => {
    expect(inputs('aws:cloudwatch/eventTarget:EventTarget', 'audit-target')).toEqual({
      rule: `${P}-audit`,
      eventBusName: BUS,
      targetId: 'audit-stream',
      arn: STREAM_ARN,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${P}-audit-events`,
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: DLQ_ARN },
    });
  });

  it('runs as a role that may only put records on the stream', () => {
    expect(policy(inputs('aws:iam/role:Role', 'audit-events-role').assumeRolePolicy)).toEqual(
      trustPolicy('events.amazonaws.com', RULE_ARN),
    );
    expect(policy(inputs('aws:iam/rolePolicy:RolePolicy', 'audit-events-policy').policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PutEventsOnTheAuditStream',
          Effect: 'Allow',
          Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
          Resource: STREAM_ARN,
        },
      ],
    });
  });

  it('parks undelivered events in an encrypted queue only this rule may send to, over TLS', () => {
    // The shared queue component names its queue `<name>-queue` (aliased to `audit-dlq`).
    expect(inputs('aws:sqs/queue:Queue', 'audit-dlq-queue')).toEqual({
      name: `${P}-audit-dlq`,
      kmsMasterKeyId: KEY_ARN,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: 14 * 24 * 60 * 60,
      tags: TAGS,
    });
    expect(policy(inputs('aws:sqs/queuePolicy:QueuePolicy', 'audit-dlq-policy').policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sqs:*',
          Resource: DLQ_ARN,
          Condition: { Bool: { 'aws:SecureTransport': false } },
        },
        {
          Sid: 'AuditRuleSendsUndeliveredEvents',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: DLQ_ARN,
          Condition: { ArnEquals: { 'aws:SourceArn': RULE_ARN } },
        },
      ],
    });
  });
});

describe('EventBridge archive', () => {
  it('keeps every event of the bus for the archive retention (0: indefinitely), encrypted', () => {
    expect(inputs('aws:cloudwatch/eventArchive:EventArchive', 'audit-archive')).toEqual({
      name: `${P}-audit`,
      description: 'Every event on the project bus, for replay',
      eventSourceArn: BUS_ARN,
      retentionDays: 0,
      kmsKeyIdentifier: KEY_ARN,
    });
  });
});

describe('CloudTrail', () => {
  it('is a multi-Region trail with global events, log file validation and the project key', () => {
    expect(inputs('aws:cloudtrail/trail:Trail', 'audit-trail')).toEqual({
      name: `${P}-audit`,
      s3BucketName: TRAIL_BUCKET,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      kmsKeyId: KEY_ARN,
      cloudWatchLogsGroupArn: `${TRAIL_LOGS_ARN}:*`,
      cloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/${P}-audit-trail-logs`,
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
            { field: 'resources.ARN', startsWiths: [`${RECORDS_ARN}/`] },
          ],
        },
        {
          name: 'Audit bucket tampering',
          fieldSelectors: [
            { field: 'eventCategory', equals: ['Data'] },
            { field: 'resources.type', equals: ['AWS::S3::Object'] },
            {
              field: 'eventName',
              equals: ['DeleteObject', 'DeleteObjects', 'PutObjectLegalHold', 'PutObjectRetention'],
            },
            {
              field: 'resources.ARN',
              startsWiths: [`${TRAIL_BUCKET_ARN}/`, `${ACCESS_LOGS_ARN}/`],
            },
          ],
        },
      ],
      tags: TAGS,
    });
  });

  it('writes to its own bucket encrypted with the project key', () => {
    expect(inputs('aws:s3/bucket:Bucket', 'audit-trail-bucket')).toEqual({
      bucket: TRAIL_BUCKET,
      tags: TAGS,
    });
    expect(bucketSetting(S3.encryption, TRAIL_BUCKET)).toEqual({
      bucket: TRAIL_BUCKET,
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: KEY_ARN },
          bucketKeyEnabled: true,
        },
      ],
    });
  });

  it('lets only this trail write to its bucket, over TLS only', () => {
    expect(policy(bucketSetting(S3.policy, TRAIL_BUCKET).policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        denyInsecureTransport(TRAIL_BUCKET_ARN),
        {
          Sid: 'CloudTrailChecksBucketAcl',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:GetBucketAcl',
          Resource: TRAIL_BUCKET_ARN,
          Condition: { StringEquals: { 'aws:SourceArn': TRAIL_ARN } },
        },
        {
          Sid: 'CloudTrailWritesTheAuditTrail',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${TRAIL_BUCKET_ARN}/AWSLogs/${ACCOUNT}/*`,
          Condition: {
            StringEquals: {
              'aws:SourceArn': TRAIL_ARN,
              's3:x-amz-acl': 'bucket-owner-full-control',
            },
          },
        },
      ],
    });
  });

  it('moves trail files to Glacier after 90 days and expires them after the audit retention', () => {
    expect(bucketSetting(S3.lifecycle, TRAIL_BUCKET)).toEqual({
      bucket: TRAIL_BUCKET,
      rules: [
        {
          id: 'trail-to-glacier-then-expire',
          status: 'Enabled',
          filter: {},
          transitions: [{ days: 90, storageClass: 'GLACIER' }],
          expiration: { days: SEVEN_YEARS },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    });
  });

  it('delivers to an encrypted log group through a role that may write only there', () => {
    expect(inputs('aws:cloudwatch/logGroup:LogGroup', 'audit-trail-logs')).toEqual({
      name: TRAIL_LOGS,
      retentionInDays: 365,
      kmsKeyId: KEY_ARN,
      tags: TAGS,
    });
    expect(policy(inputs('aws:iam/role:Role', 'audit-trail-role').assumeRolePolicy)).toEqual(
      trustPolicy('cloudtrail.amazonaws.com', TRAIL_ARN),
    );
    expect(policy(inputs('aws:iam/rolePolicy:RolePolicy', 'audit-trail-policy').policy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'WriteTheTrailsLogGroup',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: `${TRAIL_LOGS_ARN}:log-stream:*`,
        },
      ],
    });
  });
});

describe('digest signing key', () => {
  it('is an asymmetric P-256 signing key (which AWS cannot rotate) only the digest job may sign with', () => {
    const key = inputs('aws:kms/key:Key', 'audit-signing-key');
    expect({ ...key, policy: policy(key.policy) }).toEqual({
      description: `${P}: signs the daily digests of the audit trail`,
      customerMasterKeySpec: 'ECC_NIST_P256',
      keyUsage: 'SIGN_VERIFY',
      enableKeyRotation: false,
      deletionWindowInDays: 30,
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountAdministersAndVerifiesThroughIam',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: [
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
            ],
            Resource: '*',
          },
          {
            Sid: 'OnlyTheDigestJobSigns',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: 'kms:Sign',
            Resource: '*',
            Condition: { ArnEquals: { 'aws:PrincipalArn': SIGNER_ROLE_ARN } },
          },
        ],
      },
      tags: TAGS,
    });
    expect(inputs('aws:kms/alias:Alias', 'audit-signing-alias')).toEqual({
      name: `alias/${P}-audit-signing`,
      targetKeyId: 'audit-signing-key',
    });
  });
});

describe('project key policy statements', () => {
  it('let CloudTrail, CloudWatch Logs and EventBridge use the key for these resources only', () => {
    expect(keyStatements).toEqual([
      {
        Sid: 'CloudTrailDescribesKeyForTheAuditTrail',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': TRAIL_ARN } },
      },
      {
        Sid: 'CloudTrailEncryptsTheAuditTrailsLogs',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: {
          StringEquals: {
            'aws:SourceArn': TRAIL_ARN,
            'kms:EncryptionContext:aws:cloudtrail:arn': TRAIL_ARN,
          },
        },
      },
      {
        Sid: 'CloudWatchLogsEncryptsTheAuditLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${REGION}.amazonaws.com` },
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
            'kms:EncryptionContext:aws:logs:arn': [FIREHOSE_LOGS_ARN, TRAIL_LOGS_ARN],
          },
        },
      },
      {
        Sid: 'EventBridgeDescribesKeyForTheArchive',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
      {
        Sid: 'EventBridgeArchivesTheProjectBus',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'aws:SourceAccount': ACCOUNT,
            'kms:EncryptionContext:aws:events:event-bus:arn': BUS_ARN,
          },
        },
      },
      {
        Sid: 'EventBridgeSendsToTheAuditDeadLetterQueue',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { ArnEquals: { 'aws:SourceArn': RULE_ARN } },
      },
    ]);
  });
});

describe('the component', () => {
  it('tags every taggable resource with the stack tags', () => {
    const taggable = [
      'aws:s3/bucket:Bucket',
      'aws:cloudwatch/logGroup:LogGroup',
      'aws:iam/role:Role',
      'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
      'aws:cloudwatch/eventRule:EventRule',
      'aws:sqs/queue:Queue',
      'aws:cloudtrail/trail:Trail',
      'aws:kms/key:Key',
    ];
    const resources = run.resources.filter((resource) => taggable.includes(resource.type));
    expect(resources).toHaveLength(13);
    for (const resource of resources) expect(resource.inputs.tags).toEqual(TAGS);
  });

  it('exposes the names and ARNs operators and other components need', async () => {
    const { component } = run;
    expect({
      auditBucketName: await run.value(component.auditBucketName),
      auditBucketArn: await run.value(component.auditBucketArn),
      logBucketName: await run.value(component.logBucketName),
      trailBucketName: await run.value(component.trailBucketName),
      trailArn: await run.value(component.trailArn),
      firehoseArn: await run.value(component.firehoseArn),
      archiveArn: await run.value(component.archiveArn),
      deadLetterQueueArn: await run.value(component.deadLetterQueueArn),
      signingKeyArn: await run.value(component.signingKeyArn),
    }).toEqual({
      auditBucketName: RECORDS,
      auditBucketArn: RECORDS_ARN,
      logBucketName: ACCESS_LOGS,
      trailBucketName: TRAIL_BUCKET,
      trailArn: TRAIL_ARN,
      firehoseArn: STREAM_ARN,
      archiveArn: `arn:aws:events:${REGION}:${ACCOUNT}:archive/${P}-audit`,
      deadLetterQueueArn: DLQ_ARN,
      signingKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/audit-signing-key`,
    });
  });
});
