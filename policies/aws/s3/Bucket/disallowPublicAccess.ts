import * as aws from '@pulumi/aws';
import { validateResourceOfType, type ReportViolation } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { PUBLIC_REMEDIATION, reportPublicStatements } from '../../../lib/public.ts';
import { list, record, text } from '../../../lib/values.ts';

const PUBLIC_ACLS = ['public-read', 'public-read-write', 'authenticated-read'];
const EVERYONE = [
  'http://acs.amazonaws.com/groups/global/AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
];
const ACL_MESSAGE =
  'S3 buckets must not grant access to everyone through ACLs: remove the public canned ACL and the AllUsers and AuthenticatedUsers grants.';

function checkAcl(acl: unknown, grantees: unknown[], reportViolation: ReportViolation): void {
  const uris = grantees.map((grantee) => text(record(grantee)?.uri));
  if (PUBLIC_ACLS.includes(String(acl)) || uris.some((uri) => EVERYONE.includes(uri ?? ''))) {
    reportViolation(ACL_MESSAGE);
  }
}

/** S3.2 (read) and S3.3 (write): a public statement or ACL grants either or both. */
export const disallowPublicAccess: PackResourcePolicy = {
  name: 'aws-s3-bucket-disallow-public-access',
  description: 'Checks that S3 bucket policies and ACLs do not let anyone read or write.',
  enforcementLevel: 'mandatory',
  remediationSteps: `${PUBLIC_REMEDIATION} Remove public ACLs and grants.`,
  ...fsbp('S3.2', 'S3.3'),
  validateResource: [
    validateResourceOfType(aws.s3.BucketPolicy, (policy, _args, reportViolation) =>
      reportPublicStatements(policy.policy, 'S3 bucket policies', reportViolation),
    ),
    validateResourceOfType(aws.s3.Bucket, (bucket, _args, reportViolation) => {
      reportPublicStatements(bucket.policy, 'S3 bucket policies', reportViolation);
      checkAcl(bucket.acl, list(bucket.grants), reportViolation);
    }),
    validateResourceOfType(aws.s3.BucketAcl, (acl, _args, reportViolation) =>
      checkAcl(
        acl.acl,
        list(acl.accessControlPolicy?.grants).map((grant) => record(grant)?.grantee),
        reportViolation,
      ),
    ),
  ],
};
