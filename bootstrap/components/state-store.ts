/**
 * Where the account's Pulumi stacks keep their state and their secrets: a versioned S3 bucket
 * encrypted with a key of its own (its access logs in a second bucket, as S3.9 asks), and a KMS key
 * that is the stacks' secrets provider. Each key is used only by the CI roles and the named
 * administrators; the account root administers the keys through IAM and uses neither.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { KEY_ADMIN_ACTIONS } from '../../infra/components/project-key.ts';
import type { PolicyDocument, Statement } from '../permissions.ts';

type Tags = pulumi.Input<Record<string, pulumi.Input<string>>>;

export interface PulumiStateStoreArgs {
  readonly accountId: string;
  readonly region: string;
  readonly bucketName: string;
  readonly accessLogBucketName: string;
  readonly stateKeyAlias: string;
  readonly secretsKeyAlias: string;
  /** The CI roles (deploy, preview): they read and write state, and decrypt the secrets. */
  readonly ciRoleArns: readonly string[];
  /** The administrators: the same, and they encrypt new stacks' data keys. */
  readonly administratorArns: readonly string[];
  readonly tags: Tags;
}

/** The policies of the two keys (plain documents, for the tests). */
export function stateKeyPolicy(args: PulumiStateStoreArgs): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      accountAdministers(args.accountId),
      {
        Sid: 'StateObjectsThroughS3',
        Effect: 'Allow',
        Principal: { AWS: root(args.accountId) },
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': [...args.ciRoleArns, ...args.administratorArns] },
          StringEquals: { 'kms:ViaService': `s3.${args.region}.amazonaws.com` },
        },
      },
    ],
  };
}

export function secretsKeyPolicy(args: PulumiStateStoreArgs): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      accountAdministers(args.accountId),
      {
        // `pulumi stack init --secrets-provider awskms://...` encrypts the stack's data key.
        Sid: 'AdministratorsCreateStacksSecrets',
        Effect: 'Allow',
        Principal: { AWS: root(args.accountId) },
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': [...args.administratorArns] } },
      },
      {
        Sid: 'CiDecryptsTheStacksSecrets',
        Effect: 'Allow',
        Principal: { AWS: root(args.accountId) },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': [...args.ciRoleArns] } },
      },
    ],
  };
}

