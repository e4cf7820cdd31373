import { ownRule } from '../../../lib/controls.ts';
import { allowsAction, conditionKeys } from '../../../lib/documents.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

/**
 * Passing a role lets a service act with that role's permissions: a principal that may pass any
 * role to any service can escalate to any role in the account.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 */
export const enforcePassRoleScope: PackResourcePolicy = {
  name: 'aws-iam-policy-enforce-pass-role-scope',
  description:
    'Checks that IAM identity policies allow iam:PassRole only on named role ARNs and only with an iam:PassedToService condition.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'List the exact role ARNs for iam:PassRole and add a StringEquals condition on iam:PassedToService.',
  ...ownRule(),
  validateResource: validateIdentityPolicies((statements, reportViolation) => {
    for (const statement of statements) {
      if (!allowsAction(statement, 'iam:PassRole')) continue;
      const named =
        statement.notResources === undefined &&
        statement.resources.length > 0 &&
        statement.resources.every(
          (resource) =>
            /^arn:aws[a-z-]*:iam::\d{12}:role\//.test(resource) && !/[*?]/.test(resource),
        );
      if (!named) {
        reportViolation(
          `IAM policies may pass only named roles: list the exact role ARNs for iam:PassRole in statement ${statement.id} instead of wildcards.`,
        );
      }
      const toService = conditionKeys(statement).some(
        ({ operator, key }) =>
          key === 'iam:passedtoservice' && /^String(Equals|Like)/.test(operator),
      );
      if (!toService) {
        reportViolation(
          `IAM policies must say which service a role is passed to: add a StringEquals condition on iam:PassedToService to statement ${statement.id}.`,
        );
      }
    }
  }),
};
