/** Resource policies (except IAM's): a compliant fixture passes; each violation is reported exactly. */
import { describe, expect, it } from 'vitest';
import { messages } from './harness.ts';
import { ACCOUNT, KEY_ARN, byName, describeResourceRule, document, fixture } from './rules.ts';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/logs-role`;
const QUEUE_ARN = `arn:aws:sqs:eu-central-1:${ACCOUNT}:failures`;
const PUBLIC_STATEMENT = {
  Sid: 'Anyone',
  Effect: 'Allow',
  Principal: '*',
  Action: 'x:Y',
  Resource: '*',
};
const publicMessage = (subject: string, sid = 'Anyone') =>
  `${subject} must not be public: give statement ${sid} a specific principal, or narrow "*" with a condition on aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID.`;

describe('AppSync', () => {
  const type = 'aws:appsync/graphQLApi:GraphQLApi';
  const api = {
    authenticationType: 'AMAZON_COGNITO_USER_POOLS',
    additionalAuthenticationProviders: [{ authenticationType: 'AWS_IAM' }],
    logConfig: { fieldLogLevel: 'ERROR', cloudwatchLogsRoleArn: ROLE_ARN },
    introspectionConfig: 'DISABLED',
    resolverCountLimit: 20,
  };
  const apiKeyMessage =
    'AppSync APIs must not accept API keys: use AMAZON_COGNITO_USER_POOLS for users and AWS_IAM for backends instead of API_KEY.';

  describeResourceRule('aws-appsync-graphqlapi-disallow-api-key-authentication', {
    type,
    passes: [['Cognito user pools with IAM', api]],
    reports: [
      ['API keys as the default mode', { ...api, authenticationType: 'API_KEY' }, [apiKeyMessage]],
      [
        'API keys as an additional mode',
        {
          ...api,
          additionalAuthenticationProviders: [
            { authenticationType: 'AWS_IAM' },
            { authenticationType: 'API_KEY' },
          ],
        },
        [apiKeyMessage],
      ],
    ],
  });

  it('aws-appsync-graphqlapi-disallow-api-key-authentication reports an API key resource', async () => {
    expect(
      await messages(byName('aws-appsync-graphqlapi-disallow-api-key-authentication'), [
        fixture('aws:appsync/apiKey:ApiKey', { apiId: 'api123' }),
      ]),
    ).toEqual([
      'AppSync APIs must not accept API keys: remove the aws.appsync.ApiKey and authenticate callers with Cognito user pools or IAM.',
    ]);
  });

  const fieldLogging =
    'AppSync APIs must log resolver errors: set logConfig to { fieldLogLevel: "ERROR" (or "ALL"), cloudwatchLogsRoleArn: <a role that may write the API\'s log group> }.';
  describeResourceRule('aws-appsync-graphqlapi-enable-field-logging', {
    type,
    passes: [
      ['field logs at ERROR', api],
      ['field logs at ALL', { ...api, logConfig: { ...api.logConfig, fieldLogLevel: 'ALL' } }],
    ],
    reports: [
      ['an API without logConfig', { ...api, logConfig: undefined }, [fieldLogging]],
      [
        'field logging off (NONE)',
        { ...api, logConfig: { ...api.logConfig, fieldLogLevel: 'NONE' } },
        [fieldLogging],
      ],
      [
        'field logs without a role to write them',
        { ...api, logConfig: { fieldLogLevel: 'ERROR' } },
        [fieldLogging],
      ],
    ],
  });

  const introspection =
    'AppSync APIs in production must not answer introspection queries: set introspectionConfig to "DISABLED" (graphqlIntrospection: false in the stack configuration).';
  describeResourceRule('aws-appsync-graphqlapi-disable-introspection', {
    type,
    options: { stack: 'prod' },
    passes: [['introspection disabled in prod', api]],
    reports: [
      [
        'introspection enabled in prod',
        { ...api, introspectionConfig: 'ENABLED' },
        [introspection],
      ],
      [
        'introspection left to its default (enabled) in prod',
        { ...api, introspectionConfig: undefined },
        [introspection],
      ],
    ],
  });
  describeResourceRule('aws-appsync-graphqlapi-disable-introspection', {
    type,
    options: { stack: 'staging' },
    passes: [['introspection enabled outside prod', { ...api, introspectionConfig: 'ENABLED' }]],
    reports: [],
  });
  it('aws-appsync-graphqlapi-disable-introspection applies to the stacks its config names', async () => {
    expect(
      await messages(
        byName('aws-appsync-graphqlapi-disable-introspection'),
        [fixture(type, { ...api, introspectionConfig: 'ENABLED' })],
        {
          stack: 'staging',
          config: { 'aws-appsync-graphqlapi-disable-introspection': { stacks: ['staging'] } },
        },
      ),
    ).toEqual([introspection]);
  });

  const limit = (maximum: number) =>
    `AppSync APIs must bound the resolvers one request may invoke: set resolverCountLimit from 1 to ${maximum} (resolverCountLimit in the stack configuration).`;
  describeResourceRule('aws-appsync-graphqlapi-configure-resolver-count-limit', {
    type,
    passes: [
      ['a limit of 20', api],
      ['a limit of 1', { ...api, resolverCountLimit: 1 }],
    ],
    reports: [
      [
        'no limit (AppSync then allows 10000)',
        { ...api, resolverCountLimit: undefined },
        [limit(20)],
      ],
      ['a limit of 0 (AppSync\u2019s 10000)', { ...api, resolverCountLimit: 0 }, [limit(20)]],
      ['a limit above 20', { ...api, resolverCountLimit: 21 }, [limit(20)]],
      ['AppSync\u2019s maximum', { ...api, resolverCountLimit: 10_000 }, [limit(20)]],
    ],
  });
  it('aws-appsync-graphqlapi-configure-resolver-count-limit takes its maximum from its config', async () => {
    const policy = byName('aws-appsync-graphqlapi-configure-resolver-count-limit');
    const config = {
      'aws-appsync-graphqlapi-configure-resolver-count-limit': { maximumResolverCount: 50 },
    };
    expect(
      await messages(policy, [fixture(type, { ...api, resolverCountLimit: 50 })], { config }),
    ).toEqual([]);
    expect(
      await messages(policy, [fixture(type, { ...api, resolverCountLimit: 51 })], { config }),
    ).toEqual([limit(50)]);
  });
});

describe('CloudTrail', () => {
  const type = 'aws:cloudtrail/trail:Trail';
  const trail = {
    s3BucketName: 'trail-bucket',
    isMultiRegionTrail: true,
    includeGlobalServiceEvents: true,
    enableLogFileValidation: true,
    enableLogging: true,
    kmsKeyId: KEY_ARN,
    cloudWatchLogsGroupArn: `arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:/aws/cloudtrail/audit:*`,
    cloudWatchLogsRoleArn: ROLE_ARN,
    advancedEventSelectors: [
      {
        name: 'Management events',
        fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }],
      },
    ],
  };
  const multiRegion =
    'CloudTrail trails must record every Region: set isMultiRegionTrail to true (and keep includeGlobalServiceEvents).';
  const management =
    'CloudTrail trails must record read and write management events: add an advanced event selector on eventCategory "Management" without a readOnly field selector.';
  describeResourceRule('aws-cloudtrail-trail-enable-multi-region', {
    type,
    passes: [
      ['a multi-Region trail of every management event', trail],
      [
        'a trail with the default selectors (every management event)',
        { ...trail, advancedEventSelectors: undefined },
      ],
      [
        'basic event selectors of read and write management events',
        {
          ...trail,
          advancedEventSelectors: undefined,
          eventSelectors: [{ includeManagementEvents: true, readWriteType: 'All' }],
        },
      ],
    ],
    reports: [
      ['a single-Region trail', { ...trail, isMultiRegionTrail: false }, [multiRegion]],
      [
        'a trail that is not logging',
        { ...trail, enableLogging: false },
        ['CloudTrail trails must be logging: set enableLogging to true.'],
      ],
      [
        'advanced selectors without management events',
        {
          ...trail,
          advancedEventSelectors: [
            { fieldSelectors: [{ field: 'eventCategory', equals: ['Data'] }] },
          ],
        },
        [management],
      ],
      [
        'write-only management events',
        {
          ...trail,
          advancedEventSelectors: [
            {
              fieldSelectors: [
                { field: 'eventCategory', equals: ['Management'] },
                { field: 'readOnly', equals: ['false'] },
              ],
            },
          ],
        },
        [management],
      ],
      [
        'basic selectors of write-only management events',
        {
          ...trail,
          advancedEventSelectors: undefined,
          eventSelectors: [{ includeManagementEvents: true, readWriteType: 'WriteOnly' }],
        },
        [management],
      ],
    ],
  });
  const key =
    'CloudTrail trails must encrypt their log files with the project key: set kmsKeyId to the customer managed key ARN (its key policy must let CloudTrail use it).';
  describeResourceRule('aws-cloudtrail-trail-enable-customer-key-encryption', {
    type,
    passes: [['a trail encrypted with the project key', trail]],
    reports: [
      ['a trail with SSE-S3 only (no key)', { ...trail, kmsKeyId: undefined }, [key]],
      ['a trail on an AWS managed key', { ...trail, kmsKeyId: 'alias/aws/s3' }, [key]],
    ],
  });
  describeResourceRule('aws-cloudtrail-trail-enable-log-file-validation', {
    type,
    passes: [['a trail with log file validation', trail]],
    reports: [
      [
        'a trail without log file validation',
        { ...trail, enableLogFileValidation: undefined },
        [
          'CloudTrail trails must prove their log files unmodified: set enableLogFileValidation to true.',
        ],
      ],
    ],
  });
  const cloudWatch =
    'CloudTrail trails must deliver to CloudWatch Logs for alarms: set cloudWatchLogsGroupArn (the log group ARN with ":*") and cloudWatchLogsRoleArn (a role that may write it).';
  describeResourceRule('aws-cloudtrail-trail-enable-cloud-watch-logs', {
    type,
    passes: [['a trail delivering to a log group', trail]],
    reports: [
      [
        'a trail without a log group',
        { ...trail, cloudWatchLogsGroupArn: undefined },
        [cloudWatch],
      ],
      ['a trail without the delivery role', { ...trail, cloudWatchLogsRoleArn: '' }, [cloudWatch]],
    ],
  });
});

describe('Cognito', () => {
  const type = 'aws:cognito/userPool:UserPool';
  const pool = {
    passwordPolicy: {
      minimumLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireNumbers: true,
      requireSymbols: true,
      temporaryPasswordValidityDays: 3,
    },
    userPoolTier: 'PLUS',
    userPoolAddOns: { advancedSecurityMode: 'ENFORCED' },
  };
  const password =
    'Cognito user pools must require strong passwords: set passwordPolicy to minimumLength 12 or more, requireLowercase, requireUppercase, requireNumbers and requireSymbols true, and temporaryPasswordValidityDays 7 or fewer.';
  const mutate = (change: Record<string, unknown>) => ({
    ...pool,
    passwordPolicy: { ...pool.passwordPolicy, ...change },
  });
  describeResourceRule('aws-cognito-userpool-configure-password-policy', {
    type,
    passes: [['a 12-character policy with every character class', pool]],
    reports: [
      [
        'a pool without a password policy (8 characters)',
        { ...pool, passwordPolicy: undefined },
        [password],
      ],
      ['passwords shorter than 12 characters', mutate({ minimumLength: 8 }), [password]],
      ['no lower case required', mutate({ requireLowercase: false }), [password]],
      ['no upper case required', mutate({ requireUppercase: false }), [password]],
      ['no numbers required', mutate({ requireNumbers: false }), [password]],
      ['no symbols required', mutate({ requireSymbols: undefined }), [password]],
      [
        'temporary passwords valid longer than 7 days',
        mutate({ temporaryPasswordValidityDays: 8 }),
        [password],
      ],
    ],
  });
  const threat =
    'Cognito user pools must block risky sign-ins: set userPoolAddOns.advancedSecurityMode to "ENFORCED" (threat protection, which needs userPoolTier "PLUS").';
  describeResourceRule('aws-cognito-userpool-enable-threat-protection', {
    type,
    passes: [['threat protection enforced', pool]],
    reports: [
      ['no threat protection', { ...pool, userPoolAddOns: undefined }, [threat]],
      [
        'threat protection in audit mode only',
        { ...pool, userPoolAddOns: { advancedSecurityMode: 'AUDIT' } },
        [threat],
      ],
    ],
  });
});

describe('DynamoDB', () => {
  const type = 'aws:dynamodb/table:Table';
  const table = {
    hashKey: 'id',
    billingMode: 'PAY_PER_REQUEST',
    serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN },
    pointInTimeRecovery: { enabled: true },
    deletionProtectionEnabled: true,
  };
  const encryption =
    'DynamoDB tables must be encrypted with the project key: set serverSideEncryption to { enabled: true, kmsKeyArn: <project key ARN> }.';
  describeResourceRule('aws-dynamodb-table-enable-customer-key-encryption', {
    type,
    passes: [['a table encrypted with the project key', table]],
    reports: [
      [
        'a table without server-side encryption settings (AWS owned key)',
        { ...table, serverSideEncryption: undefined },
        [encryption],
      ],
      [
        'a table with encryption disabled',
        { ...table, serverSideEncryption: { enabled: false, kmsKeyArn: KEY_ARN } },
        [encryption],
      ],
      [
        'a table on the AWS managed key (no key ARN)',
        { ...table, serverSideEncryption: { enabled: true } },
        [encryption],
      ],
      [
        'a table on the AWS managed key alias',
        { ...table, serverSideEncryption: { enabled: true, kmsKeyArn: 'alias/aws/dynamodb' } },
        [encryption],
      ],
    ],
  });
  describeResourceRule('aws-dynamodb-table-enable-point-in-time-recovery', {
    type,
    passes: [['a table with point-in-time recovery', table]],
    reports: [
      [
        'a table without point-in-time recovery',
        { ...table, pointInTimeRecovery: { enabled: false } },
        [
          'DynamoDB tables must be recoverable to any second of the last 35 days: set pointInTimeRecovery to { enabled: true }.',
        ],
      ],
    ],
  });
  const deletion =
    'DynamoDB tables that hold data which must survive must refuse deletion: set deletionProtectionEnabled to true (deletionProtection: true in the stack configuration).';
  describeResourceRule('aws-dynamodb-table-enable-deletion-protection', {
    type,
    options: { stack: 'prod' },
    passes: [['a protected table in prod', table]],
    reports: [
      ['an unprotected table in prod', { ...table, deletionProtectionEnabled: false }, [deletion]],
    ],
  });
  describeResourceRule('aws-dynamodb-table-enable-deletion-protection', {
    type,
    options: { stack: 'staging' },
    passes: [],
    reports: [
      [
        'an unprotected table in staging',
        { ...table, deletionProtectionEnabled: undefined },
        [deletion],
      ],
    ],
  });
  describeResourceRule('aws-dynamodb-table-enable-deletion-protection', {
    type,
    options: { stack: 'dev' },
    passes: [['an unprotected table in dev', { ...table, deletionProtectionEnabled: false }]],
    reports: [],
  });
});

describe('KMS', () => {
  const type = 'aws:kms/key:Key';
  const key = {
    enableKeyRotation: true,
    policy: document({
      Sid: 'AccountAdministersKeyThroughIam',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: '*',
    }),
  };
  const rotation = 'Symmetric KMS keys must rotate: set enableKeyRotation to true.';
  describeResourceRule('aws-kms-key-enable-key-rotation', {
    type,
    passes: [
      ['a rotating symmetric key', key],
      [
        'an asymmetric signing key without rotation (it cannot rotate)',
        {
          ...key,
          enableKeyRotation: false,
          customerMasterKeySpec: 'ECC_NIST_P256',
          keyUsage: 'SIGN_VERIFY',
        },
      ],
    ],
    reports: [
      ['a symmetric key without rotation', { ...key, enableKeyRotation: undefined }, [rotation]],
      [
        'an explicitly symmetric key with rotation off',
        { ...key, enableKeyRotation: false, customerMasterKeySpec: 'SYMMETRIC_DEFAULT' },
        [rotation],
      ],
    ],
  });
  describeResourceRule('aws-kms-key-disallow-public-access', {
    type,
    passes: [
      ['a key policy for the account', key],
      [
        'a service principal narrowed to this account',
        {
          ...key,
          policy: document({
            Effect: 'Allow',
            Principal: '*',
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
          }),
        },
      ],
      [
        'a Deny for everyone',
        {
          ...key,
          policy: document({ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }),
        },
      ],
    ],
    reports: [
      [
        'a key anyone may use',
        { ...key, policy: document(PUBLIC_STATEMENT) },
        [publicMessage('KMS key policies')],
      ],
      [
        'a key for AWS "*" narrowed by a negated condition only',
        {
          ...key,
          policy: document({
            Effect: 'Allow',
            Principal: { AWS: ['*'] },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:SourceAccount': '999999999999' } },
          }),
        },
        [publicMessage('KMS key policies', '#1')],
      ],
    ],
  });
  it('aws-kms-key-disallow-public-access checks separate key policies too', async () => {
    expect(
      await messages(byName('aws-kms-key-disallow-public-access'), [
        fixture('aws:kms/keyPolicy:KeyPolicy', {
          keyId: 'key',
          policy: document(PUBLIC_STATEMENT),
        }),
      ]),
    ).toEqual([publicMessage('KMS key policies')]);
  });

  const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
  const FUNCTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-prod-decide-lambda`;
  const ADMINISTER = {
    Sid: 'AccountAdministersKeyThroughIam',
    Effect: 'Allow',
    Principal: { AWS: ROOT },
    Action: ['kms:DescribeKey', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'],
    Resource: '*',
  };
  const NAMED_USE = {
    Sid: 'TablesAreUsedThroughDynamoDb',
    Effect: 'Allow',
    Principal: { AWS: ROOT },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: '*',
    Condition: {
      ArnEquals: { 'aws:PrincipalArn': [FUNCTION_ROLE] },
      StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' },
    },
  };
  const LOG_GROUP = `arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:/aws/lambda/savings-plan-buy-prod-decide`;
  const LOGS = {
    Sid: 'CloudWatchLogsEncryptsTheStacksLogGroups',
    Effect: 'Allow',
    Principal: { Service: 'logs.eu-central-1.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    Resource: '*',
    Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': [LOG_GROUP] } },
  };
  const scoped = { ...key, policy: document(ADMINISTER, NAMED_USE, LOGS) };
  const rootUse = (statement: string, granted: string) =>
    `KMS key policies must not let every identity policy of the account use the key: statement ${statement} gives the account root ${granted}; keep administrative actions for the root and name the roles that use the key with an aws:PrincipalArn condition.`;
  describeResourceRule('aws-kms-key-disallow-root-usage-grant', {
    type,
    passes: [
      ['administration for the root and use for named roles', scoped],
      [
        'a Deny of every use for the root',
        {
          ...key,
          policy: document({ ...ADMINISTER, Effect: 'Deny', Action: 'kms:*', Sid: 'NoUse' }),
        },
      ],
      ['a service principal', { ...key, policy: document(LOGS) }],
    ],
    reports: [
      [
        'kms:* for the root (the default key policy)',
        { ...key, policy: document({ ...ADMINISTER, Action: 'kms:*' }) },
        [rootUse('AccountAdministersKeyThroughIam', 'kms:*')],
      ],
      [
        'decryption for the root among administrative actions',
        {
          ...key,
          policy: document({ ...ADMINISTER, Action: [...ADMINISTER.Action, 'kms:Decrypt'] }),
        },
        [rootUse('AccountAdministersKeyThroughIam', 'kms:Decrypt')],
      ],
      [
        'data keys and grants for the account id, through a pattern',
        {
          ...key,
          policy: document({
            Sid: 'Account',
            Effect: 'Allow',
            Principal: { AWS: ACCOUNT },
            Action: ['kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:ListGrants'],
            Resource: '*',
          }),
        },
        [rootUse('Account', 'kms:GenerateDataKey*, kms:CreateGrant')],
      ],
      [
        'signing for the root',
        { ...key, policy: document({ ...ADMINISTER, Action: ['kms:GetPublicKey', 'kms:Sign'] }) },
        [rootUse('AccountAdministersKeyThroughIam', 'kms:Sign')],
      ],
      [
        'use for every role of the account, by a principal ARN pattern',
        {
          ...key,
          policy: document({
            ...NAMED_USE,
            Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/*` } },
          }),
        },
        [rootUse('TablesAreUsedThroughDynamoDb', 'kms:Decrypt, kms:GenerateDataKey')],
      ],
      [
        'use for the root narrowed by the service only',
        {
          ...key,
          policy: document({
            ...NAMED_USE,
            Condition: {
              StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' },
            },
          }),
        },
        [rootUse('TablesAreUsedThroughDynamoDb', 'kms:Decrypt, kms:GenerateDataKey')],
      ],
      [
        'NotAction for the root',
        {
          ...key,
          policy: document({
            Sid: 'AllButDeletion',
            Effect: 'Allow',
            Principal: { AWS: ROOT },
            NotAction: 'kms:ScheduleKeyDeletion',
            Resource: '*',
          }),
        },
        [rootUse('AllButDeletion', 'NotAction')],
      ],
    ],
  });
  it('aws-kms-key-disallow-root-usage-grant checks separate key policies too', async () => {
    expect(
      await messages(byName('aws-kms-key-disallow-root-usage-grant'), [
        fixture('aws:kms/keyPolicy:KeyPolicy', {
          keyId: 'key',
          policy: document({ ...ADMINISTER, Action: 'kms:*' }),
        }),
      ]),
    ).toEqual([rootUse('AccountAdministersKeyThroughIam', 'kms:*')]);
  });

  const logsMessage = (statement: string) =>
    `KMS key policies must let CloudWatch Logs use the key for named log groups only: add an ArnEquals or ArnLike condition on kms:EncryptionContext:aws:logs:arn with the stack's log group ARNs to statement ${statement}.`;
  const wideLogs = (statement: string, arns: string) =>
    `KMS key policies must let CloudWatch Logs use the key for named log groups only: replace ${arns} in statement ${statement} with the stack's log group ARNs or name patterns.`;
  describeResourceRule('aws-kms-key-enforce-log-group-encryption-context', {
    type,
    passes: [
      ['CloudWatch Logs for the named log groups', scoped],
      [
        "CloudWatch Logs for the stack's log group name pattern",
        {
          ...key,
          policy: document({
            ...LOGS,
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:/aws/lambda/savings-plan-buy-prod-*`,
              },
            },
          }),
        },
      ],
      ['no CloudWatch Logs statement', { ...key, policy: document(ADMINISTER) }],
    ],
    reports: [
      [
        'CloudWatch Logs without the condition',
        { ...key, policy: document({ ...LOGS, Condition: undefined }) },
        [logsMessage('CloudWatchLogsEncryptsTheStacksLogGroups')],
      ],
      [
        'CloudWatch Logs narrowed by the account only',
        {
          ...key,
          policy: document({
            ...LOGS,
            Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
          }),
        },
        [logsMessage('CloudWatchLogsEncryptsTheStacksLogGroups')],
      ],
      [
        "every log group of the account's Region",
        {
          ...key,
          policy: document({
            ...LOGS,
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': [
                  LOG_GROUP,
                  `arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:*`,
                ],
              },
            },
          }),
        },
        [
          wideLogs(
            'CloudWatchLogsEncryptsTheStacksLogGroups',
            `"arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:*"`,
          ),
        ],
      ],
      [
        'a Region-less logs principal with "*" as the log group',
        {
          ...key,
          policy: document({
            ...LOGS,
            Sid: 'Logs',
            Principal: { Service: 'logs.amazonaws.com' },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': '*' } },
          }),
        },
        [wideLogs('Logs', '"*"')],
      ],
    ],
  });
});

describe('Lambda', () => {
  const type = 'aws:lambda/function:Function';
  const fn = {
    name: 'savings-plan-buy-prod-decide',
    runtime: 'nodejs24.x',
    tracingConfig: { mode: 'Active' },
    reservedConcurrentExecutions: 5,
  };
  describeResourceRule('aws-lambda-function-enforce-supported-runtime', {
    type,
    passes: [
      ['a function on nodejs24.x', fn],
      [
        'a container image function (its image carries the runtime)',
        { ...fn, runtime: undefined, packageType: 'Image' },
      ],
    ],
    reports: [
      [
        'an old runtime',
        { ...fn, runtime: 'nodejs20.x' },
        ['Lambda functions must run on a supported runtime: set runtime to "nodejs24.x".'],
      ],
      [
        'a zip function without a runtime',
        { ...fn, runtime: undefined },
        ['Lambda functions must run on a supported runtime: set runtime to "nodejs24.x".'],
      ],
    ],
  });
  describeResourceRule('aws-lambda-function-enable-tracing', {
    type,
    passes: [['active tracing', fn]],
    reports: [
      [
        'pass-through tracing',
        { ...fn, tracingConfig: { mode: 'PassThrough' } },
        [
          'Lambda functions must be traced: set tracingConfig to { mode: "Active" } and allow xray:PutTraceSegments and xray:PutTelemetryRecords in the role.',
        ],
      ],
    ],
  });
  const concurrency =
    'Lambda functions must have bounded concurrency: set reservedConcurrentExecutions to the most concurrent executions the function may take from the account (0 or more; -1 is unbounded).';
  describeResourceRule('aws-lambda-function-configure-reserved-concurrency', {
    type,
    passes: [
      ['reserved concurrency', fn],
      ['a function throttled to zero', { ...fn, reservedConcurrentExecutions: 0 }],
    ],
    reports: [
      [
        'no reserved concurrency',
        { ...fn, reservedConcurrentExecutions: undefined },
        [concurrency],
      ],
      ['unreserved concurrency (-1)', { ...fn, reservedConcurrentExecutions: -1 }, [concurrency]],
    ],
  });
  const streamDestination =
    'Lambda event source mappings on streams must keep the batches they fail: set destinationConfig.onFailure.destinationArn to a queue (with maximumRetryAttempts bounded).';
  const stream = {
    eventSourceArn: `arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/plans/stream/2026-01-01T00:00:00.000`,
    functionName: 'schedule-sync',
    destinationConfig: { onFailure: { destinationArn: QUEUE_ARN } },
  };
  describeResourceRule('aws-lambda-eventsourcemapping-configure-failure-destination', {
    type: 'aws:lambda/eventSourceMapping:EventSourceMapping',
    passes: [
      ['a DynamoDB stream with an on-failure destination', stream],
      [
        "an SQS source (failures go to the queue's redrive policy)",
        { ...stream, eventSourceArn: QUEUE_ARN, destinationConfig: undefined },
      ],
    ],
    reports: [
      [
        'a DynamoDB stream without a destination',
        { ...stream, destinationConfig: undefined },
        [streamDestination],
      ],
      [
        'a Kinesis stream without a destination',
        {
          ...stream,
          eventSourceArn: `arn:aws:kinesis:eu-central-1:${ACCOUNT}:stream/events`,
          destinationConfig: { onFailure: {} },
        },
        [streamDestination],
      ],
    ],
  });
  const permission = {
    function: 'savings-plan-buy-prod-calendar',
    action: 'lambda:InvokeFunction',
    principal: 'events.amazonaws.com',
    sourceArn: `arn:aws:events:eu-central-1:${ACCOUNT}:rule/bus/rule`,
  };
  describeResourceRule('aws-lambda-permission-disallow-public-access', {
    type: 'aws:lambda/permission:Permission',
    passes: [
      ['a service principal with a source ARN', permission],
      [
        'a service principal with a source account',
        { ...permission, sourceArn: undefined, sourceAccount: ACCOUNT },
      ],
      [
        "another account's role",
        { ...permission, principal: `arn:aws:iam::${ACCOUNT}:role/caller`, sourceArn: undefined },
      ],
    ],
    reports: [
      [
        'a permission for everyone',
        { ...permission, principal: '*', sourceArn: undefined },
        [
          'Lambda functions must not be invocable by anyone: name the invoking principal, or set sourceArn, sourceAccount or principalOrgId on the permission.',
        ],
      ],
      [
        'a service principal without a source',
        { ...permission, sourceArn: undefined },
        [
          "Lambda permissions for events.amazonaws.com must name the source: set sourceArn (or sourceAccount) so the service invokes the function for this stack's resources only.",
        ],
      ],
    ],
  });
});

describe('CloudWatch Logs', () => {
  const type = 'aws:cloudwatch/logGroup:LogGroup';
  const group = { name: '/aws/lambda/decide', retentionInDays: 14, kmsKeyId: KEY_ARN };
  const encryption =
    'CloudWatch log groups must be encrypted with the project key: set kmsKeyId to the customer managed key ARN (its key policy must let logs.<region>.amazonaws.com use it).';
  describeResourceRule('aws-cloudwatch-loggroup-enable-customer-key-encryption', {
    type,
    passes: [['a log group encrypted with the project key', group]],
    reports: [['a log group without a key', { ...group, kmsKeyId: undefined }, [encryption]]],
  });
  const retention =
    'CloudWatch log groups must expire their events: set retentionInDays (logRetentionDays in the stack configuration).';
  describeResourceRule('aws-cloudwatch-loggroup-configure-retention', {
    type,
    passes: [['a log group with retention', group]],
    reports: [
      [
        'a log group kept forever (no retention)',
        { ...group, retentionInDays: undefined },
        [retention],
      ],
      ['a log group kept forever (0)', { ...group, retentionInDays: 0 }, [retention]],
    ],
  });
});

describe('EventBridge', () => {
  const bus = { name: 'savings-plan-buy-prod-events', kmsKeyIdentifier: KEY_ARN };
  describeResourceRule('aws-cloudwatch-eventbus-enable-customer-key-encryption', {
    type: 'aws:cloudwatch/eventBus:EventBus',
    passes: [
      ['a bus encrypted with the project key', bus],
      [
        'a partner event bus (its source encrypts)',
        { name: 'aws.partner/x', eventSourceName: 'aws.partner/x' },
      ],
    ],
    reports: [
      [
        'a bus on an AWS owned key',
        { ...bus, kmsKeyIdentifier: undefined },
        [
          'EventBridge event buses must encrypt events with the project key: set kmsKeyIdentifier to the customer managed key ARN.',
        ],
      ],
    ],
  });
  describeResourceRule('aws-cloudwatch-eventbus-disallow-public-access', {
    type: 'aws:cloudwatch/eventBusPolicy:EventBusPolicy',
    passes: [
      [
        'a bus policy for one organization',
        {
          eventBusName: bus.name,
          policy: document({
            ...PUBLIC_STATEMENT,
            Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } },
          }),
        },
      ],
    ],
    reports: [
      [
        'a bus anyone may put events on',
        { eventBusName: bus.name, policy: document(PUBLIC_STATEMENT) },
        [publicMessage('EventBridge event bus policies')],
      ],
    ],
  });
  describeResourceRule('aws-cloudwatch-eventarchive-enable-customer-key-encryption', {
    type: 'aws:cloudwatch/eventArchive:EventArchive',
    passes: [
      [
        'an archive encrypted with the project key',
        { eventSourceArn: 'bus', kmsKeyIdentifier: KEY_ARN },
      ],
    ],
    reports: [
      [
        'an archive on an AWS owned key',
        { eventSourceArn: 'bus' },
        [
          'EventBridge archives must be encrypted with the project key: set kmsKeyIdentifier to the customer managed key ARN.',
        ],
      ],
    ],
  });
  describeResourceRule('aws-scheduler-schedule-enable-customer-key-encryption', {
    type: 'aws:scheduler/schedule:Schedule',
    passes: [
      [
        'a schedule encrypted with the project key',
        { scheduleExpression: 'rate(1 hour)', kmsKeyArn: KEY_ARN },
      ],
    ],
    reports: [
      [
        'a schedule on an AWS owned key',
        { scheduleExpression: 'rate(1 hour)' },
        [
          'EventBridge Scheduler schedules must be encrypted with the project key: set kmsKeyArn to the customer managed key ARN.',
        ],
      ],
    ],
  });
});

describe('Step Functions', () => {
  const type = 'aws:sfn/stateMachine:StateMachine';
  const machine = {
    type: 'EXPRESS',
    loggingConfiguration: {
      level: 'ALL',
      includeExecutionData: false,
      logDestination: `arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:/aws/vendedlogs/states/purchase:*`,
    },
    tracingConfiguration: { enabled: true },
    encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: KEY_ARN },
  };
  const logging =
    'Step Functions state machines must log executions: set loggingConfiguration to { level: "ERROR" (or "ALL"), logDestination: "<log group ARN>:*" }.';
  describeResourceRule('aws-sfn-statemachine-enable-logging', {
    type,
    passes: [['a state machine logging ALL', machine]],
    reports: [
      ['no logging configuration', { ...machine, loggingConfiguration: undefined }, [logging]],
      [
        'logging OFF',
        { ...machine, loggingConfiguration: { ...machine.loggingConfiguration, level: 'OFF' } },
        [logging],
      ],
      [
        'a level without a destination',
        { ...machine, loggingConfiguration: { level: 'ERROR' } },
        [logging],
      ],
    ],
  });
  describeResourceRule('aws-sfn-statemachine-enable-tracing', {
    type,
    passes: [['a traced state machine', machine]],
    reports: [
      [
        'an untraced state machine',
        { ...machine, tracingConfiguration: undefined },
        [
          'Step Functions state machines must be traced: set tracingConfiguration to { enabled: true } and allow the X-Ray actions in the role.',
        ],
      ],
    ],
  });
  const encryption =
    'Step Functions state machines must encrypt execution data with the project key: set encryptionConfiguration to { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: <project key ARN> }.';
  describeResourceRule('aws-sfn-statemachine-enable-customer-key-encryption', {
    type,
    passes: [['a state machine encrypted with the project key', machine]],
    reports: [
      [
        'an AWS owned key',
        { ...machine, encryptionConfiguration: { type: 'AWS_OWNED_KEY' } },
        [encryption],
      ],
      [
        'no encryption configuration',
        { ...machine, encryptionConfiguration: undefined },
        [encryption],
      ],
    ],
  });
});

describe('Secrets Manager', () => {
  describeResourceRule('aws-secretsmanager-secret-enable-customer-key-encryption', {
    type: 'aws:secretsmanager/secret:Secret',
    passes: [['a secret encrypted with the project key', { name: 'exchange', kmsKeyId: KEY_ARN }]],
    reports: [
      [
        'a secret on the AWS managed key',
        { name: 'exchange' },
        [
          'Secrets Manager secrets must be encrypted with the project key: set kmsKeyId to the customer managed key ARN (not alias/aws/secretsmanager).',
        ],
      ],
    ],
  });
  describeResourceRule('aws-secretsmanager-secret-disallow-public-access', {
    type: 'aws:secretsmanager/secretPolicy:SecretPolicy',
    passes: [
      [
        'a policy for one role',
        {
          secretArn: 'secret',
          policy: document({
            Effect: 'Allow',
            Principal: { AWS: ROLE_ARN },
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
          }),
        },
      ],
    ],
    reports: [
      [
        'a secret anyone may read',
        { secretArn: 'secret', policy: document(PUBLIC_STATEMENT) },
        [publicMessage('Secrets Manager secret policies')],
      ],
    ],
  });
});

describe('Firehose', () => {
  const stream = {
    name: 'audit',
    destination: 'extended_s3',
    serverSideEncryption: { enabled: true, keyType: 'CUSTOMER_MANAGED_CMK', keyArn: KEY_ARN },
    extendedS3Configuration: {
      bucketArn: 'arn:aws:s3:::audit',
      roleArn: ROLE_ARN,
      kmsKeyArn: KEY_ARN,
    },
  };
  const sse =
    'Firehose streams must encrypt buffered records with the project key: set serverSideEncryption to { enabled: true, keyType: "CUSTOMER_MANAGED_CMK", keyArn: <project key ARN> }.';
  const destination =
    'Firehose streams must write S3 objects encrypted with the project key: set extendedS3Configuration.kmsKeyArn to the customer managed key ARN.';
  describeResourceRule('aws-kinesis-firehosedeliverystream-enable-customer-key-encryption', {
    type: 'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
    passes: [
      ['a stream and its objects encrypted with the project key', stream],
      [
        'a stream fed by a Kinesis stream (the source stream encrypts)',
        {
          ...stream,
          serverSideEncryption: undefined,
          kinesisSourceConfiguration: { kinesisStreamArn: 's' },
        },
      ],
    ],
    reports: [
      [
        'a stream without server-side encryption',
        { ...stream, serverSideEncryption: undefined },
        [sse],
      ],
      [
        'a stream on an AWS owned key',
        { ...stream, serverSideEncryption: { enabled: true, keyType: 'AWS_OWNED_CMK' } },
        [sse],
      ],
      [
        'S3 objects without the project key',
        {
          ...stream,
          extendedS3Configuration: { ...stream.extendedS3Configuration, kmsKeyArn: undefined },
        },
        [destination],
      ],
    ],
  });
});

describe('SNS', () => {
  const type = 'aws:sns/topic:Topic';
  const topic = { name: 'alerts', kmsMasterKeyId: KEY_ARN, sqsFailureFeedbackRoleArn: ROLE_ARN };
  describeResourceRule('aws-sns-topic-enable-customer-key-encryption', {
    type,
    passes: [['a topic encrypted with the project key', topic]],
    reports: [
      [
        'a topic on the AWS managed key',
        { ...topic, kmsMasterKeyId: 'alias/aws/sns' },
        [
          'SNS topics must be encrypted with the project key: set kmsMasterKeyId to the customer managed key ARN (not alias/aws/sns).',
        ],
      ],
    ],
  });
  describeResourceRule('aws-sns-topic-enable-delivery-status-logging', {
    type,
    passes: [['a topic logging failed SQS deliveries', topic]],
    reports: [
      [
        'a topic without delivery status logging',
        { ...topic, sqsFailureFeedbackRoleArn: undefined },
        [
          'SNS topics must log failed deliveries: set the <protocol>FailureFeedbackRoleArn (sqs, lambda, http, firehose or application) of each protocol the topic delivers to.',
        ],
      ],
    ],
  });
  describeResourceRule('aws-sns-topic-disallow-public-access', {
    type,
    passes: [['a topic without a policy', topic]],
    reports: [
      [
        'a topic anyone may publish to',
        { ...topic, policy: document(PUBLIC_STATEMENT) },
        [publicMessage('SNS topic policies')],
      ],
    ],
  });
  it('aws-sns-topic-disallow-public-access checks topic policies too', async () => {
    expect(
      await messages(byName('aws-sns-topic-disallow-public-access'), [
        fixture('aws:sns/topicPolicy:TopicPolicy', {
          arn: 'topic',
          policy: document(PUBLIC_STATEMENT),
        }),
      ]),
    ).toEqual([publicMessage('SNS topic policies')]);
  });
});

describe('SQS', () => {
  const type = 'aws:sqs/queue:Queue';
  const queue = { name: 'failures', kmsMasterKeyId: KEY_ARN };
  const encryption =
    'SQS queues must be encrypted with the project key: set kmsMasterKeyId to the customer managed key ARN (not alias/aws/sqs, not sqsManagedSseEnabled).';
  describeResourceRule('aws-sqs-queue-enable-customer-key-encryption', {
    type,
    passes: [['a queue encrypted with the project key', queue]],
    reports: [
      [
        'a queue on SQS managed keys',
        { name: 'failures', sqsManagedSseEnabled: true },
        [encryption],
      ],
      [
        'a queue on the AWS managed key',
        { ...queue, kmsMasterKeyId: 'alias/aws/sqs' },
        [encryption],
      ],
    ],
  });
  const tlsOnly = document({
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 'sqs:*',
    Resource: QUEUE_ARN,
    Condition: { Bool: { 'aws:SecureTransport': false } },
  });
  describeResourceRule('aws-sqs-queue-disallow-public-access', {
    type: 'aws:sqs/queuePolicy:QueuePolicy',
    passes: [
      ['a TLS-only policy', { queueUrl: 'url', policy: tlsOnly }],
      [
        'a service sending from one rule',
        {
          queueUrl: 'url',
          policy: document({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: QUEUE_ARN,
            Condition: { ArnEquals: { 'aws:SourceArn': 'rule' } },
          }),
        },
      ],
    ],
    reports: [
      [
        'a queue anyone may send to',
        { queueUrl: 'url', policy: document(PUBLIC_STATEMENT) },
        [publicMessage('SQS queue policies')],
      ],
      [
        'a NotPrincipal Allow (everyone but some)',
        {
          queueUrl: 'url',
          policy: document({
            Effect: 'Allow',
            NotPrincipal: { AWS: ROLE_ARN },
            Action: 'sqs:*',
            Resource: QUEUE_ARN,
          }),
        },
        [publicMessage('SQS queue policies', '#1')],
      ],
    ],
  });
  it("aws-sqs-queue-disallow-public-access checks a queue's own policy too", async () => {
    expect(
      await messages(byName('aws-sqs-queue-disallow-public-access'), [
        fixture(type, { ...queue, policy: document(PUBLIC_STATEMENT) }),
      ]),
    ).toEqual([publicMessage('SQS queue policies')]);
  });
});

describe('S3 (resource policies)', () => {
  const bucketPolicy = {
    bucket: 'records',
    policy: document({
      Sid: 'CloudTrailWrites',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: 'arn:aws:s3:::records/*',
      Condition: { StringEquals: { 'aws:SourceArn': 'trail' } },
    }),
  };
  const acl =
    'S3 buckets must not grant access to everyone through ACLs: remove the public canned ACL and the AllUsers and AuthenticatedUsers grants.';
  describeResourceRule('aws-s3-bucket-disallow-public-access', {
    type: 'aws:s3/bucketPolicy:BucketPolicy',
    passes: [['a policy for a service, narrowed to the trail', bucketPolicy]],
    reports: [
      [
        'a public read policy',
        { ...bucketPolicy, policy: document(PUBLIC_STATEMENT) },
        [publicMessage('S3 bucket policies')],
      ],
    ],
  });
  describeResourceRule('aws-s3-bucket-disallow-public-access', {
    type: 'aws:s3/bucket:Bucket',
    passes: [['a bucket without inline policy or ACL', { bucket: 'records' }]],
    reports: [
      ['a public-read canned ACL', { bucket: 'records', acl: 'public-read' }, [acl]],
      [
        'a grant to all users',
        {
          bucket: 'records',
          grants: [
            {
              type: 'Group',
              uri: 'http://acs.amazonaws.com/groups/global/AllUsers',
              permissions: ['WRITE'],
            },
          ],
        },
        [acl],
      ],
      [
        'a public inline policy',
        { bucket: 'records', policy: document(PUBLIC_STATEMENT) },
        [publicMessage('S3 bucket policies')],
      ],
    ],
  });
  describeResourceRule('aws-s3-bucket-disallow-public-access', {
    type: 'aws:s3/bucketAcl:BucketAcl',
    passes: [['a private ACL', { bucket: 'records', acl: 'private' }]],
    reports: [
      ['a public-read-write ACL', { bucket: 'records', acl: 'public-read-write' }, [acl]],
      [
        'a grant to authenticated users',
        {
          bucket: 'records',
          accessControlPolicy: {
            owner: { id: 'owner' },
            grants: [
              {
                grantee: {
                  type: 'Group',
                  uri: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
                },
                permission: 'READ',
              },
            ],
          },
        },
        [acl],
      ],
    ],
  });
  describeResourceRule('aws-s3-bucket-disallow-cross-account-administration', {
    type: 'aws:s3/bucketPolicy:BucketPolicy',
    passes: [
      ['a policy for a service principal', bucketPolicy],
      [
        'reads for another account',
        {
          ...bucketPolicy,
          policy: document({
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::999999999999:root' },
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::records/*',
          }),
        },
      ],
    ],
    reports: [
      [
        'another account allowed to change the bucket policy and ACLs',
        {
          ...bucketPolicy,
          policy: document({
            Sid: 'Partner',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::999999999999:root' },
            Action: ['s3:PutBucketPolicy', 's3:PutObjectAcl', 's3:GetObject'],
            Resource: ['arn:aws:s3:::records', 'arn:aws:s3:::records/*'],
          }),
        },
        [
          'S3 bucket policies must not let other principals administer the bucket: remove s3:PutBucketPolicy, s3:PutObjectAcl from statement Partner and administer the bucket through IAM in its own account.',
        ],
      ],
      [
        's3:* for another account',
        {
          ...bucketPolicy,
          policy: document({
            Effect: 'Allow',
            Principal: { AWS: ['arn:aws:iam::999999999999:root'] },
            Action: 's3:*',
            Resource: 'arn:aws:s3:::records',
          }),
        },
        [
          'S3 bucket policies must not let other principals administer the bucket: remove s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration, s3:PutObjectAcl from statement #1 and administer the bucket through IAM in its own account.',
        ],
      ],
    ],
  });
  const block = {
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  };
  const account =
    'The account must block public access to every S3 bucket: set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.';
  describeResourceRule('aws-s3-accountpublicaccessblock-enable-public-access-block', {
    type: 'aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock',
    passes: [['all four settings on', block]],
    reports: [
      ['public ACLs not blocked', { ...block, blockPublicAcls: false }, [account]],
      ['public policies not blocked', { ...block, blockPublicPolicy: undefined }, [account]],
      ['public ACLs not ignored', { ...block, ignorePublicAcls: false }, [account]],
      ['public buckets not restricted', { ...block, restrictPublicBuckets: false }, [account]],
    ],
  });
});

describe('aws-all-resource-missing-required-tags', () => {
  const tags = {
    project: 'savings-plan-buy',
    stack: 'prod',
    environment: 'prod',
    owner: 'platform',
    'data-classification': 'confidential',
  };
  describeResourceRule('aws-all-resource-missing-required-tags', {
    type: 'aws:sqs/queue:Queue',
    passes: [['a queue with every required tag', { name: 'q', tags }]],
    reports: [
      [
        'a queue without tags',
        { name: 'q' },
        [
          "Resources must carry the required tags: add project, stack, environment, owner, data-classification to tags (the stack's tags config plus project and stack).",
        ],
      ],
      [
        'a queue missing owner and with an empty environment',
        { name: 'q', tags: { ...tags, owner: undefined, environment: '' } },
        [
          "Resources must carry the required tags: add environment, owner to tags (the stack's tags config plus project and stack).",
        ],
      ],
    ],
  });
  it("counts the provider's default tags (JSON-encoded, as provider inputs are)", async () => {
    const provider = {
      type: 'pulumi:providers:aws',
      name: 'tagged',
      urn: 'urn:pulumi:test::savings-plan-buy::pulumi:providers:aws::tagged',
      props: { defaultTags: JSON.stringify({ tags: { ...tags, owner: undefined } }) },
    };
    expect(
      await messages(byName('aws-all-resource-missing-required-tags'), [
        { ...fixture('aws:sqs/queue:Queue', { name: 'q' }), provider },
        { ...fixture('aws:sqs/queue:Queue', { name: 'q', tags: { owner: 'platform' } }), provider },
      ]),
    ).toEqual([
      "Resources must carry the required tags: add owner to tags (the stack's tags config plus project and stack).",
    ]);
  });

  it('leaves resources that take no tags alone', async () => {
    expect(
      await messages(byName('aws-all-resource-missing-required-tags'), [
        fixture('aws:iam/rolePolicy:RolePolicy', { role: 'r', policy: '{}' }),
      ]),
    ).toEqual([]);
  });
});
