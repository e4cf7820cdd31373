/**
 * What each Lambda may do, statement by statement: exact actions on exact ARNs, with the project
 * key usable only through the service that stores the data. One function per place it is needed,
 * so the mocks-based tests can assert each role exactly.
 */
import * as pulumi from '@pulumi/pulumi';
import type { FunctionName } from '#shared/functions.ts';
import type { PolicyStatement } from './iam.ts';
import {
  readCredentialsStatements,
  type ExchangeKeyAccess,
} from './components/exchange-credentials.ts';
import { readFlagsStatements } from './components/feature-flags.ts';
import { startPurchasesStatement } from './components/purchase-workflow.ts';
import { sendToQueueStatements } from './components/queue.ts';

export interface PermissionContext {
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly plansTableArn: pulumi.Input<string>;
  readonly plansStreamArn: pulumi.Input<string>;
  readonly executionsTableArn: pulumi.Input<string>;
  readonly idempotencyTableArn: pulumi.Input<string>;
  /** The paper exchange's orders (paper stacks only). */
  readonly paperOrdersTableArn: pulumi.Input<string> | null;
  /** The exchange's API key (coinbase and kraken stacks only). */
  readonly exchangeSecretArn: pulumi.Input<string> | null;
  /** The exchange's view-only API key, for reconciliation (coinbase and kraken stacks only). */
  readonly readOnlyExchangeSecretArn: pulumi.Input<string> | null;
  readonly exchangeStateTableArn: pulumi.Input<string>;
  readonly retryQueueArn: pulumi.Input<string>;
  /** The `block-orders` queue: aggregated mode's blocks, which the block worker consumes. */
  readonly blockOrdersQueueArn: pulumi.Input<string>;
  /** The purchase state machine (unqualified: its starters are held to the `live` alias by a condition). */
  readonly stateMachineArn: pulumi.Input<string>;
  readonly flagsConfigurationArn: pulumi.Input<string>;
  /** The emergency stop, which the decision step reads beside the flags. */
  readonly emergencyStopConfigurationArn: pulumi.Input<string>;
  readonly eventBusArn: pulumi.Input<string>;
  readonly schedulerRoleArn: pulumi.Input<string>;
  readonly planSchedulesArn: pulumi.Input<string>;
  readonly streamFailureQueueArn: pulumi.Input<string>;
  readonly notificationsTableArn: pulumi.Input<string>;
  readonly notificationQueueArn: pulumi.Input<string>;
  /** The plan-change queue (`plan-change-notifications`), which the notifier also consumes. */
  readonly planChangeQueueArn: pulumi.Input<string>;
  /** The queue of slots' final outcomes (the outcomes rule's target). */
  readonly outcomesQueueArn: pulumi.Input<string>;
  /** The queue of SES's bounces and complaints (the email-feedback rule's target). */
  readonly emailFeedbackQueueArn: pulumi.Input<string>;
  /** The SES identity notification email is sent from. */
  readonly emailIdentityArn: pulumi.Input<string>;
  /** The End User Messaging origination identity SMS is sent from; null: SMS is off. */
  readonly smsOriginationIdentityArn: string | null;
  /** The protect configuration every SMS is sent under (set exactly when SMS is on). */
  readonly smsProtectConfigurationArn: pulumi.Input<string> | null;
  /** The Object Lock bucket of the audit trail, and the asymmetric key that signs its digests. */
  readonly auditBucketArn: pulumi.Input<string>;
  readonly auditSigningKeyArn: pulumi.Input<string>;
  /** The stack's CodeDeploy application (`codeDeployApplicationName`), whose deployments the hook checks. */
  readonly codeDeployApplication: string;
  /** The unqualified ARNs of the released functions (`CANARY_FUNCTIONS`). */
  readonly releasedFunctionArns: readonly pulumi.Input<string>[];
}

