import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { PUBLIC_REMEDIATION, reportPublicStatements } from '../../../lib/public.ts';

export const disallowPublicAccess: PackResourcePolicy = {
  name: 'aws-kms-key-disallow-public-access',
  description: 'Checks that KMS key policies do not let any principal use or manage the key.',
  enforcementLevel: 'mandatory',
  remediationSteps: PUBLIC_REMEDIATION,
  ...fsbp('KMS.5'),
  validateResource: [
    validateResourceOfType(aws.kms.Key, (key, _args, reportViolation) =>
      reportPublicStatements(key.policy, 'KMS key policies', reportViolation),
    ),
    validateResourceOfType(aws.kms.KeyPolicy, (policy, _args, reportViolation) =>
      reportPublicStatements(policy.policy, 'KMS key policies', reportViolation),
    ),
  ],
};
