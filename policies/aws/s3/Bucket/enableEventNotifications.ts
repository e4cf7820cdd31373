import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf } from '../../../lib/buckets.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown, list } from '../../../lib/values.ts';

export const enableEventNotifications: PackStackPolicy = {
  name: 'aws-s3-bucket-enable-event-notifications',
  description:
    'Checks that every S3 bucket sends event notifications (to EventBridge or a target).',
  enforcementLevel: 'advisory',
  remediationSteps:
    'Add an aws.s3.BucketNotification for the bucket with eventbridge: true (or queue, topic or function targets).',
  ...fsbp('S3.11'),
  validateStack: (args, reportViolation) => {
    forEachKnown(bucketsOf(args.resources), (bucket) => {
      const notifies = bucket
        .settings('notification')
        .some(
          (notification) =>
            notification.eventbridge === true ||
            list(notification.queues).length > 0 ||
            list(notification.topics).length > 0 ||
            list(notification.lambdaFunctions).length > 0,
        );
      if (!notifies) {
        reportViolation(
          `S3 bucket ${bucket.name} must send event notifications: add an aws.s3.BucketNotification with eventbridge: true.`,
          bucket.resource.urn,
        );
      }
    });
  },
};
