/**
 * The exchange's API key, in AWS Secrets Manager encrypted with the project key. Pulumi creates
 * the secret, never its value: an operator stores the key once with
 * `aws secretsmanager put-secret-value` (shape in the README), so it never enters Pulumi state or
 * config. The functions that trade read it through Powertools Parameters, cached.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { PolicyStatement } from '../iam.ts';

export interface ExchangeCredentialsArgs {
  readonly secretName: string;
  readonly exchange: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ExchangeCredentials extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ExchangeCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:purchases:ExchangeCredentials', name, {}, opts);
    const secret = new aws.secretsmanager.Secret(
      `${name}-secret`,
      {
        name: args.secretName,
        description: `API key of the ${args.exchange} account the purchases trade on (value set by an operator)`,
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

/** Reading the key: this secret only, decrypted through Secrets Manager only. */
export function readCredentialsStatements(
  secretArn: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
  region: pulumi.Input<string>,
): PolicyStatement[] {
  return [
    {
      Sid: 'ReadExchangeCredentials',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: secretArn,
    },
    {
      Sid: 'ExchangeCredentialsAreEncryptedWithTheProjectKey',
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
