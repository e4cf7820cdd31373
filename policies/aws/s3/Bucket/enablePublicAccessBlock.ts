import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf } from '../../../lib/buckets.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown } from '../../../lib/values.ts';

const SETTINGS = [
  'blockPublicAcls',
  'blockPublicPolicy',
  'ignorePublicAcls',
  'restrictPublicBuckets',
] as const;

export const enablePublicAccessBlock: PackStackPolicy = {
  name: 'aws-s3-bucket-enable-public-access-block',
  description: 'Checks that every S3 bucket has all four public access block settings on.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true.',
  ...fsbp('S3.8'),
  validateStack: (args, reportViolation) => {
    forEachKnown(bucketsOf(args.resources), (bucket) => {
      const blocked = bucket
        .settings('publicAccessBlock')
        .some((block) => SETTINGS.every((setting) => block[setting] === true));
      if (!blocked) {
        reportViolation(
          `S3 bucket ${bucket.name} must block all public access: add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets set to true.`,
          bucket.resource.urn,
        );
      }
    });
  },
};