/** The project key, through one service only. */
export function keyThrough(
  sid: string,
  service: string,
  actions: string[],
  context: PermissionContext,
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: actions,
    Resource: context.kmsKeyArn,
    Condition: {
      StringEquals: {
        'kms:ViaService': pulumi.interpolate`${service}.${context.region}.amazonaws.com`,
      },
    },
  };
}

/**
 * SendTextMessage from the stack's origination identity, under its protect configuration. The
 * service authorizes the action on the resources a request names, and `protect-configuration`
 * is one of its resource types, so the statement lists the identity and the protect configuration
 * the senders name, and nothing else. The service has no condition key of its own (only
 * `aws:ResourceTag/*` and the global ones), so IAM cannot make the protect configuration
 * mandatory: the senders always name it (`functions/lib/delivery.ts`) and the policy pack checks
 * that it exists and is named (`enforceSmsProtectConfiguration`).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsendusermessagingsmsandvoicev2.html
 */
function sendTextMessages(sid: string, context: PermissionContext): PolicyStatement[] {
  if (context.smsOriginationIdentityArn === null) return [];
  return [
    {
      Sid: sid,
      Effect: 'Allow',
      Action: 'sms-voice:SendTextMessage',
      Resource:
        context.smsProtectConfigurationArn === null
          ? context.smsOriginationIdentityArn
          : [context.smsOriginationIdentityArn, context.smsProtectConfigurationArn],
    },
  ];
}

/** Sending email from the stack's notifications identity (SES authorizes on the identity). */
function sendEmails(sid: string, context: PermissionContext): PolicyStatement {
  return { Sid: sid, Effect: 'Allow', Action: 'ses:SendEmail', Resource: context.emailIdentityArn };
}

const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** Creating, re-arming and removing the plans' schedules (and handing them their role). */
function manageSchedules(context: PermissionContext): PolicyStatement[] {
  return [
    {
      Sid: 'ManagePlanSchedules',
      Effect: 'Allow',
      Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
      Resource: context.planSchedulesArn,
    },
    {
      Sid: 'PassSchedulerRoleToSchedulerOnly',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: context.schedulerRoleArn,
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    },
    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/security_iam_id-based-policy-examples.html
    keyThrough(
      'SchedulesAreEncryptedWithTheProjectKey',
      'scheduler',
      ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
      context,
    ),
  ];
}

/** What a plan's sync does: read and write back the plan, and manage its schedule. */
function syncPlanSchedules(context: PermissionContext): PolicyStatement[] {
  return [
    {
      Sid: 'SyncPlans',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: context.plansTableArn,
    },
    keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
    ...manageSchedules(context),
  ];
}

/**
 * Talking to the exchange: its shared breaker and request budget, and either the paper orders
 * table (`paperActions`) or the API key (`access`: the trading key, or the view-only one).
 */
function tradeOnExchange(
  context: PermissionContext,
  paperActions: string[],
  access: ExchangeKeyAccess = 'trading',
): PolicyStatement[] {
  const statements: PolicyStatement[] = [
    {
      Sid: 'ShareExchangeState',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Resource: context.exchangeStateTableArn,
    },
  ];
  if (context.paperOrdersTableArn !== null) {
    statements.push({
      Sid: 'PaperExchangeOrders',
      Effect: 'Allow',
      Action: paperActions,
      Resource: context.paperOrdersTableArn,
    });
  }
  const secretArn =
    access === 'trading' ? context.exchangeSecretArn : context.readOnlyExchangeSecretArn;
  if (secretArn !== null) {
    statements.push(
      ...readCredentialsStatements(secretArn, context.kmsKeyArn, context.region, access),
    );
  }
  return statements;
}

/** Publishing to the project's bus (encrypted with the project key). */
function publishEvents(sid: string, context: PermissionContext): PolicyStatement[] {
  return [
    { Sid: sid, Effect: 'Allow', Action: 'events:PutEvents', Resource: context.eventBusArn },
    keyThrough(
      'EventBusIsEncryptedWithTheProjectKey',
      'events',
      ['kms:Decrypt', 'kms:GenerateDataKey'],
      context,
    ),
  ];
}

