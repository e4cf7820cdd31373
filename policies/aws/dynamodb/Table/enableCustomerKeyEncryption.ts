import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'DynamoDB tables must be encrypted with the project key: set serverSideEncryption to { enabled: true, kmsKeyArn: <project key ARN> }.';

/** Without `serverSideEncryption` a table uses an AWS owned key, which no key policy governs. */
export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-dynamodb-table-enable-customer-key-encryption',
  description: 'Checks that DynamoDB tables are encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(aws.dynamodb.Table, (table, _args, reportViolation) => {
    const sse = table.serverSideEncryption;
    if (sse?.enabled !== true || !isCustomerManagedKey(() => sse.kmsKeyArn)) {
      reportViolation(MESSAGE);
    }
  }),
};
