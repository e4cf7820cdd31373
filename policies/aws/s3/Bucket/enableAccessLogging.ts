import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf, loggingTargets, logTargets } from '../../../lib/buckets.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown } from '../../../lib/values.ts';

/**
 * A bucket that receives server access logs is exempt: logging it to itself loops, and logging it
 * to yet another bucket only moves the question. Buckets with Object Lock cannot be log targets,
 * so the audit bucket logs elsewhere by construction.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
 */
export const enableAccessLogging: PackStackPolicy = {
  name: 'aws-s3-bucket-enable-access-logging',
  description:
    'Checks that every S3 bucket, except the buckets that receive access logs, sends server access logs to another bucket.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    "Add an aws.s3.BucketLogging that sends the bucket's access logs to a separate log bucket.",
  ...fsbp('S3.9'),
  validateStack: (args, reportViolation) => {
    const buckets = bucketsOf(args.resources);
    const targets = logTargets(buckets);
    forEachKnown(buckets, (bucket) => {
      if (targets.has(bucket.name)) return;
      const destinations = loggingTargets(bucket);
      if (destinations.length === 0) {
        reportViolation(
          `S3 bucket ${bucket.name} must log server access: add an aws.s3.BucketLogging that sends its access logs to a separate log bucket.`,
          bucket.resource.urn,
        );
      } else if (destinations.every((destination) => destination === bucket.name)) {
        reportViolation(
          `S3 bucket ${bucket.name} must not log to itself: set the aws.s3.BucketLogging targetBucket to a separate log bucket.`,
          bucket.resource.urn,
        );
      }
    });
  },
};
