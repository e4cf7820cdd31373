import type { PolicyConfigSchema } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf, objectLockRetentions } from '../../../lib/buckets.ts';
import { configOf, type PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, stackOf } from '../../../lib/values.ts';

const configSchema: PolicyConfigSchema = {
  properties: {
    auditBucketPattern: {
      type: 'string',
      minLength: 1,
      // `<project>-<stack>-audit-<account>-<region>` (infra/components/audit-trail.ts).
      default: '-audit-\\d{12}-[a-z]{2}(-[a-z]+)+-\\d$',
      description: "A regular expression that the audit record buckets' names match.",
    },
    minimumRetentionYears: {
      type: 'integer',
      minimum: 1,
      default: 7,
      description: 'The longest record-keeping rule the platform answers to (NYDFS: 7 years).',
    },
    stacks: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: ['prod'],
      description: 'The stacks whose audit records must be kept minimumRetentionYears.',
    },
  },
};

interface Config {
  auditBucketPattern: string;
  minimumRetentionYears: number;
  stacks: string[];
}

/**
 * The audit records are the WORM store: Object Lock in COMPLIANCE mode (nobody, root included, can
 * delete or shorten a retention) with a default retention that covers the record-keeping rules.
 * A bucket is an audit bucket by its name, so an audit bucket without Object Lock is found too;
 * any bucket with Object Lock is held to the same rule. Versioning, lifecycle and access logging
 * to another bucket are the general bucket policies'.
 */
export const configureAuditObjectLock: PackStackPolicy = {
  name: 'aws-s3-bucket-configure-audit-object-lock',
  description:
    'Checks that audit record buckets have Object Lock in COMPLIANCE mode with a default retention of at least the configured years in production.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Create the bucket with objectLockEnabled: true and add an aws.s3.BucketObjectLockConfiguration with rule.defaultRetention { mode: "COMPLIANCE", days: 2557 } (7 years) in production.',
  configSchema,
  ...fsbp('S3.15'),
  validateStack: (args, reportViolation) => {
    const config = configOf<Config>(configSchema, args);
    const pattern = new RegExp(config.auditBucketPattern);
    forEachKnown(bucketsOf(args.resources), (bucket) => {
      const locked = bucket.props.objectLockEnabled === true;
      if (!locked && !pattern.test(bucket.name)) return;
      if (!locked) {
        reportViolation(
          `Audit bucket ${bucket.name} must be write-once: create it with objectLockEnabled: true (Object Lock can only be enabled when a bucket is created).`,
          bucket.resource.urn,
        );
        return;
      }
      const retentions = objectLockRetentions(bucket);
      if (!retentions.some((retention) => retention.mode === 'COMPLIANCE')) {
        reportViolation(
          `Audit bucket ${bucket.name} must lock records in COMPLIANCE mode: add an aws.s3.BucketObjectLockConfiguration with rule.defaultRetention.mode "COMPLIANCE" (GOVERNANCE can be bypassed).`,
          bucket.resource.urn,
        );
        return;
      }
      if (!config.stacks.includes(stackOf(bucket.resource.urn))) return;
      const minimumDays = Math.ceil(config.minimumRetentionYears * 365.25);
      const longEnough = retentions.some(
        (retention) =>
          retention.mode === 'COMPLIANCE' &&
          ((retention.days ?? 0) >= minimumDays ||
            (retention.years ?? 0) >= config.minimumRetentionYears),
      );
      if (!longEnough) {
        reportViolation(
          `Audit bucket ${bucket.name} must keep records at least ${config.minimumRetentionYears} years: set rule.defaultRetention to days: ${minimumDays} or more (auditRetentionDays in the stack configuration).`,
          bucket.resource.urn,
        );
      }
    });
  },
};