/**
 * Reading and creating audit objects: listing only under `readPrefixes`, reading only those
 * prefixes' objects, writing only under `writePrefix` (the bucket's default encryption is the
 * project key, used through S3 only, for that bucket only).
 */
function auditObjects(
  context: PermissionContext,
  readPrefixes: string[],
  writePrefix: string,
): PolicyStatement[] {
  const bucket = context.auditBucketArn;
  return [
    {
      Sid: 'ListAuditRecords',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: bucket,
      Condition: { StringLike: { 's3:prefix': readPrefixes.map((prefix) => `${prefix}*`) } },
    },
    {
      Sid: 'ReadAuditRecords',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: readPrefixes.map((prefix) => pulumi.interpolate`${bucket}/${prefix}*`),
    },
    {
      Sid: 'WriteOnceIntoTheAuditBucket',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: pulumi.interpolate`${bucket}/${writePrefix}*`,
    },
    {
      Sid: 'AuditBucketIsEncryptedWithTheProjectKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: context.kmsKeyArn,
      Condition: {
        StringEquals: {
          'kms:ViaService': pulumi.interpolate`s3.${context.region}.amazonaws.com`,
        },
        // With the bucket key on, S3 asks KMS with the bucket's ARN as the context.
        StringLike: {
          'kms:EncryptionContext:aws:s3:arn': [bucket, pulumi.interpolate`${bucket}/*`],
        },
      },
    },
  ];
}

