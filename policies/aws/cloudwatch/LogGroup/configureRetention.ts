import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE =
  'CloudWatch log groups must expire their events: set retentionInDays (logRetentionDays in the stack configuration).';

/** Logs hold users' identifiers; kept forever they outlive every reason to keep them. */
export const configureRetention: PackResourcePolicy = {
  name: 'aws-cloudwatch-loggroup-configure-retention',
  description: 'Checks that CloudWatch log groups have a retention period.',
  enforcementLevel: 'advisory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.cloudwatch.LogGroup,
    (group, _args, reportViolation) => {
      // 0 (or nothing) is "never expire".
      if (typeof group.retentionInDays !== 'number' || group.retentionInDays <= 0) {
        reportViolation(MESSAGE);
      }
    },
  ),
};
