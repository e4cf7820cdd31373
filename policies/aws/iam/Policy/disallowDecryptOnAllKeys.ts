import type { PolicyConfigSchema } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import { allowsAction, wildcardMatches, type Statement } from '../../../lib/documents.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import { configOf, type PackResourcePolicy } from '../../../lib/policy.ts';

const configSchema: PolicyConfigSchema = {
  properties: {
    keyTags: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [],
      description:
        'Tag keys that, tested together with StringEquals on aws:ResourceTag/<key>, name the keys of one stack: a deployer decrypts with the keys its stack creates, whose ARNs it cannot know in advance. Empty: key ARNs only.',
    },
  },
};

interface Config {
  keyTags: string[];
}

/** Whether the statement narrows its keys to those carrying an exact value of every tag key. */
function narrowedByTags(statement: Statement, tags: readonly string[]): boolean {
  if (tags.length === 0) return false;
  const equals = Object.entries(statement.conditions)
    .filter(([operator]) => operator.toLowerCase() === 'stringequals')
    .flatMap(([, keys]) => Object.entries(keys));
  return tags.every((tag) =>
    equals.some(
      ([key, values]) =>
        key.toLowerCase() === `aws:resourcetag/${tag.toLowerCase()}` &&
        values.length > 0 &&
        values.every((value) => typeof value === 'string' && !/[*?]/.test(value)),
    ),
  );
}

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

/**
 * KMS.1 is about managed policies, KMS.2 about inline ones: this checks both. The stack's deployer
 * (bootstrap/) may decrypt with `key/*` narrowed to its stack's keys by their tags when the pack
 * configuration lists those tags (bootstrap/policy-config.json).
 */
export const disallowDecryptOnAllKeys: PackResourcePolicy = {
  name: 'aws-iam-policy-disallow-decrypt-on-all-keys',
  description:
    'Checks that IAM identity policies (managed and inline) do not allow kms:Decrypt or kms:ReEncryptFrom on every KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: 'Scope kms:Decrypt and kms:ReEncryptFrom to the key ARNs the principal needs.',
  configSchema,
  ...fsbp('KMS.1', 'KMS.2'),
  validateResource: validateIdentityPolicies((statements, reportViolation, args) => {
    const { keyTags } = configOf<Config>(configSchema, args);
    for (const statement of statements) {
      const actions = DECRYPT_ACTIONS.filter((action) => allowsAction(statement, action));
      if (actions.length === 0) continue;
      const everyKeyOfTheAccount =
        statement.resources.some(everyKey) &&
        (statement.resources.includes('*') || !narrowedByTags(statement, keyTags));
      if (statement.notResources !== undefined || everyKeyOfTheAccount) {
        reportViolation(
          `IAM policies must not let a principal decrypt with every KMS key: scope ${actions.join(' and ')} in statement ${statement.id} to the key ARNs it needs.`,
        );
      }
    }
  }),
};
