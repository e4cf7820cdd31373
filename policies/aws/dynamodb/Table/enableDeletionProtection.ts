import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import {
  requireConfiguredStack,
  stacksSchema,
  type PackResourcePolicy,
} from '../../../lib/policy.ts';

const MESSAGE =
  'DynamoDB tables that hold data which must survive must refuse deletion: set deletionProtectionEnabled to true (deletionProtection: true in the stack configuration).';

/** Development stacks are torn down and rebuilt: the rule holds where the data matters. */
const configSchema = stacksSchema(['staging', 'prod'], 'tables must have deletion protection');

export const enableDeletionProtection: PackResourcePolicy = {
  name: 'aws-dynamodb-table-enable-deletion-protection',
  description:
    'Checks that DynamoDB tables of the staging and production stacks have deletion protection enabled.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  configSchema,
  ...fsbp('DynamoDB.6'),
  validateResource: validateResourceOfType(aws.dynamodb.Table, (table, args, reportViolation) => {
    requireConfiguredStack(configSchema, args);
    if (table.deletionProtectionEnabled !== true) reportViolation(MESSAGE);
  }),
};
