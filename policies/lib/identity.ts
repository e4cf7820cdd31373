/**
 * Identity-based IAM policy documents, wherever the program declares them: managed policies,
 * inline policies of roles, users and groups, and a role's `inlinePolicies`. Trust policies and
 * resource policies are not identity policies and are checked by their own policies.
 */
import * as aws from '@pulumi/aws';
import {
  validateResourceOfType,
  type ReportViolation,
  type ResourceValidation,
  type ResourceValidationArgs,
} from '@pulumi/policy';
import { statementsOf, type Statement } from './documents.ts';
import { list, record } from './values.ts';

/** A check of one document's statements; `args` gives the policy's configuration. */
export type IdentityCheck = (
  statements: readonly Statement[],
  report: ReportViolation,
  args: ResourceValidationArgs,
) => void;

function checkDocument(
  document: unknown,
  check: IdentityCheck,
  report: ReportViolation,
  args: ResourceValidationArgs,
): void {
  const statements = statementsOf(document);
  if (statements !== undefined) check(statements, report, args);
}

/** One validation per resource type that carries an identity policy document. */
export function validateIdentityPolicies(check: IdentityCheck): ResourceValidation[] {
  return [
    validateResourceOfType(aws.iam.Policy, (policy, args, report) =>
      checkDocument(policy.policy, check, report, args),
    ),
    validateResourceOfType(aws.iam.RolePolicy, (policy, args, report) =>
      checkDocument(policy.policy, check, report, args),
    ),
    validateResourceOfType(aws.iam.UserPolicy, (policy, args, report) =>
      checkDocument(policy.policy, check, report, args),
    ),
    validateResourceOfType(aws.iam.GroupPolicy, (policy, args, report) =>
      checkDocument(policy.policy, check, report, args),
    ),
    validateResourceOfType(aws.iam.Role, (role, args, report) => {
      for (const inline of list(role.inlinePolicies)) {
        checkDocument(record(inline)?.policy, check, report, args);
      }
    }),
  ];
}
