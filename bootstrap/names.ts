/**
 * The names the bootstrap program gives what it creates, and the ones the pipeline and the main
 * stacks read from it. Plain data (no Pulumi import): the tests, the README and the program agree
 * on one spelling.
 */
import { PROJECT } from '#shared/stack-config.ts';

export { PROJECT };

/** This program's Pulumi project, which is also its config namespace. */
export const BOOTSTRAP_PROJECT = `${PROJECT}-bootstrap`;

/** GitHub Actions' OIDC issuer, and the audience `aws-actions/configure-aws-credentials` asks for. */
export const GITHUB_OIDC_URL = 'https://token.actions.githubusercontent.com';
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const OIDC_AUDIENCE = 'sts.amazonaws.com';

/**
 * The role the deploy jobs assume. The main stacks name it in `savings-plan-buy:operatorRoles`,
 * which lets it use the project key through the stack's services: keep both in step.
 */
export const DEPLOY_ROLE_NAME = `${PROJECT}-deployer`;
/** The role the pull-request previews assume. */
export const PREVIEW_ROLE_NAME = `${PROJECT}-previewer`;

/** The aliases of the key that encrypts the state bucket and of the key of Pulumi's secrets. */
export const STATE_KEY_ALIAS = `alias/${PROJECT}-pulumi-state`;
export const SECRETS_KEY_ALIAS = `alias/${PROJECT}-pulumi-secrets`;

/** Where every stack of the account keeps its Pulumi state. */
export function stateBucketName(accountId: string): string {
  return `${PROJECT}-pulumi-state-${accountId}`;
}

/** Where the state bucket's server access logs go. */
export function accessLogBucketName(accountId: string): string {
  return `${PROJECT}-pulumi-state-logs-${accountId}`;
}

/** `PULUMI_BACKEND_URL` of the account's stacks. */
export function backendUrl(accountId: string, region: string): string {
  return `s3://${stateBucketName(accountId)}?region=${region}`;
}

/** `--secrets-provider` of the account's stacks. */
export function secretsProviderUrl(region: string): string {
  return `awskms://${SECRETS_KEY_ALIAS}?region=${region}`;
}

/** The prefix of every name the main program gives the resources of `stack`. */
export function stackPrefix(stack: string): string {
  return `${PROJECT}-${stack}`;
}

/** A GitHub repository: the `<owner>/<repo>` of the OIDC token's `sub`. */
export interface GithubRepository {
  readonly owner: string;
  readonly name: string;
}

/**
 * The OIDC token's `sub` for a job that runs in `environment`: with an environment, GitHub puts the
 * environment in the subject instead of the branch or pull request.
 * https://docs.github.com/en/actions/reference/security/oidc#example-subject-claims
 */
export function environmentSubject(repository: GithubRepository, environment: string): string {
  return `repo:${repository.owner}/${repository.name}:environment:${environment}`;
}

/** The GitHub environment of a stack's pull-request previews. */
export function previewEnvironment(stack: string): string {
  return `${stack}-preview`;
}
