/**
 * Scheduling and purchases under Pulumi mocks (dev stack): every Lambda's runtime settings and
 * role, the Express state machine, the scheduler's group and role, the stream mapping, queues,
 * tables and the bus. IAM statements are asserted exactly.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionSpecs, type FunctionName } from '#shared/functions.ts';
import { PURCHASE_STATE_MACHINE_FILE, substituteDefinition } from '#shared/state-machines.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-dev';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const table = (name: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${P}-${name}`;
const fn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${P}-${name}`;
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${P}-events`;
const SM_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${P}-purchase`;
const SM_LIVE = `${SM_ARN}:live`;
const live = (name: string) => `${fn(name)}:live`;
/** Starting purchases: on the state machine's ARN, through the `live` alias only. */
const startThroughLive = (sid: string, operator = 'StringEquals') => ({
  Sid: sid,
  Effect: 'Allow',
  Action: 'states:StartExecution',
  Resource: SM_ARN,
  Condition: { [operator]: { 'states:StateMachineQualifier': 'live' } },
});
const SCHEDULER_ROLE = `arn:aws:iam::${ACCOUNT}:role/${P}-plans-scheduler`;
const PLAN_SCHEDULES = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${P}-plans/plan-*`;
const DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-plans-dlq`;
const STREAM_FAILURES = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-plan-stream-failures`;
const RETRIES = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-purchase-retries`;
const RETRIES_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${P}-purchase-retries`;
const RETRIES_DLQ = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-purchase-retries-dlq`;
const BLOCKS = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-block-orders`;
const BLOCKS_URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${P}-block-orders`;
const FLAGS = `arn:aws:appconfig:${REGION}:${ACCOUNT}:application/flags-application-id/environment/flags-environment-env/configuration/flags-profile-prof`;
const EMERGENCY_STOP = `arn:aws:appconfig:${REGION}:${ACCOUNT}:application/flags-application-id/environment/flags-emergency-environment-env/configuration/flags-emergency-profile-prof`;

const via = (service: string, actions: string[], sid: string) => ({
  Sid: sid,
  Effect: 'Allow',
  Action: actions,
  Resource: KEY_ARN,
  Condition: { StringEquals: { 'kms:ViaService': `${service}.${REGION}.amazonaws.com` } },
});
const TABLE_KEY = via(
  'dynamodb',
  ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'TablesAreEncryptedWithTheProjectKey',
);
const queue = (sid: string, arn: string) => [
  { Sid: sid, Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arn },
  via('sqs', ['kms:Decrypt', 'kms:GenerateDataKey'], `${sid}Encrypted`),
];
const SHARE_EXCHANGE_STATE = {
  Sid: 'ShareExchangeState',
  Effect: 'Allow',
  Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  Resource: table('exchange-state'),
};
const SCHEDULES = [
  {
    Sid: 'ManagePlanSchedules',
    Effect: 'Allow',
    Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
    Resource: PLAN_SCHEDULES,
  },
  {
    Sid: 'PassSchedulerRoleToSchedulerOnly',
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: SCHEDULER_ROLE,
    Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
  },
  via(
    'scheduler',
    ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
    'SchedulesAreEncryptedWithTheProjectKey',
  ),
];

beforeAll(async () => {
  run = await runProgram('dev');
});

