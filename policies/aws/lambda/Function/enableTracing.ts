import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE =
  'Lambda functions must be traced: set tracingConfig to { mode: "Active" } and allow xray:PutTraceSegments and xray:PutTelemetryRecords in the role.';

export const enableTracing: PackResourcePolicy = {
  name: 'aws-lambda-function-enable-tracing',
  description: 'Checks that Lambda functions send X-Ray traces (active tracing).',
  enforcementLevel: 'advisory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(aws.lambda.Function, (fn, _args, reportViolation) => {
    if (fn.tracingConfig?.mode !== 'Active') reportViolation(MESSAGE);
  }),
};
