import { fsbp } from '../../../lib/controls.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

/**
 * Stricter than IAM.1 (which flags `"*"` on `Resource: "*"` only): an Allow of every action, or
 * of everything but some (`NotAction`), is never least privilege, whatever the resource.
 */
export const disallowWildcardActions: PackResourcePolicy = {
  name: 'aws-iam-policy-disallow-wildcard-actions',
  description:
    'Checks that IAM identity policies (managed and inline) never allow "*" actions or use NotAction in an Allow.',
  enforcementLevel: 'mandatory',
  remediationSteps: 'List the exact actions the principal needs in each Allow statement.',
  ...fsbp('IAM.1'),
  validateResource: validateIdentityPolicies((statements, reportViolation) => {
    for (const statement of statements) {
      if (statement.effect !== 'Allow') continue;
      if (statement.notActions !== undefined) {
        reportViolation(
          `IAM policies must name the actions they allow: replace NotAction in statement ${statement.id} with Action and the exact actions.`,
        );
      } else if (statement.actions.some((action) => action === '*' || action === '*:*')) {
        reportViolation(
          `IAM policies must name the actions they allow: replace "*" in statement ${statement.id} with the exact actions.`,
        );
      }
    }
  }),
};
