/**
 * The audit trail's resources keep their Pulumi addresses. Until it was split into parts
 * (`infra/components/audit-trail/`), the `AuditTrail` component created every resource itself, as
 * its direct children. A resource whose URN changes is replaced by `pulumi up` unless an alias
 * names its old URN; the records bucket is COMPLIANCE-locked for years, so a deployed stack must
 * never try to replace it. This test records each resource's URN and the URNs its aliases stand
 * for (computed as Pulumi computes them, with `pulumi.createUrn`), and checks them against the
 * addresses the component gave its resources before the split.
 */
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditRecording } from './audit-recording.ts';
import { ACCOUNT, REGION, runComponent } from './component-harness.ts';

const P = 'savings-plan-buy-prod';
const URN_PREFIX = 'urn:pulumi:test::savings-plan-buy::';
const TRAIL = 'savings:audit:AuditTrail';

/** A URN as the mocks give it (the parent's type, then the resource's). */
const urn = (parentType: string, type: string, name: string) =>
  `${URN_PREFIX}${parentType}$${type}::${name}`;

const T = {
  bucket: 'aws:s3/bucket:Bucket',
  versioning: 'aws:s3/bucketVersioning:BucketVersioning',
  encryption:
    'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  publicAccess: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  notifications: 'aws:s3/bucketNotification:BucketNotification',
  ownership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  lifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  logging: 'aws:s3/bucketLogging:BucketLogging',
  objectLock: 'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  logStream: 'aws:cloudwatch/logStream:LogStream',
  role: 'aws:iam/role:Role',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  stream: 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
  rule: 'aws:cloudwatch/eventRule:EventRule',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  queue: 'aws:sqs/queue:Queue',
  queuePolicy: 'aws:sqs/queuePolicy:QueuePolicy',
  archive: 'aws:cloudwatch/eventArchive:EventArchive',
  trail: 'aws:cloudtrail/trail:Trail',
  key: 'aws:kms/key:Key',
  alias: 'aws:kms/alias:Alias',
};

/**
 * Every resource the component registered before the split (commit 7f4d851), all direct children
 * of the trail, by type.
 */
const PRE_SPLIT: Record<keyof typeof T, string[]> = {
  bucket: ['audit-access-logs', 'audit-records', 'audit-trail-bucket'],
  versioning: [
    'audit-access-logs-versioning',
    'audit-records-versioning',
    'audit-trail-bucket-versioning',
  ],
  encryption: [
    'audit-access-logs-encryption',
    'audit-records-encryption',
    'audit-trail-bucket-encryption',
  ],
  publicAccess: [
    'audit-access-logs-public-access',
    'audit-records-public-access',
    'audit-trail-bucket-public-access',
  ],
  notifications: [
    'audit-access-logs-notifications',
    'audit-records-notifications',
    'audit-trail-bucket-notifications',
  ],
  ownership: [
    'audit-access-logs-ownership',
    'audit-records-ownership',
    'audit-trail-bucket-ownership',
  ],
  bucketPolicy: ['audit-access-logs-policy', 'audit-records-policy', 'audit-trail-bucket-policy'],
  lifecycle: [
    'audit-access-logs-lifecycle',
    'audit-records-lifecycle',
    'audit-trail-bucket-lifecycle',
  ],
  logging: ['audit-records-logging', 'audit-trail-bucket-logging'],
  objectLock: ['audit-records-object-lock'],
  logGroup: ['audit-firehose-logs', 'audit-trail-logs'],
  logStream: ['audit-firehose-delivery-logs'],
  role: ['audit-events-role', 'audit-firehose-role', 'audit-trail-role'],
  rolePolicy: ['audit-events-policy', 'audit-firehose-policy', 'audit-trail-policy'],
  stream: ['audit-stream'],
  rule: ['audit-rule'],
  target: ['audit-target'],
  queue: ['audit-dlq'],
  queuePolicy: ['audit-dlq-policy'],
  archive: ['audit-archive'],
  trail: ['audit-trail'],
  key: ['audit-signing-key'],
  alias: ['audit-signing-alias'],
};

