/**
 * The bootstrap program: what one AWS account needs before the pipeline can deploy the stack of
 * the same name to it. An administrator runs it once per account (bootstrap/README.md):
 * - the GitHub Actions OIDC provider (no long-lived key anywhere);
 * - the deploy role, assumable only by this repository's jobs in the GitHub environment `<stack>`,
 *   and the preview role, only in `<stack>-preview` (bootstrap/permissions.ts says what each may do);
 * - the S3 bucket that holds the account's Pulumi state, and the KMS key that is the stacks'
 *   secrets provider.
 * Its outputs are what the GitHub environments and `pulumi login` / `pulumi stack init` take.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { CiRole } from './components/ci-role.ts';
import { GithubOidcProvider } from './components/github-oidc.ts';
import { PulumiStateStore } from './components/state-store.ts';
import { BOOTSTRAP_CONFIG_KEYS, checkStackName, parseBootstrapConfig } from './config.ts';
import {
  BOOTSTRAP_PROJECT,
  DEPLOY_ROLE_NAME,
  PREVIEW_ROLE_NAME,
  SECRETS_KEY_ALIAS,
  STATE_KEY_ALIAS,
  accessLogBucketName,
  backendUrl as backendUrlOf,
  previewEnvironment,
  secretsProviderUrl as secretsProviderUrlOf,
  stateBucketName,
} from './names.ts';
import { deployPolicy, previewPolicy } from './permissions.ts';

/**
 * A deploy job runs `pulumi up` and then the release step, which waits for the gradual CodeDeploy
 * shifts: two hours covers the slowest release configuration with room. A preview takes minutes.
 */
const DEPLOY_SESSION_SECONDS = 2 * 60 * 60;
const PREVIEW_SESSION_SECONDS = 60 * 60;

const stack = pulumi.getStack();
const rawConfig = new pulumi.Config(BOOTSTRAP_PROJECT);
const config = parseBootstrapConfig(
  Object.fromEntries(
    BOOTSTRAP_CONFIG_KEYS.map((key) => [`${BOOTSTRAP_PROJECT}:${key}`, rawConfig.get(key)]),
  ),
);
// The provider refuses credentials of any account but `aws:allowedAccountIds` before it calls AWS.
const { accountId } = await aws.getCallerIdentity();
const { region } = await aws.getRegion();
checkStackName(stack, accountId);

// `project` says which program manages a resource: the deploy role manages keys tagged with the
// main project only, so these keys stay out of its reach.
const tags = { ...config.tags, project: BOOTSTRAP_PROJECT, stack };
const roleArn = (name: string) => `arn:aws:iam::${accountId}:role/${name}`;

const oidc = new GithubOidcProvider('github', { tags });

const store = new PulumiStateStore('pulumi-state', {
  accountId,
  region,
  bucketName: stateBucketName(accountId),
  accessLogBucketName: accessLogBucketName(accountId),
  stateKeyAlias: STATE_KEY_ALIAS,
  secretsKeyAlias: SECRETS_KEY_ALIAS,
  ciRoleArns: [roleArn(DEPLOY_ROLE_NAME), roleArn(PREVIEW_ROLE_NAME)],
  administratorArns: config.administratorArns,
  tags,
});

const scope = pulumi
  .all([store.stateKeyArn, store.secretsKeyArn])
  .apply(([stateKeyArn, secretsKeyArn]) => ({
    stack,
    region,
    accountId,
    bucketName: stateBucketName(accountId),
    stateKeyArn,
    secretsKeyArn,
  }));

const deploy = new CiRole('deploy', {
  roleName: DEPLOY_ROLE_NAME,
  description: `Savings Plan Buy: GitHub Actions deploys of stack ${stack} (environment ${stack})`,
  providerArn: oidc.arn,
  repository: config.repository,
  environment: stack,
  policy: scope.apply(deployPolicy),
  maxSessionDurationSeconds: DEPLOY_SESSION_SECONDS,
  tags,
});

const preview = new CiRole('preview', {
  roleName: PREVIEW_ROLE_NAME,
  description: `Savings Plan Buy: GitHub Actions previews of stack ${stack} (environment ${previewEnvironment(stack)})`,
  providerArn: oidc.arn,
  repository: config.repository,
  environment: previewEnvironment(stack),
  policy: scope.apply(previewPolicy),
  maxSessionDurationSeconds: PREVIEW_SESSION_SECONDS,
  tags,
});

/** `AWS_ROLE_ARN` of the GitHub environment `<stack>`. */
export const deployRoleArn = deploy.arn;
/** `AWS_ROLE_ARN` of the GitHub environment `<stack>-preview`. */
export const previewRoleArn = preview.arn;
/** `PULUMI_BACKEND_URL` of both environments, and of `pulumi login`. */
export const backendUrl = store.bucketName.apply(() => backendUrlOf(accountId, region));
/** `pulumi stack init <stack> --secrets-provider <this>`. */
export const secretsProviderUrl = store.secretsKeyArn.apply(() => secretsProviderUrlOf(region));
