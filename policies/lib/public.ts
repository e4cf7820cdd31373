/** The one way every resource policy check words a public statement. */
import type { ReportViolation } from '@pulumi/policy';
import { isPublic, statementsOf } from './documents.ts';

/** Reports each statement of a resource policy `document` that lets anyone in. */
export function reportPublicStatements(
  document: unknown,
  subject: string,
  reportViolation: ReportViolation,
): void {
  for (const statement of statementsOf(document) ?? []) {
    if (isPublic(statement)) {
      reportViolation(
        `${subject} must not be public: give statement ${statement.id} a specific principal, or narrow "*" with a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.`,
      );
    }
  }
}

/** The remediation steps of the public access policies. */
export const PUBLIC_REMEDIATION =
  'Give each Allow statement a specific principal, or narrow "*" with a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.';
