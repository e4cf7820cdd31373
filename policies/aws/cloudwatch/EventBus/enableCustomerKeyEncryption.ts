import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'EventBridge event buses must encrypt events with the project key: set kmsKeyIdentifier to the customer managed key ARN.';

export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-cloudwatch-eventbus-enable-customer-key-encryption',
  description:
    'Checks that custom EventBridge event buses are encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.cloudwatch.EventBus,
    (bus, _args, reportViolation) => {
      // Partner event sources bring their own encryption.
      if (bus.eventSourceName !== undefined) return;
      if (!isCustomerManagedKey(() => bus.kmsKeyIdentifier)) reportViolation(MESSAGE);
    },
  ),
};
