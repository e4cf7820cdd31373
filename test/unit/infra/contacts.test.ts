/**
 * The contacts function under Pulumi mocks (dev stack): its configuration and a role that may
 * read and write the notifications table item by item, and send codes from the stack's
 * identities, and nothing else.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { devStackConfig } from '#local/stack.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-dev';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;

beforeAll(async () => {
  run = await runProgram('dev');
});

describe('the contacts function', () => {
  it('gets exactly its configuration', () => {
    const fn = run.one('aws:lambda/function:Function', 'contacts-function').inputs;
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    expect({
      ...variables,
      NOTIFICATION_SETTINGS: JSON.parse(variables.NOTIFICATION_SETTINGS ?? ''),
    }).toEqual({
      NOTIFICATIONS_TABLE: `${P}-notifications`,
      // No origination identity and no protect configuration on dev: left out.
      EMAIL_FROM: 'notifications@dev.savings-plan-buy.example',
      // The dev stack's `notifications` key, parsed.
      NOTIFICATION_SETTINGS: devStackConfig().notifications,
      POWERTOOLS_SERVICE_NAME: `${P}-contacts`,
      POWERTOOLS_METRICS_NAMESPACE: 'SavingsPlanBuy',
    });
    expect(fn).toMatchObject({ runtime: 'nodejs24.x', reservedConcurrentExecutions: 10 });
  });

  it('may read and update the notifications table and send codes from the SES identity, nothing more', () => {
    const statements = policy(
      run.one('aws:iam/rolePolicy:RolePolicy', 'contacts-policy').inputs.policy,
    ).Statement.slice(3);
    expect(statements).toEqual([
      {
        Sid: 'KeepContactStateAndCounters',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${P}-notifications`,
      },
      {
        Sid: 'TablesAreEncryptedWithTheProjectKey',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` } },
      },
      {
        Sid: 'SendCodesFromTheNotificationsIdentity',
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: `arn:aws:ses:${REGION}:${ACCOUNT}:identity/dev.savings-plan-buy.example`,
      },
    ]);
  });
});
