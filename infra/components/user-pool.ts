/**
 * The Cognito user pool the API trusts: email as username, a strong password policy (Security
 * Hub Cognito.3), threat protection in full-function enforcement mode (Cognito.1, which needs
 * the Plus feature plan), optional TOTP MFA, and one public app client for the frontends.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface UserPoolArgs {
  readonly poolName: pulumi.Input<string>;
  readonly deletionProtection: pulumi.Input<boolean>;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class UserPool extends pulumi.ComponentResource {
  readonly pool: aws.cognito.UserPool;
  readonly client: aws.cognito.UserPoolClient;
  readonly id: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly clientId: pulumi.Output<string>;

  constructor(name: string, args: UserPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:identity:UserPool', name, {}, opts);
    this.pool = new aws.cognito.UserPool(
      `${name}-pool`,
      {
        name: args.poolName,
        usernameAttributes: ['email'],
        autoVerifiedAttributes: ['email'],
        usernameConfiguration: { caseSensitive: false },
        passwordPolicy: {
          minimumLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireNumbers: true,
          requireSymbols: true,
          temporaryPasswordValidityDays: 3,
          passwordHistorySize: 5,
        },
        userPoolTier: 'PLUS',
        userPoolAddOns: { advancedSecurityMode: 'ENFORCED' },
        mfaConfiguration: 'OPTIONAL',
        softwareTokenMfaConfiguration: { enabled: true },
        accountRecoverySetting: {
          recoveryMechanisms: [{ name: 'verified_email', priority: 1 }],
        },
        deletionProtection: pulumi
          .output(args.deletionProtection)
          .apply((on) => (on ? 'ACTIVE' : 'INACTIVE')),
        tags: args.tags,
      },
      { parent: this },
    );
    this.client = new aws.cognito.UserPoolClient(
      `${name}-client`,
      {
        name: pulumi.interpolate`${args.poolName}-app`,
        userPoolId: this.pool.id,
        // A browser or mobile app cannot keep a secret.
        generateSecret: false,
        explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        preventUserExistenceErrors: 'ENABLED',
        enableTokenRevocation: true,
        accessTokenValidity: 60,
        idTokenValidity: 60,
        refreshTokenValidity: 30,
        tokenValidityUnits: { accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' },
        readAttributes: ['email', 'email_verified', 'phone_number', 'phone_number_verified'],
        writeAttributes: ['email', 'phone_number'],
      },
      { parent: this },
    );
    this.id = this.pool.id;
    this.arn = this.pool.arn;
    this.clientId = this.client.id;
    this.registerOutputs({ id: this.id, arn: this.arn, clientId: this.clientId });
  }
}
