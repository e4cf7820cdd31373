/**
 * The bootstrap stack's configuration (`bootstrap/Pulumi.<stack>.yaml`, namespace
 * `savings-plan-buy-bootstrap`), checked once so a bad value fails `pulumi preview` before anything
 * is trusted. Plain data: the tests call {@link parseBootstrapConfig} directly.
 */
import {
  BOOTSTRAP_PROJECT,
  DEPLOY_ROLE_NAME,
  PREVIEW_ROLE_NAME,
  accessLogBucketName,
  stackPrefix,
  stateBucketName,
  type GithubRepository,
} from './names.ts';

export class BootstrapConfigError extends Error {
  override readonly name = 'BootstrapConfigError';
}

export interface BootstrapConfig {
  /** The only repository whose workflows may assume the stack's roles. */
  readonly repository: GithubRepository;
  /**
   * The exact IAM role ARNs of the people who administer the account (run this program, `pulumi
   * stack init` the main stack, read its state by hand): besides the two CI roles, the only
   * principals the state and secrets keys let use them.
   */
  readonly administratorArns: readonly string[];
  /** Tags on every taggable resource, besides `project` and `stack`. */
  readonly tags: Readonly<Record<string, string>>;
}

/** The config keys, without the namespace, as `pulumi config set` takes them. */
export const BOOTSTRAP_CONFIG_KEYS = [
  'githubOwner',
  'githubRepository',
  'administratorArns',
  'tags',
] as const;

// GitHub's own rules for user and organization names, and for repository names: neither can hold
// a character that IAM's StringEquals would read as a wildcard or the subject as a separator.
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const ROLE_ARN = /^arn:aws:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/;
const STACK = /^[a-z][a-z0-9]*$/;

function required(raw: Readonly<Record<string, string | undefined>>, key: string): string {
  const value = raw[`${BOOTSTRAP_PROJECT}:${key}`];
  if (value === undefined || value === '') {
    throw new BootstrapConfigError(
      `${BOOTSTRAP_PROJECT}:${key} is required: pulumi config set ${key} <value> (see bootstrap/README.md)`,
    );
  }
  return value;
}

function json(key: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new BootstrapConfigError(`${BOOTSTRAP_PROJECT}:${key} must be YAML list or map`);
  }
}

/**
 * Refuses a stack whose main-program prefix (`savings-plan-buy-<stack>-`) would also match a name
 * this program gives: the deploy role manages everything under that prefix, and must never reach
 * its own role, the other role or the state buckets.
 */
export function checkStackName(stack: string, accountId: string): void {
  if (!STACK.test(stack)) {
    throw new BootstrapConfigError(
      `stack ${stack} must be lower-case letters and digits (the main stack's name: dev, staging, prod)`,
    );
  }
  const prefix = `${stackPrefix(stack)}-`;
  const own = [
    DEPLOY_ROLE_NAME,
    PREVIEW_ROLE_NAME,
    stateBucketName(accountId),
    accessLogBucketName(accountId),
  ];
  const reached = own.filter((name) => name.startsWith(prefix));
  if (reached.length > 0) {
    throw new BootstrapConfigError(
      `stack ${stack} cannot be bootstrapped: its deploy role would manage ${reached.join(', ')} (everything named ${prefix}*)`,
    );
  }
}

/** Parses the config Pulumi hands the program (`<namespace>:<key>` to string). */
export function parseBootstrapConfig(
  raw: Readonly<Record<string, string | undefined>>,
): BootstrapConfig {
  const owner = required(raw, 'githubOwner');
  if (!OWNER.test(owner)) {
    throw new BootstrapConfigError(
      `${BOOTSTRAP_PROJECT}:githubOwner ${JSON.stringify(owner)} is not a GitHub user or organization name`,
    );
  }
  const name = required(raw, 'githubRepository');
  if (!REPOSITORY.test(name) || name === '.' || name === '..') {
    throw new BootstrapConfigError(
      `${BOOTSTRAP_PROJECT}:githubRepository ${JSON.stringify(name)} is not a GitHub repository name (without the owner)`,
    );
  }
  const administrators = json('administratorArns', required(raw, 'administratorArns'));
  if (
    !Array.isArray(administrators) ||
    administrators.length === 0 ||
    !administrators.every((arn) => typeof arn === 'string' && ROLE_ARN.test(arn))
  ) {
    throw new BootstrapConfigError(
      `${BOOTSTRAP_PROJECT}:administratorArns must list the exact ARNs of the administrators' IAM roles (no wildcards)`,
    );
  }
  const tags = json('tags', required(raw, 'tags'));
  if (
    typeof tags !== 'object' ||
    tags === null ||
    Array.isArray(tags) ||
    !Object.values(tags).every((value) => typeof value === 'string' && value !== '')
  ) {
    throw new BootstrapConfigError(`${BOOTSTRAP_PROJECT}:tags must map tag keys to text`);
  }
  return {
    repository: { owner, name },
    administratorArns: administrators as string[],
    tags: tags as Record<string, string>,
  };
}
