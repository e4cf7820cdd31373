import type { PolicyConfigSchema } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import { allowsAction, conditionKeys } from '../../../lib/documents.ts';
import { validateIdentityPolicies } from '../../../lib/identity.ts';
import { configOf, type PackResourcePolicy } from '../../../lib/policy.ts';

const configSchema: PolicyConfigSchema = {
  properties: {
    rolePrefixes: {
      type: 'array',
      items: { type: 'string', pattern: '^[A-Za-z0-9+=,.@_-]+-$' },
      uniqueItems: true,
      default: [],
      description:
        'Role name prefixes (each ending in "-") that may be passed as `role/<prefix>*`: a deployer passes the roles it creates, whose names it knows only by their prefix. Empty: exact role ARNs only.',
    },
  },
};

interface Config {
  rolePrefixes: string[];
}

const EXACT_ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/[^*?]+$/;

/** Whether a resource names one role, or (with `prefixes`) every role of one prefix. */
function namesRoles(resource: string, prefixes: readonly string[]): boolean {
  if (EXACT_ROLE.test(resource)) return true;
  const match = /^arn:aws[a-z-]*:iam::\d{12}:role\/([^*?]+)\*$/.exec(resource);
  return match !== null && prefixes.includes(match[1] as string);
}

/**
 * Passing a role lets a service act with that role's permissions: a principal that may pass any
 * role to any service can escalate to any role in the account.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 *
 * The stack's deployer (bootstrap/) passes the roles the stack creates: it may name them by the
 * stack's prefix when the pack configuration lists that prefix (bootstrap/policy-config.json).
 */
export const enforcePassRoleScope: PackResourcePolicy = {
  name: 'aws-iam-policy-enforce-pass-role-scope',
  description:
    'Checks that IAM identity policies allow iam:PassRole only on named role ARNs (or a configured role name prefix) and only with an iam:PassedToService condition.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'List the exact role ARNs for iam:PassRole and add a StringEquals condition on iam:PassedToService.',
  configSchema,
  ...ownRule(),
  validateResource: validateIdentityPolicies((statements, reportViolation, args) => {
    const { rolePrefixes } = configOf<Config>(configSchema, args);
    for (const statement of statements) {
      if (!allowsAction(statement, 'iam:PassRole')) continue;
      const named =
        statement.notResources === undefined &&
        statement.resources.length > 0 &&
        statement.resources.every((resource) => namesRoles(resource, rolePrefixes));
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
