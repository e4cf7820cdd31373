import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf } from '../../../lib/buckets.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, list, record } from '../../../lib/values.ts';

/**
 * Mandatory rather than hygiene here: with versioning (and Object Lock) nothing ever leaves a bucket
 * unless a lifecycle moves or expires it, so the lifecycle is the records-management decision.
 */
export const configureLifecycle: PackStackPolicy = {
  name: 'aws-s3-bucket-configure-lifecycle',
  description: 'Checks that every S3 bucket has a lifecycle configuration with an enabled rule.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add an aws.s3.BucketLifecycleConfiguration for the bucket with at least one rule whose status is "Enabled" (transitions, expiration, noncurrent versions).',
  ...fsbp('S3.10', 'S3.13'),
  validateStack: (args, reportViolation) => {
    forEachKnown(bucketsOf(args.resources), (bucket) => {
      const configured =
        bucket
          .settings('lifecycle')
          .some((lifecycle) =>
            list(lifecycle.rules).some((rule) => record(rule)?.status === 'Enabled'),
          ) || list(bucket.props.lifecycleRules).some((rule) => record(rule)?.enabled === true);
      if (!configured) {
        reportViolation(
          `S3 bucket ${bucket.name} must have a lifecycle: add an aws.s3.BucketLifecycleConfiguration with at least one rule whose status is "Enabled".`,
          bucket.resource.urn,
        );
      }
    });
  },
};
