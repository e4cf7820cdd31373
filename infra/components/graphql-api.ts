/**
 * The AppSync GraphQL API: Cognito user pools as the default auth mode and IAM for backend
 * callers (no API keys), field logs at ERROR to a KMS-encrypted log group with retention, X-Ray,
 * introspection, query depth and resolver count limits from stack config, AWS WAF's per-IP rate
 * limit in front (`ApiFirewall`), and every resolver and pipeline function from `resolvers/` on
 * data sources whose roles may do exactly what `resolvers/manifest.ts` declares.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { ResolverCatalog, ResolverCode } from '#build/resolvers.ts';
import type { DataSourceName, DataSourceStep, DynamoDbAction } from '../../resolvers/manifest.ts';
import { policyJson, serviceTrustPolicy, type PolicyStatement } from '../iam.ts';
import { ApiFirewall } from './api-firewall.ts';

/** The table behind a DynamoDB data source. */
export interface DataSourceTable {
  readonly kind: 'dynamodb';
  readonly name: pulumi.Input<string>;
  readonly arn: pulumi.Input<string>;
  readonly indexArns: pulumi.Input<string[]>;
}

/** The function behind a Lambda data source. */
export interface DataSourceFunction {
  readonly kind: 'lambda';
  readonly functionArn: pulumi.Input<string>;
}

export interface GraphqlApiArgs {
  readonly apiName: pulumi.Input<string>;
  readonly catalog: ResolverCatalog;
  readonly code: ResolverCode;
  readonly dataSources: Readonly<Record<DataSourceName, DataSourceTable | DataSourceFunction>>;
  readonly userPoolId: pulumi.Input<string>;
  readonly userPoolClientId: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly introspection: boolean;
  readonly queryDepthLimit: number;
  /** Most resolvers one request may invoke (AppSync's default, 10000, invites abuse). */
  readonly resolverCountLimit: number;
  /** Requests one client IP may send in five minutes before WAF answers 429. */
  readonly rateLimitPer5Minutes: number;
  readonly logRetentionDays: number;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const APPSYNC_JS = { name: 'APPSYNC_JS', runtimeVersion: '1.0.0' };
const READ_ACTIONS: readonly DynamoDbAction[] = ['GetItem', 'Query', 'Scan', 'BatchGetItem'];

/** Every DynamoDB action the resolvers and functions on `dataSource` declare, sorted. */
export function dataSourceActions(
  catalog: ResolverCatalog,
  dataSource: DataSourceName,
): DynamoDbAction[] {
  const steps: DataSourceStep[] = [
    ...catalog.resolvers.flatMap((entry) => ('dataSource' in entry.config ? [entry.config] : [])),
    ...catalog.functions.map((entry) => entry.config),
  ];
  const actions = new Set(
    steps.filter((step) => step.dataSource === dataSource).flatMap((step) => step.actions),
  );
  return [...actions].sort();
}

/**
 * The data source role's policy: the declared actions on the table (and its indexes for reads),
 * and the project key only as DynamoDB uses it on the role's behalf.
 */
export function dataSourcePolicy(
  actions: readonly DynamoDbAction[],
  table: DataSourceTable,
  kmsKeyArn: pulumi.Input<string>,
  region: pulumi.Input<string>,
): pulumi.Output<string> {
  const writes = actions.some((action) => !READ_ACTIONS.includes(action));
  const resources = pulumi
    .all([table.arn, table.indexArns])
    .apply(([arn, indexes]) => [arn, ...indexes]);
  const statements: PolicyStatement[] = [
    {
      Sid: 'ResolverActionsOnThisTable',
      Effect: 'Allow',
      Action: actions.map((action) => `dynamodb:${action}`),
      Resource: resources,
    },
    {
      // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
      Sid: 'ProjectKeyThroughDynamoDbOnly',
      Effect: 'Allow',
      Action: writes
        ? [
            'kms:Decrypt',
            'kms:DescribeKey',
            'kms:Encrypt',
            'kms:GenerateDataKey',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
          ]
        : ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: kmsKeyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': pulumi.interpolate`dynamodb.${region}.amazonaws.com` },
      },
    },
  ];
  return policyJson(statements);
}

export class GraphqlApi extends pulumi.ComponentResource {
  readonly api: aws.appsync.GraphQLApi;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly firewall: ApiFirewall;
  readonly url: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: GraphqlApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:api:GraphqlApi', name, {}, opts);
    const parent = { parent: this };

    const logsRole = new aws.iam.Role(
      `${name}-logs-role`,
      {
        description: 'AppSync writes the API field logs',
        assumeRolePolicy: serviceTrustPolicy(
          'appsync.amazonaws.com',
          args.accountId,
          pulumi.interpolate`arn:aws:appsync:${args.region}:${args.accountId}:apis/*`,
        ),
        tags: args.tags,
      },
      parent,
    );

