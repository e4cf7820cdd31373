import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isCustomerManagedKey } from '../../../lib/values.ts';

const MESSAGE =
  'EventBridge Scheduler schedules must be encrypted with the project key: set kmsKeyArn to the customer managed key ARN.';

/** A schedule's target input names the plan it buys for. */
export const enableCustomerKeyEncryption: PackResourcePolicy = {
  name: 'aws-scheduler-schedule-enable-customer-key-encryption',
  description:
    'Checks that EventBridge Scheduler schedules are encrypted with a customer managed KMS key.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.scheduler.Schedule,
    (schedule, _args, reportViolation) => {
      if (!isCustomerManagedKey(() => schedule.kmsKeyArn)) reportViolation(MESSAGE);
    },
  ),
};
