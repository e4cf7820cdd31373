/**
 * The project's customer-managed KMS key: everything the system stores is encrypted with it.
 * Rotation is on; the key policy gives the account's administrators explicit key-management
 * actions (IAM policies then grant use, key by key) and lets only named AWS services use it, each
 * only for its own resources in this account.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, type PolicyStatement } from '../iam.ts';

export interface ProjectKeyArgs {
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  /** Alias name without the `alias/` prefix. */
  readonly alias: pulumi.Input<string>;
  readonly deletionWindowInDays: pulumi.Input<number>;
  /** EventBridge rules whose targets are queues encrypted with this key (ARNs built from names). */
  readonly queueRuleArns?: readonly pulumi.Input<string>[];
  /** What other components need in the key policy (the audit trail's services), scoped by them. */
  readonly extraStatements?: readonly PolicyStatement[];
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Key administration by the account (via IAM), without `kms:*` or wildcards. */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** What a service needs to encrypt and decrypt with the key on a caller's behalf. */
export const KEY_USE_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

export function projectKeyPolicy(args: {
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** EventBridge rules whose targets are queues encrypted with this key. */
  queueRuleArns?: readonly pulumi.Input<string>[];
  extraStatements?: readonly PolicyStatement[];
}): pulumi.Output<string> {
  const statements: PolicyStatement[] = [
    {
      Sid: 'AccountAdministersKeyThroughIam',
      Effect: 'Allow',
      Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` },
      Action: KEY_ADMIN_ACTIONS,
      Resource: '*',
    },
    {
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
      Sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
      Effect: 'Allow',
      Principal: { Service: pulumi.interpolate`logs.${args.region}.amazonaws.com` },
      Action: KEY_USE_ACTIONS,
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': pulumi.interpolate`arn:aws:logs:${args.region}:${args.accountId}:log-group:*`,
        },
      },
    },
    {
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html
      Sid: 'EventBridgeEncryptsThisAccountsBuses',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': args.accountId },
        ArnLike: {
          'kms:EncryptionContext:aws:events:event-bus:arn': pulumi.interpolate`arn:aws:events:${args.region}:${args.accountId}:event-bus/*`,
        },
      },
    },
  ];
  if (args.queueRuleArns !== undefined && args.queueRuleArns.length > 0) {
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html (SQS target
    // encrypted with a customer managed key): only the named rules.
    statements.push({
      Sid: 'EventBridgeRulesSendToEncryptedQueues',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { ArnEquals: { 'aws:SourceArn': [...args.queueRuleArns] } },
    });
  }
  statements.push(...(args.extraStatements ?? []));
  return policyJson(statements);
}

export class ProjectKey extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ProjectKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:security:ProjectKey', name, {}, opts);
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description:
          'Savings Plan Buy: encrypts every table, queue, log group and bucket of the stack',
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: args.deletionWindowInDays,
        keyUsage: 'ENCRYPT_DECRYPT',
        customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        policy: projectKeyPolicy(args),
        tags: args.tags,
      },
      { parent: this },
    );
    this.alias = new aws.kms.Alias(
      `${name}-alias`,
      { name: pulumi.interpolate`alias/${args.alias}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.arn = this.key.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
