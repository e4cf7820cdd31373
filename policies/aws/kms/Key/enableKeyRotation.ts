import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE = 'Symmetric KMS keys must rotate: set enableKeyRotation to true.';

/**
 * Asymmetric keys cannot rotate automatically (a new key replaces them):
 * https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 */
export const enableKeyRotation: PackResourcePolicy = {
  name: 'aws-kms-key-enable-key-rotation',
  description: 'Checks that symmetric KMS keys rotate automatically.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('KMS.4'),
  validateResource: validateResourceOfType(aws.kms.Key, (key, _args, reportViolation) => {
    const symmetric = (key.customerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT';
    if (symmetric && key.enableKeyRotation !== true) reportViolation(MESSAGE);
  }),
};
