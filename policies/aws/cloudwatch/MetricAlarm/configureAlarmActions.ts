import * as aws from '@pulumi/aws';
import { ownRule } from '../../../lib/controls.ts';
import { alarmActionProblems, topicsOf } from '../../../lib/alarms.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, text } from '../../../lib/values.ts';

/**
 * An alarm without an action changes state on a console nobody watches. Alerts carry resource
 * names and amounts, so they travel on topics encrypted with the project key; the AWS managed
 * SNS key cannot be used, its policy cannot let CloudWatch in:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export const configureAlarmActions: PackStackPolicy = {
  name: 'aws-cloudwatch-metricalarm-configure-alarm-actions',
  description:
    'Checks that every CloudWatch metric alarm has alarm actions, and that each of its actions is an SNS topic of the stack encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    "Set the alarm's alarmActions (and okActions) to the ARNs of the stack's alert topics, and create those topics with kmsMasterKeyId set to the project key.",
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    const topics = topicsOf(args.resources);
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.cloudwatch.MetricAlarm)) return;
      const name = text(resource.props.name) ?? resource.name;
      for (const problem of alarmActionProblems(name, resource.props, topics)) {
        reportViolation(problem, resource.urn);
      }
    });
  },
};