/** The settings `secureBucket` gives every bucket, by resource name suffix. */
const bucketSettings = (bucket: string, logged: boolean): [string, string][] => [
  [T.bucket, bucket],
  [T.versioning, `${bucket}-versioning`],
  [T.encryption, `${bucket}-encryption`],
  [T.publicAccess, `${bucket}-public-access`],
  [T.notifications, `${bucket}-notifications`],
  [T.ownership, `${bucket}-ownership`],
  [T.bucketPolicy, `${bucket}-policy`],
  [T.lifecycle, `${bucket}-lifecycle`],
  ...(logged ? [[T.logging, `${bucket}-logging`] as [string, string]] : []),
];

/**
 * Where each resource lives now (its parent's type) and what it was called under the trail before
 * the split (the same name unless given).
 */
const PLACES: { parent: string; type: string; name: string; formerName?: string }[] = [
  ...bucketSettings('audit-access-logs', false).map(([type, name]) => ({
    parent: 'savings:audit:AccessLogBucket',
    type,
    name,
  })),
  ...[...bucketSettings('audit-records', true), [T.objectLock, 'audit-records-object-lock']].map(
    ([type = '', name = '']) => ({ parent: 'savings:audit:RecordsBucket', type, name }),
  ),
  ...[
    [T.logGroup, 'audit-firehose-logs'],
    [T.logStream, 'audit-firehose-delivery-logs'],
    [T.role, 'audit-firehose-role'],
    [T.rolePolicy, 'audit-firehose-policy'],
    [T.stream, 'audit-stream'],
  ].map(([type = '', name = '']) => ({ parent: 'savings:audit:DeliveryStream', type, name })),
  ...[
    [T.rule, 'audit-rule'],
    [T.role, 'audit-events-role'],
    [T.rolePolicy, 'audit-events-policy'],
    [T.target, 'audit-target'],
  ].map(([type = '', name = '']) => ({ parent: 'savings:audit:RecordingRule', type, name })),
  // The shared queue component names its queue `<name>-queue`.
  {
    parent: 'savings:messaging:EncryptedQueue',
    type: T.queue,
    name: 'audit-dlq-queue',
    formerName: 'audit-dlq',
  },
  { parent: 'savings:messaging:EncryptedQueue', type: T.queuePolicy, name: 'audit-dlq-policy' },
  ...[
    ...bucketSettings('audit-trail-bucket', true),
    [T.logGroup, 'audit-trail-logs'],
    [T.role, 'audit-trail-role'],
    [T.rolePolicy, 'audit-trail-policy'],
    [T.trail, 'audit-trail'],
  ].map(([type = '', name = '']) => ({ parent: 'savings:audit:ApiCallTrail', type, name })),
  ...[
    [T.key, 'audit-signing-key'],
    [T.alias, 'audit-signing-alias'],
  ].map(([type = '', name = '']) => ({ parent: 'savings:audit:DigestSigningKey', type, name })),
];

interface Addressed {
  readonly urn: string;
  /** The URNs the resource's aliases stand for. */
  readonly aliases: string[];
}

/** What a transformation saw of one cloud resource. */
interface Seen {
  readonly resource: pulumi.Resource;
  readonly type: string;
  readonly name: string;
  readonly opts: pulumi.CustomResourceOptions;
}

let addresses: Map<string, Addressed>;

