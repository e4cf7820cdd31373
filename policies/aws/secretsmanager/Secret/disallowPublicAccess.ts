import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { PUBLIC_REMEDIATION, reportPublicStatements } from '../../../lib/public.ts';

export const disallowPublicAccess: PackResourcePolicy = {
  name: 'aws-secretsmanager-secret-disallow-public-access',
  description:
    'Checks that Secrets Manager secret policies do not let any principal read the secret.',
  enforcementLevel: 'mandatory',
  remediationSteps: PUBLIC_REMEDIATION,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.secretsmanager.SecretPolicy,
    (policy, _args, reportViolation) =>
      reportPublicStatements(policy.policy, 'Secrets Manager secret policies', reportViolation),
  ),
};
