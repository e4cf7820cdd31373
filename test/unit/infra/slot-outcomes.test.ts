/**
 * Slots' final outcomes under Pulumi mocks (dev stack): the outcomes rule into an encrypted queue
 * that only that rule may send to (and its dead-letter queue), the slot-outcomes event source
 * mapping, and the function's role, which may read its queue and nothing else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTCOMES_EVENT_PATTERN } from '#shared/events.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-dev';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-slot-outcomes`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:${P}-slot-outcomes-dlq`;
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${P}-events/${P}-outcomes`;
const onlyTheRuleSends = (arn: string) => [
  {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'sqs:*',
    Resource: arn,
    Condition: { Bool: { 'aws:SecureTransport': false } },
  },
  {
    Sid: 'OneSourceSends',
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: arn,
    Condition: { ArnEquals: { 'aws:SourceArn': RULE_ARN } },
  },
];

beforeAll(async () => {
  run = await runProgram('dev');
});

describe('the outcomes rule and queue', () => {
  it("routes the workflow's succeeded, failed and skipped slots and the sweeper's missed ones", () => {
    expect(OUTCOMES_EVENT_PATTERN).toEqual({
      source: ['savings.purchases', 'savings.scheduler'],
      'detail-type': ['PurchaseSucceeded', 'PurchaseFailed', 'PurchaseSkipped', 'PlanRunMissed'],
    });
    expect(run.one('aws:cloudwatch/eventRule:EventRule', 'outcomes-rule').inputs).toEqual({
      name: `${P}-outcomes`,
      eventBusName: `${P}-events`,
      description: 'Final outcomes of slots (bought, failed, let go, missed), counted for the SLO',
      eventPattern: JSON.stringify(OUTCOMES_EVENT_PATTERN),
      tags: expect.objectContaining({ stack: 'dev' }),
    });
    expect(run.one('aws:cloudwatch/eventTarget:EventTarget', 'outcomes-target').inputs).toEqual({
      rule: `${P}-outcomes`,
      eventBusName: `${P}-events`,
      arn: QUEUE_ARN,
      retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: DLQ_ARN },
    });
  });

  it('queues them encrypted, parks a message after five receives, and takes sends from that rule only', () => {
    const queue = run.one('aws:sqs/queue:Queue', 'slot-outcomes-queue').inputs;
    expect(queue).toMatchObject({
      name: `${P}-slot-outcomes`,
      kmsMasterKeyId: KEY_ARN,
      visibilityTimeoutSeconds: 180,
      messageRetentionSeconds: 4 * 24 * 60 * 60,
    });
    expect(JSON.parse(queue.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: DLQ_ARN,
      maxReceiveCount: 5,
    });
    expect(
      policy(run.one('aws:sqs/queuePolicy:QueuePolicy', 'slot-outcomes-policy').inputs.policy)
        .Statement,
    ).toEqual(onlyTheRuleSends(QUEUE_ARN));
  });

  it('lets the rule put what it could not deliver in the dead-letter queue, kept two weeks', () => {
    expect(run.one('aws:sqs/queue:Queue', 'slot-outcomes-dlq-queue').inputs).toMatchObject({
      name: `${P}-slot-outcomes-dlq`,
      kmsMasterKeyId: KEY_ARN,
      messageRetentionSeconds: 14 * 24 * 60 * 60,
    });
    expect(
      policy(run.one('aws:sqs/queuePolicy:QueuePolicy', 'slot-outcomes-dlq-policy').inputs.policy)
        .Statement,
    ).toEqual(onlyTheRuleSends(DLQ_ARN));
  });

  it('feeds slot-outcomes in batches with partial batch failures, two at a time at most', () => {
    const { tags: _tags, ...mapping } = run.one(
      'aws:lambda/eventSourceMapping:EventSourceMapping',
      'slot-outcomes-count',
    ).inputs;
    expect(mapping).toEqual({
      eventSourceArn: QUEUE_ARN,
      functionName: `${P}-slot-outcomes`,
      batchSize: 10,
      maximumBatchingWindowInSeconds: 1,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: 2 },
    });
  });
});

describe('the slot-outcomes function', () => {
  it('gets no configuration but its service name and namespace', () => {
    const fn = run.one('aws:lambda/function:Function', 'slot-outcomes-function').inputs;
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      POWERTOOLS_SERVICE_NAME: `${P}-slot-outcomes`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(fn).toMatchObject({
      runtime: 'nodejs24.x',
      timeout: 30,
      memorySize: 256,
      reservedConcurrentExecutions: 2,
    });
  });

  it('may only read and delete its queue, and decrypt its messages through SQS', () => {
    const statements = policy(
      run.one('aws:iam/rolePolicy:RolePolicy', 'slot-outcomes-policy').inputs.policy,
    ).Statement.slice(3);
    expect(statements).toEqual([
      {
        Sid: 'ConsumeOutcomesQueue',
        Effect: 'Allow',
        Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
        Resource: QUEUE_ARN,
      },
      {
        Sid: 'OutcomesQueueIsEncryptedWithTheProjectKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt'],
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': `sqs.${REGION}.amazonaws.com` } },
      },
    ]);
  });
});