/** The statements of a function's role beyond the common logs, X-Ray and environment ones. */
function ownStatements(name: FunctionName): unknown[] {
  const statements = policy(
    run.one('aws:iam/rolePolicy:RolePolicy', `${name}-policy`).inputs.policy,
  ).Statement;
  expect(statements.slice(0, 3)).toEqual([
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${P}-${name}:log-stream:*`,
    },
    {
      Sid: 'XRayTracesHaveNoResourceLevelPermissions',
      Effect: 'Allow',
      Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      Resource: '*',
    },
    {
      Sid: 'DecryptOwnEnvironment',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: KEY_ARN,
      Condition: { StringEquals: { 'kms:ViaService': `lambda.${REGION}.amazonaws.com` } },
    },
  ]);
  return statements.slice(3);
}

describe('the Lambdas', () => {
  it('run as index.handler on nodejs24.x arm64, traced, with reserved concurrency and their own encrypted logs', () => {
    for (const [name, spec] of Object.entries(functionSpecs) as [
      FunctionName,
      (typeof functionSpecs)[FunctionName],
    ][]) {
      const lambda = run.one('aws:lambda/function:Function', `${name}-function`);
      expect(lambda.inputs).toMatchObject({
        name: `${P}-${name}`,
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        memorySize: spec.memoryMb,
        timeout: spec.timeoutSeconds,
        reservedConcurrentExecutions: spec.reservedConcurrency,
        tracingConfig: { mode: 'Active' },
        loggingConfig: { logFormat: 'JSON', logGroup: `/aws/lambda/${P}-${name}` },
        kmsKeyArn: KEY_ARN,
        role: `arn:aws:iam::${ACCOUNT}:role/${P}-${name}-lambda`,
      });
      // Mocks do not serialize asset contents; test/integration/build/cli.test.ts checks the bundles themselves.
      expect(lambda.inputs.code).toMatchObject({ __pulumiArchive: true });
      expect(run.one('aws:cloudwatch/logGroup:LogGroup', `${name}-logs`).inputs).toMatchObject({
        retentionInDays: 14,
        kmsKeyId: KEY_ARN,
      });
      const trust = policy(
        run.one('aws:iam/role:Role', `${name}-role`).inputs.assumeRolePolicy,
      ).Statement;
      expect(trust).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
            ArnLike: { 'aws:SourceArn': fn(name) },
          },
        },
      ]);
    }
  });

  it('get exactly the configuration each declares', () => {
    const env = (name: string) =>
      (
        run.one('aws:lambda/function:Function', `${name}-function`).inputs.environment as {
          variables: Record<string, string>;
        }
      ).variables;
    expect(env('place-order')).toEqual({
      EXECUTIONS_TABLE: `${P}-executions`,
      IDEMPOTENCY_TABLE: `${P}-idempotency`,
      PURCHASE_WINDOW_SECONDS: '21600',
      EXCHANGE: 'paper',
      EXCHANGE_STATE_TABLE: `${P}-exchange-state`,
      EXCHANGE_RATE_LIMIT_PER_SECOND: '25',
      PAPER_ORDERS_TABLE: `${P}-paper-orders`,
      PAPER_SETTINGS: JSON.stringify({
        prices: { USD: '50000.00', EUR: '46000.00', GBP: '40000.00' },
      }),
      POWERTOOLS_SERVICE_NAME: `${P}-place-order`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(env('decide')).toEqual({
      PURCHASE_WINDOW_SECONDS: '21600',
      APPCONFIG_APPLICATION: 'flags-application-id',
      APPCONFIG_ENVIRONMENT: 'flags-environment-env',
      APPCONFIG_FLAGS_PROFILE: 'flags-profile-prof',
      APPCONFIG_EMERGENCY_ENVIRONMENT: 'flags-emergency-environment-env',
      APPCONFIG_EMERGENCY_PROFILE: 'flags-emergency-profile-prof',
      FLAGS_MAX_AGE_SECONDS: '30',
      POWERTOOLS_SERVICE_NAME: `${P}-decide`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(env('retry-dispatcher')).toEqual({
      PURCHASE_STATE_MACHINE_ARN: SM_LIVE,
      RETRY_QUEUE_URL: RETRIES_URL,
      EXCHANGE: 'paper',
      EXCHANGE_STATE_TABLE: `${P}-exchange-state`,
      POWERTOOLS_SERVICE_NAME: `${P}-retry-dispatcher`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(env('completer')).toEqual({
      EXECUTIONS_TABLE: `${P}-executions`,
      RETRY_QUEUE_URL: RETRIES_URL,
      BLOCK_ORDERS_QUEUE_URL: BLOCKS_URL,
      COMPLETER_SLA_SECONDS: '1800',
      POWERTOOLS_SERVICE_NAME: `${P}-completer`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(env('join-block')).toEqual({
      EXECUTIONS_TABLE: `${P}-executions`,
      BLOCK_ORDERS_QUEUE_URL: BLOCKS_URL,
      EXECUTION_SETTINGS: JSON.stringify({ mode: 'per-slot' }),
      POWERTOOLS_SERVICE_NAME: `${P}-join-block`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(env('block-worker')).toEqual({
      EXECUTIONS_TABLE: `${P}-executions`,
      PLANS_TABLE: `${P}-plans`,
      EVENT_BUS_NAME: `${P}-events`,
      EXECUTION_SETTINGS: JSON.stringify({ mode: 'per-slot' }),
      PURCHASE_WINDOW_SECONDS: '21600',
      RETRY_QUEUE_URL: RETRIES_URL,
      BLOCK_ORDERS_QUEUE_URL: BLOCKS_URL,
      APPCONFIG_APPLICATION: 'flags-application-id',
      APPCONFIG_ENVIRONMENT: 'flags-environment-env',
      APPCONFIG_FLAGS_PROFILE: 'flags-profile-prof',
      APPCONFIG_EMERGENCY_ENVIRONMENT: 'flags-emergency-environment-env',
      APPCONFIG_EMERGENCY_PROFILE: 'flags-emergency-profile-prof',
      FLAGS_MAX_AGE_SECONDS: '30',
      EXCHANGE: 'paper',
      EXCHANGE_STATE_TABLE: `${P}-exchange-state`,
      EXCHANGE_RATE_LIMIT_PER_SECOND: '25',
      PAPER_ORDERS_TABLE: `${P}-paper-orders`,
      PAPER_SETTINGS: JSON.stringify({
        prices: { USD: '50000.00', EUR: '46000.00', GBP: '40000.00' },
      }),
      POWERTOOLS_SERVICE_NAME: `${P}-block-worker`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(env('schedule-sync')).toEqual({
      PLANS_TABLE: `${P}-plans`,
      SCHEDULE_GROUP: `${P}-plans`,
      PURCHASE_STATE_MACHINE_ARN: SM_LIVE,
      SCHEDULER_ROLE_ARN: SCHEDULER_ROLE,
      SCHEDULE_DLQ_ARN: DLQ,
      KMS_KEY_ARN: KEY_ARN,
      EVENT_BUS_NAME: `${P}-events`,
      POWERTOOLS_SERVICE_NAME: `${P}-schedule-sync`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
  });

  it('let the stream consumer read only the plans stream, sync only plans and manage only plan schedules', () => {
    expect(ownStatements('schedule-sync')).toEqual([
      {
        Sid: 'ReadPlanStream',
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        Resource: `${table('plans')}/stream/2026-01-01T00:00:00.000`,
      },
      {
        Sid: 'SyncPlans',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: table('plans'),
      },
      TABLE_KEY,
      ...SCHEDULES,
      ...queue('StreamFailures', STREAM_FAILURES),
      { Sid: 'PublishPlanChanges', Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN },
      via('events', ['kms:Decrypt', 'kms:GenerateDataKey'], 'EventBusIsEncryptedWithTheProjectKey'),
    ]);
  });

  it('let the failure queue consumer read back only the plans stream, sync only plans and manage only plan schedules', () => {
    expect(ownStatements('schedule-resync')).toEqual([
      {
        Sid: 'ConsumeStreamFailures',
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        Resource: STREAM_FAILURES,
      },
      via('sqs', ['kms:Decrypt'], 'StreamFailuresAreEncryptedWithTheProjectKey'),
      {
        Sid: 'ReadPlanStream',
        Effect: 'Allow',
        Action: ['dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: `${table('plans')}/stream/2026-01-01T00:00:00.000`,
      },
      {
        Sid: 'SyncPlans',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: table('plans'),
      },
      TABLE_KEY,
      ...SCHEDULES,
      { Sid: 'PublishPlanChanges', Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN },
      via('events', ['kms:Decrypt', 'kms:GenerateDataKey'], 'EventBusIsEncryptedWithTheProjectKey'),
    ]);
  });

  it('let the sweeper query only the due and unsynced indexes and record only missed runs', () => {
    expect(ownStatements('sweeper')).toEqual([
      {
        Sid: 'FindOverduePlans',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: `${table('plans')}/index/due`,
      },
      {
        Sid: 'FindUnsyncedPlans',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: `${table('plans')}/index/unsynced`,
      },
      {
        Sid: 'SyncPlans',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: table('plans'),
      },
      {
        Sid: 'RecordMissedRuns',
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: table('executions'),
      },
      TABLE_KEY,
      ...SCHEDULES,
      { Sid: 'PublishMissedRuns', Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN },
      via('events', ['kms:Decrypt', 'kms:GenerateDataKey'], 'EventBusIsEncryptedWithTheProjectKey'),
      ...queue('FailedRuns', DLQ),
    ]);
  });

  it('let the order Lambda read and mark executions, keep idempotency records and trade on paper through the shared guard, nothing more', () => {
    expect(ownStatements('place-order')).toEqual([
      {
        Sid: 'ReadAndMarkRuns',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: table('executions'),
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
        Resource: table('idempotency'),
      },
      SHARE_EXCHANGE_STATE,
      {
        Sid: 'PaperExchangeOrders',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: table('paper-orders'),
      },
      TABLE_KEY,
    ]);
    expect(ownStatements('calendar')).toEqual([]);
    expect(ownStatements('schedule-preview')).toEqual([]);
  });

  it('let the decision read only the feature flags and the emergency stop', () => {
    expect(ownStatements('decide')).toEqual([
      {
        Sid: 'ReadFeatureFlags',
        Effect: 'Allow',
        Action: ['appconfig:GetLatestConfiguration', 'appconfig:StartConfigurationSession'],
        Resource: [FLAGS, EMERGENCY_STOP],
      },
      {
        Sid: 'FeatureFlagsAreEncryptedWithTheProjectKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': `appconfig.${REGION}.amazonaws.com` } },
      },
    ]);
  });

  it('let the retry dispatcher consume and re-queue retries, read the breaker and restart purchases only', () => {
    expect(ownStatements('retry-dispatcher')).toEqual([
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
        Resource: RETRIES,
      },
      via('sqs', ['kms:Decrypt', 'kms:GenerateDataKey'], 'RetryQueueIsEncryptedWithTheProjectKey'),
      startThroughLive('RestartPurchases'),
      {
        Sid: 'ReadCircuitBreaker',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: table('exchange-state'),
      },
      TABLE_KEY,
    ]);
  });

  it('let the completer read only the open index and the runs it finds, stamp runs, queue them for a retry and report its own failed run', () => {
    expect(ownStatements('completer')).toEqual([
      {
        Sid: 'FindStaleRuns',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: `${table('executions')}/index/open`,
      },
      {
        Sid: 'ReadAndStampStaleRuns',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        Resource: table('executions'),
      },
      TABLE_KEY,
      ...queue('RedriveStaleRuns', RETRIES),
      ...queue('ResendStaleBlocks', BLOCKS),
      ...queue('FailedRuns', DLQ),
    ]);
  });

  it('let the join write only a slot’s execution (read it back) and announce its block', () => {
    expect(ownStatements('join-block')).toEqual([
      {
        Sid: 'JoinRunsToBlocks',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: table('executions'),
      },
      TABLE_KEY,
      ...queue('AnnounceBlocks', BLOCKS),
    ]);
  });

  it('let the block worker consume its queue, read members, record blocks, decide, trade, publish and release members, nothing more', () => {
    expect(ownStatements('block-worker')).toEqual([
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
        Resource: BLOCKS,
      },
      via(
        'sqs',
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        'BlockOrdersAreEncryptedWithTheProjectKey',
      ),
      ...queue('ReleaseMembersToRetries', RETRIES),
      {
        Sid: 'ReadBlockMembers',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: `${table('executions')}/index/blockMembers`,
      },
      {
        Sid: 'RecordBlocksAndMembers',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: table('executions'),
      },
      {
        Sid: 'ReadPlansAndRecordTotals',
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: table('plans'),
      },
      SHARE_EXCHANGE_STATE,
      {
        Sid: 'PaperExchangeOrders',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: table('paper-orders'),
      },
      TABLE_KEY,
      {
        Sid: 'ReadFeatureFlags',
        Effect: 'Allow',
        Action: ['appconfig:GetLatestConfiguration', 'appconfig:StartConfigurationSession'],
        Resource: [FLAGS, EMERGENCY_STOP],
      },
      {
        Sid: 'FeatureFlagsAreEncryptedWithTheProjectKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': `appconfig.${REGION}.amazonaws.com` } },
      },
      {
        Sid: 'PublishMemberOutcomes',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: BUS_ARN,
      },
      via('events', ['kms:Decrypt', 'kms:GenerateDataKey'], 'EventBusIsEncryptedWithTheProjectKey'),
    ]);
  });

  it('let reconciliation read the orders and block members indexes and the exchange, publish what it finds and report its own failed run', () => {
    expect(ownStatements('reconcile')).toEqual([
      {
        Sid: 'ReadLedgerByOrderDay',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: `${table('executions')}/index/orders`,
      },
      {
        Sid: 'ReadBlockMembers',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: `${table('executions')}/index/blockMembers`,
      },
      SHARE_EXCHANGE_STATE,
      {
        Sid: 'PaperExchangeOrders',
        Effect: 'Allow',
        Action: ['dynamodb:Scan'],
        Resource: table('paper-orders'),
      },
      TABLE_KEY,
      {
        Sid: 'PublishReconciliation',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: BUS_ARN,
      },
      via('events', ['kms:Decrypt', 'kms:GenerateDataKey'], 'EventBusIsEncryptedWithTheProjectKey'),
      ...queue('FailedRuns', DLQ),
    ]);
  });

  it("let the pre-traffic hook read and report only its own application's deployments, and invoke only released functions' versions", () => {
    expect(ownStatements('pre-traffic')).toEqual([
      {
        Sid: 'ReadAndReportReleaseDeployments',
        Effect: 'Allow',
        Action: ['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus'],
        Resource: `arn:aws:codedeploy:${REGION}:${ACCOUNT}:deploymentgroup:${P}-releases/*`,
      },
      {
        Sid: 'InvokeNewVersionsOfReleasedFunctions',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          `${fn('schedule-sync')}:*`,
          `${fn('decide')}:*`,
          `${fn('place-order')}:*`,
          `${fn('join-block')}:*`,
          `${fn('block-worker')}:*`,
          `${fn('retry-dispatcher')}:*`,
          `${fn('notifier')}:*`,
        ],
      },
    ]);
    expect(
      (
        run.one('aws:lambda/function:Function', 'pre-traffic-function').inputs.environment as {
          variables: Record<string, string>;
        }
      ).variables,
    ).toEqual({
      RELEASED_FUNCTIONS: JSON.stringify({
        [`${P}-schedule-sync`]: 'schedule-sync',
        [`${P}-decide`]: 'decide',
        [`${P}-place-order`]: 'place-order',
        [`${P}-join-block`]: 'join-block',
        [`${P}-block-worker`]: 'block-worker',
        [`${P}-retry-dispatcher`]: 'retry-dispatcher',
        [`${P}-notifier`]: 'notifier',
      }),
      POWERTOOLS_SERVICE_NAME: `${P}-pre-traffic`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
  });
});

describe('the purchase workflow', () => {
  it('is an Express state machine running the substituted ASL, logged without execution data, traced and encrypted', () => {
    const machine = run.one('aws:sfn/stateMachine:StateMachine');
    const expected = substituteDefinition(readFileSync(PURCHASE_STATE_MACHINE_FILE, 'utf8'), {
      PlansTable: `${P}-plans`,
      ExecutionsTable: `${P}-executions`,
      EventBusName: `${P}-events`,
      DecideFunctionArn: live('decide'),
      PlaceOrderFunctionArn: live('place-order'),
      JoinBlockFunctionArn: live('join-block'),
      ExecutionMode: 'per-slot',
      RetryQueueUrl: RETRIES_URL,
      PurchaseWindowHours: '6',
    });
    expect(JSON.parse(machine.inputs.definition as string)).toEqual(expected);
    expect(machine.inputs).toMatchObject({
      name: `${P}-purchase`,
      type: 'EXPRESS',
      loggingConfiguration: {
        level: 'ALL',
        includeExecutionData: false,
        logDestination: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/${P}-purchase:*`,
      },
      tracingConfiguration: { enabled: true },
      encryptionConfiguration: {
        type: 'CUSTOMER_MANAGED_KMS_KEY',
        kmsKeyId: KEY_ARN,
        kmsDataKeyReusePeriodSeconds: 300,
      },
    });
  });

  it('may touch exactly the tables, bus, functions and retry queue its definition names', () => {
    const statements = policy(
      run.one('aws:iam/rolePolicy:RolePolicy', 'purchase-policy').inputs.policy,
    ).Statement;
    expect(statements.slice(0, 9)).toEqual([
      {
        Sid: 'ClaimAndRecordExecutions',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: table('executions'),
      },
      {
        Sid: 'ReadPlansAndRecordTotals',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: table('plans'),
      },
      TABLE_KEY,
      {
        Sid: 'StateMachineDataIsEncryptedWithTheProjectKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: KEY_ARN,
        Condition: {
          StringLike: {
            'kms:EncryptionContext:aws:states:stateMachineArn': [SM_ARN, `${SM_ARN}:*`],
          },
        },
      },
      {
        Sid: 'PublishPurchaseEvents',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: BUS_ARN,
      },
      via('events', ['kms:Decrypt', 'kms:GenerateDataKey'], 'EventBusIsEncryptedWithTheProjectKey'),
      {
        Sid: 'InvokePurchaseSteps',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [live('decide'), live('place-order'), live('join-block')],
      },
      ...queue('DeferRetries', RETRIES),
    ]);
    expect(statements.slice(9).map((statement) => [statement.Sid, statement.Resource])).toEqual([
      ['VendedLogDeliveryHasNoResourceLevelPermissions', '*'],
      ['XRayTracesHaveNoResourceLevelPermissions', '*'],
    ]);
  });
});

describe('scheduling', () => {
  it('runs plan schedules as a role that may only start the purchase workflow, and the jobs as one that may only invoke them', () => {
    expect(run.one('aws:scheduler/scheduleGroup:ScheduleGroup').inputs).toMatchObject({
      name: `${P}-plans`,
    });
    const trust = (sourceArn: string) => [
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': sourceArn },
        },
      },
    ];
    expect(
      policy(run.one('aws:iam/role:Role', 'scheduling-role').inputs.assumeRolePolicy).Statement,
    ).toEqual(trust(PLAN_SCHEDULES));
    const decryptSchedules = (schedules: string) => ({
      Sid: 'DecryptOwnSchedules',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: KEY_ARN,
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': schedules } },
    });
    expect(run.one('aws:iam/role:Role', 'scheduling-role').inputs.name).toBe(
      `${P}-plans-scheduler`,
    );
    expect(run.one('aws:iam/role:Role', 'scheduling-jobs-role').inputs.name).toBe(
      `${P}-plans-jobs-scheduler`,
    );
    expect(
      policy(run.one('aws:iam/rolePolicy:RolePolicy', 'scheduling-policy').inputs.policy).Statement,
    ).toEqual([
      // Schedules armed before the alias existed start the unqualified ARN until re-armed.
      startThroughLive('StartPurchases', 'StringEqualsIfExists'),
      decryptSchedules(PLAN_SCHEDULES),
      ...queue('DeadLetters', DLQ),
    ]);
    expect(
      policy(run.one('aws:iam/role:Role', 'scheduling-jobs-role').inputs.assumeRolePolicy)
        .Statement,
    ).toEqual(trust(`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${P}-plans/*`));
    expect(
      policy(run.one('aws:iam/rolePolicy:RolePolicy', 'scheduling-jobs-policy').inputs.policy)
        .Statement,
    ).toEqual([
      {
        Sid: 'RunJobs',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          fn('sweeper'),
          fn('completer'),
          fn('reconcile'),
          fn('audit-digest'),
          fn('audit-report'),
        ],
      },
      decryptSchedules(`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${P}-plans/*`),
      ...queue('DeadLetters', DLQ),
    ]);
  });

  it.each([
    ['sweeper', 'rate(5 minutes)', 'Finds plans whose run was missed and re-arms them'],
    ['completer', 'rate(10 minutes)', 'Drives purchase runs stuck past their SLA to a final state'],
    ['reconcile', 'rate(1 day)', "Matches yesterday's exchange orders against the ledger"],
    [
      'audit-digest',
      'rate(1 hour)',
      'Seals each ended day of the audit trail with a signed, chained digest',
    ],
    ['audit-report', 'rate(1 day)', 'Writes the monthly audit report of each ended month'],
  ])(
    'runs the %s on %s, encrypted, with retries and a dead-letter queue',
    (job, expression, description) => {
      expect(run.one('aws:scheduler/schedule:Schedule', `${job}-schedule`).inputs).toEqual({
        name: `${P}-plans-${job}`,
        groupName: `${P}-plans`,
        description,
        scheduleExpression: expression,
        flexibleTimeWindow: { mode: 'OFF' },
        kmsKeyArn: KEY_ARN,
        target: {
          arn: fn(job),
          roleArn: `arn:aws:iam::${ACCOUNT}:role/${P}-plans-jobs-scheduler`,
          input: '{}',
          retryPolicy: { maximumEventAgeInSeconds: 300, maximumRetryAttempts: 2 },
          deadLetterConfig: { arn: DLQ },
        },
      });
      expect(
        run.one('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig', `${job}-failures`)
          .inputs,
      ).toEqual({
        functionName: `${P}-${job}`,
        maximumRetryAttempts: 2,
        destinationConfig: { onFailure: { destination: DLQ } },
      });
    },
  );

  it('restarts retries from their queue with partial batch failures and at most five dispatchers', () => {
    expect(
      run.one('aws:lambda/eventSourceMapping:EventSourceMapping', 'purchase-retries-dispatch')
        .inputs,
    ).toMatchObject({
      eventSourceArn: RETRIES,
      functionName: live('retry-dispatcher'),
      batchSize: 10,
      maximumBatchingWindowInSeconds: 5,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: 5 },
    });
  });

  it('hands each block to one block worker at a time, two at most, and parks a block that keeps failing', () => {
    expect(
      run.one('aws:lambda/eventSourceMapping:EventSourceMapping', 'block-orders-work').inputs,
    ).toEqual({
      eventSourceArn: BLOCKS,
      functionName: live('block-worker'),
      batchSize: 1,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: 2 },
      tags: expect.objectContaining({ stack: 'dev' }),
    });
    const blocks = run.one('aws:sqs/queue:Queue', 'block-orders-queue').inputs;
    expect(blocks).toMatchObject({
      visibilityTimeoutSeconds: 1800,
      messageRetentionSeconds: 172800,
    });
    expect(JSON.parse(blocks.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: `${BLOCKS}-dlq`,
      maxReceiveCount: 10,
    });
    expect(run.one('aws:sqs/queue:Queue', 'block-orders-dlq-queue').inputs).toMatchObject({
      messageRetentionSeconds: 1209600,
    });
  });

  it('feeds the plans stream to the consumer with partial batch failures, bisecting, bounded retries and a failure queue', () => {
    expect(
      run.one('aws:lambda/eventSourceMapping:EventSourceMapping', 'plan-sync-stream').inputs,
    ).toMatchObject({
      eventSourceArn: `${table('plans')}/stream/2026-01-01T00:00:00.000`,
      functionName: live('schedule-sync'),
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      functionResponseTypes: ['ReportBatchItemFailures'],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 5,
      destinationConfig: { onFailure: { destinationArn: STREAM_FAILURES } },
    });
  });

  it('reads the failed stream batches back one at a time, and parks a batch that keeps failing', () => {
    expect(
      run.one('aws:lambda/eventSourceMapping:EventSourceMapping', 'plan-stream-failures-resync')
        .inputs,
    ).toEqual({
      eventSourceArn: STREAM_FAILURES,
      functionName: `${P}-schedule-resync`,
      batchSize: 1,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: 2 },
      tags: expect.objectContaining({ stack: 'dev' }),
    });
    expect(run.one('aws:sqs/queue:Queue', 'plan-stream-failures-queue').inputs).toMatchObject({
      visibilityTimeoutSeconds: 360,
      messageRetentionSeconds: 14 * 24 * 60 * 60,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: `${STREAM_FAILURES}-dlq`,
        maxReceiveCount: 5,
      }),
    });
  });

  it('encrypts every queue with the project key and refuses plain HTTP', () => {
    const queues = run.all('aws:sqs/queue:Queue');
    expect(queues.map((item) => item.inputs.name).sort()).toEqual([
      `${P}-audit-dlq`,
      `${P}-block-orders`,
      `${P}-block-orders-dlq`,
      `${P}-email-feedback`,
      `${P}-email-feedback-dlq`,
      `${P}-notifications`,
      `${P}-notifications-dlq`,
      `${P}-plan-change-notifications`,
      `${P}-plan-stream-failures`,
      `${P}-plan-stream-failures-dlq`,
      `${P}-plans-dlq`,
      `${P}-purchase-retries`,
      `${P}-purchase-retries-dlq`,
      `${P}-slot-outcomes`,
      `${P}-slot-outcomes-dlq`,
    ]);
    for (const item of queues) {
      expect(item.inputs).toMatchObject({ kmsMasterKeyId: KEY_ARN });
    }
    for (const queuePolicy of run.all('aws:sqs/queuePolicy:QueuePolicy')) {
      // The notifications, slot-outcomes and email-feedback queues also let their one rule send
      // (asserted with their consumers).
      expect(policy(queuePolicy.inputs.policy).Statement.slice(0, 1)).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': false } },
        }),
      ]);
    }
  });

  it('keeps retries two days, invisible six dispatcher timeouts, and parks them after 10 receives', () => {
    const retries = run.one('aws:sqs/queue:Queue', 'purchase-retries-queue').inputs;
    expect(retries).toMatchObject({
      visibilityTimeoutSeconds: 180,
      messageRetentionSeconds: 172800,
    });
    expect(JSON.parse(retries.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: RETRIES_DLQ,
      maxReceiveCount: 10,
    });
    expect(run.one('aws:sqs/queue:Queue', 'purchase-retries-dlq-queue').inputs).toMatchObject({
      messageRetentionSeconds: 1209600,
    });
  });
});

describe('storage and events', () => {
  it('keeps the ledger and idempotency records in encrypted tables with the shared keys', () => {
    expect(run.one('aws:dynamodb/table:Table', 'executions-table').inputs).toMatchObject({
      name: `${P}-executions`,
      hashKey: 'ownerPlan',
      rangeKey: 'scheduledFor',
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN },
      pointInTimeRecovery: { enabled: true },
      streamEnabled: true,
      streamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(run.one('aws:dynamodb/table:Table', 'executions-table').inputs.ttl).toBeUndefined();
    expect(run.one('aws:dynamodb/table:Table', 'idempotency-table').inputs).toMatchObject({
      hashKey: 'id',
      ttl: { attributeName: 'expiration', enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN },
    });
  });

  it('keeps the shared exchange state in an encrypted table whose counters expire', () => {
    expect(run.one('aws:dynamodb/table:Table', 'exchange-state-table').inputs).toMatchObject({
      name: `${P}-exchange-state`,
      hashKey: 'pk',
      ttl: { attributeName: 'expiresAt', enabled: true },
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN },
    });
  });

  it('indexes unfinished runs (all, and by plan), runs by order day and block members, for the completer, the API, reconciliation and the block worker', () => {
    const indexes = run.one('aws:dynamodb/table:Table', 'executions-table').inputs
      .globalSecondaryIndexes as Record<string, unknown>[];
    expect(indexes).toEqual([
      expect.objectContaining({
        name: 'open',
        hashKey: 'openShard',
        rangeKey: 'progressAt',
        projectionType: 'KEYS_ONLY',
      }),
      expect.objectContaining({
        name: 'openByPlan',
        hashKey: 'ownerPlan',
        rangeKey: 'openShard',
        projectionType: 'KEYS_ONLY',
      }),
      expect.objectContaining({
        name: 'orders',
        hashKey: 'orderDay',
        rangeKey: 'clientOrderId',
        projectionType: 'ALL',
      }),
      expect.objectContaining({
        name: 'blockMembers',
        hashKey: 'blockMember',
        rangeKey: 'ownerPlan',
        projectionType: 'ALL',
      }),
    ]);
  });

  it('encrypts the event bus with the project key', () => {
    expect(run.one('aws:cloudwatch/eventBus:EventBus').inputs).toMatchObject({
      name: `${P}-events`,
      kmsKeyIdentifier: KEY_ARN,
    });
  });

  it("lets AppSync read only executions and a plan's open runs, and invoke only the calendar and preview functions, each from its own data source", () => {
    expect(
      policy(run.one('aws:iam/rolePolicy:RolePolicy', 'graphql-executions-policy').inputs.policy)
        .Statement[0],
    ).toEqual({
      Sid: 'ResolverActionsOnThisTable',
      Effect: 'Allow',
      Action: ['dynamodb:Query'],
      Resource: [table('executions'), `${table('executions')}/index/openByPlan`],
    });
    expect(
      policy(run.one('aws:iam/rolePolicy:RolePolicy', 'graphql-calendar-policy').inputs.policy)
        .Statement,
    ).toEqual([
      {
        Sid: 'InvokeDataSourceFunction',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: fn('calendar'),
      },
    ]);
    expect(run.one('aws:appsync/dataSource:DataSource', 'graphql-calendar').inputs).toMatchObject({
      type: 'AWS_LAMBDA',
      lambdaConfig: { functionArn: fn('calendar') },
    });
    // Previews on a function of their own: a burst of them cannot take the calendar's capacity.
    expect(
      policy(
        run.one('aws:iam/rolePolicy:RolePolicy', 'graphql-schedulePreview-policy').inputs.policy,
      ).Statement,
    ).toEqual([
      {
        Sid: 'InvokeDataSourceFunction',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: fn('schedule-preview'),
      },
    ]);
    expect(run.one('aws:appsync/dataSource:DataSource', 'graphql-schedulePreview').inputs).toEqual({
      apiId: 'api123',
      name: 'schedulePreview',
      type: 'AWS_LAMBDA',
      serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-dev-graphql-schedulePreview-role`,
      lambdaConfig: { functionArn: fn('schedule-preview') },
    });
    expect(
      run.one('aws:appsync/resolver:Resolver', 'graphql-Query.previewSchedule').inputs,
    ).toMatchObject({ kind: 'UNIT', dataSource: 'schedulePreview' });
    expect(
      run.one('aws:appsync/function:Function', 'graphql-fn-nextRunAfterSkip').inputs,
    ).toMatchObject({ dataSource: 'calendar' });
  });

  it('lets AppSync invoke only the contacts function from the contacts data source, which only the code steps use', () => {
    expect(
      policy(run.one('aws:iam/rolePolicy:RolePolicy', 'graphql-contacts-policy').inputs.policy)
        .Statement,
    ).toEqual([
      {
        Sid: 'InvokeDataSourceFunction',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: fn('contacts'),
      },
    ]);
    expect(run.one('aws:appsync/dataSource:DataSource', 'graphql-contacts').inputs).toEqual({
      apiId: 'api123',
      name: 'contacts',
      type: 'AWS_LAMBDA',
      serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-dev-graphql-contacts-role`,
      lambdaConfig: { functionArn: fn('contacts') },
    });
    expect(
      run
        .all('aws:appsync/function:Function')
        .filter((step) => step.inputs.dataSource === 'contacts')
        .map((step) => step.inputs.name)
        .sort(),
    ).toEqual(['issueContactCodes', 'resendContactCode', 'verifyContactCode']);
  });
});
