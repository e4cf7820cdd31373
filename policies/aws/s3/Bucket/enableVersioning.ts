import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf } from '../../../lib/buckets.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, record } from '../../../lib/values.ts';

export const enableVersioning: PackStackPolicy = {
  name: 'aws-s3-bucket-enable-versioning',
  description: 'Checks that every S3 bucket keeps object versions.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add an aws.s3.BucketVersioning for the bucket with versioningConfiguration.status "Enabled".',
  ...fsbp('S3.14'),
  validateStack: (args, reportViolation) => {
    forEachKnown(bucketsOf(args.resources), (bucket) => {
      const enabled =
        bucket
          .settings('versioning')
          .some((settings) => record(settings.versioningConfiguration)?.status === 'Enabled') ||
        record(bucket.props.versioning)?.enabled === true;
      if (!enabled) {
        reportViolation(
          `S3 bucket ${bucket.name} must keep object versions: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".`,
          bucket.resource.urn,
        );
      }
    });
  },
};
