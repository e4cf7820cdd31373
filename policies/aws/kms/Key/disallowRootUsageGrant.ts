import * as aws from '@pulumi/aws';
import { validateResourceOfType, type ReportViolation } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import { statementsOf, wildcardMatches, type Statement } from '../../../lib/documents.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

/** The actions that use a key (or let others use it), as opposed to administering it. */
export const KEY_USAGE_ACTIONS = [
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DeriveSharedSecret',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateMac',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:Sign',
];

/** The account itself as a principal: `arn:<partition>:iam::<account>:root`, or the bare id. */
const ACCOUNT_ROOT = /^(arn:aws[a-z-]*:iam::\d{12}:root|\d{12})$/;

/** Whether the statement is for the account root, which delegates to every identity policy. */
function forAccountRoot(statement: Statement): boolean {
  return (statement.principals?.AWS ?? []).some((principal) => ACCOUNT_ROOT.test(principal));
}

/** Whether a condition names the principals exactly: aws:PrincipalArn without wildcards. */
function namesPrincipals(statement: Statement): boolean {
  return Object.entries(statement.conditions).some(([operator, keys]) =>
    ['arnequals', 'arnlike', 'stringequals', 'stringlike'].includes(operator.toLowerCase())
      ? Object.entries(keys).some(
          ([key, values]) =>
            key.toLowerCase() === 'aws:principalarn' &&
            values.length > 0 &&
            values.every(
              (value) => typeof value === 'string' && !value.includes('*') && !value.includes('?'),
            ),
        )
      : false,
  );
}

function check(document: unknown, reportViolation: ReportViolation): void {
  for (const statement of statementsOf(document) ?? []) {
    if (statement.effect !== 'Allow' || !forAccountRoot(statement) || namesPrincipals(statement)) {
      continue;
    }
    const granted =
      statement.notActions !== undefined
        ? ['NotAction']
        : statement.actions.filter((pattern) =>
            KEY_USAGE_ACTIONS.some((action) => wildcardMatches(pattern, action)),
          );
    if (granted.length > 0) {
      reportViolation(
        `KMS key policies must not let every identity policy of the account use the key: statement ${statement.id} gives the account root ${granted.join(', ')}; keep administrative actions for the root and name the roles that use the key with an aws:PrincipalArn condition.`,
      );
    }
  }
}

/**
 * A key policy statement for the account root hands the key to IAM: then any identity policy
 * with `kms:Decrypt` on `*` decrypts everything the key protects. Usage belongs to named roles.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
export const disallowRootUsageGrant: PackResourcePolicy = {
  name: 'aws-kms-key-disallow-root-usage-grant',
  description:
    'Checks that KMS key policies do not let the account root (and so every identity policy of the account) encrypt, decrypt, generate data keys, sign or create grants, unless an aws:PrincipalArn condition names the roles.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Give the account root administrative actions only; allow the usage actions in statements whose aws:PrincipalArn condition lists the exact roles (and kms:ViaService where the use goes through a service).',
  ...ownRule(),
  validateResource: [
    validateResourceOfType(aws.kms.Key, (key, _args, reportViolation) =>
      check(key.policy, reportViolation),
    ),
    validateResourceOfType(aws.kms.KeyPolicy, (policy, _args, reportViolation) =>
      check(policy.policy, reportViolation),
    ),
  ],
};
