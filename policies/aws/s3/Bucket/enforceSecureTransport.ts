import { fsbp } from '../../../lib/controls.ts';
import { bucketsOf } from '../../../lib/buckets.ts';
import { statementsOf, wildcardMatches, type Statement } from '../../../lib/documents.ts';
import type { PackStackPolicy } from '../../../lib/policy.ts';
import { forEachKnown } from '../../../lib/values.ts';

/** Whether a statement denies every S3 action on the bucket and its objects without TLS. */
function deniesInsecureTransport(statement: Statement, bucketArn: string): boolean {
  const everyone = Object.values(statement.principals ?? {}).some((ids) => ids.includes('*'));
  const everyAction = statement.actions.some((action) => action === '*' || action === 's3:*');
  const covers = (arn: string) =>
    statement.resources.some((resource) => wildcardMatches(resource, arn));
  const withoutTls = Object.entries(statement.conditions).some(
    ([operator, keys]) =>
      /^Bool(IfExists)?$/.test(operator) &&
      Object.entries(keys).some(
        ([key, values]) =>
          key.toLowerCase() === 'aws:securetransport' &&
          values.some((value) => value === false || value === 'false'),
      ),
  );
  return (
    statement.effect === 'Deny' &&
    everyone &&
    everyAction &&
    covers(bucketArn) &&
    covers(`${bucketArn}/any/object`) &&
    withoutTls
  );
}

export const enforceSecureTransport: PackStackPolicy = {
  name: 'aws-s3-bucket-enforce-secure-transport',
  description: 'Checks that every S3 bucket policy refuses requests that do not use TLS.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Add a bucket policy statement that denies s3:* on the bucket and its objects to every principal when aws:SecureTransport is false.',
  ...fsbp('S3.5'),
  validateStack: (args, reportViolation) => {
    forEachKnown(bucketsOf(args.resources), (bucket) => {
      const documents = [
        ...bucket.settings('policy').map((policy) => policy.policy),
        bucket.props.policy,
      ];
      const arn = `arn:aws:s3:::${bucket.name}`;
      const enforced = documents.some((document) =>
        (statementsOf(document) ?? []).some((statement) => deniesInsecureTransport(statement, arn)),
      );
      if (!enforced) {
        reportViolation(
          `S3 bucket ${bucket.name} must refuse requests without TLS: add a bucket policy statement that denies s3:* on ${arn} and ${arn}/* to every principal when aws:SecureTransport is false.`,
          bucket.resource.urn,
        );
      }
    });
  },
};
