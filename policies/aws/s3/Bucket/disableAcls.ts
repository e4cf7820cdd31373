import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf } from '../../../lib/buckets.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, list, record } from '../../../lib/values.ts';

/**
 * Every bucket's ACL holds its owner's FULL_CONTROL grant, and `pulumi up` reports it in the
 * bucket's `grants` output: that one is no ACL use.
 */
function isOwnerGrant(grant: unknown): boolean {
  const fields = record(grant);
  const permissions = list(fields?.permissions);
  return (
    fields?.type === 'CanonicalUser' &&
    permissions.length === 1 &&
    permissions[0] === 'FULL_CONTROL'
  );
}

/** With ACLs disabled (BucketOwnerEnforced), only policies grant access, and public ACLs cannot. */
export const disableAcls: PackStackPolicy = {
  name: 'aws-s3-bucket-disable-acls',
  description:
    'Checks that every S3 bucket disables ACLs (object ownership BucketOwnerEnforced) and declares none.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add an aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced" and remove ACLs and grants; grant access with policies.',
  ...fsbp('S3.12'),
  validateStack: (args, reportViolation) => {
    forEachKnown(bucketsOf(args.resources), (bucket) => {
      const enforced = bucket
        .settings('ownership')
        .some((ownership) => record(ownership.rule)?.objectOwnership === 'BucketOwnerEnforced');
      const acls =
        bucket.settings('acl').length > 0 ||
        (bucket.props.acl !== undefined && bucket.props.acl !== 'private') ||
        list(bucket.props.grants).some((grant) => !isOwnerGrant(grant));
      if (!enforced || acls) {
        reportViolation(
          `S3 bucket ${bucket.name} must not use ACLs: add an aws.s3.BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced" and grant access with policies instead of ACLs.`,
          bucket.resource.urn,
        );
      }
    });
  },
};
