import * as aws from '@pulumi/aws';
import { validateResourceOfType, type ResourceValidationPolicy } from '@pulumi/policy';

export const enableKeyRotation: ResourceValidationPolicy = {
  name: 'aws-kms-key-enable-key-rotation',
  description: 'Checks that symmetric KMS keys rotate automatically (Security Hub KMS.4).',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(aws.kms.Key, (key, _args, reportViolation) => {
    const symmetric = (key.customerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT';
    if (symmetric && key.enableKeyRotation !== true) {
      reportViolation('Symmetric KMS keys must rotate: set enableKeyRotation to true.');
    }
  }),
};
