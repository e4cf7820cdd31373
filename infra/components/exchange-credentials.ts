/**
 * An API key of the exchange account, in AWS Secrets Manager encrypted with the project key.
 * Pulumi creates the secret, never its value: an operator stores the key once with
 * `aws secretsmanager put-secret-value` (shape in the README), so it never enters Pulumi state or
 * config. A stack on a real exchange has two: the trading key, which places orders, and a
 * view-only key for reconciliation, which only reads them. The functions read their key through
 * Powertools Parameters, cached.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PolicyStatement } from '../iam.ts';

/** What the key may do on the exchange: place orders, or only read them. */
export type ExchangeKeyAccess = 'trading' | 'read-only';

export interface ExchangeCredentialsArgs {
  readonly secretName: string;
  readonly exchange: string;
  readonly access: ExchangeKeyAccess;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const DESCRIPTIONS: Record<ExchangeKeyAccess, (exchange: string) => string> = {
  trading: (exchange) =>
    `API key of the ${exchange} account the purchases trade on (value set by an operator)`,
  'read-only': (exchange) =>
    `View-only API key of the ${exchange} account, for reconciliation: reads orders, cannot trade (value set by an operator)`,
};

export class ExchangeCredentials extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ExchangeCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:purchases:ExchangeCredentials', name, {}, opts);
    const secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: args.secretName,
        description: DESCRIPTIONS[args.access](args.exchange),
        kmsKeyId: args.kmsKeyArn,
        recoveryWindowInDays: 30,
        tags: args.tags,
      },
      { parent: this },
    );
    this.arn = secret.arn;
    this.registerOutputs({ arn: this.arn });
  }
}

/** Reading one key: this secret only, decrypted through Secrets Manager only. */
export function readCredentialsStatements(
  secretArn: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
  region: pulumi.Input<string>,
  access: ExchangeKeyAccess = 'trading',
): PolicyStatement[] {
  const which = access === 'trading' ? 'ExchangeCredentials' : 'ReadOnlyExchangeCredentials';
  return [
    {
      Sid: `Read${which}`,
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: secretArn,
    },
    {
      Sid: `${which}AreEncryptedWithTheProjectKey`,
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: kmsKeyArn,
      Condition: {
        StringEquals: {
          'kms:ViaService': pulumi.interpolate`secretsmanager.${region}.amazonaws.com`,
        },
      },
    },
  ];
}
