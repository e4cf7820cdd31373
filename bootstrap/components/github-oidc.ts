/**
 * The account's trust in GitHub Actions' OIDC tokens: one IAM OIDC provider per account and issuer.
 * The roles, not the provider, decide which repository and environment may assume them.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { GITHUB_OIDC_URL, OIDC_AUDIENCE } from '../names.ts';

export interface GithubOidcProviderArgs {
  readonly tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class GithubOidcProvider extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: GithubOidcProviderArgs, opts?: pulumi.ComponentResourceOptions) {
    super('savings:bootstrap:GithubOidcProvider', name, {}, opts);
    const provider = new aws.iam.OpenIdConnectProvider(
      `${name}-provider`,
      {
        url: GITHUB_OIDC_URL,
        clientIdLists: [OIDC_AUDIENCE],
        // No thumbprint: IAM validates GitHub's token endpoint against its own trusted certificate
        // authorities and ignores any thumbprint for it (since July 2023), and the provider
        // resource no longer requires one (IAM records the server's intermediate CA thumbprint by
        // itself). A pinned thumbprint would only go stale when GitHub changes certificates.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
        tags: args.tags,
      },
      { parent: this },
    );
    this.arn = provider.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
