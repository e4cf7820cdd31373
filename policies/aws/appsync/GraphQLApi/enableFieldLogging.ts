import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { isSet, text } from '../../../lib/values.ts';

const MESSAGE =
  'AppSync APIs must log resolver errors: set logConfig to { fieldLogLevel: "ERROR" (or "ALL"), cloudwatchLogsRoleArn: <a role that may write the API\'s log group> }.';

export const enableFieldLogging: PackResourcePolicy = {
  name: 'aws-appsync-graphqlapi-enable-field-logging',
  description: 'Checks that AppSync GraphQL APIs log field-level errors to CloudWatch Logs.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('AppSync.2'),
  validateResource: validateResourceOfType(
    aws.appsync.GraphQLApi,
    (api, _args, reportViolation) => {
      const level = text(api.logConfig?.fieldLogLevel);
      if (
        level === undefined ||
        level === 'NONE' ||
        !isSet(() => api.logConfig?.cloudwatchLogsRoleArn)
      ) {
        reportViolation(MESSAGE);
      }
    },
  ),
};
