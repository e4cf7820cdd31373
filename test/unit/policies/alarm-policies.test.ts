/**
 * The alarm policies (stack policies): every dead-letter queue and every Lambda function has an
 * alarm that notifies someone, and every alarm notifies through an SNS topic of the stack
 * encrypted with the project key. Each rule starts from a compliant stack, shaped as the
 * monitoring catalog (`shared/monitoring/alarms.ts`) declares it, and changes one resource per
 * case.
 */
import { describe, expect, it } from 'vitest';
import { messages, type Fixture } from './harness.ts';
import { ACCOUNT, KEY_ARN, byName } from './rules.ts';

const REGION = 'eu-central-1';
const PREFIX = 'savings-plan-buy-prod';
const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
const topicArn = (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
const CRITICAL = `${PREFIX}-alerts-critical`;
const WARNING = `${PREFIX}-alerts-warning`;
const FUNCTION = `${PREFIX}-place-order`;

const TYPES = {
  queue: 'aws:sqs/queue:Queue',
  redrive: 'aws:sqs/redrivePolicy:RedrivePolicy',
  target: 'aws:cloudwatch/eventTarget:EventTarget',
  schedule: 'aws:scheduler/schedule:Schedule',
  function: 'aws:lambda/function:Function',
  invokeConfig: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  mapping: 'aws:lambda/eventSourceMapping:EventSourceMapping',
  alarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  composite: 'aws:cloudwatch/compositeAlarm:CompositeAlarm',
  topic: 'aws:sns/topic:Topic',
} as const;

/** A resource named `label` whose state (what a stack policy reads) is its inputs plus `state`. */
function resource(
  type: string,
  label: string,
  inputs: Record<string, unknown>,
  state: Record<string, unknown> = {},
): Fixture {
  return { type, name: label, inputs, state: { ...inputs, ...state } };
}

function queue(label: string, inputs: Record<string, unknown> = {}): Fixture {
  const name = `${PREFIX}-${label}`;
  return resource(TYPES.queue, label, { name, ...inputs }, { arn: queueArn(name) });
}

/** The dead-letter alarm the monitoring catalog declares for a queue. */
function deadLetterAlarm(label: string): Fixture {
  return resource(TYPES.alarm, `${label}-alarm`, {
    name: `${PREFIX}-queue-${label}-dead-letters`,
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: `${PREFIX}-${label}` },
    statistic: 'Maximum',
    comparisonOperator: 'GreaterThanThreshold',
    threshold: 0,
    period: 60,
    evaluationPeriods: 1,
    alarmActions: [topicArn(CRITICAL)],
    okActions: [topicArn(CRITICAL)],
  });
}

const errorAlarm = resource(TYPES.alarm, 'errors-alarm', {
  name: `${PREFIX}-lambda-place-order-errors`,
  namespace: 'AWS/Lambda',
  metricName: 'Errors',
  dimensions: { FunctionName: FUNCTION },
  statistic: 'Sum',
  comparisonOperator: 'GreaterThanThreshold',
  threshold: 0,
  period: 60,
  evaluationPeriods: 3,
  alarmActions: [topicArn(CRITICAL)],
  okActions: [topicArn(CRITICAL)],
});

const TOPICS: Fixture[] = [
  resource(
    TYPES.topic,
    'critical',
    { name: CRITICAL, kmsMasterKeyId: KEY_ARN },
    { arn: topicArn(CRITICAL) },
  ),
  resource(
    TYPES.topic,
    'warning',
    { name: WARNING, kmsMasterKeyId: KEY_ARN },
    { arn: topicArn(WARNING) },
  ),
];

