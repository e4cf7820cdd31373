import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { list } from '../../../lib/values.ts';

const MESSAGE =
  'IAM users must not hold policies of their own: grant the permissions to a role (or a group) and let the user assume it.';

export const disallowAttachedPolicies: PackResourcePolicy = {
  name: 'aws-iam-user-disallow-attached-policies',
  description: 'Checks that no IAM policy is attached to or embedded in an IAM user.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('IAM.2'),
  validateResource: [
    validateResourceOfType(aws.iam.UserPolicy, (_policy, _args, reportViolation) =>
      reportViolation(MESSAGE),
    ),
    validateResourceOfType(aws.iam.UserPolicyAttachment, (_attachment, _args, reportViolation) =>
      reportViolation(MESSAGE),
    ),
    validateResourceOfType(aws.iam.PolicyAttachment, (attachment, _args, reportViolation) => {
      if (list(attachment.users).length > 0) reportViolation(MESSAGE);
    }),
  ],
};
