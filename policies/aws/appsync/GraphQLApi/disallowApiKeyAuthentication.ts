import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { fsbp } from '../../../lib/controls.ts';
import type { PackResourcePolicy } from '../../../lib/policy.ts';
import { list, record } from '../../../lib/values.ts';

const MESSAGE =
  'AppSync APIs must not accept API keys: use AMAZON_COGNITO_USER_POOLS for users and AWS_IAM for backends instead of API_KEY.';

export const disallowApiKeyAuthentication: PackResourcePolicy = {
  name: 'aws-appsync-graphqlapi-disallow-api-key-authentication',
  description: 'Checks that AppSync GraphQL APIs do not accept API keys.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  ...fsbp('AppSync.5'),
  validateResource: [
    validateResourceOfType(aws.appsync.GraphQLApi, (api, _args, reportViolation) => {
      const modes = [
        api.authenticationType,
        ...list(api.additionalAuthenticationProviders).map(
          (provider) => record(provider)?.authenticationType,
        ),
      ];
      if (modes.includes('API_KEY')) reportViolation(MESSAGE);
    }),
    // A key is only useful to an API that accepts keys: its existence is the finding.
    validateResourceOfType(aws.appsync.ApiKey, (_key, _args, reportViolation) =>
      reportViolation(
        'AppSync APIs must not accept API keys: remove the aws.appsync.ApiKey and authenticate callers with Cognito user pools or IAM.',
      ),
    ),
  ],
};
