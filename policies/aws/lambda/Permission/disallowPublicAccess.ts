import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isSet } from '../../../lib/values.ts';

/**
 * A permission for "*" lets anyone invoke the function; one for a service without a source lets
 * that service invoke it on behalf of any account (the confused deputy).
 * https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html
 */
export const disallowPublicAccess: PackResourcePolicy = {
  name: 'aws-lambda-permission-disallow-public-access',
  description:
    'Checks that Lambda permissions grant invocation to named principals, and to services only from a named source.',
  enforcementLevel: 'mandatory',
  remediationSteps:
    'Name the invoking account or role as principal; for a service principal set sourceArn (or sourceAccount).',
  ...fsbp('Lambda.1'),
  validateResource: validateResourceOfType(
    aws.lambda.Permission,
    (permission, _args, reportViolation) => {
      const narrowed =
        isSet(() => permission.sourceArn) ||
        isSet(() => permission.sourceAccount) ||
        isSet(() => permission.principalOrgId);
      if (narrowed) return;
      if (permission.principal === '*') {
        reportViolation(
          'Lambda functions must not be invocable by anyone: name the invoking principal, or set sourceArn, sourceAccount or principalOrgId on the permission.',
        );
      } else if (
        typeof permission.principal === 'string' &&
        permission.principal.endsWith('.amazonaws.com')
      ) {
        reportViolation(
          `Lambda permissions for ${permission.principal} must name the source: set sourceArn (or sourceAccount) so the service invokes the function for this stack's resources only.`,
        );
      }
    },
  ),
};
