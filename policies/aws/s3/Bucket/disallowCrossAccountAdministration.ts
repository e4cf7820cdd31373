import * as aws from '@pulumi/aws';
import { validateResourceOfType, type ReportViolation } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import { allowsAction, statementsOf } from '../../../lib/documents.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

/** The actions S3.6 forbids granting to other accounts. */
const ADMINISTRATION = [
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutBucketPolicy',
  's3:PutEncryptionConfiguration',
  's3:PutObjectAcl',
];

/**
 * Stricter than S3.6 (other accounts): no AWS principal gets these through a bucket policy at
 * all; the owning account administers its buckets through IAM.
 */
function check(document: unknown, reportViolation: ReportViolation): void {
  for (const statement of statementsOf(document) ?? []) {
    if ((statement.principals?.AWS ?? []).length === 0 && !statement.notPrincipal) continue;
    const actions = ADMINISTRATION.filter((action) => allowsAction(statement, action));
    if (actions.length > 0) {
      reportViolation(
        `S3 bucket policies must not let other principals administer the bucket: remove ${actions.join(', ')} from statement ${statement.id} and administer the bucket through IAM in its own account.`,
      );
    }
  }
}

export const disallowCrossAccountAdministration: PackResourcePolicy = {
  name: 'aws-s3-bucket-disallow-cross-account-administration',
  description:
    "Checks that S3 bucket policies do not grant AWS principals the actions that change a bucket's policy, ACLs or encryption.",
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Remove s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration and s3:PutObjectAcl from bucket policy statements for AWS principals.',
  ...fsbp('S3.6'),
  validateResource: [
    validateResourceOfType(aws.s3.BucketPolicy, (policy, _args, reportViolation) =>
      check(policy.policy, reportViolation),
    ),
    validateResourceOfType(aws.s3.Bucket, (bucket, _args, reportViolation) =>
      check(bucket.policy, reportViolation),
    ),
  ],
};
