import * as aws from '@pulumi/aws';
import { ownRule } from '../../../lib/controls.ts';
import {
  alarmsOn,
  deadLetterQueueNames,
  metricAlarmsOf,
  notifies,
  physicalName,
} from '../../../lib/alarms.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown } from '../../../lib/values.ts';

/**
 * A message in a dead-letter queue is work given up on (a slot, a schedule, an outcome) that
 * nobody retries until someone redrives it; SQS keeps it only for the queue's retention period.
 * AWS's recommended alarm for a dead-letter queue is ApproximateNumberOfMessagesVisible > 0:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#SQS
 */
export const configureDeadLetterAlarm: PackStackPolicy = {
  name: 'aws-sqs-queue-configure-dead-letter-alarm',
  description:
    'Checks that every dead-letter queue (of a queue, a bus rule target, a schedule or a Lambda function) has an alarm on its visible messages that notifies someone.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add an aws.cloudwatch.MetricAlarm on AWS/SQS ApproximateNumberOfMessagesVisible with the dimension QueueName of the dead-letter queue, and alarmActions that name the alert topic.',
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    const deadLetters = deadLetterQueueNames(args.resources);
    const alarms = metricAlarmsOf(args.resources);
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.sqs.Queue)) return;
      const name = physicalName(resource);
      if (name === undefined || !deadLetters.has(name)) return;
      const watching = alarmsOn(
        alarms,
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        name,
      );
      if (watching.some(notifies)) return;
      reportViolation(
        watching.length === 0
          ? `Dead-letter queue ${name} must alarm when a message lands in it: add an aws.cloudwatch.MetricAlarm on AWS/SQS ApproximateNumberOfMessagesVisible with the dimension QueueName ${name} and alarmActions.`
          : `Dead-letter queue ${name} must have an alarm that notifies someone: give ${watching.map((alarm) => alarm.name).join(', ')} alarmActions (and leave actionsEnabled true).`,
        resource.urn,
      );
    });
  },
};
