/**
 * S3 buckets with their settings. In `@pulumi/aws` v7 a bucket's versioning, encryption, public
 * access block, ownership, policy, lifecycle, logging, Object Lock and notifications are separate
 * resources that name the bucket; the bucket's own (deprecated) inline arguments still work. Stack
 * policies see a bucket through {@link bucketsOf}, both ways at once.
 */
import * as aws from '@pulumi/aws';
import type { PolicyResource } from '@pulumi/policy';
import { list, peek, record, text } from './values.ts';

type ResourceClass = Parameters<PolicyResource['isType']>[0];

/** The resources that configure a bucket, by setting (v7 names and their deprecated V2 aliases). */
const SETTINGS = {
  versioning: [aws.s3.BucketVersioning, aws.s3.BucketVersioningV2],
  encryption: [
    aws.s3.BucketServerSideEncryptionConfiguration,
    aws.s3.BucketServerSideEncryptionConfigurationV2,
  ],
  publicAccessBlock: [aws.s3.BucketPublicAccessBlock],
  ownership: [aws.s3.BucketOwnershipControls],
  policy: [aws.s3.BucketPolicy],
  lifecycle: [aws.s3.BucketLifecycleConfiguration, aws.s3.BucketLifecycleConfigurationV2],
  logging: [aws.s3.BucketLogging, aws.s3.BucketLoggingV2],
  objectLock: [aws.s3.BucketObjectLockConfiguration, aws.s3.BucketObjectLockConfigurationV2],
  notification: [aws.s3.BucketNotification],
  acl: [aws.s3.BucketAcl, aws.s3.BucketAclV2],
} satisfies Record<string, ResourceClass[]>;

export type BucketSetting = keyof typeof SETTINGS;

export interface BucketView {
  readonly resource: PolicyResource;
  /** The bucket's name (its `bucket` property). */
  readonly name: string;
  /** The bucket's own properties, for the deprecated inline settings. */
  readonly props: Record<string, unknown>;
  /** The resources of the stack that configure this bucket's `setting`. */
  settings(setting: BucketSetting): Record<string, unknown>[];
}

/** Whether a resource is one of `classes`. */
export function isOneOf(resource: PolicyResource, classes: readonly ResourceClass[]): boolean {
  return classes.some((resourceClass) => resource.isType(resourceClass));
}

/**
 * Every bucket of the stack whose name is known, with the resources that configure it. A setting
 * resource names its bucket by name (`bucket.bucket`) or id, which for S3 is the same.
 */
export function bucketsOf(resources: readonly PolicyResource[]): BucketView[] {
  const bySetting = new Map<BucketSetting, Map<string, Record<string, unknown>[]>>();
  for (const [setting, classes] of Object.entries(SETTINGS) as [BucketSetting, ResourceClass[]][]) {
    const byBucket = new Map<string, Record<string, unknown>[]>();
    for (const resource of resources) {
      if (!isOneOf(resource, classes)) continue;
      const bucket = peek(() => text(resource.props.bucket));
      if (!bucket.known || bucket.value === undefined) continue;
      byBucket.set(bucket.value, [...(byBucket.get(bucket.value) ?? []), resource.props]);
    }
    bySetting.set(setting, byBucket);
  }
  return resources.flatMap((resource) => {
    if (!isOneOf(resource, [aws.s3.Bucket, aws.s3.BucketV2])) return [];
    const name = peek(() => text(resource.props.bucket));
    if (!name.known || name.value === undefined) return [];
    const bucketName = name.value;
    return [
      {
        resource,
        name: bucketName,
        props: resource.props,
        settings: (setting: BucketSetting) => bySetting.get(setting)?.get(bucketName) ?? [],
      },
    ];
  });
}

/** The buckets other buckets send their server access logs to. */
export function logTargets(buckets: readonly BucketView[]): Set<string> {
  const targets = new Set<string>();
  for (const bucket of buckets) {
    for (const target of loggingTargets(bucket)) {
      if (target !== bucket.name) targets.add(target);
    }
  }
  return targets;
}

/** Where a bucket's server access logs go (resources and the inline `logging`). */
export function loggingTargets(bucket: BucketView): string[] {
  return [...bucket.settings('logging'), ...list(bucket.props.logging).map(record)].flatMap(
    (logging) => {
      const target = peek(() => text(logging?.targetBucket));
      return target.known && target.value !== undefined ? [target.value] : [];
    },
  );
}

/** The bucket's default encryption: algorithm and key of each rule (resources and inline). */
export function encryptionDefaults(
  bucket: BucketView,
): { sseAlgorithm: string | undefined; kmsMasterKeyId: () => unknown }[] {
  const rules = [
    ...bucket.settings('encryption').flatMap((settings) => list(settings.rules)),
    ...list(record(bucket.props.serverSideEncryptionConfiguration)?.rule),
  ];
  return rules.flatMap((rule) => {
    const defaults = record(record(rule)?.applyServerSideEncryptionByDefault);
    if (defaults === undefined) return [];
    return [
      { sseAlgorithm: text(defaults.sseAlgorithm), kmsMasterKeyId: () => defaults.kmsMasterKeyId },
    ];
  });
}

/** The bucket's Object Lock default retention rules (resources and inline). */
export function objectLockRetentions(
  bucket: BucketView,
): { mode: string | undefined; days: number | undefined; years: number | undefined }[] {
  const configurations = [
    ...bucket.settings('objectLock'),
    ...list(bucket.props.objectLockConfiguration).map(record),
  ];
  return configurations.flatMap((configuration) => {
    if (configuration === undefined || configuration.objectLockEnabled === 'Disabled') return [];
    const retention = record(record(configuration.rule)?.defaultRetention);
    if (retention === undefined) return [];
    const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
    return [
      {
        mode: text(retention.mode),
        days: number(retention.days),
        years: number(retention.years),
      },
    ];
  });
}
