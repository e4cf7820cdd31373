import * as aws from '@pulumi/aws';
import { validateResourceOfType, type ResourceValidationPolicy } from '@pulumi/policy';

export const disallowApiKeyAuthentication: ResourceValidationPolicy = {
  name: 'aws-appsync-graphqlapi-disallow-api-key-authentication',
  description: 'Checks that AppSync GraphQL APIs do not accept API keys (Security Hub AppSync.5).',
  enforcementLevel: 'mandatory',
  validateResource: validateResourceOfType(
    aws.appsync.GraphQLApi,
    (api, _args, reportViolation) => {
      const modes = [
        api.authenticationType,
        ...(api.additionalAuthenticationProviders ?? []).map(
          (provider) => provider.authenticationType,
        ),
      ];
      if (modes.includes('API_KEY')) {
        reportViolation(
          'AppSync APIs must not accept API keys: use AMAZON_COGNITO_USER_POOLS for users and AWS_IAM for backends instead of API_KEY.',
        );
      }
    },
  ),
};
