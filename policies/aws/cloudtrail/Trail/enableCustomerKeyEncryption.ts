import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'CloudTrail trails must encrypt their log files with the project key: set kmsKeyId to the customer managed key ARN (its key policy must let CloudTrail use it).';

export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-cloudtrail-trail-enable-customer-key-encryption',
  description: 'Checks that CloudTrail trails encrypt log files with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('CloudTrail.2'),
  validateResource: validateResourceOfType(
    aws.cloudtrail.Trail,
    (trail, _args, reportViolation) => {
      if (!isCustomerManagedKey(() => trail.kmsKeyId)) reportViolation(MESSAGE);
    },
  ),
};
