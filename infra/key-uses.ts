/**
 * Who may use the project key, and how: every role of the stack whose IAM policy names the key,
 * with the same actions and the same service (or encryption context) as that IAM statement, so
 * the key policy and the roles' policies say the same thing twice and neither alone is enough.
 * Roles are named by ARN from their names (`<project>-<stack>-...`), known before they exist.
 *
 * Uses of the key, and the statement that allows each:
 * - Lambda decrypts each function's environment as its role: `FunctionsDecryptTheirEnvironment`.
 * - DynamoDB tables (and their streams, read by schedule-sync's event source mapping), written
 *   and read by functions, the state machine and AppSync's data sources:
 *   `TablesAreUsedThroughDynamoDb`.
 * - SQS queues (retries, notifications, slot outcomes, email feedback, dead letters, stream failures), sent to and received
 *   from by functions (and their event source mappings), the state machine and the scheduler's
 *   dead-letter deliveries: `QueuesAreUsedThroughSqs`.
 * - The event bus, published to by functions and the state machine: `EventsArePublishedThroughEventBridge`.
 * - Plan schedules created and updated by schedule-sync and the sweeper:
 *   `SchedulesAreWrittenThroughScheduler`; read when they fire, as the scheduler roles:
 *   `SchedulerRolesDecryptTheirSchedules`.
 * - The flags (AppConfig), read by the decision step: `FlagsAreReadThroughAppConfig`.
 * - The exchange keys (Secrets Manager), read by the order function (trading key) and
 *   reconciliation (view-only key): `ExchangeKeysAreReadThroughSecretsManager`.
 * - The audit bucket (S3, bucket key), written by Firehose and the digest and report jobs:
 *   `AuditRecordsAreUsedThroughS3`.
 * - The state machine's own data: `TheStateMachineEncryptsItsData`.
 * Services that encrypt on their own (CloudWatch Logs, EventBridge rules and archive, CloudTrail)
 * and the operators have statements of their own in `components/project-key.ts`.
 */
import * as pulumi from '@pulumi/pulumi';
import { functionSpecs, type FunctionName } from '#shared/functions.ts';
import type { KeyUse } from './components/project-key.ts';
import { lambdaRoleName } from './components/lambda-function.ts';
import { schedulerRoleNames } from '#shared/topology.ts';
import {
  stateMachineEncryptionContext,
  stateMachineRoleName,
} from './components/purchase-workflow.ts';

type In<T> = pulumi.Input<T>;

/** A service a function uses the key through (its statements in `permissions.ts`). */
export type KeyService =
  'appconfig' | 'dynamodb' | 'events' | 's3' | 'scheduler' | 'secretsmanager' | 'sqs';

/**
 * The services each function uses the key through, besides Lambda itself: the same as the
 * `kms:ViaService` conditions of its statements in `permissions.ts` (a test compares them). A new
 * function must say here what it uses, even nothing.
 */
export const FUNCTION_KEY_SERVICES: Readonly<Record<FunctionName, readonly KeyService[]>> = {
  'schedule-sync': ['dynamodb', 'scheduler', 'sqs', 'events'],
  'schedule-resync': ['sqs', 'dynamodb', 'scheduler', 'events'],
  sweeper: ['dynamodb', 'scheduler', 'sqs', 'events'],
  decide: ['appconfig'],
  'place-order': ['dynamodb', 'secretsmanager'],
  'join-block': ['dynamodb', 'sqs'],
  'block-worker': ['sqs', 'secretsmanager', 'dynamodb', 'appconfig', 'events'],
  'retry-dispatcher': ['dynamodb', 'sqs'],
  completer: ['dynamodb', 'sqs'],
  reconcile: ['dynamodb', 'secretsmanager', 'events', 'sqs'],
  notifier: ['dynamodb', 'sqs', 'events'],
  contacts: ['dynamodb'],
  'email-feedback': ['sqs', 'dynamodb'],
  'slot-outcomes': ['sqs'],
  'audit-digest': ['s3', 'sqs'],
  'audit-report': ['s3', 'sqs'],
  calendar: [],
  'schedule-preview': [],
  // CodeDeploy and Lambda's Invoke API: nothing of the stack's encrypted data.
  'pre-traffic': [],
};

