import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE =
  'The account must block public access to every S3 bucket: set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.';

/**
 * S3.1 is an account setting, usually owned by the landing zone: checked when a stack manages it.
 * Each bucket of this stack blocks public access itself (aws-s3-bucket-enable-public-access-block).
 */
export const enablePublicAccessBlock: PackResourcePolicy = {
  name: 'aws-s3-accountpublicaccessblock-enable-public-access-block',
  description: 'Checks that an account-level S3 public access block turns on all four settings.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('S3.1'),
  validateResource: validateResourceOfType(
    aws.s3.AccountPublicAccessBlock,
    (block, _args, reportViolation) => {
      const on =
        block.blockPublicAcls === true &&
        block.blockPublicPolicy === true &&
        block.ignorePublicAcls === true &&
        block.restrictPublicBuckets === true;
      if (!on) reportViolation(MESSAGE);
    },
  ),
};
