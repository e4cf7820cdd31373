import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE =
  'CloudTrail trails must prove their log files unmodified: set enableLogFileValidation to true.';

export const enableLogFileValidation: PackResourcePolicy = {
  name: 'aws-cloudtrail-trail-enable-log-file-validation',
  description:
    'Checks that CloudTrail trails write digest files for log file integrity validation.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('CloudTrail.4'),
  validateResource: validateResourceOfType(
    aws.cloudtrail.Trail,
    (trail, _args, reportViolation) => {
      if (trail.enableLogFileValidation !== true) reportViolation(MESSAGE);
    },
  ),
};
