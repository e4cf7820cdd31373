/**
 * The key that signs the daily digests of the audit records (the `audit-digest` job's): an
 * asymmetric KMS key only the digest job's role may sign with, and its alias. Asymmetric keys
 * cannot rotate automatically (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html):
 * a new key and alias target replace it, and old digests stay verifiable with the old public key.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson } from '../../iam.ts';
import { AuditTrailPart, type AuditTrailPartOptions } from './part.ts';

type In<T> = pulumi.Input<T>;

/**
 * Key administration through IAM, and reading the public key and verifying, for the asymmetric
 * digest key. Signing is not among them: only the signer role may sign.
 */
export const SIGNING_KEY_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:GetKeyPolicy',
  'kms:GetPublicKey',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
  'kms:Verify',
];

export interface DigestSigningKeyArgs {
  /** `<project>-<stack>`, named in the key's description. */
  readonly prefix: string;
  readonly aliasName: string;
  /** The role that signs the daily digests (the digest job's): the only one the key lets sign. */
  readonly signerRoleArn: In<string>;
  readonly accountId: In<string>;
  readonly tags: In<Record<string, In<string>>>;
}

/** The digest signing key (resources `<name>-signing-*`). */
export class DigestSigningKey extends AuditTrailPart {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: DigestSigningKeyArgs, opts: AuditTrailPartOptions) {
    super('savings:audit:DigestSigningKey', name, opts);
    const account = pulumi.interpolate`arn:aws:iam::${args.accountId}:root`;
    const key = new aws.kms.Key(
      `${name}-signing-key`,
      {
        description: `${args.prefix}: signs the daily digests of the audit trail`,
        customerMasterKeySpec: 'ECC_NIST_P256',
        keyUsage: 'SIGN_VERIFY',
        enableKeyRotation: false,
        deletionWindowInDays: 30,
        policy: policyJson([
          {
            Sid: 'AccountAdministersAndVerifiesThroughIam',
            Effect: 'Allow',
            Principal: { AWS: account },
            Action: SIGNING_KEY_ACTIONS,
            Resource: '*',
          },
          {
            // No identity policy alone can let anyone else sign a digest.
            Sid: 'OnlyTheDigestJobSigns',
            Effect: 'Allow',
            Principal: { AWS: account },
            Action: 'kms:Sign',
            Resource: '*',
            Condition: { ArnEquals: { 'aws:PrincipalArn': args.signerRoleArn } },
          },
        ]),
        tags: args.tags,
      },
      this.childOptions(),
    );
    new aws.kms.Alias(
      `${name}-signing-alias`,
      { name: args.aliasName, targetKeyId: key.keyId },
      this.childOptions(),
    );
    this.arn = key.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
