/**
 * The deploy role against what the main program really creates (prod, the stack with the most
 * resources): every resource type's service is granted, every resource with an ARN is covered by a
 * statement of its service, and each main stack lets the deploy role use its project key.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEPLOY_ROLE_NAME } from '../../../bootstrap/names.ts';
import {
  MAIN_PROGRAM_SERVICES,
  deployPolicy,
  type Statement,
} from '../../../bootstrap/permissions.ts';
import { wildcardMatches } from '../../../policies/lib/documents.ts';
import { ACCOUNT, REGION, runProgram, type ProgramRun } from '../../../policies/report/program.ts';

const statements = deployPolicy({
  stack: 'prod',
  region: REGION,
  accountId: ACCOUNT,
  bucketName: `savings-plan-buy-pulumi-state-${ACCOUNT}`,
  stateKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/state`,
  secretsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/secrets`,
}).Statement;
const list = (value: string | readonly string[] | undefined) =>
  value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
const servicesOf = (statement: Statement) =>
  new Set(list(statement.Action).map((action) => action.split(':')[0]));

describe('the deploy role and the main program', () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram('prod');
  });

  it('knows the IAM service of every resource type the program creates', () => {
    const types = new Set(
      run.resources.filter((resource) => resource.custom).map((resource) => resource.type),
    );
    expect([...types].filter((type) => MAIN_PROGRAM_SERVICES[type] === undefined)).toEqual([]);
  });

  it('grants actions of every service the program uses', () => {
    const granted = new Set(statements.flatMap((statement) => [...servicesOf(statement)]));
    const missing = [...new Set(Object.values(MAIN_PROGRAM_SERVICES))].filter(
      (service) => !granted.has(service),
    );
    expect(missing).toEqual([]);
  });

  it('covers the ARN of every resource the program creates with a statement of its service', () => {
    // An ARN the program passes in (an event target's) is another resource's, not this one's.
    const uncovered = run.resources
      .filter(
        (resource) => typeof resource.state.arn === 'string' && resource.inputs.arn === undefined,
      )
      .filter((resource) => {
        const arn = resource.state.arn as string;
        const service = MAIN_PROGRAM_SERVICES[resource.type];
        return !statements.some(
          (statement) =>
            servicesOf(statement).has(service) &&
            list(statement.Resource).some((pattern) => wildcardMatches(pattern, arn)),
        );
      })
      .map((resource) => `${resource.type} ${String(resource.state.arn)}`);
    expect(uncovered).toEqual([]);
  });

  it.each(['dev', 'staging', 'prod'])(
    'is one of the operator roles of the %s stack, which may use its project key',
    (stack) => {
      const file = parse(readFileSync(`Pulumi.${stack}.yaml`, 'utf8')) as {
        config: Record<string, unknown>;
      };
      expect(file.config['savings-plan-buy:operatorRoles']).toContain(DEPLOY_ROLE_NAME);
    },
  );
});
