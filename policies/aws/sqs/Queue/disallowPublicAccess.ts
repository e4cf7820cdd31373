import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { PUBLIC_REMEDIATION, reportPublicStatements } from '../../../lib/public.ts';

export const disallowPublicAccess: PackResourcePolicy = {
  name: 'aws-sqs-queue-disallow-public-access',
  description: 'Checks that SQS queue policies do not let any principal use the queue.',
  enforcementLevel: 'mandatory',
  remediationSteps: PUBLIC_REMEDIATION,
  ...fsbp('SQS.3'),
  validateResource: [
    validateResourceOfType(aws.sqs.Queue, (queue, _args, reportViolation) =>
      reportPublicStatements(queue.policy, 'SQS queue policies', reportViolation),
    ),
    validateResourceOfType(aws.sqs.QueuePolicy, (policy, _args, reportViolation) =>
      reportPublicStatements(policy.policy, 'SQS queue policies', reportViolation),
    ),
  ],
};
