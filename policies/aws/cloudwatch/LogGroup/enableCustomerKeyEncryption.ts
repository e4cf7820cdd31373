import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'CloudWatch log groups must be encrypted with the project key: set kmsKeyId to the customer managed key ARN (its key policy must let logs.<region>.amazonaws.com use it).';

export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-cloudwatch-loggroup-enable-customer-key-encryption',
  description: 'Checks that CloudWatch log groups are encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.cloudwatch.LogGroup,
    (group, _args, reportViolation) => {
      if (!isCustomerManagedKey(() => group.kmsKeyId)) reportViolation(MESSAGE);
    },
  ),
};
