import { fsbp } from '../../../lib/controls.ts';
import { allowsAction, wildcardMatches } from '../../../lib/documents.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const DECRYPT_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom'];

/** A key ARN no real key has: a resource pattern that matches it matches every key. */
const ANY_KEY = 'arn:aws:kms:any-region-1:000000000000:key/00000000-0000-0000-0000-000000000000';

/** KMS.1 is about managed policies, KMS.2 about inline ones: this checks both. */
export const disallowDecryptOnAllKeys: PackResourcePolicy = {
  name: 'aws-iam-policy-disallow-decrypt-on-all-keys',
  description:
    'Checks that IAM identity policies (managed and inline) do not allow kms:Decrypt or kms:ReEncryptFrom on every KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: 'Scope kms:Decrypt and kms:ReEncryptFrom to the key ARNs the principal needs.',
  ...fsbp('KMS.1', 'KMS.2'),
  validateResource: validateIdentityPolicies((statements, reportViolation) => {
    for (const statement of statements) {
      const actions = DECRYPT_ACTIONS.filter((action) => allowsAction(statement, action));
      if (actions.length === 0) continue;
      const everyKey =
        statement.notResources !== undefined ||
        statement.resources.some((resource) => wildcardMatches(resource, ANY_KEY));
      if (everyKey) {
        reportViolation(
          `IAM policies must not let a principal decrypt with every KMS key: scope ${actions.join(' and ')} in statement ${statement.id} to the key ARNs it needs.`,
        );
      }
    }
  }),
};
