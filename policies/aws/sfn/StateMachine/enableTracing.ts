import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE =
  'Step Functions state machines must be traced: set tracingConfiguration to { enabled: true } and allow the X-Ray actions in the role.';

export const enableTracing: PackResourcePolicy = {
  name: 'aws-sfn-statemachine-enable-tracing',
  description: 'Checks that Step Functions state machines send X-Ray traces.',
  enforcementLevel: 'advisory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(
    aws.sfn.StateMachine,
    (machine, _args, reportViolation) => {
      if (machine.tracingConfiguration?.enabled !== true) reportViolation(MESSAGE);
    },
  ),
};
