import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'SNS topics must be encrypted with the project key: set kmsMasterKeyId to the customer managed key ARN (not alias/aws/sns).';

export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-sns-topic-enable-customer-key-encryption',
  description: 'Checks that SNS topics are encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('SNS.1'),
  validateResource: validateResourceOfType(aws.sns.Topic, (topic, _args, reportViolation) => {
    if (!isCustomerManagedKey(() => topic.kmsMasterKeyId)) reportViolation(MESSAGE);
  }),
};
