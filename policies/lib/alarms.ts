/**
 * CloudWatch alarms and the SNS topics they notify, as stack policies read them: which metric an
 * alarm watches (its own `namespace`/`metricName`/`dimensions`, or the one metric of its metric
 * math it returns), where its actions go, and which queues of the stack are dead-letter queues.
 */
import * as aws from '@pulumi/aws';
import type { PolicyResource } from '@pulumi/policy';
import { forEachKnown, isCustomerManagedKey, list, peek, record, text } from './values.ts';

/** A metric an alarm reads. */
export interface AlarmMetric {
  readonly namespace: string | undefined;
  readonly metricName: string | undefined;
  readonly dimensions: Readonly<Record<string, unknown>>;
}

export interface AlarmView {
  readonly resource: PolicyResource;
  /** The alarm's name (`name`), or the resource's name when unset. */
  readonly name: string;
  readonly metrics: readonly AlarmMetric[];
  /** `alarmActions`, as given (ARNs, or values unknown during preview). */
  readonly alarmActions: readonly unknown[];
  /** False when `actionsEnabled` is false: the alarm changes state and tells nobody. */
  readonly actionsEnabled: boolean;
}

function metricOf(source: Record<string, unknown> | undefined): AlarmMetric {
  return {
    namespace: text(source?.namespace),
    metricName: text(source?.metricName),
    dimensions: record(source?.dimensions) ?? {},
  };
}

/**
 * The metric alarms of the stack. An alarm on metric math counts for each metric its queries
 * read (a query that only reads one metric is how some libraries express a plain alarm).
 */
export function metricAlarmsOf(resources: readonly PolicyResource[]): AlarmView[] {
  const alarms: AlarmView[] = [];
  forEachKnown(resources, (resource) => {
    if (!resource.isType(aws.cloudwatch.MetricAlarm)) return;
    const props = resource.props;
    const queries = list(props.metricQueries).map((query) => record(record(query)?.metric));
    alarms.push({
      resource,
      name: text(props.name) ?? resource.name,
      metrics: [
        ...(props.metricName === undefined ? [] : [metricOf(props)]),
        ...queries.flatMap((metric) => (metric === undefined ? [] : [metricOf(metric)])),
      ],
      alarmActions: list(props.alarmActions),
      actionsEnabled: props.actionsEnabled !== false,
    });
  });
  return alarms;
}

/** Whether the alarm has an action and its actions are enabled. */
export function notifies(alarm: AlarmView): boolean {
  return alarm.actionsEnabled && alarm.alarmActions.length > 0;
}

/** The alarms on `namespace`/`metricName` whose `dimension` is `value`. */
export function alarmsOn(
  alarms: readonly AlarmView[],
  namespace: string,
  metricName: string,
  dimension: string,
  value: string,
): AlarmView[] {
  return alarms.filter((alarm) =>
    alarm.metrics.some(
      (metric) =>
        metric.namespace === namespace &&
        metric.metricName === metricName &&
        metric.dimensions[dimension] === value,
    ),
  );
}

/** The last part of an SQS queue ARN (`arn:aws:sqs:<region>:<account>:<name>`): its name. */
export function queueNameOf(arn: unknown): string | undefined {
  if (typeof arn !== 'string' || !/^arn:[^:]+:sqs:/.test(arn)) return undefined;
  return arn.split(':')[5];
}

function parsed(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string') return record(value);
  try {
    return record(JSON.parse(value));
  } catch {
    return undefined;
  }
}

/**
 * The names of the queues something in the stack sends what it gave up on: another queue's
 * redrive policy, a bus rule target's or a schedule's dead-letter config, a Lambda function's
 * dead-letter config or on-failure destination (event invoke config, event source mapping).
 * A queue that a Lambda event source mapping reads is a work queue, even when it receives
 * failures (the plan stream's failed batches, read back by a resync function): its consumer
 * retries, and its own redrive policy names the dead-letter queue that is checked. References
 * unknown during preview are skipped.
 */
