/**
 * A stack that trades on a real exchange (staging on the Coinbase sandbox), under Pulumi mocks:
 * the trading key's secret is encrypted with the project key and readable only by the function
 * that trades; reconciliation reads a view-only key of its own; no paper exchange is deployed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  OPERATOR_ROLE_ARNS,
  expectedProjectKeyPolicy,
  uncoveredKeyUses,
  unneededKeyUses,
} from './key-policy.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-staging';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${P}/exchange/coinbase-AbCdEf`;
const READONLY_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${P}/exchange/coinbase/read-only-AbCdEf`;
const READ_READONLY_SECRET = [
  {
    Sid: 'ReadReadOnlyExchangeCredentials',
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: READONLY_SECRET_ARN,
  },
  {
    Sid: 'ReadOnlyExchangeCredentialsAreEncryptedWithTheProjectKey',
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: KEY_ARN,
    Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
  },
];
const TAGS = {
  environment: 'staging',
  owner: 'platform',
  'data-classification': 'confidential',
  project: 'savings-plan-buy',
  stack: 'staging',
};
const READ_SECRET = [
  {
    Sid: 'ReadExchangeCredentials',
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: SECRET_ARN,
  },
  {
    Sid: 'ExchangeCredentialsAreEncryptedWithTheProjectKey',
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: KEY_ARN,
    Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
  },
];

beforeAll(async () => {
  run = await runProgram('staging', {
    exchange: 'coinbase',
    exchangeApiUrl: 'https://api-sandbox.coinbase.com',
  });
});

const statementsOf = (name: string) =>
  policy(run.one('aws:iam/rolePolicy:RolePolicy', `${name}-policy`).inputs.policy).Statement;

describe('a stack on Coinbase', () => {
  it('keeps both API keys in secrets encrypted with the project key, without a value in Pulumi', () => {
    expect(
      run.one('aws:secretsmanager/secret:Secret', 'exchange-credentials-secret').inputs,
    ).toEqual({
      name: `${P}/exchange/coinbase`,
      description:
        'API key of the coinbase account the purchases trade on (value set by an operator)',
      kmsKeyId: KEY_ARN,
      recoveryWindowInDays: 30,
      tags: TAGS,
    });
    expect(
      run.one('aws:secretsmanager/secret:Secret', 'exchange-read-only-credentials-secret').inputs,
    ).toEqual({
      name: `${P}/exchange/coinbase/read-only`,
      description:
        'View-only API key of the coinbase account, for reconciliation: reads orders, cannot trade (value set by an operator)',
      kmsKeyId: KEY_ARN,
      recoveryWindowInDays: 30,
      tags: TAGS,
    });
    expect(run.all('aws:secretsmanager/secretVersion:SecretVersion')).toEqual([]);
    expect(run.outputs.exchangeSecretArn).toBe(SECRET_ARN);
    expect(run.outputs.readOnlyExchangeSecretArn).toBe(READONLY_SECRET_ARN);
  });

  it('tells the order function where the trading key and the sandbox are', () => {
    const { variables } = run.one('aws:lambda/function:Function', 'place-order-function').inputs
      .environment as { variables: Record<string, string> };
    expect(variables).toMatchObject({
      EXCHANGE: 'coinbase',
      EXCHANGE_API_URL: 'https://api-sandbox.coinbase.com',
      EXCHANGE_SECRET_ARN: SECRET_ARN,
    });
    expect(variables.EXCHANGE_READONLY_SECRET_ARN).toBeUndefined();
    expect(variables.PAPER_ORDERS_TABLE).toBeUndefined();
    expect(variables.PAPER_SETTINGS).toBeUndefined();
  });

  it('tells reconciliation where the view-only key is, and nothing of the trading key', () => {
    const { variables } = run.one('aws:lambda/function:Function', 'reconcile-function').inputs
      .environment as { variables: Record<string, string> };
    expect(variables).toMatchObject({
      EXCHANGE: 'coinbase',
      EXCHANGE_API_URL: 'https://api-sandbox.coinbase.com',
      EXCHANGE_READONLY_SECRET_ARN: READONLY_SECRET_ARN,
    });
    expect(variables.EXCHANGE_SECRET_ARN).toBeUndefined();
    expect(variables.PAPER_ORDERS_TABLE).toBeUndefined();
    expect(variables.PAPER_SETTINGS).toBeUndefined();
  });

  it('lets only the order function and the block worker read the trading key, and only reconciliation the view-only key', () => {
    expect(statementsOf('place-order')).toEqual(expect.arrayContaining(READ_SECRET));
    expect(statementsOf('block-worker')).toEqual(expect.arrayContaining(READ_SECRET));
    expect(statementsOf('reconcile')).toEqual(expect.arrayContaining(READ_READONLY_SECRET));
    const secrets = (name: string) =>
      statementsOf(name)
        .filter((statement) => statement.Action === 'secretsmanager:GetSecretValue')
        .map((statement) => statement.Resource);
    expect(secrets('place-order')).toEqual([SECRET_ARN]);
    expect(secrets('block-worker')).toEqual([SECRET_ARN]);
    expect(secrets('reconcile')).toEqual([READONLY_SECRET_ARN]);
    for (const name of [
      'decide',
      'join-block',
      'retry-dispatcher',
      'completer',
      'sweeper',
      'schedule-sync',
      'notifier',
      'audit-digest',
      'audit-report',
      'calendar',
      'schedule-preview',
      'pre-traffic',
    ]) {
      expect(secrets(name), name).toEqual([]);
    }
  });

  it('lets the project key decrypt the exchange keys for the order function and reconciliation only', () => {
    expect(policy(run.one('aws:kms/key:Key', 'project-key').inputs.policy)).toEqual(
      expectedProjectKeyPolicy(P, { exchangeKeys: true }),
    );
    expect(uncoveredKeyUses(run)).toEqual([]);
    expect(unneededKeyUses(run, OPERATOR_ROLE_ARNS)).toEqual([]);
  });

  it('deploys no paper exchange', () => {
    expect(run.all('aws:dynamodb/table:Table').map((table) => table.inputs.name)).not.toContain(
      `${P}-paper-orders`,
    );
    for (const name of ['place-order', 'reconcile']) {
      expect(
        statementsOf(name).filter((statement) => statement.Sid === 'PaperExchangeOrders'),
      ).toEqual([]);
    }
  });
});
