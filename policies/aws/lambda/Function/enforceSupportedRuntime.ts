import * as aws from '@pulumi/aws';
import { validateResourceOfType, type PolicyConfigSchema } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import { configOf, type PackResourcePolicy } from '../../../lib/policy.ts';

const configSchema: PolicyConfigSchema = {
  properties: {
    runtimes: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      uniqueItems: true,
      default: ['nodejs24.x'],
      description: 'The runtimes functions may use (the project deploys on nodejs24.x only).',
    },
  },
};

/**
 * Stricter than Lambda.2 (any runtime AWS still supports): one runtime, the one the project builds,
 * tests and bundles for. Container images carry their own runtime and are not checked.
 */
export const enforceSupportedRuntime: PackResourcePolicy = {
  name: 'aws-lambda-function-enforce-supported-runtime',
  description: 'Checks that Lambda functions run on the project runtime (nodejs24.x).',
  enforcementLevel: 'mandatory',
  remediationSteps: 'Set runtime to "nodejs24.x" and rebuild the bundle for it.',
  configSchema,
  ...fsbp('Lambda.2'),
  validateResource: validateResourceOfType(aws.lambda.Function, (fn, args, reportViolation) => {
    if (fn.packageType === 'Image') return;
    const { runtimes } = configOf<{ runtimes: string[] }>(configSchema, args);
    if (typeof fn.runtime !== 'string' || !runtimes.includes(fn.runtime)) {
      reportViolation(
        `Lambda functions must run on a supported runtime: set runtime to ${runtimes.map((runtime) => `"${runtime}"`).join(' or ')}.`,
      );
    }
  }),
};
