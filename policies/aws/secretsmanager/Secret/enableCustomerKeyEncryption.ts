import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'Secrets Manager secrets must be encrypted with the project key: set kmsKeyId to the customer managed key ARN (not alias/aws/secretsmanager).';

export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-secretsmanager-secret-enable-customer-key-encryption',
  description: 'Checks that Secrets Manager secrets are encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.secretsmanager.Secret,
    (secret, _args, reportViolation) => {
      if (!isCustomerManagedKey(() => secret.kmsKeyId)) reportViolation(MESSAGE);
    },
  ),
};
