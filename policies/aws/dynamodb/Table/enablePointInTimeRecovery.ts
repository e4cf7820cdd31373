import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE =
  'DynamoDB tables must be recoverable to any second of the last 35 days: set pointInTimeRecovery to { enabled: true }.';

export const enablePointInTimeRecovery: PackResourcePolicy = {
  name: 'aws-dynamodb-table-enable-point-in-time-recovery',
  description: 'Checks that DynamoDB tables have point-in-time recovery enabled.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('DynamoDB.2'),
  validateResource: validateResourceOfType(aws.dynamodb.Table, (table, _args, reportViolation) => {
    if (table.pointInTimeRecovery?.enabled !== true) reportViolation(MESSAGE);
  }),
};
