/**
 * The audit trail's jobs under Pulumi mocks (prod stack): the digest and report Lambdas, their
 * schedules, and roles that may read only the audit records they need, write only their own
 * prefix, and sign only with the audit key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-prod';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const BUCKET = `${P}-audit-${ACCOUNT}-${REGION}`;
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const SIGNING_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/audit-signing-key`;
/** A job whose run fails (after its retries) goes to the scheduling dead letters, sent by its role. */
const FAILED_RUNS = [
  {
    Sid: 'FailedRuns',
    Effect: 'Allow',
    Action: 'sqs:SendMessage',
    Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-plans-dlq`,
  },
  {
    Sid: 'FailedRunsEncrypted',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: KEY_ARN,
    Condition: { StringEquals: { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` } },
  },
];

beforeAll(async () => {
  run = await runProgram('prod');
});

const objects = (read: string[], write: string) => [
  {
    Sid: 'ListAuditRecords',
    Effect: 'Allow',
    Action: 's3:ListBucket',
    Resource: BUCKET_ARN,
    Condition: { StringLike: { 's3:prefix': read.map((prefix) => `${prefix}*`) } },
  },
  {
    Sid: 'ReadAuditRecords',
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: read.map((prefix) => `${BUCKET_ARN}/${prefix}*`),
  },
  {
    Sid: 'WriteOnceIntoTheAuditBucket',
    Effect: 'Allow',
    Action: 's3:PutObject',
    Resource: `${BUCKET_ARN}/${write}*`,
  },
  {
    Sid: 'AuditBucketIsEncryptedWithTheProjectKey',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: KEY_ARN,
    Condition: {
      StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': [BUCKET_ARN, `${BUCKET_ARN}/*`] },
    },
  },
];

describe('the audit digest job', () => {
  it('runs hourly with the bucket and the signing key, nothing else', () => {
    const fn = run.one('aws:lambda/function:Function', 'audit-digest-function').inputs;
    expect(fn).toMatchObject({
      name: `${P}-audit-digest`,
      runtime: 'nodejs24.x',
      reservedConcurrentExecutions: 1,
      timeout: 300,
    });
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    expect(variables).toMatchObject({
      AUDIT_BUCKET: BUCKET,
      AUDIT_SIGNING_KEY_ARN: SIGNING_KEY_ARN,
    });
    expect(Object.keys(variables).filter((name) => !name.startsWith('POWERTOOLS_'))).toEqual([
      'AUDIT_BUCKET',
      'AUDIT_SIGNING_KEY_ARN',
    ]);
    expect(
      run.one('aws:scheduler/schedule:Schedule', 'audit-digest-schedule').inputs,
    ).toMatchObject({ scheduleExpression: 'rate(1 hour)' });
  });

  it('may read records and digests, write digests, sign with the audit key and report a failed run only', () => {
    const statements = policy(
      run.one('aws:iam/rolePolicy:RolePolicy', 'audit-digest-policy').inputs.policy,
    ).Statement.slice(3);
    expect(statements).toEqual([
      ...objects(['events/', 'digests/'], 'digests/'),
      {
        Sid: 'SignDigestsWithTheAuditKey',
        Effect: 'Allow',
        Action: 'kms:Sign',
        Resource: SIGNING_KEY_ARN,
        Condition: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } },
      },
      ...FAILED_RUNS,
    ]);
  });
});

describe('the monthly report job', () => {
  it('runs daily and may read records and reports, write reports and report a failed run only', () => {
    expect(
      run.one('aws:scheduler/schedule:Schedule', 'audit-report-schedule').inputs,
    ).toMatchObject({ scheduleExpression: 'rate(1 day)' });
    const statements = policy(
      run.one('aws:iam/rolePolicy:RolePolicy', 'audit-report-policy').inputs.policy,
    ).Statement.slice(3);
    expect(statements).toEqual([...objects(['events/', 'reports/'], 'reports/'), ...FAILED_RUNS]);
  });
});

describe('the buckets', () => {
  it('send their object events to EventBridge (S3.11)', () => {
    expect(
      run
        .all('aws:s3/bucketNotification:BucketNotification')
        .map((resource) => resource.inputs)
        .sort((a, b) => String(a.bucket).localeCompare(String(b.bucket))),
    ).toEqual([
      { bucket: BUCKET, eventbridge: true },
      { bucket: `${P}-s3-logs-${ACCOUNT}-${REGION}`, eventbridge: true },
      { bucket: `${P}-trail-${ACCOUNT}-${REGION}`, eventbridge: true },
    ]);
  });
});
