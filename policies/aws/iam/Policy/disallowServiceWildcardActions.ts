import { fsbp } from '../../../lib/controls.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

export const disallowServiceWildcardActions: PackResourcePolicy = {
  name: 'aws-iam-policy-disallow-service-wildcard-actions',
  description:
    'Checks that IAM identity policies (managed and inline) never allow every action of a service ("service:*").',
  enforcementLevel: 'mandatory',
  remediationSteps: 'Replace each "service:*" action with the exact actions the principal needs.',
  ...fsbp('IAM.21'),
  validateResource: validateIdentityPolicies((statements, reportViolation) => {
    for (const statement of statements) {
      if (statement.effect !== 'Allow') continue;
      for (const action of statement.actions) {
        if (/^[a-z0-9-]+:\*$/i.test(action)) {
          reportViolation(
            `IAM policies must not allow every action of a service: replace "${action}" in statement ${statement.id} with the exact actions.`,
          );
        }
      }
    }
  }),
};
