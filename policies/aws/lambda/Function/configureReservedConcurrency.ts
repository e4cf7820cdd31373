import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE =
  'Lambda functions must have bounded concurrency: set reservedConcurrentExecutions to the most concurrent executions the function may take from the account (0 or more; -1 is unbounded).';

/** Unbounded, one function's burst starves every other function of the account's concurrency. */
export const configureReservedConcurrency: PackResourcePolicy = {
  name: 'aws-lambda-function-configure-reserved-concurrency',
  description: 'Checks that Lambda functions reserve (and so bound) their concurrency.',
  enforcementLevel: 'advisory',
  remediationSteps: MESSAGE,
  ...ownRule(),
  validateResource: validateResourceOfType(aws.lambda.Function, (fn, _args, reportViolation) => {
    const reserved = fn.reservedConcurrentExecutions;
    if (typeof reserved !== 'number' || reserved < 0) reportViolation(MESSAGE);
  }),
};
