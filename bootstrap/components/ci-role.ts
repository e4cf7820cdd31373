/**
 * A role that GitHub Actions jobs of one repository, in one GitHub environment, assume through
 * OIDC, with one inline policy. No long-lived key exists for it.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { GithubRepository } from '../names.ts';
import { githubTrustPolicy, type PolicyDocument } from '../permissions.ts';

export interface CiRoleArgs {
  readonly roleName: string;
  readonly description: string;
  readonly providerArn: pulumi.Input<string>;
  readonly repository: GithubRepository;
  /** The only GitHub environment whose jobs may assume the role. */
  readonly environment: string;
  readonly policy: pulumi.Input<PolicyDocument>;
  /** The longest session a job may ask for (`role-duration-seconds`). */
  readonly maxSessionDurationSeconds: number;
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class CiRole extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: CiRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:bootstrap:CiRole', name, {}, opts);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        description: args.description,
        assumeRolePolicy: pulumi
          .output(args.providerArn)
          .apply((arn) =>
            JSON.stringify(githubTrustPolicy(arn, args.repository, args.environment)),
          ),
        maxSessionDuration: args.maxSessionDurationSeconds,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        name: args.roleName,
        policy: pulumi.output(args.policy).apply((document) => JSON.stringify(document)),
      },
      { parent: this },
    );
    this.arn = role.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
