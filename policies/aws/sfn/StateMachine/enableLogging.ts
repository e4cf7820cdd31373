import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isSet } from '../../../lib/values.ts';

const MESSAGE =
  'Step Functions state machines must log executions: set loggingConfiguration to { level: "ERROR" (or "ALL"), logDestination: "<log group ARN>:*" }.';

/** Express workflows keep no execution history: their logs are the only record of a run. */
export const enableLogging: PackResourcePolicy = {
  name: 'aws-sfn-statemachine-enable-logging',
  description: 'Checks that Step Functions state machines log to CloudWatch Logs.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('StepFunctions.1'),
  validateResource: validateResourceOfType(
    aws.sfn.StateMachine,
    (machine, _args, reportViolation) => {
      const logging = machine.loggingConfiguration;
      const level = logging?.level;
      if (level === undefined || level === 'OFF' || !isSet(() => logging?.logDestination)) {
        reportViolation(MESSAGE);
      }
    },
  ),
};
