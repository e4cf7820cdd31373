import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const STREAM =
  'Firehose streams must encrypt buffered records with the project key: set serverSideEncryption to { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: <project key ARN> }.';
const DESTINATION =
  'Firehose streams must write S3 objects encrypted with the project key: set extendedS3Configuration.kmsKeyArn to the customer managed key ARN.';

export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-kinesis-firehosedeliverystream-enable-customer-key-encryption',
  description:
    'Checks that Firehose delivery streams encrypt records at rest, and what they write to S3, with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: `${STREAM} ${DESTINATION}`,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.kinesis.FirehoseDeliveryStream,
    (stream, _args, reportViolation) => {
      const sse = stream.serverSideEncryption;
      // A stream fed by a Kinesis stream is encrypted by that stream; SSE applies to Direct PUT.
      const directPut = stream.kinesisSourceConfiguration === undefined;
      if (
        directPut &&
        (sse?.enabled !== true ||
          sse.keyType !== 'CUSTOMER_MANAGED_CMK' ||
          !isCustomerManagedKey(() => sse.keyArn))
      ) {
        reportViolation(STREAM);
      }
      if (
        stream.destination === 'extended_s3' &&
        !isCustomerManagedKey(() => stream.extendedS3Configuration?.kmsKeyArn)
      ) {
        reportViolation(DESTINATION);
      }
    },
  ),
};