beforeAll(async () => {
  const seen: Seen[] = [];
  // Transformations of a component apply to all its descendants, and see each resource's options
  // (the mocks do not receive them). They run before a resource is marked custom: the project's
  // own components are told apart by their type.
  const record: pulumi.ResourceTransformation = ({ resource, type, name, opts }) => {
    if (!type.startsWith('savings:')) seen.push({ resource, type, name, opts });
    return undefined;
  };
  const run = await runComponent(async () => {
    const { AuditTrail } = await import('../../../infra/components/audit-trail.ts');
    return new AuditTrail(
      'audit',
      {
        prefix: P,
        kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`,
        eventBusName: `${P}-events`,
        eventBusArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${P}-events`,
        auditRetentionDays: 2557,
        archiveRetentionDays: 0,
        logRetentionDays: 365,
        signerRoleArn: `arn:aws:iam::${ACCOUNT}:role/${P}-audit-digest-lambda`,
        recording: auditRecording(),
        accountId: ACCOUNT,
        region: REGION,
        tags: { project: 'savings-plan-buy', stack: 'prod' },
      },
      { transformations: [record] },
    );
  });
  // `@pulumi/aws` aliases the types it renamed (`BucketVersioning` was `BucketVersioningV2`, ...)
  // on every resource of those types, before and after the split alike: not the project's.
  const isTypeRename = (alias: unknown) =>
    typeof alias === 'object' && alias !== null && 'type' in alias && !('parent' in alias);
  // As Pulumi collapses an alias (resource.ts, collapseAliasToUrn): what it leaves out is the
  // resource's own.
  const aliasUrn = (alias: unknown, { type, name, opts }: Seen) => {
    if (typeof alias !== 'object' || alias === null || pulumi.Output.isInstance(alias)) {
      throw new Error(`${name}: expected an alias object, got ${String(alias)}`);
    }
    const spec = alias as pulumi.Alias;
    return run.value(
      pulumi.createUrn(
        'name' in spec ? (spec.name as string) : name,
        'type' in spec ? (spec.type as string) : type,
        'parent' in spec ? spec.parent : opts.parent,
      ),
    );
  };
  addresses = new Map(
    await Promise.all(
      seen.map(
        async (item) =>
          [
            `${item.type}::${item.name}`,
            {
              urn: await run.value(item.resource.urn),
              aliases: await Promise.all(
                (item.opts.aliases ?? [])
                  .filter((alias) => !isTypeRename(alias))
                  .map((alias) => aliasUrn(alias, item)),
              ),
            },
          ] as const,
      ),
    ),
  );
});

describe('the audit trail after its split into parts', () => {
  it('keeps the COMPLIANCE-locked records bucket and its lock at their pre-split addresses', () => {
    expect([
      addresses.get(`${T.bucket}::audit-records`),
      addresses.get(`${T.objectLock}::audit-records-object-lock`),
    ]).toEqual([
      {
        urn: urn('savings:audit:RecordsBucket', T.bucket, 'audit-records'),
        aliases: [urn(TRAIL, T.bucket, 'audit-records')],
      },
      {
        urn: urn('savings:audit:RecordsBucket', T.objectLock, 'audit-records-object-lock'),
        aliases: [urn(TRAIL, T.objectLock, 'audit-records-object-lock')],
      },
    ]);
  });

  it('keeps the access-log and trail buckets at their pre-split addresses', () => {
    expect([
      addresses.get(`${T.bucket}::audit-access-logs`),
      addresses.get(`${T.bucket}::audit-trail-bucket`),
    ]).toEqual([
      {
        urn: urn('savings:audit:AccessLogBucket', T.bucket, 'audit-access-logs'),
        aliases: [urn(TRAIL, T.bucket, 'audit-access-logs')],
      },
      {
        urn: urn('savings:audit:ApiCallTrail', T.bucket, 'audit-trail-bucket'),
        aliases: [urn(TRAIL, T.bucket, 'audit-trail-bucket')],
      },
    ]);
  });

  it('aliases every moved resource to its pre-split address, and leaves the archive where it was', () => {
    expect(Object.fromEntries(addresses)).toEqual({
      ...Object.fromEntries(
        PLACES.map(({ parent, type, name, formerName }) => [
          `${type}::${name}`,
          { urn: urn(parent, type, name), aliases: [urn(TRAIL, type, formerName ?? name)] },
        ]),
      ),
      [`${T.archive}::audit-archive`]: { urn: urn(TRAIL, T.archive, 'audit-archive'), aliases: [] },
    });
  });

  it('answers each pre-split address with exactly one resource: an update replaces nothing', () => {
    const answered = [...addresses.values()].flatMap(({ urn: own, aliases }) =>
      aliases.length === 0 ? [own] : aliases,
    );
    const preSplit = Object.entries(PRE_SPLIT).flatMap(([key, names]) =>
      names.map((name) => urn(TRAIL, T[key as keyof typeof T], name)),
    );
    expect(answered.sort()).toEqual(preSplit.sort());
  });
});
