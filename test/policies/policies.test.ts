/** Each policy: a compliant resource passes; each way to violate it reports the exact message. */
import { describe, expect, it } from 'vitest';
import { disallowApiKeyAuthentication } from '../../policies/aws/appsync/GraphQLApi/disallowApiKeyAuthentication.ts';
import { enableCustomerKeyEncryption } from '../../policies/aws/dynamodb/Table/enableCustomerKeyEncryption.ts';
import { enableKeyRotation } from '../../policies/aws/kms/Key/enableKeyRotation.ts';
import { evaluate } from './harness.ts';

const KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/project-key';

async function messages(
  policy: Parameters<typeof evaluate>[0][number],
  type: string,
  inputs: Record<string, unknown>,
) {
  return (await evaluate([policy], [{ type, name: 'fixture', inputs }])).map(
    (violation) => violation.message,
  );
}

describe('aws-dynamodb-table-enable-customer-key-encryption', () => {
  const type = 'aws:dynamodb/table:Table';
  const compliant = { hashKey: 'id', serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN } };
  const message =
    'DynamoDB tables must be encrypted with the project key: set serverSideEncryption to { enabled: true, kmsKeyArn: <project key ARN> }.';

  it('passes a table encrypted with a customer key', async () => {
    expect(await messages(enableCustomerKeyEncryption, type, compliant)).toEqual([]);
  });

  it('reports a table without server-side encryption settings (AWS-owned key)', async () => {
    expect(await messages(enableCustomerKeyEncryption, type, { hashKey: 'id' })).toEqual([message]);
  });

  it('reports a table with encryption disabled', async () => {
    expect(
      await messages(enableCustomerKeyEncryption, type, {
        ...compliant,
        serverSideEncryption: { enabled: false, kmsKeyArn: KEY_ARN },
      }),
    ).toEqual([message]);
  });

  it('reports a table on the AWS-managed key (no key ARN)', async () => {
    expect(
      await messages(enableCustomerKeyEncryption, type, {
        ...compliant,
        serverSideEncryption: { enabled: true },
      }),
    ).toEqual([message]);
  });

  it('ignores other resource types', async () => {
    expect(await messages(enableCustomerKeyEncryption, 'aws:sqs/queue:Queue', {})).toEqual([]);
  });
});

describe('aws-appsync-graphqlapi-disallow-api-key-authentication', () => {
  const type = 'aws:appsync/graphQLApi:GraphQLApi';
  const compliant = {
    authenticationType: 'AMAZON_COGNITO_USER_POOLS',
    additionalAuthenticationProviders: [{ authenticationType: 'AWS_IAM' }],
  };
  const message =
    'AppSync APIs must not accept API keys: use AMAZON_COGNITO_USER_POOLS for users and AWS_IAM for backends instead of API_KEY.';

  it('passes Cognito with IAM', async () => {
    expect(await messages(disallowApiKeyAuthentication, type, compliant)).toEqual([]);
  });

  it('reports API keys as the default mode', async () => {
    expect(
      await messages(disallowApiKeyAuthentication, type, { authenticationType: 'API_KEY' }),
    ).toEqual([message]);
  });

  it('reports API keys as an additional mode', async () => {
    expect(
      await messages(disallowApiKeyAuthentication, type, {
        ...compliant,
        additionalAuthenticationProviders: [
          { authenticationType: 'AWS_IAM' },
          { authenticationType: 'API_KEY' },
        ],
      }),
    ).toEqual([message]);
  });
});

describe('aws-kms-key-enable-key-rotation', () => {
  const type = 'aws:kms/key:Key';
  const message = 'Symmetric KMS keys must rotate: set enableKeyRotation to true.';

  it('passes a rotating symmetric key', async () => {
    expect(await messages(enableKeyRotation, type, { enableKeyRotation: true })).toEqual([]);
  });

  it('reports a symmetric key without rotation', async () => {
    expect(await messages(enableKeyRotation, type, {})).toEqual([message]);
    expect(
      await messages(enableKeyRotation, type, {
        enableKeyRotation: false,
        customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      }),
    ).toEqual([message]);
  });

  it('leaves asymmetric signing keys alone (they cannot rotate)', async () => {
    expect(
      await messages(enableKeyRotation, type, {
        customerMasterKeySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
      }),
    ).toEqual([]);
  });
});
