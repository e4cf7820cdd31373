import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { PUBLIC_REMEDIATION, reportPublicStatements } from '../../../lib/public.ts';

export const disallowPublicAccess: PackResourcePolicy = {
  name: 'aws-cloudwatch-eventbus-disallow-public-access',
  description: 'Checks that EventBridge event bus policies do not let any account put events.',
  enforcementLevel: 'mandatory',
  remediationSteps: PUBLIC_REMEDIATION,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.cloudwatch.EventBusPolicy,
    (policy, _args, reportViolation) =>
      reportPublicStatements(policy.policy, 'EventBridge event bus policies', reportViolation),
  ),
};