/** Every way the stack names a dead-letter queue, each with its queue and its alarm. */
const DEAD_LETTER_SOURCES: readonly (readonly [string, string, Fixture])[] = [
  [
    "another queue's redrive policy",
    'retries-dlq',
    queue('retries', {
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: queueArn(`${PREFIX}-retries-dlq`),
        maxReceiveCount: 10,
      }),
    }),
  ],
  [
    'a separate redrive policy resource',
    'outcomes-dlq',
    resource(TYPES.redrive, 'outcomes-redrive', {
      queueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${PREFIX}-outcomes`,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: queueArn(`${PREFIX}-outcomes-dlq`),
        maxReceiveCount: 5,
      }),
    }),
  ],
  [
    "a bus rule target's dead-letter config",
    'notifications-dlq',
    resource(TYPES.target, 'notifications-target', {
      rule: `${PREFIX}-notifications`,
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${PREFIX}-notifier`,
      deadLetterConfig: { arn: queueArn(`${PREFIX}-notifications-dlq`) },
    }),
  ],
  [
    "a schedule's dead-letter config",
    'plans-dlq',
    resource(TYPES.schedule, 'plan-schedule', {
      name: 'plan-1',
      target: {
        arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${PREFIX}-purchase`,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/${PREFIX}-scheduler`,
        deadLetterConfig: { arn: queueArn(`${PREFIX}-plans-dlq`) },
      },
    }),
  ],
  [
    "a Lambda function's event invoke config",
    'audit-dlq',
    resource(TYPES.invokeConfig, 'audit-invoke', {
      functionName: `${PREFIX}-audit`,
      destinationConfig: { onFailure: { destination: queueArn(`${PREFIX}-audit-dlq`) } },
    }),
  ],
  [
    "an event source mapping's on-failure destination",
    'plan-stream-failures-dlq',
    resource(TYPES.mapping, 'plan-stream', {
      functionName: `${PREFIX}-schedule-sync`,
      eventSourceArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${PREFIX}-plans/stream/x`,
      destinationConfig: {
        onFailure: { destinationArn: queueArn(`${PREFIX}-plan-stream-failures-dlq`) },
      },
    }),
  ],
  [
    "a Lambda function's dead-letter config",
    'function-dlq',
    resource(
      TYPES.function,
      'place-order',
      {
        name: FUNCTION,
        runtime: 'nodejs24.x',
        deadLetterConfig: { targetArn: queueArn(`${PREFIX}-function-dlq`) },
      },
      { arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION}` },
    ),
  ],
];

/** A stack whose every dead-letter queue and function has its alarm on an encrypted topic. */
const STACK: Fixture[] = [
  ...TOPICS,
  ...DEAD_LETTER_SOURCES.flatMap(([, label, source]) => [
    source,
    queue(label),
    deadLetterAlarm(label),
  ]),
  queue('outcomes'),
  errorAlarm,
];

function named(label: string, resources: readonly Fixture[] = STACK): Fixture {
  const found = resources.find((candidate) => candidate.name === label);
  if (found === undefined) throw new Error(`no ${label}`);
  return found;
}

/** The stack without the resource labelled `label`. */
function without(label: string, resources: readonly Fixture[] = STACK): Fixture[] {
  named(label, resources);
  return resources.filter((candidate) => candidate.name !== label);
}

/** The stack with the inputs (and state) of the resource labelled `label` changed. */
function changed(
  label: string,
  inputs: Record<string, unknown>,
  resources: readonly Fixture[] = STACK,
): Fixture[] {
  named(label, resources);
  return resources.map((candidate) =>
    candidate.name === label
      ? {
          ...candidate,
          inputs: { ...candidate.inputs, ...inputs },
          state: { ...candidate.state, ...inputs },
        }
      : candidate,
  );
}

const report = (name: string, resources: readonly Fixture[]) =>
  messages(byName(name), resources, { stack: 'prod' });

