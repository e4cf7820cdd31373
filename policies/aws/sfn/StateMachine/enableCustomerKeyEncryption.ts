import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'Step Functions state machines must encrypt execution data with the project key: set encryptionConfiguration to { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: <project key ARN> }.';

export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-sfn-statemachine-enable-customer-key-encryption',
  description:
    'Checks that Step Functions state machines encrypt their data with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.sfn.StateMachine,
    (machine, _args, reportViolation) => {
      const encryption = machine.encryptionConfiguration;
      if (
        encryption?.type !== 'CUSTOMER_MANAGED_KMS_KEY' ||
        !isCustomerManagedKey(() => encryption.kmsKeyId)
      ) {
        reportViolation(MESSAGE);
      }
    },
  ),
};
