import * as aws from '@pulumi/aws';
import { validateResourceOfType, type PolicyConfigSchema } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import { configOf, type PackResourcePolicy } from '../../../lib/policy.ts';

const configSchema: PolicyConfigSchema = {
  properties: {
    minimumLength: {
      type: 'integer',
      // Cognito accepts 6 to 99; FSBP's floor is 8.
      minimum: 8,
      maximum: 99,
      default: 12,
      description: 'Shortest password accepted (FSBP asks for 8; the project asks for 12).',
    },
    maximumTemporaryPasswordValidityDays: { type: 'integer', minimum: 1, maximum: 365, default: 7 },
  },
};

interface Config {
  minimumLength: number;
  maximumTemporaryPasswordValidityDays: number;
}

export const configurePasswordPolicy: PackResourcePolicy = {
  name: 'aws-cognito-userpool-configure-password-policy',
  description:
    'Checks that Cognito user pools require long passwords with lower case, upper case, numbers and symbols, and short-lived temporary passwords.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Set passwordPolicy to minimumLength 12 or more, requireLowercase, requireUppercase, requireNumbers and requireSymbols true, and temporaryPasswordValidityDays 7 or fewer.',
  configSchema,
  ...fsbp('Cognito.3'),
  validateResource: validateResourceOfType(aws.cognito.UserPool, (pool, args, reportViolation) => {
    const config = configOf<Config>(configSchema, args);
    const policy = pool.passwordPolicy;
    const strong =
      policy !== undefined &&
      (policy.minimumLength ?? 8) >= config.minimumLength &&
      policy.requireLowercase === true &&
      policy.requireUppercase === true &&
      policy.requireNumbers === true &&
      policy.requireSymbols === true &&
      (policy.temporaryPasswordValidityDays ?? 7) <= config.maximumTemporaryPasswordValidityDays;
    if (!strong) {
      reportViolation(
        `Cognito user pools must require strong passwords: set passwordPolicy to minimumLength ${config.minimumLength} or more, requireLowercase, requireUppercase, requireNumbers and requireSymbols true, and temporaryPasswordValidityDays ${config.maximumTemporaryPasswordValidityDays} or fewer.`,
      );
    }
  }),
};