function root(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

function accountAdministers(accountId: string): Statement {
  return {
    Sid: 'AccountAdministersKeyThroughIam',
    Effect: 'Allow',
    Principal: { AWS: root(accountId) },
    Action: KEY_ADMIN_ACTIONS,
    Resource: '*',
  };
}

function denyInsecureTransport(bucketName: string): Statement {
  const arn = `arn:aws:s3:::${bucketName}`;
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** The access-log bucket's policy: TLS only, and S3's log delivery for the state bucket only. */
export function accessLogBucketPolicy(args: PulumiStateStoreArgs): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(args.accessLogBucketName),
      {
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
        Sid: 'S3ServerAccessLogsOfTheStateBucket',
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${args.accessLogBucketName}/${args.bucketName}/*`,
        Condition: {
          StringEquals: { 'aws:SourceAccount': args.accountId },
          ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${args.bucketName}` },
        },
      },
    ],
  };
}

interface BucketSettings {
  readonly encryption:
    { sseAlgorithm: 'AES256' } | { sseAlgorithm: 'aws:kms'; kmsMasterKeyId: pulumi.Input<string> };
  readonly policy: PolicyDocument;
  readonly lifecycle: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  /** Where the bucket's access logs go; the target's policy must allow the prefix first. */
  readonly logging?: { targetBucket: string; targetPrefix: string; dependsOn: pulumi.Resource };
}

export class PulumiStateStore extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly stateKeyArn: pulumi.Output<string>;
  readonly secretsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: PulumiStateStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:bootstrap:PulumiStateStore', name, {}, opts);
    const stateKey = this.key(`${name}-state-key`, args.stateKeyAlias, {
      description: 'Savings Plan Buy: encrypts the Pulumi state bucket of the account',
      policy: stateKeyPolicy(args),
      tags: args.tags,
    });
    const secretsKey = this.key(`${name}-secrets-key`, args.secretsKeyAlias, {
      description: "Savings Plan Buy: the Pulumi stacks' secrets provider (awskms://)",
      policy: secretsKeyPolicy(args),
      tags: args.tags,
    });

    const logBucket = new aws.s3.Bucket(
      `${name}-access-logs`,
      { bucket: args.accessLogBucketName, tags: args.tags },
      { parent: this },
    );
    // S3 server access logging delivers only to buckets encrypted with SSE-S3:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    const logPolicy = this.settings(`${name}-access-logs`, logBucket, {
      encryption: { sseAlgorithm: 'AES256' },
      policy: accessLogBucketPolicy(args),
      lifecycle: [
        {
          id: 'expire-access-logs',
          status: 'Enabled',
          filter: {},
          expiration: { days: 365 },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    });

    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { bucket: args.bucketName, tags: args.tags },
      // The state of every stack of the account: never replaced or deleted by a `pulumi up`.
      { parent: this, protect: true },
    );
    this.settings(`${name}-bucket`, bucket, {
      encryption: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: stateKey.arn },
      policy: { Version: '2012-10-17', Statement: [denyInsecureTransport(args.bucketName)] },
      // Every `pulumi up` writes a new version of the checkpoint: old versions are kept 90 days
      // to roll a broken state back (`pulumi stack import` of an earlier version).
      lifecycle: [
        {
          id: 'expire-old-state-versions',
          status: 'Enabled',
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: 90 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
      logging: {
        targetBucket: args.accessLogBucketName,
        targetPrefix: `${args.bucketName}/`,
        dependsOn: logPolicy,
      },
    });

    this.bucketName = bucket.bucket;
    this.stateKeyArn = stateKey.arn;
    this.secretsKeyArn = secretsKey.arn;
    this.registerOutputs({
      bucketName: this.bucketName,
      stateKeyArn: this.stateKeyArn,
      secretsKeyArn: this.secretsKeyArn,
    });
  }

  private key(
    name: string,
    alias: string,
    args: { description: string; policy: PolicyDocument; tags: Tags },
  ): aws.kms.Key {
    const key = new aws.kms.Key(
      name,
      {
        description: args.description,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        keyUsage: 'ENCRYPT_DECRYPT',
        customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        policy: JSON.stringify(args.policy),
        tags: args.tags,
      },
      // Losing either key loses every stack's state or secrets.
      { parent: this, protect: true },
    );
    new aws.kms.Alias(`${name}-alias`, { name: alias, targetKeyId: key.keyId }, { parent: this });
    return key;
  }

  /** Versioning, encryption, no public access, no ACLs, events, TLS only, lifecycle, logging. */
  private settings(name: string, bucket: aws.s3.Bucket, settings: BucketSettings): pulumi.Resource {
    const options = { parent: this };
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.bucket, versioningConfiguration: { status: 'Enabled' } },
      options,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.bucket,
        rules: [
          settings.encryption.sseAlgorithm === 'aws:kms'
            ? { applyServerSideEncryptionByDefault: settings.encryption, bucketKeyEnabled: true }
            : { applyServerSideEncryptionByDefault: settings.encryption },
        ],
      },
      options,
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
      options,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      options,
    );
    // S3.11: object events reach the account's default bus, where a rule can watch the state.
    new aws.s3.BucketNotification(
      `${name}-notifications`,
      { bucket: bucket.bucket, eventbridge: true },
      options,
    );
    const policy = new aws.s3.BucketPolicy(
      `${name}-policy`,
      { bucket: bucket.bucket, policy: JSON.stringify(settings.policy) },
      { ...options, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: bucket.bucket, rules: settings.lifecycle },
      { ...options, dependsOn: [versioning] },
    );
    if (settings.logging !== undefined) {
      new aws.s3.BucketLogging(
        `${name}-logging`,
        {
          bucket: bucket.bucket,
          targetBucket: settings.logging.targetBucket,
          targetPrefix: settings.logging.targetPrefix,
          targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: 'EventTime' } },
        },
        { ...options, dependsOn: [settings.logging.dependsOn] },
      );
    }
    return policy;
  }
}