export function functionStatements(
  context: PermissionContext,
): Record<FunctionName, PolicyStatement[]> {
  return {
    'schedule-sync': [
      {
        Sid: 'ReadPlanStream',
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        Resource: context.plansStreamArn,
      },
      ...syncPlanSchedules(context),
      ...sendToQueueStatements(
        'StreamFailures',
        context.streamFailureQueueArn,
        context.kmsKeyArn,
        context.region,
      ),
      ...publishEvents('PublishPlanChanges', context),
    ],
    'schedule-resync': [
      {
        Sid: 'ConsumeStreamFailures',
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        Resource: context.streamFailureQueueArn,
      },
      keyThrough('StreamFailuresAreEncryptedWithTheProjectKey', 'sqs', ['kms:Decrypt'], context),
      {
        Sid: 'ReadPlanStream',
        Effect: 'Allow',
        Action: ['dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: context.plansStreamArn,
      },
      ...syncPlanSchedules(context),
      ...publishEvents('PublishPlanChanges', context),
    ],
    sweeper: [
      {
        Sid: 'FindOverduePlans',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: pulumi.interpolate`${context.plansTableArn}/index/due`,
      },
      {
        Sid: 'FindUnsyncedPlans',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: pulumi.interpolate`${context.plansTableArn}/index/unsynced`,
      },
      {
        Sid: 'SyncPlans',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: context.plansTableArn,
      },
      {
        Sid: 'RecordMissedRuns',
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: context.executionsTableArn,
      },
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
      ...manageSchedules(context),
      ...publishEvents('PublishMissedRuns', context),
    ],
    decide: readFlagsStatements(
      [context.flagsConfigurationArn, context.emergencyStopConfigurationArn],
      context.kmsKeyArn,
      context.region,
    ),
    'place-order': [
      {
        Sid: 'ReadAndMarkRuns',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: context.executionsTableArn,
      },
      {
        Sid: 'IdempotencyRecords',
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        Resource: context.idempotencyTableArn,
      },
      ...tradeOnExchange(context, ['dynamodb:GetItem', 'dynamodb:PutItem']),
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
    ],
    // Aggregated mode: one conditional write on the slot's execution (a consistent read when the
    // slot is in a block already), and the block's message for the worker.
    'join-block': [
      {
        Sid: 'JoinRunsToBlocks',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: context.executionsTableArn,
      },
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
      ...sendToQueueStatements(
        'AnnounceBlocks',
        context.blockOrdersQueueArn,
        context.kmsKeyArn,
        context.region,
      ),
    ],
    // Decide and place-order combined, per block: it consumes its queue (and re-sends its own
    // message to wait), reads the members through their index, writes the block, its parts and
    // each member's outcome with the plan's totals and the holdings (TransactWriteItems is
    // authorized per item, an Update as dynamodb:UpdateItem), decides each member again (flags,
    // plans), trades through the shared guard, publishes the members' events and hands released
    // members to the retry queue.
    'block-worker': [
      {
        Sid: 'ConsumeBlockOrders',
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
          'sqs:SendMessage',
        ],
        Resource: context.blockOrdersQueueArn,
      },
      keyThrough(
        'BlockOrdersAreEncryptedWithTheProjectKey',
        'sqs',
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        context,
      ),
      ...sendToQueueStatements(
        'ReleaseMembersToRetries',
        context.retryQueueArn,
        context.kmsKeyArn,
        context.region,
      ),
      {
        Sid: 'ReadBlockMembers',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: pulumi.interpolate`${context.executionsTableArn}/index/blockMembers`,
      },
      {
        Sid: 'RecordBlocksAndMembers',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: context.executionsTableArn,
      },
      {
        Sid: 'ReadPlansAndRecordTotals',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: context.plansTableArn,
      },
      ...tradeOnExchange(context, ['dynamodb:GetItem', 'dynamodb:PutItem']),
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
      ...readFlagsStatements(
        [context.flagsConfigurationArn, context.emergencyStopConfigurationArn],
        context.kmsKeyArn,
        context.region,
      ),
      ...publishEvents('PublishMemberOutcomes', context),
    ],
    'retry-dispatcher': [
      {
        Sid: 'ConsumeRetryQueue',
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
          'sqs:SendMessage',
        ],
        Resource: context.retryQueueArn,
      },
      keyThrough(
        'RetryQueueIsEncryptedWithTheProjectKey',
        'sqs',
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        context,
      ),
      startPurchasesStatement('RestartPurchases', context.stateMachineArn),
      {
        Sid: 'ReadCircuitBreaker',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: context.exchangeStateTableArn,
      },
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
    ],
    completer: [
      {
        Sid: 'FindStaleRuns',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: pulumi.interpolate`${context.executionsTableArn}/index/open`,
      },
      {
        // The index holds keys only: the runs it finds are read in batches, then stamped.
        Sid: 'ReadAndStampStaleRuns',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        Resource: context.executionsTableArn,
      },
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
      ...sendToQueueStatements(
        'RedriveStaleRuns',
        context.retryQueueArn,
        context.kmsKeyArn,
        context.region,
      ),
      // A stale member of a block is not restarted: its block goes to the worker again.
      ...sendToQueueStatements(
        'ResendStaleBlocks',
        context.blockOrdersQueueArn,
        context.kmsKeyArn,
        context.region,
      ),
    ],
    reconcile: [
      {
        Sid: 'ReadLedgerByOrderDay',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: pulumi.interpolate`${context.executionsTableArn}/index/orders`,
      },
      {
        // A block order's members, to match their allocations against its fill.
        Sid: 'ReadBlockMembers',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: pulumi.interpolate`${context.executionsTableArn}/index/blockMembers`,
      },
      ...tradeOnExchange(context, ['dynamodb:Scan'], 'read-only'),
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
      ...publishEvents('PublishReconciliation', context),
    ],
    'audit-digest': [
      // The day's records, and the digests before it (the chain); the new day's digest.
      ...auditObjects(context, ['events/', 'digests/'], 'digests/'),
      {
        Sid: 'SignDigestsWithTheAuditKey',
        Effect: 'Allow',
        Action: 'kms:Sign',
        Resource: context.auditSigningKeyArn,
        Condition: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' } },
      },
    ],
    'audit-report': auditObjects(context, ['events/', 'reports/'], 'reports/'),
    notifier: [
      {
        Sid: 'ConsumeNotificationQueue',
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        Resource: [context.notificationQueueArn, context.planChangeQueueArn],
      },
      keyThrough('NotificationQueueIsEncryptedWithTheProjectKey', 'sqs', ['kms:Decrypt'], context),
      {
        Sid: 'RecordNotificationsOnce',
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        Resource: context.notificationsTableArn,
      },
      {
        Sid: 'ReadPlansForMessages',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: context.plansTableArn,
      },
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
      sendEmails('SendEmailFromTheNotificationsIdentity', context),
      // SendTextMessage is authorized on the origination identity it sends from: the stack's
      // own only, and no SMS at all until one is configured.
      ...sendTextMessages('SendTextMessagesFromTheStacksIdentity', context),
      ...publishEvents('PublishNotificationSent', context),
    ],
    // Codes are kept on the preferences item and counted there and per destination (the same
    // table); the code message is sent as the notifier sends, from the same identities.
    contacts: [
      {
        // GetItem reads the preferences item; UpdateItem writes it (conditional on its version)
        // and raises the counters: `send-limits.ts` raises them in one TransactWriteItems, which
        // has no action of its own and is authorized per item, an Update as dynamodb:UpdateItem.
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
        Sid: 'KeepContactStateAndCounters',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: context.notificationsTableArn,
      },
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
      sendEmails('SendCodesFromTheNotificationsIdentity', context),
      ...sendTextMessages('SendCodesFromTheStacksIdentity', context),
    ],
    // Consumes SES's bounces and complaints (its event source mapping receives and deletes as
    // the function's role) and marks addresses undeliverable on the preferences item; the
    // sign-in email, when no address is stored, is on the user's meta item (plans table).
    'email-feedback': [
      {
        Sid: 'ConsumeEmailFeedbackQueue',
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        Resource: context.emailFeedbackQueueArn,
      },
      keyThrough('EmailFeedbackQueueIsEncryptedWithTheProjectKey', 'sqs', ['kms:Decrypt'], context),
      {
        Sid: 'MarkAddressesUndeliverable',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: context.notificationsTableArn,
      },
      {
        Sid: 'ReadSignInEmails',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: context.plansTableArn,
      },
      keyThrough('TablesAreEncryptedWithTheProjectKey', 'dynamodb', TABLE_KEY_ACTIONS, context),
    ],
    // Its event source mapping receives and deletes as the function's role; the messages are
    // encrypted with the project key. Nothing else: the metrics are log lines (EMF).
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
    'slot-outcomes': [
      {
        Sid: 'ConsumeOutcomesQueue',
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        Resource: context.outcomesQueueArn,
      },
      keyThrough('OutcomesQueueIsEncryptedWithTheProjectKey', 'sqs', ['kms:Decrypt'], context),
    ],
    calendar: [],
    'schedule-preview': [],
    // CodeDeploy authorizes both calls on the deployment's group (`deploymentgroup:<app>/<group>`):
    // GetDeployment per the service authorization reference; PutLifecycleEventHookExecutionStatus
    // is listed there without a resource type, yet its AccessDenied names the deployment group, and
    // SAM's own hook example scopes it the same way.
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html
    // https://github.com/aws/serverless-application-model/blob/develop/docs/safe_lambda_deployments.rst
    'pre-traffic': [
      {
        Sid: 'ReadAndReportReleaseDeployments',
        Effect: 'Allow',
        Action: ['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus'],
        Resource: pulumi.interpolate`arn:aws:codedeploy:${context.region}:${context.accountId}:deploymentgroup:${context.codeDeployApplication}/*`,
      },
      // Qualified ARNs only: the hook invokes a new version by its number, never the function
      // itself (IAM cannot tell a version from the alias, so `:*` admits `live` too).
      // https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
      {
        Sid: 'InvokeNewVersionsOfReleasedFunctions',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: context.releasedFunctionArns.map((arn) => pulumi.interpolate`${arn}:*`),
      },
    ],
  };
}
