/** The prod stack under Pulumi mocks: what differs from dev comes from Pulumi.prod.yaml. */
import { beforeAll, expect, it } from 'vitest';
import { runProgram, type ProgramRun } from './program.ts';
import { stackExpectation, topologyMismatches } from './topology-parity.ts';

let run: ProgramRun;

beforeAll(async () => {
  run = await runProgram('prod');
});

it('turns GraphQL introspection off in prod', () => {
  expect(run.one('aws:appsync/graphQLApi:GraphQLApi').inputs.introspectionConfig).toBe('DISABLED');
});

it('protects the plans table and the user pool from deletion in prod', () => {
  expect(run.one('aws:dynamodb/table:Table', 'plans-table').inputs.deletionProtectionEnabled).toBe(
    true,
  );
  expect(run.one('aws:cognito/userPool:UserPool').inputs.deletionProtection).toBe('ACTIVE');
});

it('keeps prod API logs for a year', () => {
  expect(run.one('aws:cloudwatch/logGroup:LogGroup', 'graphql-logs').inputs.retentionInDays).toBe(
    365,
  );
});

it('names prod resources after the stack', () => {
  expect(run.one('aws:dynamodb/table:Table', 'plans-table').inputs.name).toBe(
    'savings-plan-buy-prod-plans',
  );
  expect(run.one('aws:kms/alias:Alias', 'project-alias').inputs.name).toBe(
    'alias/savings-plan-buy-prod',
  );
});

it('bounds each prod request to 20 resolvers and each client IP to 1000 requests in 5 minutes', () => {
  expect(run.one('aws:appsync/graphQLApi:GraphQLApi').inputs.resolverCountLimit).toBe(20);
  const rules = run.one('aws:wafv2/webAcl:WebAcl').inputs.rules as {
    statement: { rateBasedStatement: unknown };
  }[];
  expect(rules.map((rule) => rule.statement.rateBasedStatement)).toEqual([
    { limit: 1000, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
  ]);
  expect(run.one('aws:wafv2/webAclAssociation:WebAclAssociation').inputs.resourceArn).toBe(
    run.one('aws:appsync/graphQLApi:GraphQLApi').state.arn,
  );
});

it('keeps what WAF blocked in prod for a year', () => {
  expect(run.one('aws:cloudwatch/logGroup:LogGroup', 'graphql-firewall-logs').inputs).toMatchObject(
    { name: 'aws-waf-logs-savings-plan-buy-prod-api', retentionInDays: 365 },
  );
});

it('registers what shared/topology.ts says for prod: queues, event sources, environments, jobs and rules', () => {
  expect(topologyMismatches(run, stackExpectation('prod'))).toEqual([]);
});
