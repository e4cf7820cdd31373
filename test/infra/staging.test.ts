/** The staging stack under Pulumi mocks: production-like protection, introspection still on. */
import { beforeAll, expect, it } from 'vitest';
import { runProgram, type ProgramRun } from './program.ts';

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
