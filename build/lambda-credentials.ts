/**
 * What the Lambda bundles use in place of `@aws-sdk/credential-provider-node` (an esbuild alias in
 * `build/functions.ts`): the SDK's own environment-variable provider, the first link of the default
 * chain and the only one that ever answers on Lambda.
 *
 * Lambda puts the execution role's credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 * `AWS_SESSION_TOKEN` of every function
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * and the default chain stops at the first provider that answers, so on Lambda the other links
 * (SSO, web identity, shared ini files, `credential_process`, container and instance metadata)
 * never run; bundling them only cost about 100 KiB per function (with the STS and SSO clients
 * they need). The local stack gives its Lambdas environment credentials too, so it runs these
 * same bundles. Without them the client fails on its first call, as the default chain would.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** The default provider's signature, answering from the environment only. */
export const defaultProvider = (
  init?: Parameters<typeof fromEnv>[0],
): AwsCredentialIdentityProvider => fromEnv(init);
