/**
 * Notifications under Pulumi mocks (dev stack): the bus's rule into an encrypted queue that only
 * that rule may send to, the notifier's event source mapping, its least-privilege role, the SES
 * sending identity and the notifications table.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NOTIFICATIONS_EVENT_PATTERN,
  PLAN_CHANGE_NOTIFICATIONS_EVENT_PATTERN,
} from '#shared/events.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-dev';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-notifications`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-notifications-dlq`;
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-events/${P}-notifications`;
const PLAN_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-plan-change-notifications`;
const PLAN_RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-events/${P}-plan-change-notifications`;
const via = (service: string, actions: string[], sid: string) => ({
  Sid: sid,
  Effect: 'Allow',
  Action: actions,
  Resource: KEY_ARN,
  Condition: { StringEquals: { 'kms:ViaService': `${service}.${REGION}.amazonaws.com` } },
});

beforeAll(async () => {
  run = await runProgram('dev');
});

describe('the notifications rule and queue', () => {
  it('routes purchases, failures and missed runs from the bus', () => {
    expect(run.one('aws:cloudwatch/eventRule:EventRule', 'notifications').inputs).toMatchObject({
      name: `${P}-notifications`,
      eventBusName: `${P}-events`,
      eventPattern: JSON.stringify(NOTIFICATIONS_EVENT_PATTERN),
    });
    expect(run.one('aws:cloudwatch/eventTarget:EventTarget', 'notifications').inputs).toEqual({
      rule: `${P}-notifications`,
      eventBusName: `${P}-events`,
      arn: QUEUE_ARN,
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: DLQ_ARN },
    });
  });

  it('queues them encrypted, parks a message after five receives, and takes sends from that rule only', () => {
    const queue = run.one('aws:sqs/queue:Queue', 'notifications-queue').inputs;
    expect(queue).toMatchObject({
      name: `${P}-notifications`,
      kmsMasterKeyId: KEY_ARN,
      visibilityTimeoutSeconds: 180,
      messageRetentionSeconds: 345600,
    });
    expect(JSON.parse(queue.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: DLQ_ARN,
      maxReceiveCount: 5,
    });
    expect(
      policy(run.one('aws:sqs/queuePolicy:QueuePolicy', 'notifications-policy').inputs.policy)
        .Statement,
    ).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: QUEUE_ARN,
        Condition: { Bool: { 'aws:SecureTransport': false } },
      },
      {
        Sid: 'OneSourceSends',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: QUEUE_ARN,
        Condition: { ArnEquals: { 'aws:SourceArn': RULE_ARN } },
      },
    ]);
  });

  it('lets both rules put what they could not deliver in the dead-letter queue', () => {
    expect(
      policy(run.one('aws:sqs/queuePolicy:QueuePolicy', 'notifications-dlq-policy').inputs.policy)
        .Statement[1],
    ).toEqual({
      Sid: 'OneSourceSends',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: DLQ_ARN,
      Condition: { ArnEquals: { 'aws:SourceArn': [RULE_ARN, PLAN_RULE_ARN] } },
    });
  });

  it('feeds the notifier, through its live alias, in batches with partial batch failures', () => {
    expect(
      run.one('aws:lambda/eventSourceMapping:EventSourceMapping', 'notifications-notify').inputs,
    ).toMatchObject({
      eventSourceArn: QUEUE_ARN,
      functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${P}-notifier:live`,
      batchSize: 10,
      functionResponseTypes: ['ReportBatchItemFailures'],
      // The plan changes' mapping takes the other 2 of the notifier's reserved 10.
      scalingConfig: { maximumConcurrency: 8 },
    });
  });
});

describe('the plan-change rule and queue', () => {
  it('routes plan changes from the bus into their own queue', () => {
    expect(
      run.one('aws:cloudwatch/eventRule:EventRule', 'notifications-plan-changes-rule').inputs,
    ).toMatchObject({
      name: `${P}-plan-change-notifications`,
      eventBusName: `${P}-events`,
      eventPattern: JSON.stringify(PLAN_CHANGE_NOTIFICATIONS_EVENT_PATTERN),
    });
    expect(
      run.one('aws:cloudwatch/eventTarget:EventTarget', 'notifications-plan-changes-target').inputs,
    ).toEqual({
      rule: `${P}-plan-change-notifications`,
      eventBusName: `${P}-events`,
      arn: PLAN_QUEUE_ARN,
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: DLQ_ARN },
    });
  });

  it('holds each change for the stack’s coalesceSeconds, encrypted, and takes sends from that rule only', () => {
    const queue = run.one('aws:sqs/queue:Queue', 'notifications-plan-changes-queue').inputs;
    expect(queue).toMatchObject({
      name: `${P}-plan-change-notifications`,
      kmsMasterKeyId: KEY_ARN,
      // Pulumi.dev.yaml: notifications.coalesceSeconds 60.
      delaySeconds: 60,
      visibilityTimeoutSeconds: 180,
      messageRetentionSeconds: 345600,
    });
    expect(JSON.parse(queue.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: DLQ_ARN,
      maxReceiveCount: 5,
    });
    expect(
      policy(
        run.one('aws:sqs/queuePolicy:QueuePolicy', 'notifications-plan-changes-policy').inputs
          .policy,
      ).Statement[1],
    ).toEqual({
      Sid: 'OneSourceSends',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: PLAN_QUEUE_ARN,
      Condition: { ArnEquals: { 'aws:SourceArn': PLAN_RULE_ARN } },
    });
  });

  it('feeds the notifier, through its live alias, two batches at a time at most', () => {
    expect(
      run.one(
        'aws:lambda/eventSourceMapping:EventSourceMapping',
        'plan-change-notifications-notify',
      ).inputs,
    ).toMatchObject({
      eventSourceArn: PLAN_QUEUE_ARN,
      functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${P}-notifier:live`,
      batchSize: 10,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: 2 },
    });
  });
});

describe('the notifier', () => {
  it('gets exactly its configuration', () => {
    const fn = run.one('aws:lambda/function:Function', 'notifier-function').inputs;
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      NOTIFICATIONS_TABLE: `${P}-notifications`,
      PLANS_TABLE: `${P}-plans`,
      EVENT_BUS_NAME: `${P}-events`,
      // No origination identity on dev: empty variables are left out.
      EMAIL_FROM: 'notifications@dev.savings-plan-buy.example',
      NOTIFICATION_SETTINGS: JSON.stringify({
        dailyLimits: { EMAIL: 25, SMS: 10 },
        coalesceSeconds: 60,
        sms: {
          countries: ['AT', 'BE', 'CH', 'DE', 'ES', 'FR', 'GB', 'IE', 'IT', 'LU', 'NL', 'PT'],
          monthlySpendLimitUsd: 10,
          budgetPercent: 90,
          alarmPercent: 75,
          maxPricePerPartMicroUsd: 120000,
        },
      }),
      POWERTOOLS_SERVICE_NAME: `${P}-notifier`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(fn).toMatchObject({ runtime: 'nodejs24.x', reservedConcurrentExecutions: 10 });
  });

  it('may consume its two queues, record notifications, read plans, send from its identity and publish', () => {
    const statements = policy(
      run.one('aws:iam/rolePolicy:RolePolicy', 'notifier-policy').inputs.policy,
    ).Statement.slice(3);
    expect(statements).toEqual([
      {
        Sid: 'ConsumeNotificationQueue',
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        Resource: [QUEUE_ARN, PLAN_QUEUE_ARN],
      },
      via('sqs', ['kms:Decrypt'], 'NotificationQueueIsEncryptedWithTheProjectKey'),
      {
        Sid: 'RecordNotificationsOnce',
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${P}-notifications`,
      },
      {
        Sid: 'ReadPlansForMessages',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${P}-plans`,
      },
      via(
        'dynamodb',
        ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        'TablesAreEncryptedWithTheProjectKey',
      ),
      {
        Sid: 'SendEmailFromTheNotificationsIdentity',
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: `arn:aws:ses:${REGION}:${ACCOUNT}:identity/dev.savings-plan-buy.example`,
      },
      // No SMS statement: dev has no origination identity, so SMS is off.
      {
        Sid: 'PublishNotificationSent',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${P}-events`,
      },
      via('events', ['kms:Decrypt', 'kms:GenerateDataKey'], 'EventBusIsEncryptedWithTheProjectKey'),
    ]);
  });

  it('may send SMS from nowhere while no origination identity is configured, nor may any role', () => {
    const sms = run
      .all('aws:iam/rolePolicy:RolePolicy')
      .flatMap((resource) => policy(resource.inputs.policy).Statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('sms-voice:'));
    expect(sms).toEqual([]);
  });

  it('sends from the stack’s SES domain identity, through the configuration set with reputation metrics', () => {
    expect(
      run.one('aws:sesv2/emailIdentity:EmailIdentity', 'notifications-sender').inputs,
    ).toMatchObject({
      emailIdentity: 'dev.savings-plan-buy.example',
      configurationSetName: `${P}-notifications`,
    });
  });

  it('turns reputation metrics on and suppresses addresses that bounce or complain', () => {
    expect(
      run.one('aws:sesv2/configurationSet:ConfigurationSet', 'email-reputation-configuration-set')
        .inputs,
    ).toEqual({
      configurationSetName: `${P}-notifications`,
      reputationOptions: { reputationMetricsEnabled: true },
      suppressionOptions: { suppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      sendingOptions: { sendingEnabled: true },
      tags: {
        environment: 'dev',
        owner: 'platform',
        'data-classification': 'confidential',
        project: 'savings-plan-buy',
        stack: 'dev',
      },
    });
  });
});

describe('the notifications table', () => {
  it('is keyed by user and sort key, encrypted, with PITR and a TTL for history', () => {
    expect(run.one('aws:dynamodb/table:Table', 'notifications-table').inputs).toMatchObject({
      name: `${P}-notifications`,
      hashKey: 'userId',
      rangeKey: 'sk',
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN },
      pointInTimeRecovery: { enabled: true },
      ttl: { attributeName: 'expiresAt', enabled: true },
    });
  });
});
