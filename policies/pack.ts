/** Every policy of the pack. */
import type { Policies } from '@pulumi/policy';
import { disallowApiKeyAuthentication } from './aws/appsync/GraphQLApi/disallowApiKeyAuthentication.ts';
import { enableCustomerKeyEncryption } from './aws/dynamodb/Table/enableCustomerKeyEncryption.ts';
import { enableKeyRotation } from './aws/kms/Key/enableKeyRotation.ts';

export const policies: Policies = [
  enableCustomerKeyEncryption,
  disallowApiKeyAuthentication,
  enableKeyRotation,
];
