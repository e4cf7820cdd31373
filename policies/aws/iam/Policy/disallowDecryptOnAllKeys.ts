import { fsbp } from '../../../lib/controls.ts';
import { allowsAction, wildcardMatches } from '../../../lib/documents.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const DECRYPT_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom'];

/** A key id no real key has: a resource pattern whose key part matches it matches every key. */
const ANY_KEY_ID = 'key/00000000-0000-0000-0000-000000000000';

/** Whether a resource names every key (of some account and Region): "*", or `...:key/*`. */
function everyKey(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  return (
    parts.length >= 6 &&
    wildcardMatches(parts[2] ?? '', 'kms') &&
    wildcardMatches(parts.slice(5).join(':'), ANY_KEY_ID)
  );
}

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
      if (statement.notResources !== undefined || statement.resources.some(everyKey)) {
        reportViolation(
          `IAM policies must not let a principal decrypt with every KMS key: scope ${actions.join(' and ')} in statement ${statement.id} to the key ARNs it needs.`,
        );
      }
    }
  }),
};
