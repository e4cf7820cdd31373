/**
 * What every bootstrap stack must register, asserted exactly: the OIDC provider, the two roles
 * with their trust policies, the state bucket's settings, the keys, the outputs, and the policy
 * pack with the bootstrap's configuration. One stack per test file (Pulumi's runtime is per
 * process).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TAGGABLE_TYPES } from '../../../policies/aws/all/Resource/missingRequiredTags.ts';
import { policies } from '../../../policies/pack.ts';
import { cloudResources } from '../../../policies/report/compliance.ts';
import { evaluatePack } from '../../../policies/report/evaluate.ts';
import type { ProgramRun } from '../../../policies/report/program.ts';
import { takesTags } from '../policies/aws-types.ts';
import { ACCOUNT, BOOTSTRAP_PACK_CONFIG, REGION, runBootstrap } from './program.ts';

const json = (value: unknown) => JSON.parse(value as string) as unknown;

/** `administratorAccount`: the account id of the stack file's placeholder administrator role. */
export function describeBootstrap(stack: string, administratorAccount: string): void {
  describe(`the ${stack} bootstrap stack`, () => {
    let run: ProgramRun;
    beforeAll(async () => {
      run = await runBootstrap(stack);
    });
    const tags = {
      environment: stack,
      owner: 'platform',
      'data-classification': 'confidential',
      project: 'savings-plan-buy-bootstrap',
      stack,
    };
    const providerArn = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const bucket = `savings-plan-buy-pulumi-state-${ACCOUNT}`;
    const logs = `savings-plan-buy-pulumi-state-logs-${ACCOUNT}`;

    it('exports the role ARNs, the backend URL and the secrets provider, and nothing else', () => {
      expect(run.outputs).toEqual({
        deployRoleArn: `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-deployer`,
        previewRoleArn: `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-previewer`,
        backendUrl: `s3://${bucket}?region=${REGION}`,
        secretsProviderUrl: `awskms://alias/savings-plan-buy-pulumi-secrets?region=${REGION}`,
      });
    });

    it("trusts GitHub's OIDC issuer for the STS audience, with no thumbprint pinned", () => {
      expect(run.one('aws:iam/openIdConnectProvider:OpenIdConnectProvider').inputs).toEqual({
        url: 'https://token.actions.githubusercontent.com',
        clientIdLists: ['sts.amazonaws.com'],
        tags,
      });
    });

    it.each([
      ['deploy', 'savings-plan-buy-deployer', stack, 7200],
      ['preview', 'savings-plan-buy-previewer', `${stack}-preview`, 3600],
    ])(
      'lets only the repository jobs in one environment assume the %s role (exact subject)',
      (resource, name, environment, seconds) => {
        const role = run.one('aws:iam/role:Role', `${resource}-role`);
        expect(role.inputs.name).toBe(name);
        expect(role.inputs.maxSessionDuration).toBe(seconds);
        expect(role.inputs.tags).toEqual(tags);
        expect(json(role.inputs.assumeRolePolicy)).toEqual({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'GithubActionsJobsOfTheEnvironment',
              Effect: 'Allow',
              Principal: { Federated: providerArn },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: {
                StringEquals: {
                  'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                  'token.actions.githubusercontent.com:sub': `repo:your-github-org/savings-plan-buy:environment:${environment}`,
                },
              },
            },
          ],
        });
      },
    );

    it('gives each role exactly one inline policy and attaches none', () => {
      expect(
        run.all('aws:iam/rolePolicy:RolePolicy').map((policy) => [policy.name, policy.inputs.name]),
      ).toEqual([
        ['deploy-policy', 'savings-plan-buy-deployer'],
        ['preview-policy', 'savings-plan-buy-previewer'],
      ]);
      expect(run.all('aws:iam/rolePolicyAttachment:RolePolicyAttachment')).toEqual([]);
      expect(run.all('aws:iam/policy:Policy')).toEqual([]);
    });

    it('keeps the state in a versioned bucket encrypted with its own key, private, TLS only', () => {
      const settings = (type: string, name: string) => run.one(type, name).inputs;
      expect(run.one('aws:s3/bucket:Bucket', 'pulumi-state-bucket').inputs).toEqual({
        bucket,
        tags,
      });
      expect(
        settings('aws:s3/bucketVersioning:BucketVersioning', 'pulumi-state-bucket-versioning'),
      ).toEqual({ bucket, versioningConfiguration: { status: 'Enabled' } });
      expect(
        settings(
          'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
          'pulumi-state-bucket-encryption',
        ),
      ).toEqual({
        bucket,
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: 'aws:kms',
              kmsMasterKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/pulumi-state-state-key`,
            },
            bucketKeyEnabled: true,
          },
        ],
      });
      expect(
        settings(
          'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
          'pulumi-state-bucket-public-access',
        ),
      ).toEqual({
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(
        settings(
          'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
          'pulumi-state-bucket-ownership',
        ),
      ).toEqual({ bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
      expect(
        json(settings('aws:s3/bucketPolicy:BucketPolicy', 'pulumi-state-bucket-policy').policy),
      ).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      });
      expect(
        settings(
          'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
          'pulumi-state-bucket-lifecycle',
        ),
      ).toEqual({
        bucket,
        rules: [
          {
            id: 'expire-old-state-versions',
            status: 'Enabled',
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 90 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      });
      expect(settings('aws:s3/bucketLogging:BucketLogging', 'pulumi-state-bucket-logging')).toEqual(
        {
          bucket,
          targetBucket: logs,
          targetPrefix: `${bucket}/`,
          targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: 'EventTime' } },
        },
      );
    });

    it('lets S3 deliver only the state bucket access logs to the log bucket, over TLS', () => {
      const policy = run.one('aws:s3/bucketPolicy:BucketPolicy', 'pulumi-state-access-logs-policy');
      expect(json(policy.inputs.policy)).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyInsecureTransport',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${logs}`, `arn:aws:s3:::${logs}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Sid: 'S3ServerAccessLogsOfTheStateBucket',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: `arn:aws:s3:::${logs}/${bucket}/*`,
            Condition: {
              StringEquals: { 'aws:SourceAccount': ACCOUNT },
              ArnEquals: { 'aws:SourceArn': `arn:aws:s3:::${bucket}` },
            },
          },
        ],
      });
    });

    it('names both keys by alias, rotates them and keeps a 30-day deletion window', () => {
      expect(
        run.all('aws:kms/alias:Alias').map((alias) => [alias.name, alias.inputs.name]),
      ).toEqual([
        ['pulumi-state-state-key-alias', 'alias/savings-plan-buy-pulumi-state'],
        ['pulumi-state-secrets-key-alias', 'alias/savings-plan-buy-pulumi-secrets'],
      ]);
      for (const key of run.all('aws:kms/key:Key')) {
        expect([key.inputs.enableKeyRotation, key.inputs.deletionWindowInDays]).toEqual([true, 30]);
      }
    });

    it('lets only the CI roles and the administrators decrypt the stacks secrets', () => {
      const key = run.one('aws:kms/key:Key', 'pulumi-state-secrets-key');
      const statements = (json(key.inputs.policy) as { Statement: { Sid: string }[] }).Statement;
      expect(statements.slice(1)).toEqual([
        {
          Sid: 'AdministratorsCreateStacksSecrets',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: {
            ArnEquals: {
              'aws:PrincipalArn': [
                `arn:aws:iam::${administratorAccount}:role/savings-plan-buy-administrator`,
              ],
            },
          },
        },
        {
          Sid: 'CiDecryptsTheStacksSecrets',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: {
            ArnEquals: {
              'aws:PrincipalArn': [
                `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-deployer`,
                `arn:aws:iam::${ACCOUNT}:role/savings-plan-buy-previewer`,
              ],
            },
          },
        },
      ]);
    });

    it('passes the policy pack with the bootstrap configuration', async () => {
      const results = await evaluatePack(policies, cloudResources(run), BOOTSTRAP_PACK_CONFIG);
      expect(results.flatMap((result) => result.violations)).toEqual([]);
    });

    it('needs the configuration only for the deploy role passing and decrypting by prefix and tags', async () => {
      const results = await evaluatePack(policies, cloudResources(run));
      expect(
        results
          .flatMap((result) => result.violations)
          .map((violation) => `${violation.policy} ${violation.resource ?? '(stack)'}`),
      ).toEqual([
        'aws-iam-policy-disallow-decrypt-on-all-keys aws:iam/rolePolicy:RolePolicy::deploy-policy',
        'aws-iam-policy-enforce-pass-role-scope aws:iam/rolePolicy:RolePolicy::deploy-policy',
      ]);
    });

    it('tags every taggable resource, and the tags policy knows each type', () => {
      const types = [...new Set(run.resources.filter((r) => r.custom).map((r) => r.type))].sort();
      expect(types.filter((type) => TAGGABLE_TYPES.has(type) !== takesTags(type))).toEqual([]);
      for (const resource of run.resources.filter((r) => TAGGABLE_TYPES.has(r.type))) {
        expect([resource.name, resource.inputs.tags]).toEqual([resource.name, tags]);
      }
    });
  });
}
