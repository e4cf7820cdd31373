import * as aws from '@pulumi/aws';
import { validateResourceOfType, type PolicyConfigSchema } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import { configOf, type PackResourcePolicy } from '../../../lib/policy.ts';

const configSchema: PolicyConfigSchema = {
  properties: {
    maximumResolverCount: {
      type: 'integer',
      // AppSync accepts 1 to 10000.
      minimum: 1,
      maximum: 10000,
      default: 20,
      description:
        'The most resolvers one request may invoke: no screen of the product needs more (AppSync allows 10000 unless told).',
    },
  },
};

const message = (maximum: number) =>
  `AppSync APIs must bound the resolvers one request may invoke: set resolverCountLimit from 1 to ${maximum} (resolverCountLimit in the stack configuration).`;

/**
 * Unset (or 0), AppSync lets one request invoke 10000 resolvers: a single request of aliased
 * fields can then take a Lambda data source's whole concurrency.
 * https://docs.aws.amazon.com/appsync/latest/devguide/configuration-limits.html
 */
export const configureResolverCountLimit: PackResourcePolicy = {
  name: 'aws-appsync-graphqlapi-configure-resolver-count-limit',
  description:
    'Checks that AppSync GraphQL APIs limit the resolvers one request may invoke to at most 20.',
  enforcementLevel: 'mandatory',
  remediationSteps: message(20),
  configSchema,
  ...ownRule(),
  validateResource: validateResourceOfType(aws.appsync.GraphQLApi, (api, args, reportViolation) => {
    const { maximumResolverCount } = configOf<{ maximumResolverCount: number }>(configSchema, args);
    const limit = api.resolverCountLimit;
    if (typeof limit !== 'number' || limit < 1 || limit > maximumResolverCount) {
      reportViolation(message(maximumResolverCount));
    }
  }),
};