describe('aws-sqs-queue-configure-dead-letter-alarm', () => {
  const NAME = 'aws-sqs-queue-configure-dead-letter-alarm';
  const missing = (queueName: string) =>
    `Dead-letter queue ${queueName} must alarm when a message lands in it: add an aws.cloudwatch.MetricAlarm on AWS/SQS ApproximateNumberOfMessagesVisible with the dimension QueueName ${queueName} and alarmActions.`;

  it('passes a stack whose every dead-letter queue has an alarm with an action', async () => {
    expect(await report(NAME, STACK)).toEqual([]);
  });

  it('passes a work queue without a dead-letter alarm (only dead-letter queues need one)', async () => {
    expect(named('outcomes').inputs.redrivePolicy).toBeUndefined();
    expect(await report(NAME, STACK)).toEqual([]);
  });

  it.each(DEAD_LETTER_SOURCES.map(([source, label]) => [source, label] as const))(
    'reports a dead-letter queue named by %s that has no alarm',
    async (_source, label) => {
      expect(await report(NAME, without(`${label}-alarm`))).toEqual([
        missing(`${PREFIX}-${label}`),
      ]);
    },
  );

  it('passes a queue that nothing names as its dead-letter queue, once its source is gone', async () => {
    expect(await report(NAME, without('retries-dlq-alarm', without('retries')))).toEqual([]);
  });

  it('passes a failure destination that a function reads back (a work queue, whose own dead-letter queue is checked)', async () => {
    const resync = resource(TYPES.mapping, 'plan-stream-resync', {
      functionName: `${PREFIX}-schedule-resync`,
      eventSourceArn: queueArn(`${PREFIX}-plan-stream-failures-dlq`),
    });
    expect(await report(NAME, [...without('plan-stream-failures-dlq-alarm'), resync])).toEqual([]);
  });

  it('reports an alarm on another queue', async () => {
    expect(
      await report(
        NAME,
        changed('plans-dlq-alarm', { dimensions: { QueueName: `${PREFIX}-plans` } }),
      ),
    ).toEqual([missing(`${PREFIX}-plans-dlq`)]);
  });

  it('reports an alarm on the age of the oldest message instead of the visible messages', async () => {
    expect(
      await report(
        NAME,
        changed('plans-dlq-alarm', { metricName: 'ApproximateAgeOfOldestMessage' }),
      ),
    ).toEqual([missing(`${PREFIX}-plans-dlq`)]);
  });

  it('reports an alarm without alarm actions', async () => {
    expect(await report(NAME, changed('plans-dlq-alarm', { alarmActions: [] }))).toEqual([
      `Dead-letter queue ${PREFIX}-plans-dlq must have an alarm that notifies someone: give ${PREFIX}-queue-plans-dlq-dead-letters alarmActions (and leave actionsEnabled true).`,
    ]);
  });

  it('reports an alarm whose actions are disabled', async () => {
    expect(await report(NAME, changed('plans-dlq-alarm', { actionsEnabled: false }))).toEqual([
      `Dead-letter queue ${PREFIX}-plans-dlq must have an alarm that notifies someone: give ${PREFIX}-queue-plans-dlq-dead-letters alarmActions (and leave actionsEnabled true).`,
    ]);
  });

  it('passes an alarm written as metric math over the queue metric', async () => {
    const alarm = named('plans-dlq-alarm');
    const { namespace, metricName, dimensions, statistic, ...rest } = alarm.inputs;
    const math: Fixture = {
      ...alarm,
      inputs: {
        ...rest,
        metricQueries: [
          {
            id: 'm1',
            returnData: true,
            metric: { namespace, metricName, dimensions, stat: statistic, period: 60 },
          },
        ],
      },
      state: undefined,
    };
    expect(await report(NAME, [...without('plans-dlq-alarm'), math])).toEqual([]);
  });
});

describe('aws-lambda-function-configure-error-alarm', () => {
  const NAME = 'aws-lambda-function-configure-error-alarm';
  const missing = `Lambda function ${FUNCTION} must alarm on its errors: add an aws.cloudwatch.MetricAlarm on AWS/Lambda Errors with the dimension FunctionName ${FUNCTION} and alarmActions.`;

  it('passes a function with an error alarm that has an action', async () => {
    expect(await report(NAME, STACK)).toEqual([]);
  });

  it('reports a function without an error alarm', async () => {
    expect(await report(NAME, without('errors-alarm'))).toEqual([missing]);
  });

  it('reports an alarm on throttles instead of errors', async () => {
    expect(await report(NAME, changed('errors-alarm', { metricName: 'Throttles' }))).toEqual([
      missing,
    ]);
  });

  it('reports an error alarm on another function', async () => {
    expect(
      await report(
        NAME,
        changed('errors-alarm', { dimensions: { FunctionName: `${PREFIX}-decide` } }),
      ),
    ).toEqual([missing]);
  });

  it('reports an error alarm without alarm actions', async () => {
    expect(await report(NAME, changed('errors-alarm', { alarmActions: [] }))).toEqual([
      `Lambda function ${FUNCTION} must have an error alarm that notifies someone: give ${PREFIX}-lambda-place-order-errors alarmActions (and leave actionsEnabled true).`,
    ]);
  });

  it('passes a function without a name of its own, by its resource name', async () => {
    const { name: _name, ...inputs } = named('place-order').inputs;
    const unnamed = changed('errors-alarm', { dimensions: { FunctionName: 'place-order' } }).map(
      (candidate) =>
        candidate.name === 'place-order' ? { ...candidate, inputs, state: inputs } : candidate,
    );
    expect(await report(NAME, unnamed)).toEqual([]);
  });
});

