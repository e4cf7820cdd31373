import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf, encryptionDefaults, logTargets } from '../../../lib/buckets.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, isCustomerManagedKey } from '../../../lib/values.ts';

const KMS_ALGORITHMS = ['aws:kms', 'aws:kms:dsse'];

/**
 * S3 server access logging delivers only to buckets whose default encryption is SSE-S3, so a
 * bucket that receives access logs uses AES256 (still encrypted at rest), by AWS's rule:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
export const enableCustomerKeyEncryption: PackStackPolicy = {
  name: 'aws-s3-bucket-enable-customer-key-encryption',
  description:
    'Checks that every S3 bucket encrypts new objects with SSE-KMS and a customer managed key (buckets that receive server access logs: SSE-S3, as S3 requires).',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add an aws.s3.BucketServerSideEncryptionConfiguration with applyServerSideEncryptionByDefault { sseAlgorithm: "aws:kms", kmsMasterKeyId: <project key ARN> } and bucketKeyEnabled: true.',
  ...fsbp('S3.17'),
  validateStack: (args, reportViolation) => {
    const buckets = bucketsOf(args.resources);
    const logBuckets = logTargets(buckets);
    forEachKnown(buckets, (bucket) => {
      const defaults = encryptionDefaults(bucket);
      if (logBuckets.has(bucket.name)) {
        if (!defaults.some((rule) => rule.sseAlgorithm === 'AES256')) {
          reportViolation(
            `S3 bucket ${bucket.name} receives server access logs and must encrypt them with SSE-S3: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "AES256".`,
            bucket.resource.urn,
          );
        }
        return;
      }
      const customer = defaults.some(
        (rule) =>
          rule.sseAlgorithm !== undefined &&
          KMS_ALGORITHMS.includes(rule.sseAlgorithm) &&
          isCustomerManagedKey(rule.kmsMasterKeyId),
      );
      if (!customer) {
        reportViolation(
          `S3 bucket ${bucket.name} must encrypt objects with the project key: add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms" and kmsMasterKeyId set to the customer managed key ARN.`,
          bucket.resource.urn,
        );
      }
    });
  },
};
