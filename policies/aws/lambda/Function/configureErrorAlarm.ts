import * as aws from '@pulumi/aws';
import { ownRule } from '../../../lib/controls.ts';
import { alarmsOn, metricAlarmsOf, notifies, physicalName } from '../../../lib/alarms.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown } from '../../../lib/values.ts';

/**
 * A failing function fails quietly: its caller retries, dead-letters or gives up, and the logs
 * say so to whoever reads them. AWS recommends an alarm on every function's Errors:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#Lambda
 */
export const configureErrorAlarm: PackStackPolicy = {
  name: 'aws-lambda-function-configure-error-alarm',
  description:
    'Checks that every Lambda function has an alarm on its errors that notifies someone.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add an aws.cloudwatch.MetricAlarm on AWS/Lambda Errors with the dimension FunctionName of the function, and alarmActions that name the alert topic.',
  ...ownRule(),
  validateStack: (args, reportViolation) => {
    const alarms = metricAlarmsOf(args.resources);
    forEachKnown(args.resources, (resource) => {
      if (!resource.isType(aws.lambda.Function)) return;
      const name = physicalName(resource);
      if (name === undefined) return;
      const watching = alarmsOn(alarms, 'AWS/Lambda', 'Errors', 'FunctionName', name);
      if (watching.some(notifies)) return;
      reportViolation(
        watching.length === 0
          ? `Lambda function ${name} must alarm on its errors: add an aws.cloudwatch.MetricAlarm on AWS/Lambda Errors with the dimension FunctionName ${name} and alarmActions.`
          : `Lambda function ${name} must have an error alarm that notifies someone: give ${watching.map((alarm) => alarm.name).join(', ')} alarmActions (and leave actionsEnabled true).`,
        resource.urn,
      );
    });
  },
};
