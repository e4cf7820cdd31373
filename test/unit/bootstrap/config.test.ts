/** The bootstrap's configuration: what it refuses before anything is trusted. */
import { describe, expect, it } from 'vitest';
import { checkStackName, parseBootstrapConfig } from '../../../bootstrap/config.ts';

const NS = 'savings-plan-buy-bootstrap';
const valid = {
  [`${NS}:githubOwner`]: 'acme',
  [`${NS}:githubRepository`]: 'savings-plan-buy',
  [`${NS}:administratorArns`]: JSON.stringify(['arn:aws:iam::123456789012:role/admin']),
  [`${NS}:tags`]: JSON.stringify({ owner: 'platform' }),
};

describe('the bootstrap configuration', () => {
  it('reads the repository, the administrators and the tags', () => {
    expect(parseBootstrapConfig(valid)).toEqual({
      repository: { owner: 'acme', name: 'savings-plan-buy' },
      administratorArns: ['arn:aws:iam::123456789012:role/admin'],
      tags: { owner: 'platform' },
    });
  });

  it.each([
    [
      'a missing owner',
      { [`${NS}:githubOwner`]: undefined },
      `${NS}:githubOwner is required: pulumi config set githubOwner <value> (see bootstrap/README.md)`,
    ],
    [
      'an owner with a wildcard',
      { [`${NS}:githubOwner`]: 'acme*' },
      `${NS}:githubOwner "acme*" is not a GitHub user or organization name`,
    ],
    [
      'an owner/repo in the owner',
      { [`${NS}:githubOwner`]: 'acme/x' },
      `${NS}:githubOwner "acme/x" is not a GitHub user or organization name`,
    ],
    [
      'a repository with a wildcard',
      { [`${NS}:githubRepository`]: 'savings-*' },
      `${NS}:githubRepository "savings-*" is not a GitHub repository name (without the owner)`,
    ],
    [
      'a repository that smuggles a subject',
      { [`${NS}:githubRepository`]: 'r:environment:prod' },
      `${NS}:githubRepository "r:environment:prod" is not a GitHub repository name (without the owner)`,
    ],
    [
      'no administrator',
      { [`${NS}:administratorArns`]: '[]' },
      `${NS}:administratorArns must list the exact ARNs of the administrators' IAM roles (no wildcards)`,
    ],
    [
      'an administrator pattern',
      { [`${NS}:administratorArns`]: JSON.stringify(['arn:aws:iam::123456789012:role/*']) },
      `${NS}:administratorArns must list the exact ARNs of the administrators' IAM roles (no wildcards)`,
    ],
    [
      'tags that are not text',
      { [`${NS}:tags`]: JSON.stringify({ owner: 1 }) },
      `${NS}:tags must map tag keys to text`,
    ],
  ])('refuses %s', (_case, change, message) => {
    expect(() => parseBootstrapConfig({ ...valid, ...change })).toThrow(message);
  });

  it('accepts the stacks dev, staging and prod', () => {
    for (const stack of ['dev', 'staging', 'prod']) {
      expect(() => checkStackName(stack, '123456789012')).not.toThrow();
    }
  });

  it('refuses a stack whose deploy role would manage the bootstrap resources', () => {
    expect(() => checkStackName('pulumi', '123456789012')).toThrow(
      'stack pulumi cannot be bootstrapped: its deploy role would manage savings-plan-buy-pulumi-state-123456789012, savings-plan-buy-pulumi-state-logs-123456789012 (everything named savings-plan-buy-pulumi-*)',
    );
    expect(() => checkStackName('Dev', '123456789012')).toThrow(
      "stack Dev must be lower-case letters and digits (the main stack's name: dev, staging, prod)",
    );
  });
});
