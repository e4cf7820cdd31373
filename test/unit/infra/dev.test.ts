/** The dev stack under Pulumi mocks: every security property of issue 2's infrastructure. */
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleResolvers, loadResolverCatalog, APPSYNC_CODE_LIMIT } from '#build/resolvers.ts';
import { currencySettings } from '#shared/api-settings.ts';
import { devStackConfig } from '#local/stack.ts';
import { policies } from '../../../policies/pack.ts';
import { evaluate } from '../policies/harness.ts';
import {
  OPERATOR_ROLE_ARNS,
  expectedProjectKeyPolicy,
  uncoveredKeyUses,
  unneededKeyUses,
} from './key-policy.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/savings-plan-buy-dev-plans`;
const API_ARN = `arn:aws:appsync:${REGION}:${ACCOUNT}:apis/api123`;
const WEB_ACL_ARN = `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/savings-plan-buy-dev-api/graphql-firewall-acl-id`;
const TAGS = {
  environment: 'dev',
  owner: 'platform',
  'data-classification': 'confidential',
  project: 'savings-plan-buy',
  stack: 'dev',
};

beforeAll(async () => {
  run = await runProgram('dev');
});

describe('the project key', () => {
  it('rotates yearly and has the policy written out: no use by the account root, every use named', () => {
    const key = run.one('aws:kms/key:Key', 'project-key');
    expect(key.inputs).toMatchObject({
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
      keyUsage: 'ENCRYPT_DECRYPT',
      customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    });
    expect(policy(key.inputs.policy)).toEqual(
      expectedProjectKeyPolicy('savings-plan-buy-dev', { exchangeKeys: false }),
    );
    expect(run.one('aws:kms/alias:Alias', 'project-alias').inputs).toEqual({
      name: 'alias/savings-plan-buy-dev',
      targetKeyId: 'project-key',
    });
  });

  it("allows every use of the key a role's policy asks for, for that role and service only", () => {
    expect(uncoveredKeyUses(run)).toEqual([]);
  });

  it('names no role for a use it does not ask for', () => {
    expect(unneededKeyUses(run, OPERATOR_ROLE_ARNS)).toEqual([]);
  });

  it('lets CloudWatch Logs use it for exactly the log groups it encrypts', () => {
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
    const encrypted = run
      .all('aws:cloudwatch/logGroup:LogGroup')
      .filter((group) => group.inputs.kmsKeyId === keyArn)
      .map((group) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${String(group.inputs.name)}`)
      .sort();
    const allowed = (
      policy(run.one('aws:kms/key:Key', 'project-key').inputs.policy).Statement as {
        Principal: { Service?: string };
        Condition?: { ArnEquals?: Record<string, string[]> };
      }[]
    )
      .filter((each) => each.Principal.Service === `logs.${REGION}.amazonaws.com`)
      .flatMap((each) => each.Condition?.ArnEquals?.['kms:EncryptionContext:aws:logs:arn'] ?? []);
    expect([...allowed].sort()).toEqual(encrypted);
  });
});

describe('the plans table', () => {
  it('has the shared key schema, on-demand capacity, the project key, PITR and a NEW_AND_OLD_IMAGES stream', () => {
    const table = run.one('aws:dynamodb/table:Table', 'plans-table');
    expect(table.inputs).toEqual({
      name: 'savings-plan-buy-dev-plans',
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'userId',
      rangeKey: 'planId',
      attributes: [
        { name: 'userId', type: 'S' },
        { name: 'planId', type: 'S' },
        { name: 'dueShard', type: 'S' },
        { name: 'nextRunAt', type: 'S' },
        { name: 'syncShard', type: 'S' },
        { name: 'updatedAt', type: 'S' },
      ],
      globalSecondaryIndexes: [
        { name: 'due', hashKey: 'dueShard', rangeKey: 'nextRunAt', projectionType: 'KEYS_ONLY' },
        {
          name: 'unsynced',
          hashKey: 'syncShard',
          rangeKey: 'updatedAt',
          projectionType: 'KEYS_ONLY',
        },
      ],
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY_ARN },
      pointInTimeRecovery: { enabled: true },
      deletionProtectionEnabled: false,
      streamEnabled: true,
      streamViewType: 'NEW_AND_OLD_IMAGES',
      tags: {
        environment: 'dev',
        owner: 'platform',
        'data-classification': 'confidential',
        project: 'savings-plan-buy',
        stack: 'dev',
      },
    });
  });
});

describe('the user pool', () => {
  it('uses email as username, a strong password policy and enforced threat protection', () => {
    const pool = run.one('aws:cognito/userPool:UserPool');
    expect(pool.inputs).toMatchObject({
      name: 'savings-plan-buy-dev',
      usernameAttributes: ['email'],
      autoVerifiedAttributes: ['email'],
      passwordPolicy: {
        minimumLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: true,
        temporaryPasswordValidityDays: 3,
        passwordHistorySize: 5,
      },
      userPoolTier: 'PLUS',
      userPoolAddOns: { advancedSecurityMode: 'ENFORCED' },
      deletionProtection: 'INACTIVE',
    });
    expect(run.one('aws:cognito/userPoolClient:UserPoolClient').inputs).toMatchObject({
      generateSecret: false,
      explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: 'ENABLED',
    });
  });
});

describe('the GraphQL API', () => {
  it('authenticates with Cognito by default and IAM for backends, and has no API keys', () => {
    const api = run.one('aws:appsync/graphQLApi:GraphQLApi');
    expect(api.inputs).toMatchObject({
      name: 'savings-plan-buy-dev',
      authenticationType: 'AMAZON_COGNITO_USER_POOLS',
      userPoolConfig: {
        userPoolId: `${REGION}_pool`,
        awsRegion: REGION,
        defaultAction: 'ALLOW',
        appIdClientRegex: '^users-client-id$',
      },
      additionalAuthenticationProviders: [{ authenticationType: 'AWS_IAM' }],
      logConfig: {
        cloudwatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-dev-graphql-logs-role`,
        fieldLogLevel: 'ERROR',
        excludeVerboseContent: true,
      },
      xrayEnabled: true,
      introspectionConfig: 'ENABLED',
      queryDepthLimit: 10,
    });
    expect(run.all('aws:appsync/apiKey:ApiKey')).toEqual([]);
  });

  it('lets one request select at most 10 levels deep and invoke at most 20 resolvers', () => {
    const { queryDepthLimit, resolverCountLimit } = run.one('aws:appsync/graphQLApi:GraphQLApi')
      .inputs as Record<string, unknown>;
    expect({ queryDepthLimit, resolverCountLimit }).toEqual({
      queryDepthLimit: 10,
      resolverCountLimit: 20,
    });
  });

  it('sits behind AWS WAF, which answers 429 to a client IP past 1000 requests in 5 minutes', () => {
    expect(run.one('aws:wafv2/webAcl:WebAcl', 'graphql-firewall-acl').inputs).toEqual({
      name: 'savings-plan-buy-dev-api',
      description: 'Rate limit per client IP in front of the GraphQL API',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules: [
        {
          name: 'rate-limit-per-ip',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429 } } },
          statement: {
            rateBasedStatement: { limit: 1000, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
          },
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            metricName: 'rate-limit-per-ip',
            sampledRequestsEnabled: true,
          },
        },
      ],
      visibilityConfig: {
        cloudwatchMetricsEnabled: true,
        metricName: 'savings-plan-buy-dev-api',
        sampledRequestsEnabled: true,
      },
      tags: TAGS,
    });
    expect(
      run.one('aws:wafv2/webAclAssociation:WebAclAssociation', 'graphql-firewall-association')
        .inputs,
    ).toEqual({ resourceArn: API_ARN, webAclArn: WEB_ACL_ARN });
  });

  it('logs only what WAF blocks, without the authorization header, encrypted with the project key', () => {
    const logGroup = run.one('aws:cloudwatch/logGroup:LogGroup', 'graphql-firewall-logs');
    expect(logGroup.inputs).toEqual({
      name: 'aws-waf-logs-savings-plan-buy-dev-api',
      retentionInDays: 14,
      kmsKeyId: KEY_ARN,
      tags: TAGS,
    });
    expect(
      run.one('aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration').inputs,
    ).toEqual({
      resourceArn: WEB_ACL_ARN,
      logDestinationConfigs: [
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:aws-waf-logs-savings-plan-buy-dev-api`,
      ],
      redactedFields: [{ singleHeader: { name: 'authorization' } }],
      loggingFilter: {
        defaultBehavior: 'DROP',
        filters: [
          {
            behavior: 'KEEP',
            requirement: 'MEETS_ANY',
            conditions: [{ actionCondition: { action: 'BLOCK' } }],
          },
        ],
      },
    });
  });

  it('logs to a log group encrypted with the project key, with the configured retention', () => {
    expect(run.one('aws:cloudwatch/logGroup:LogGroup', 'graphql-logs').inputs).toMatchObject({
      name: '/aws/appsync/apis/api123',
      retentionInDays: 14,
      kmsKeyId: KEY_ARN,
    });
    const logsPolicy = run.one('aws:iam/rolePolicy:RolePolicy', 'graphql-logs-policy');
    const logGroupArn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/appsync/apis/api123`;
    expect(policy(logsPolicy.inputs.policy).Statement).toEqual([
      {
        Sid: 'WriteThisApisLogGroup',
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [logGroupArn, `${logGroupArn}:log-stream:*`],
      },
    ]);
  });

  it("lets the plans data source do exactly the resolvers' actions on this table, and use only the project key via DynamoDB", () => {
    const role = run.one('aws:iam/role:Role', 'graphql-plans-role');
    expect(policy(role.inputs.assumeRolePolicy).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'appsync.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': ACCOUNT },
          ArnLike: { 'aws:SourceArn': API_ARN },
        },
      },
    ]);
    expect(
      policy(run.one('aws:iam/rolePolicy:RolePolicy', 'graphql-plans-policy').inputs.policy),
    ).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ResolverActionsOnThisTable',
          Effect: 'Allow',
          Action: [
            'dynamodb:DeleteItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
          ],
          Resource: [TABLE_ARN],
        },
        {
          Sid: 'ProjectKeyThroughDynamoDbOnly',
          Effect: 'Allow',
          Action: [
            'kms:Decrypt',
            'kms:DescribeKey',
            'kms:Encrypt',
            'kms:GenerateDataKey',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
          ],
          Resource: KEY_ARN,
          Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` } },
        },
      ],
    });
    expect(
      policy(run.one('aws:iam/rolePolicy:RolePolicy', 'graphql-notifications-policy').inputs.policy)
        .Statement[0],
    ).toEqual({
      Sid: 'ResolverActionsOnThisTable',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      Resource: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/savings-plan-buy-dev-notifications`],
    });
    expect(run.one('aws:appsync/dataSource:DataSource', 'graphql-plans').inputs).toEqual({
      apiId: 'api123',
      name: 'plans',
      type: 'AMAZON_DYNAMODB',
      serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-dev-graphql-plans-role`,
      dynamodbConfig: { tableName: 'savings-plan-buy-dev-plans', region: REGION },
    });
  });

  it('deploys every resolver and function with the very bundles the local stack runs', async () => {
    const catalog = loadResolverCatalog();
    const config = devStackConfig();
    const code = await bundleResolvers(catalog, {
      plansTable: 'savings-plan-buy-dev-plans',
      maxPlansPerUser: config.maxPlansPerUser,
      currencies: currencySettings(config.currencies),
      smsCountries: config.notifications.sms.countries,
    });
    const resolvers = run.all('aws:appsync/resolver:Resolver');
    expect(
      resolvers
        .map((resolver) => `${String(resolver.inputs.type)}.${String(resolver.inputs.field)}`)
        .sort(),
    ).toEqual(catalog.resolvers.map((entry) => `${entry.typeName}.${entry.fieldName}`).sort());
    for (const resolver of resolvers) {
      const key = `${String(resolver.inputs.type)}.${String(resolver.inputs.field)}`;
      expect(resolver.inputs.code).toBe(code.get(key));
      expect((resolver.inputs.code as string).length).toBeLessThanOrEqual(APPSYNC_CODE_LIMIT);
      expect(resolver.inputs.runtime).toEqual({ name: 'APPSYNC_JS', runtimeVersion: '1.0.0' });
    }
    expect(
      run.one('aws:appsync/resolver:Resolver', 'graphql-Mutation.deletePlan').inputs,
    ).toMatchObject({
      kind: 'PIPELINE',
      pipelineConfig: { functions: ['loadPlan-id', 'deletePlanItem-id'] },
    });
    expect(run.one('aws:appsync/resolver:Resolver', 'graphql-Query.plan').inputs).toMatchObject({
      kind: 'UNIT',
      dataSource: 'plans',
    });
    const functions = run.all('aws:appsync/function:Function');
    expect(functions.map((fn) => fn.inputs.name).sort()).toEqual([
      'checkOpenRuns',
      'checkPhoneCountry',
      'checkSchedule',
      'createPlanItem',
      'deletePlanItem',
      'issueContactCodes',
      'loadPlan',
      'loadPreferences',
      'nextRunAfterSkip',
      'resendContactCode',
      'savePreferencesItem',
      'skipNextRunItem',
      'updatePlanItem',
      'verifyContactCode',
    ]);
    for (const fn of functions)
      expect(fn.inputs.code).toBe(code.get(`pipeline/${String(fn.inputs.name)}`));
  });
});

describe('the policy pack', () => {
  it('finds no violation in the dev stack', async () => {
    expect(await evaluate(policies, run.resources)).toEqual([]);
  });
});

describe('stack outputs', () => {
  it('exports what frontends and operators need', () => {
    // `release` (what the release step reads) is asserted in releases-dev.test.ts.
    const { release: _release, ...outputs } = run.outputs;
    expect(outputs).toEqual({
      graphqlUrl: `https://api123.appsync-api.${REGION}.amazonaws.com/graphql`,
      userPoolId: `${REGION}_pool`,
      userPoolClientId: 'users-client-id',
      plansTableArn: TABLE_ARN,
      executionsTableArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/savings-plan-buy-dev-executions`,
      purchaseStateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:savings-plan-buy-dev-purchase`,
      purchaseStateMachineAliasArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:savings-plan-buy-dev-purchase:live`,
      eventBusName: 'savings-plan-buy-dev-events',
      kmsKeyArn: KEY_ARN,
      retryQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/savings-plan-buy-dev-purchase-retries`,
      // The paper exchange needs no credentials: no secret on dev.
      exchangeSecretArn: null,
      readOnlyExchangeSecretArn: null,
      featureFlagsConfigurationArn: `arn:aws:appconfig:${REGION}:${ACCOUNT}:application/flags-application-id/environment/flags-environment-env/configuration/flags-profile-prof`,
      featureFlagsApplicationId: 'flags-application-id',
      featureFlagsEnvironmentId: 'flags-environment-env',
      featureFlagsProfileId: 'flags-profile-prof',
      featureFlagsDeploymentStrategyId: 'AppConfig.AllAtOnce',
      emergencyStopEnvironmentId: 'flags-emergency-environment-env',
      emergencyStopProfileId: 'flags-emergency-profile-prof',
      emergencyStopConfigurationArn: `arn:aws:appconfig:${REGION}:${ACCOUNT}:application/flags-application-id/environment/flags-emergency-environment-env/configuration/flags-emergency-profile-prof`,
      notificationQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/savings-plan-buy-dev-notifications`,
      auditBucketName: `savings-plan-buy-dev-audit-${ACCOUNT}-${REGION}`,
      auditTrailArn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/savings-plan-buy-dev-audit`,
      auditSigningKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/audit-signing-key`,
      emailIdentityDkimTokens: ['dkim-token-1', 'dkim-token-2', 'dkim-token-3'],
      criticalAlertTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:savings-plan-buy-dev-alerts-critical`,
      warningAlertTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:savings-plan-buy-dev-alerts-warning`,
    });
  });
});
