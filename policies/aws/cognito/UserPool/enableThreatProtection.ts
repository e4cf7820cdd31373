import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';

const MESSAGE =
  'Cognito user pools must block risky sign-ins: set userPoolAddOns.advancedSecurityMode to "ENFORCED" (threat protection, which needs userPoolTier "PLUS").';

export const enableThreatProtection: PackResourcePolicy = {
  name: 'aws-cognito-userpool-enable-threat-protection',
  description:
    'Checks that Cognito user pools run threat protection in full-function (enforced) mode.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('Cognito.1'),
  validateResource: validateResourceOfType(aws.cognito.UserPool, (pool, _args, reportViolation) => {
    if (pool.userPoolAddOns?.advancedSecurityMode !== 'ENFORCED') reportViolation(MESSAGE);
  }),
};
