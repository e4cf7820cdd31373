import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'EventBridge archives must be encrypted with the project key: set kmsKeyIdentifier to the customer managed key ARN.';

export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-cloudwatch-eventarchive-enable-customer-key-encryption',
  description: 'Checks that EventBridge archives are encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.cloudwatch.EventArchive,
    (archive, _args, reportViolation) => {
      if (!isCustomerManagedKey(() => archive.kmsKeyIdentifier)) reportViolation(MESSAGE);
    },
  ),
};