describe('aws-cloudwatch-metricalarm-configure-alarm-actions', () => {
  const NAME = 'aws-cloudwatch-metricalarm-configure-alarm-actions';
  const ALARM = `${PREFIX}-lambda-place-order-errors`;

  it('passes alarms whose actions are encrypted topics of the stack', async () => {
    expect(await report(NAME, STACK)).toEqual([]);
  });

  it('reports an alarm without alarm actions', async () => {
    expect(await report(NAME, changed('errors-alarm', { alarmActions: [] }))).toEqual([
      `CloudWatch alarm ${ALARM} must notify someone: set alarmActions to the stack's alert topic.`,
    ]);
  });

  it('reports an alarm whose actions are disabled', async () => {
    expect(await report(NAME, changed('errors-alarm', { actionsEnabled: false }))).toEqual([
      `CloudWatch alarm ${ALARM} must have its actions enabled: remove actionsEnabled: false.`,
    ]);
  });

  it('reports an action on a topic outside the stack', async () => {
    const outside = `arn:aws:sns:${REGION}:999999999999:someone-elses-topic`;
    expect(await report(NAME, changed('errors-alarm', { alarmActions: [outside] }))).toEqual([
      `CloudWatch alarm ${ALARM} must send its alarmActions to SNS topics of the stack: ${outside} is not one.`,
    ]);
  });

  it('reports an OK action that is not a topic (an Auto Scaling policy)', async () => {
    const scaling = `arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:x`;
    expect(await report(NAME, changed('errors-alarm', { okActions: [scaling] }))).toEqual([
      `CloudWatch alarm ${ALARM} must send its okActions to SNS topics of the stack: ${scaling} is not one.`,
    ]);
  });

  const unencrypted = (list: string) =>
    `CloudWatch alarm ${ALARM} sends its ${list} to SNS topic ${CRITICAL}, which must be encrypted with the project's customer managed KMS key: set kmsMasterKeyId (CloudWatch cannot publish to a topic under the AWS managed key alias/aws/sns).`;
  /** The topics and the one error alarm, so that a topic's change concerns that alarm only. */
  const ALARM_STACK = [...TOPICS, errorAlarm];

  it('reports actions on an unencrypted topic', async () => {
    expect(
      await report(NAME, changed('critical', { kmsMasterKeyId: undefined }, ALARM_STACK)),
    ).toEqual([unencrypted('alarmActions'), unencrypted('okActions')]);
  });

  it('reports actions on a topic under the AWS managed key', async () => {
    expect(
      await report(NAME, changed('critical', { kmsMasterKeyId: 'alias/aws/sns' }, ALARM_STACK)),
    ).toEqual([unencrypted('alarmActions'), unencrypted('okActions')]);
  });
});

describe('aws-cloudwatch-compositealarm-configure-alarm-actions', () => {
  const NAME = 'aws-cloudwatch-compositealarm-configure-alarm-actions';
  const COMPOSITE = `${PREFIX}-purchases-at-risk`;
  const composite = resource(TYPES.composite, 'purchases-at-risk', {
    alarmName: COMPOSITE,
    alarmRule: `ALARM("${PREFIX}-queue-plans-dlq-dead-letters")`,
    alarmActions: [topicArn(CRITICAL)],
    okActions: [topicArn(CRITICAL)],
  });
  const stack = [...STACK, composite];

  it('passes a composite alarm whose actions are encrypted topics of the stack', async () => {
    expect(await report(NAME, stack)).toEqual([]);
  });

  it('reports a composite alarm without alarm actions', async () => {
    expect(await report(NAME, changed('purchases-at-risk', { alarmActions: [] }, stack))).toEqual([
      `CloudWatch alarm ${COMPOSITE} must notify someone: set alarmActions to the stack's alert topic.`,
    ]);
  });

  it('reports a composite alarm that sends to an unencrypted topic', async () => {
    expect(
      await report(
        NAME,
        changed('critical', { kmsMasterKeyId: undefined }, [...TOPICS, composite]),
      ),
    ).toEqual([
      `CloudWatch alarm ${COMPOSITE} sends its alarmActions to SNS topic ${CRITICAL}, which must be encrypted with the project's customer managed KMS key: set kmsMasterKeyId (CloudWatch cannot publish to a topic under the AWS managed key alias/aws/sns).`,
      `CloudWatch alarm ${COMPOSITE} sends its okActions to SNS topic ${CRITICAL}, which must be encrypted with the project's customer managed KMS key: set kmsMasterKeyId (CloudWatch cannot publish to a topic under the AWS managed key alias/aws/sns).`,
    ]);
  });

  it('leaves metric alarms to the metric alarm policy', async () => {
    expect(await report(NAME, changed('errors-alarm', { alarmActions: [] }, stack))).toEqual([]);
  });
});
