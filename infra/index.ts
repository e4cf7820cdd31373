/**
 * The composition root: reads the stack's typed config and wires the bounded contexts. Stack
 * differences come only from `Pulumi.<stack>.yaml`.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { bundleResolvers, loadResolverCatalog } from '#build/resolvers.ts';
import { currencySettings } from '#shared/api-settings.ts';
import { PROJECT } from '#shared/stack-config.ts';
import { plansTable } from '#shared/tables.ts';
import { GraphqlApi } from './components/graphql-api.ts';
import { ProjectKey } from './components/project-key.ts';
import { Table } from './components/table.ts';
import { UserPool } from './components/user-pool.ts';
import { loadStackConfig } from './config.ts';

const stack = pulumi.getStack();
const config = loadStackConfig();
const prefix = `${PROJECT}-${stack}`;
const tags = { ...config.tags, project: PROJECT, stack };
const { accountId } = await aws.getCallerIdentity();
const { region } = await aws.getRegion();

const key = new ProjectKey('project', {
  accountId,
  region,
  alias: prefix,
  deletionWindowInDays: 30,
  tags,
});

const plansTableName = `${prefix}-${plansTable.name}`;
const plans = new Table('plans', {
  definition: plansTable,
  tableName: plansTableName,
  kmsKeyArn: key.arn,
  deletionProtection: config.deletionProtection,
  tags,
});

const users = new UserPool('users', {
  poolName: prefix,
  deletionProtection: config.deletionProtection,
  tags,
});

const catalog = loadResolverCatalog();
const code = await bundleResolvers(catalog, {
  plansTable: plansTableName,
  maxPlansPerUser: config.maxPlansPerUser,
  currencies: currencySettings(config.currencies),
});

const api = new GraphqlApi('graphql', {
  apiName: prefix,
  catalog,
  code,
  tables: { plans: { name: plans.name, arn: plans.arn, indexArns: plans.indexArns } },
  userPoolId: users.id,
  userPoolClientId: users.clientId,
  accountId,
  region,
  kmsKeyArn: key.arn,
  introspection: config.graphqlIntrospection,
  queryDepthLimit: config.queryDepthLimit,
  logRetentionDays: config.logRetentionDays,
  tags,
});

export const graphqlUrl = api.url;
export const userPoolId = users.id;
export const userPoolClientId = users.clientId;
export const plansTableArn = plans.arn;
export const kmsKeyArn = key.arn;
