import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'SQS queues must be encrypted with the project key: set kmsMasterKeyId to the customer managed key ARN (not alias/aws/sqs, not sqsManagedSseEnabled).';

/** Stricter than SQS.1, which accepts SQS-managed keys: ours must be governed by our key policy. */
export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-sqs-queue-enable-customer-key-encryption',
  description: 'Checks that SQS queues are encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('SQS.1'),
  validateResource: validateResourceOfType(aws.sqs.Queue, (queue, _args, reportViolation) => {
    if (!isCustomerManagedKey(() => queue.kmsMasterKeyId)) reportViolation(MESSAGE);
  }),
};