    this.api = new aws.appsync.GraphQLApi(
      `${name}-api`,
      {
        name: args.apiName,
        schema: args.catalog.schema,
        authenticationType: 'AMAZON_COGNITO_USER_POOLS',
        userPoolConfig: {
          userPoolId: args.userPoolId,
          awsRegion: args.region,
          defaultAction: 'ALLOW',
          appIdClientRegex: pulumi.interpolate`^${args.userPoolClientId}$`,
        },
        // Backend callers (Lambdas) sign with IAM; there are no API keys (Security Hub AppSync.5).
        additionalAuthenticationProviders: [{ authenticationType: 'AWS_IAM' }],
        logConfig: {
          cloudwatchLogsRoleArn: logsRole.arn,
          fieldLogLevel: 'ERROR',
          // Request and response bodies hold users' data; they stay out of the logs.
          excludeVerboseContent: true,
        },
        xrayEnabled: true,
        introspectionConfig: args.introspection ? 'ENABLED' : 'DISABLED',
        queryDepthLimit: args.queryDepthLimit,
        // Past it AppSync answers ResolverExecutionLimitReached and runs no further resolver.
        // https://docs.aws.amazon.com/appsync/latest/devguide/configuration-limits.html
        resolverCountLimit: args.resolverCountLimit,
        visibility: 'GLOBAL',
        tags: args.tags,
      },
      parent,
    );

    this.firewall = new ApiFirewall(
      `${name}-firewall`,
      {
        namePrefix: args.apiName,
        apiArn: this.api.arn,
        rateLimitPer5Minutes: args.rateLimitPer5Minutes,
        kmsKeyArn: args.kmsKeyArn,
        logRetentionDays: args.logRetentionDays,
        tags: args.tags,
      },
      parent,
    );

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: pulumi.interpolate`/aws/appsync/apis/${this.api.id}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-logs-policy`,
      {
        role: logsRole.id,
        policy: policyJson([
          {
            Sid: 'WriteThisApisLogGroup',
            Effect: 'Allow',
            Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: [this.logGroup.arn, pulumi.interpolate`${this.logGroup.arn}:log-stream:*`],
          },
        ]),
      },
      parent,
    );

    const dataSources = {} as Record<DataSourceName, aws.appsync.DataSource>;
    const targets = Object.entries(args.dataSources) as [
      DataSourceName,
      DataSourceTable | DataSourceFunction,
    ][];
    for (const [source, target] of targets) {
      const role = new aws.iam.Role(
        `${name}-${source}-role`,
        {
          description: `AppSync data source ${source}`,
          assumeRolePolicy: serviceTrustPolicy(
            'appsync.amazonaws.com',
            args.accountId,
            this.api.arn,
          ),
          tags: args.tags,
        },
        parent,
      );
      const policy = new aws.iam.RolePolicy(
        `${name}-${source}-policy`,
        {
          role: role.id,
          policy:
            target.kind === 'dynamodb'
              ? dataSourcePolicy(
                  dataSourceActions(args.catalog, source),
                  target,
                  args.kmsKeyArn,
                  args.region,
                )
              : policyJson([
                  {
                    Sid: 'InvokeDataSourceFunction',
                    Effect: 'Allow',
                    Action: 'lambda:InvokeFunction',
                    Resource: target.functionArn,
                  },
                ]),
        },
        parent,
      );
      dataSources[source] = new aws.appsync.DataSource(
        `${name}-${source}`,
        {
          apiId: this.api.id,
          name: source,
          serviceRoleArn: role.arn,
          ...(target.kind === 'dynamodb'
            ? {
                type: 'AMAZON_DYNAMODB',
                dynamodbConfig: { tableName: target.name, region: args.region },
              }
            : { type: 'AWS_LAMBDA', lambdaConfig: { functionArn: target.functionArn } }),
        },
        { parent: this, dependsOn: [policy] },
      );
    }

    const functions = new Map<string, aws.appsync.Function>();
    for (const entry of args.catalog.functions) {
      functions.set(
        entry.name,
        new aws.appsync.Function(
          `${name}-fn-${entry.name}`,
          {
            apiId: this.api.id,
            name: entry.name,
            dataSource: dataSources[entry.config.dataSource].name,
            runtime: APPSYNC_JS,
            code: bundle(args.code, `pipeline/${entry.name}`),
          },
          parent,
        ),
      );
    }

    for (const entry of args.catalog.resolvers) {
      const key = `${entry.typeName}.${entry.fieldName}`;
      const config = entry.config;
      new aws.appsync.Resolver(
        `${name}-${key}`,
        {
          apiId: this.api.id,
          type: entry.typeName,
          field: entry.fieldName,
          runtime: APPSYNC_JS,
          code: bundle(args.code, key),
          ...('pipeline' in config
            ? {
                kind: 'PIPELINE',
                pipelineConfig: {
                  functions: config.pipeline.map((fn) => {
                    const created = functions.get(fn);
                    if (created === undefined)
                      throw new Error(`${key}: unknown pipeline function ${fn}`);
                    return created.functionId;
                  }),
                },
              }
            : { kind: 'UNIT', dataSource: dataSources[config.dataSource].name }),
        },
        parent,
      );
    }

    this.url = this.api.uris.apply((uris) => uris.GRAPHQL ?? '');
    this.arn = this.api.arn;
    this.registerOutputs({ url: this.url, arn: this.arn, webAclArn: this.firewall.arn });
  }
}

function bundle(code: ResolverCode, name: string): string {
  const text = code.get(name);
  if (text === undefined) throw new Error(`no bundled code for ${name}`);
  return text;
}
