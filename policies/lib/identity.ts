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
} from '@pulumi/policy';
import { statementsOf, type Statement } from './documents.ts';
import { list, record } from './values.ts';

export type IdentityCheck = (statements: readonly Statement[], report: ReportViolation) => void;

function checkDocument(document: unknown, check: IdentityCheck, report: ReportViolation): void {
  const statements = statementsOf(document);
  if (statements !== undefined) check(statements, report);
}

/** One validation per resource type that carries an identity policy document. */
export function validateIdentityPolicies(check: IdentityCheck): ResourceValidation[] {
  return [
    validateResourceOfType(aws.iam.Policy, (policy, _args, report) =>
      checkDocument(policy.policy, check, report),
    ),
    validateResourceOfType(aws.iam.RolePolicy, (policy, _args, report) =>
      checkDocument(policy.policy, check, report),
    ),
    validateResourceOfType(aws.iam.UserPolicy, (policy, _args, report) =>
      checkDocument(policy.policy, check, report),
    ),
    validateResourceOfType(aws.iam.GroupPolicy, (policy, _args, report) =>
      checkDocument(policy.policy, check, report),
    ),
    validateResourceOfType(aws.iam.Role, (role, _args, report) => {
      for (const inline of list(role.inlinePolicies)) {
        checkDocument(record(inline)?.policy, check, report);
      }
    }),
  ];
}