export function deadLetterQueueNames(resources: readonly PolicyResource[]): Set<string> {
  const names = new Set<string>();
  const consumed = new Set<string>();
  const add = (arn: unknown) => {
    const name = queueNameOf(arn);
    if (name !== undefined) names.add(name);
  };
  forEachKnown(resources, (resource) => {
    const props = resource.props;
    if (resource.isType(aws.sqs.Queue) || resource.isType(aws.sqs.RedrivePolicy)) {
      add(parsed(props.redrivePolicy)?.deadLetterTargetArn);
    }
    if (resource.isType(aws.cloudwatch.EventTarget)) add(record(props.deadLetterConfig)?.arn);
    if (resource.isType(aws.scheduler.Schedule)) {
      add(record(record(props.target)?.deadLetterConfig)?.arn);
    }
    if (resource.isType(aws.lambda.Function)) add(record(props.deadLetterConfig)?.targetArn);
    if (resource.isType(aws.lambda.FunctionEventInvokeConfig)) {
      add(record(record(record(props.destinationConfig)?.onFailure))?.destination);
    }
    if (resource.isType(aws.lambda.EventSourceMapping)) {
      add(record(record(record(props.destinationConfig)?.onFailure))?.destinationArn);
      const source = queueNameOf(props.eventSourceArn);
      if (source !== undefined) consumed.add(source);
    }
  });
  for (const name of consumed) names.delete(name);
  return names;
}

/** A resource's physical name (`name`), or undefined when it is unknown during preview. */
export function physicalName(resource: PolicyResource): string | undefined {
  const name = peek(() => text(resource.props.name));
  if (!name.known) return undefined;
  return name.value ?? resource.name;
}

/** An SNS topic of the stack: its ARN and whether a customer managed key encrypts it. */
export interface TopicView {
  readonly name: string;
  readonly arn: string;
  readonly encrypted: boolean;
}

/** The stack's SNS topics whose ARN is known. */
export function topicsOf(resources: readonly PolicyResource[]): TopicView[] {
  const topics: TopicView[] = [];
  forEachKnown(resources, (resource) => {
    if (!resource.isType(aws.sns.Topic)) return;
    const arn = text(resource.props.arn);
    if (arn === undefined) return;
    topics.push({
      name: text(resource.props.name) ?? resource.name,
      arn,
      encrypted: isCustomerManagedKey(() => resource.props.kmsMasterKeyId),
    });
  });
  return topics;
}

/** The action lists of an alarm (metric or composite) and what they are called. */
const ACTION_LISTS = ['alarmActions', 'okActions', 'insufficientDataActions'] as const;

/**
 * Reports what is wrong with an alarm's actions: none at all, actions switched off, or an action
 * that is not an SNS topic of the stack encrypted with a customer managed key. An action unknown
 * during preview is the output of a resource of the stack, checked again on `pulumi up`.
 */
export function alarmActionProblems(
  alarm: string,
  props: Record<string, unknown>,
  topics: readonly TopicView[],
): string[] {
  const problems: string[] = [];
  if (props.actionsEnabled === false) {
    problems.push(
      `CloudWatch alarm ${alarm} must have its actions enabled: remove actionsEnabled: false.`,
    );
  }
  if (list(props.alarmActions).length === 0) {
    problems.push(
      `CloudWatch alarm ${alarm} must notify someone: set alarmActions to the stack's alert topic.`,
    );
  }
  for (const key of ACTION_LISTS) {
    const actions = list(props[key]);
    for (let index = 0; index < actions.length; index += 1) {
      const action = peek(() => actions[index]);
      if (!action.known) continue;
      const topic = topics.find((candidate) => candidate.arn === action.value);
      if (topic === undefined) {
        problems.push(
          `CloudWatch alarm ${alarm} must send its ${key} to SNS topics of the stack: ${String(action.value)} is not one.`,
        );
      } else if (!topic.encrypted) {
        problems.push(
          `CloudWatch alarm ${alarm} sends its ${key} to SNS topic ${topic.name}, which must be encrypted with the project's customer managed KMS key: set kmsMasterKeyId (CloudWatch cannot publish to a topic under the AWS managed key alias/aws/sns).`,
        );
      }
    }
  }
  return problems;
}
