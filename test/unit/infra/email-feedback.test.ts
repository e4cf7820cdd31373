/**
 * Bounces and complaints under Pulumi mocks (dev stack): the configuration set publishes them to
 * the default bus (SES publishes nowhere else), the account's suppression list is on, and a rule
 * on the default bus takes them into an encrypted queue that only it may send to, consumed by the
 * email-feedback function with a least-privilege role.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SES_FEEDBACK_EVENT_PATTERN } from '#shared/topology.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-dev';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-email-feedback`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-email-feedback-dlq`;
// A rule on the default bus has no bus in its ARN.
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-email-feedback`;
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

describe('SES feedback', () => {
  it('publishes hard bounces and complaints of the configuration set to the default bus', () => {
    expect(
      run.one(
        'aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination',
        'email-reputation-feedback-events',
      ).inputs,
    ).toEqual({
      configurationSetName: `${P}-notifications`,
      eventDestinationName: 'feedback-to-eventbridge',
      eventDestination: {
        enabled: true,
        matchingEventTypes: ['BOUNCE', 'COMPLAINT'],
        eventBridgeDestination: {
          eventBusArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
        },
      },
    });
  });

  it("turns the account's suppression list on for bounces and complaints", () => {
    expect(
      run.one(
        'aws:sesv2/accountSuppressionAttributes:AccountSuppressionAttributes',
        'email-reputation-account-suppression',
      ).inputs,
    ).toEqual({ suppressedReasons: ['BOUNCE', 'COMPLAINT'] });
  });
});

describe('the email-feedback rule and queue', () => {
  it("routes SES's bounces and complaints from the default bus into the queue", () => {
    expect(run.one('aws:cloudwatch/eventRule:EventRule', 'email-feedback-rule').inputs).toEqual({
      name: `${P}-email-feedback`,
      eventBusName: 'default',
      description: 'Bounces and complaints of the notification email (SES), to mark addresses',
      eventPattern: JSON.stringify({
        source: ['aws.ses'],
        'detail-type': ['Email Bounced', 'Email Complaint Received'],
      }),
      tags: expect.any(Object) as unknown,
    });
    expect(SES_FEEDBACK_EVENT_PATTERN).toEqual({
      source: ['aws.ses'],
      'detail-type': ['Email Bounced', 'Email Complaint Received'],
    });
    expect(
      run.one('aws:cloudwatch/eventTarget:EventTarget', 'email-feedback-target').inputs,
    ).toEqual({
      rule: `${P}-email-feedback`,
      eventBusName: 'default',
      arn: QUEUE_ARN,
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: DLQ_ARN },
    });
  });

  it('queues them encrypted for four days, parks a message after five receives, and takes sends from that rule only', () => {
    const queue = run.one('aws:sqs/queue:Queue', 'email-feedback-queue').inputs;
    expect(queue).toMatchObject({
      name: `${P}-email-feedback`,
      kmsMasterKeyId: KEY_ARN,
      visibilityTimeoutSeconds: 180,
      messageRetentionSeconds: 345600,
    });
    expect(JSON.parse(queue.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: DLQ_ARN,
      maxReceiveCount: 5,
    });
    const onlyTheRule = (arn: string) => ({
      Sid: 'OneSourceSends',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: arn,
      Condition: { ArnEquals: { 'aws:SourceArn': RULE_ARN } },
    });
    expect(
      policy(run.one('aws:sqs/queuePolicy:QueuePolicy', 'email-feedback-policy').inputs.policy)
        .Statement[1],
    ).toEqual(onlyTheRule(QUEUE_ARN));
    expect(
      policy(run.one('aws:sqs/queuePolicy:QueuePolicy', 'email-feedback-dlq-policy').inputs.policy)
        .Statement[1],
    ).toEqual(onlyTheRule(DLQ_ARN));
  });

  it('lets the rule encrypt what it sends with the project key', () => {
    const statement = policy(
      run.one('aws:kms/key:Key', 'project-key').inputs.policy,
    ).Statement.find((each) => each.Sid === 'EventBridgeRulesSendToEncryptedQueues');
    expect(
      (statement?.Condition as { ArnEquals: { 'aws:SourceArn': string[] } }).ArnEquals[
        'aws:SourceArn'
      ],
    ).toContain(RULE_ARN);
  });

  it('feeds the email-feedback function in batches with partial batch failures', () => {
    expect(
      run.one('aws:lambda/eventSourceMapping:EventSourceMapping', 'email-feedback-handle').inputs,
    ).toEqual({
      eventSourceArn: QUEUE_ARN,
      functionName: `${P}-email-feedback`,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 1,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: 2 },
      tags: expect.any(Object) as unknown,
    });
  });
});

describe('the email-feedback function', () => {
  it('gets exactly its configuration', () => {
    const fn = run.one('aws:lambda/function:Function', 'email-feedback-function').inputs;
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      NOTIFICATIONS_TABLE: `${P}-notifications`,
      PLANS_TABLE: `${P}-plans`,
      POWERTOOLS_SERVICE_NAME: `${P}-email-feedback`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(fn).toMatchObject({ runtime: 'nodejs24.x', reservedConcurrentExecutions: 2 });
  });

  it('may consume its queue, mark addresses on the preferences and read sign-in emails, nothing more', () => {
    const statements = policy(
      run.one('aws:iam/rolePolicy:RolePolicy', 'email-feedback-policy').inputs.policy,
    ).Statement.slice(3);
    expect(statements).toEqual([
      {
        Sid: 'ConsumeEmailFeedbackQueue',
        Effect: 'Allow',
        Action: [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
        ],
        Resource: QUEUE_ARN,
      },
      via('sqs', ['kms:Decrypt'], 'EmailFeedbackQueueIsEncryptedWithTheProjectKey'),
      {
        Sid: 'MarkAddressesUndeliverable',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${P}-notifications`,
      },
      {
        Sid: 'ReadSignInEmails',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${P}-plans`,
      },
      via(
        'dynamodb',
        ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        'TablesAreEncryptedWithTheProjectKey',
      ),
    ]);
  });
});
