import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { PUBLIC_REMEDIATION, reportPublicStatements } from '../../../lib/public.ts';

export const disallowPublicAccess: PackResourcePolicy = {
  name: 'aws-sns-topic-disallow-public-access',
  description: 'Checks that SNS topic policies do not let any principal publish or subscribe.',
  enforcementLevel: 'mandatory',
  remediationSteps: PUBLIC_REMEDIATION,
  ...fsbp('SNS.4'),
  validateResource: [
    validateResourceOfType(aws.sns.Topic, (topic, _args, reportViolation) =>
      reportPublicStatements(topic.policy, 'SNS topic policies', reportViolation),
    ),
    validateResourceOfType(aws.sns.TopicPolicy, (policy, _args, reportViolation) =>
      reportPublicStatements(policy.policy, 'SNS topic policies', reportViolation),
    ),
  ],
};
