/** The scheduling dependencies of a handler, from its environment (checked at cold start). */
import { documentClient, schedulerClient } from './aws.ts';
import { requireEnvironment } from './environment.ts';
import type { SchedulingDeps } from './scheduling.ts';

export function schedulingDepsFromEnvironment(): SchedulingDeps {
  const env = requireEnvironment([
    'PLANS_TABLE',
    'SCHEDULE_GROUP',
    'PURCHASE_STATE_MACHINE_ARN',
    'SCHEDULER_ROLE_ARN',
    'SCHEDULE_DLQ_ARN',
    'KMS_KEY_ARN',
  ]);
  return {
    dynamodb: documentClient(),
    scheduler: schedulerClient(),
    now: () => Date.now(),
    settings: {
      plansTable: env.PLANS_TABLE,
      scheduleGroup: env.SCHEDULE_GROUP,
      stateMachineArn: env.PURCHASE_STATE_MACHINE_ARN,
      schedulerRoleArn: env.SCHEDULER_ROLE_ARN,
      deadLetterQueueArn: env.SCHEDULE_DLQ_ARN,
      kmsKeyArn: env.KMS_KEY_ARN,
    },
  };
}
