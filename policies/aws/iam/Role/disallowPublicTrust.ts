import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import { isPublic, statementsOf } from '../../../lib/documents.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

/** A trust policy is the role's resource policy: "*" lets any AWS account assume the role. */
export const disallowPublicTrust: PackResourcePolicy = {
  name: 'aws-iam-role-disallow-public-trust',
  description: 'Checks that IAM role trust policies do not let any principal assume the role.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Name the trusted principal in assumeRolePolicy, or narrow "*" with aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceAccount.',
  ...ownRule(),
  validateResource: validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) => {
    for (const statement of statementsOf(role.assumeRolePolicy) ?? []) {
      if (isPublic(statement)) {
        reportViolation(
          `IAM roles must not be assumable by anyone: name the trusted principal in statement ${statement.id} of assumeRolePolicy, or narrow it with aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceAccount.`,
        );
      }
    }
  }),
};
