/**
 * The project's customer-managed KMS key: everything the system stores is encrypted with it.
 * Rotation is on. The key policy is the only place that says who may use the key, so an identity
 * policy alone (even `kms:Decrypt` on `*`) grants nothing:
 *
 * - the account root may administer the key (through IAM), never use it: no Encrypt, Decrypt,
 *   ReEncrypt, GenerateDataKey or CreateGrant;
 * - each of the stack's roles may use it only through the service it stores data in
 *   (`kms:ViaService`) or for its own data (an encryption context), named by its ARN
 *   (`aws:PrincipalArn`; role names derive from `<project>-<stack>`, so no dependency cycle);
 * - the operators' roles (`operatorRoles` in the stack config) may use it through the stack's
 *   services, to deploy and operate the stack;
 * - AWS services that encrypt on their own behalf (CloudWatch Logs, EventBridge, CloudTrail) may
 *   use it for the stack's own resources only.
 *
 * Every statement still needs the principal's IAM policy too: the account root is the principal
 * of the role statements, so the key policy narrows IAM and never widens it.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, type PolicyStatement } from '../iam.ts';

type In<T> = pulumi.Input<T>;

/** One use of the key by some of the stack's roles: a statement of the key policy. */
export interface KeyUse {
  /** The statement's `Sid`: who uses the key, for what. */
  readonly sid: string;
  /** The roles, by ARN (built from their names). */
  readonly roleArns: readonly In<string>[];
  readonly actions: readonly string[];
  /** The service the roles use the key through (`kms:ViaService`), e.g. `dynamodb`. */
  readonly via?: string;
  /** Further conditions (an encryption context), by operator. */
  readonly condition?: Readonly<
    Record<string, Readonly<Record<string, In<string> | In<string>[]>>>
  >;
}

export interface ProjectKeyArgs {
  readonly accountId: In<string>;
  readonly region: In<string>;
  /** Alias name without the `alias/` prefix. */
  readonly alias: In<string>;
  readonly deletionWindowInDays: In<number>;
  /** The log groups CloudWatch Logs encrypts with the key (ARNs); the audit trail's come with its statements. */
  readonly logGroupArns: readonly In<string>[];
  /** The event bus encrypted with the key. */
  readonly eventBusArn: In<string>;
  /** EventBridge rules whose targets are queues encrypted with this key (ARNs built from names). */
  readonly queueRuleArns?: readonly In<string>[];
  /** What each of the stack's roles may do with the key. */
  readonly uses: readonly KeyUse[];
  /** The roles that deploy and operate the stack (ARNs). */
  readonly operatorRoleArns: readonly In<string>[];
  /** What other components need in the key policy (the audit trail's services), scoped by them. */
  readonly extraStatements?: readonly PolicyStatement[];
  readonly tags: In<Record<string, In<string>>>;
}

/** Key administration by the account (through IAM): no action that uses the key. */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
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

/**
 * The services the operators deploy and run the stack through, each for a reason:
 * `dynamodb` (tables are created with the key: DynamoDB generates their table keys as the
 * caller), `lambda` (function environments are encrypted with it; reading a function's
 * configuration decrypts them), `scheduler` (the jobs' schedules), `appconfig` (the flags' hosted
 * versions and deployments), `secretsmanager` (putting the exchange keys' values), `sqs` (redriving
 * dead letters), `s3` (reading the audit and trail records, `npm run audit:verify`), `states` (the
 * state machine is created encrypted), `firehose` (the audit stream holds a grant for its
 * encryption).
 */
export const OPERATOR_SERVICES = [
  'appconfig',
  'dynamodb',
  'firehose',
  'lambda',
  's3',
  'scheduler',
  'secretsmanager',
  'sqs',
  'states',
];

export function projectKeyPolicy(
  args: Omit<ProjectKeyArgs, 'alias' | 'deletionWindowInDays' | 'tags'>,
): pulumi.Output<string> {
  const root = pulumi.interpolate`arn:aws:iam::${args.accountId}:root`;
  const through = (service: string) => pulumi.interpolate`${service}.${args.region}.amazonaws.com`;
  const statements: PolicyStatement[] = [
    {
      Sid: 'AccountAdministersKeyThroughIam',
      Effect: 'Allow',
      Principal: { AWS: root },
      Action: KEY_ADMIN_ACTIONS,
      Resource: '*',
    },
    ...args.uses.map((use): PolicyStatement => {
      const condition: NonNullable<PolicyStatement['Condition']> = {
        ArnEquals: { 'aws:PrincipalArn': [...use.roleArns] },
      };
      if (use.via !== undefined) condition.StringEquals = { 'kms:ViaService': through(use.via) };
      for (const [operator, keys] of Object.entries(use.condition ?? {})) {
        condition[operator] = { ...condition[operator], ...keys };
      }
      return {
        Sid: use.sid,
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: [...use.actions],
        Resource: '*',
        Condition: condition,
      };
    }),
  ];
  if (args.operatorRoleArns.length > 0) {
    const operators = {
      ArnEquals: { 'aws:PrincipalArn': [...args.operatorRoleArns] },
      StringEquals: { 'kms:ViaService': OPERATOR_SERVICES.map(through) },
    };
    statements.push(
      {
        Sid: 'OperatorsUseKeyThroughTheStacksServices',
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: KEY_USE_ACTIONS,
        Resource: '*',
        Condition: operators,
      },
      {
        // DynamoDB, Lambda and Firehose keep grants for the resources the operators create.
        Sid: 'OperatorsLetTheStacksServicesHoldGrants',
        Effect: 'Allow',
        Principal: { AWS: root },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { ...operators, Bool: { 'kms:GrantIsForAWSResource': true } },
      },
    );
  }
  statements.push(
    {
      // Only the stack's log groups, by ARN.
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
      Sid: 'CloudWatchLogsEncryptsTheStacksLogGroups',
      Effect: 'Allow',
      Principal: { Service: pulumi.interpolate`logs.${args.region}.amazonaws.com` },
      Action: KEY_USE_ACTIONS,
      Resource: '*',
      Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': [...args.logGroupArns] } },
    },
    {
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html
      Sid: 'EventBridgeEncryptsTheProjectBus',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': args.accountId },
        ArnEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': args.eventBusArn },
      },
    },
  );
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
