import * as aws from '@pulumi/aws';
import { validateResourceOfType } from '@pulumi/policy';
import { ownRule } from '../../../lib/controls.ts';
import {
  requireConfiguredStack,
  stacksSchema,
  type PackResourcePolicy,
} from '../../../lib/policy.ts';

const MESSAGE =
  'AppSync APIs in production must not answer introspection queries: set introspectionConfig to "DISABLED" (graphqlIntrospection: false in the stack configuration).';

const configSchema = stacksSchema(['prod'], 'GraphQL introspection must be off');

/**
 * Introspection hands anyone with a token the whole schema; development stacks keep it for
 * tooling. AppSync enables it unless told otherwise.
 */
export const disableIntrospection: PackResourcePolicy = {
  name: 'aws-appsync-graphqlapi-disable-introspection',
  description: 'Checks that AppSync GraphQL APIs of production stacks have introspection disabled.',
  enforcementLevel: 'mandatory',
  remediationSteps: MESSAGE,
  configSchema,
  ...ownRule(),
  validateResource: validateResourceOfType(aws.appsync.GraphQLApi, (api, args, reportViolation) => {
    requireConfiguredStack(configSchema, args);
    if (api.introspectionConfig !== 'DISABLED') reportViolation(MESSAGE);
  }),
};