export interface KeyUseArgs {
  readonly prefix: string;
  readonly accountId: In<string>;
  readonly region: In<string>;
  /** Whether the stack holds exchange keys (coinbase and kraken; not paper). */
  readonly exchangeKeys: boolean;
  readonly stateMachineName: string;
  readonly stateMachineArn: In<string>;
  readonly scheduleGroupName: string;
  readonly auditBucketArn: In<string>;
  /** The audit stream's role (see `auditTrailNames`). */
  readonly firehoseRoleName: string;
  /** The roles of the AppSync data sources that read and write tables. */
  readonly tableDataSourceRoleNames: readonly string[];
}

/** The key policy's statements for the stack's roles, one per use. */
export function projectKeyUses(args: KeyUseArgs): KeyUse[] {
  const arn = (roleName: string) =>
    pulumi.interpolate`arn:aws:iam::${args.accountId}:role/${roleName}`;
  const functions = Object.keys(functionSpecs) as FunctionName[];
  const functionRole = (name: FunctionName) => arn(lambdaRoleName(`${args.prefix}-${name}`));
  const functionsUsing = (service: KeyService) =>
    // Paper stacks hold no exchange keys: no function reads a secret there.
    service === 'secretsmanager' && !args.exchangeKeys
      ? []
      : functions.filter((name) => FUNCTION_KEY_SERVICES[name].includes(service)).map(functionRole);
  const stateMachine = arn(stateMachineRoleName(args.stateMachineName));
  const schedulers = Object.values(schedulerRoleNames(args.scheduleGroupName)).map(arn);
  const uses: KeyUse[] = [
    {
      sid: 'FunctionsDecryptTheirEnvironment',
      roleArns: functions.map(functionRole),
      actions: ['kms:Decrypt'],
      via: 'lambda',
    },
    {
      // AppSync's writing data sources re-encrypt too (their statements in graphql-api.ts).
      sid: 'TablesAreUsedThroughDynamoDb',
      roleArns: [
        ...functionsUsing('dynamodb'),
        stateMachine,
        ...args.tableDataSourceRoleNames.map(arn),
      ],
      actions: [
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ],
      via: 'dynamodb',
    },
    {
      sid: 'QueuesAreUsedThroughSqs',
      roleArns: [...functionsUsing('sqs'), stateMachine, ...schedulers],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      via: 'sqs',
    },
    {
      sid: 'EventsArePublishedThroughEventBridge',
      roleArns: [...functionsUsing('events'), stateMachine],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      via: 'events',
    },
    {
      // https://docs.aws.amazon.com/scheduler/latest/UserGuide/security_iam_id-based-policy-examples.html
      sid: 'SchedulesAreWrittenThroughScheduler',
      roleArns: functionsUsing('scheduler'),
      actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      via: 'scheduler',
    },
    {
      sid: 'SchedulerRolesDecryptTheirSchedules',
      roleArns: schedulers,
      actions: ['kms:Decrypt'],
      condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:scheduler:schedule:arn': pulumi.interpolate`arn:aws:scheduler:${args.region}:${args.accountId}:schedule/${args.scheduleGroupName}/*`,
        },
      },
    },
    {
      sid: 'FlagsAreReadThroughAppConfig',
      roleArns: functionsUsing('appconfig'),
      actions: ['kms:Decrypt'],
      via: 'appconfig',
    },
    {
      sid: 'ExchangeKeysAreReadThroughSecretsManager',
      roleArns: functionsUsing('secretsmanager'),
      actions: ['kms:Decrypt'],
      via: 'secretsmanager',
    },
    {
      // With the bucket key, S3 asks KMS with the bucket's ARN as the context.
      sid: 'AuditRecordsAreUsedThroughS3',
      roleArns: [...functionsUsing('s3'), arn(args.firehoseRoleName)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      via: 's3',
      condition: {
        StringLike: {
          'kms:EncryptionContext:aws:s3:arn': [
            args.auditBucketArn,
            pulumi.interpolate`${args.auditBucketArn}/*`,
          ],
        },
      },
    },
    {
      // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html
      sid: 'TheStateMachineEncryptsItsData',
      roleArns: [stateMachine],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      condition: {
        StringLike: {
          'kms:EncryptionContext:aws:states:stateMachineArn': stateMachineEncryptionContext(
            args.stateMachineArn,
          ),
        },
      },
    },
  ];
  return uses.filter((use) => use.roleArns.length > 0);
}
