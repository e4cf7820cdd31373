/** The staging stack under Pulumi mocks: production-like protection, introspection still on. */
import { beforeAll, expect, it } from 'vitest';
import { runProgram, type ProgramRun } from './program.ts';
import { stackExpectation, topologyMismatches } from './topology-parity.ts';

let run: ProgramRun;

beforeAll(async () => {
  run = await runProgram('staging');
});

it('protects the plans table and the user pool from deletion in staging', () => {
  expect(run.one('aws:dynamodb/table:Table', 'plans-table').inputs.deletionProtectionEnabled).toBe(
    true,
  );
  expect(run.one('aws:cognito/userPool:UserPool').inputs.deletionProtection).toBe('ACTIVE');
});

it('keeps introspection on in staging for tooling and logs for 90 days', () => {
  expect(run.one('aws:appsync/graphQLApi:GraphQLApi').inputs.introspectionConfig).toBe('ENABLED');
  expect(run.one('aws:cloudwatch/logGroup:LogGroup', 'graphql-logs').inputs.retentionInDays).toBe(
    90,
  );
});

it('puts the same WAF rate limit and resolver count limit in front of staging as in prod', () => {
  expect(run.one('aws:appsync/graphQLApi:GraphQLApi').inputs.resolverCountLimit).toBe(20);
  expect(run.one('aws:wafv2/webAcl:WebAcl').inputs).toMatchObject({
    name: 'savings-plan-buy-staging-api',
    rules: [{ statement: { rateBasedStatement: { limit: 1000 } } }],
  });
});

it('registers what shared/topology.ts says for staging: queues, event sources, environments, jobs and rules', () => {
  expect(topologyMismatches(run, stackExpectation('staging'))).toEqual([]);
});
