/**
 * A stack that trades on a real exchange (staging on the Coinbase sandbox), under Pulumi mocks:
 * the API key's secret is encrypted with the project key and readable only by the functions that
 * trade, and no paper exchange is deployed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-staging';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${P}/exchange/coinbase-AbCdEf`;
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
  it('keeps the API key in a secret encrypted with the project key, without a value in Pulumi', () => {
    expect(run.one('aws:secretsmanager/secret:Secret').inputs).toMatchObject({
      name: `${P}/exchange/coinbase`,
      kmsKeyId: KEY_ARN,
      recoveryWindowInDays: 30,
    });
    expect(run.all('aws:secretsmanager/secretVersion:SecretVersion')).toEqual([]);
    expect(run.outputs.exchangeSecretArn).toBe(SECRET_ARN);
  });

  it('tells the trading functions where the key and the sandbox are', () => {
    for (const name of ['place-order', 'reconcile']) {
      const { variables } = run.one('aws:lambda/function:Function', `${name}-function`).inputs
        .environment as { variables: Record<string, string> };
      expect(variables).toMatchObject({
        EXCHANGE: 'coinbase',
        EXCHANGE_API_URL: 'https://api-sandbox.coinbase.com',
        EXCHANGE_SECRET_ARN: SECRET_ARN,
      });
      expect(variables.PAPER_ORDERS_TABLE).toBeUndefined();
      expect(variables.PAPER_SETTINGS).toBeUndefined();
    }
  });

  it('lets only the trading functions read the key', () => {
    for (const name of ['place-order', 'reconcile']) {
      expect(statementsOf(name)).toEqual(expect.arrayContaining(READ_SECRET));
    }
    for (const name of [
      'decide',
      'retry-dispatcher',
      'completer',
      'sweeper',
      'schedule-sync',
      'calendar',
      'schedule-preview',
    ]) {
      expect(
        statementsOf(name).filter((statement) => statement.Sid === 'ReadExchangeCredentials'),
        name,
      ).toEqual([]);
    }
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
