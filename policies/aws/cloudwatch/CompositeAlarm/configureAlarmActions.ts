import * as aws from '@pulumi/aws';
import { ownRule } from '../../../lib/controls.ts';
import { alarmActionProblems, topicsOf } from '../../../lib/alarms.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, text } from '../../../lib/values.ts';

/**
 * The composite alarms ("purchases at risk") are the ones that page: the same rule as for metric
 * alarms (see `../MetricAlarm/configureAlarmActions.ts`).
 */
export const configureAlarmActions: PackStackPolicy = {
  name: 'aws-cloudwatch-compositealarm-configure-alarm-actions',
  description:
    'Checks that every CloudWatch composite alarm has alarm actions, and that each of its actions is an SNS topic of the stack encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    "Set the composite alarm's alarmActions (and okActions) to the ARNs of the stack's alert topics, and create those topics with kmsMasterKeyId set to the project key.",
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    const topics = topicsOf(args.resources);
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.cloudwatch.CompositeAlarm)) return;
      const name = text(resource.props.alarmName) ?? resource.name;
      for (const problem of alarmActionProblems(name, resource.props, topics)) {
        reportViolation(problem, resource.urn);
      }
    });
  },
};
