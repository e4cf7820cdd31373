import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isSet } from '../../../lib/values.ts';

const MESSAGE =
  'CloudTrail trails must deliver to CloudWatch Logs for alarms: set cloudWatchLogsGroupArn (the log group ARN with ":*") and cloudWatchLogsRoleArn (a role that may write it).';

export const enableCloudWatchLogs: PackResourcePolicy = {
  name: 'aws-cloudtrail-trail-enable-cloud-watch-logs',
  description: 'Checks that CloudTrail trails deliver their events to a CloudWatch Logs log group.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('CloudTrail.5'),
  validateResource: validateResourceOfType(
    aws.cloudtrail.Trail,
    (trail, _args, reportViolation) => {
      if (!isSet(() => trail.cloudWatchLogsGroupArn) || !isSet(() => trail.cloudWatchLogsRoleArn)) {
        reportViolation(MESSAGE);
      }
    },
  ),
};
