/**
 * The operational feature flags, read from AWS AppConfig through Powertools Parameters, which
 * caches them for `FLAGS_MAX_AGE_SECONDS` per execution environment (AppConfig's own data plane
 * answers unchanged configurations with an empty body; Powertools keeps the last value).
 *
 * A flags document that cannot be read or does not parse fails the step: a run never buys on
 * flags it could not check. AppConfig validates the document before deploying it, so this only
 * happens while AppConfig itself is unreachable, and the workflow retries the slot later.
 */
import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import { parseFlags, type Flags } from '#domain/flags.ts';
import { requireEnvironment } from './environment.ts';

export type FlagsReader = () => Promise<Flags>;

/** Reads `APPCONFIG_APPLICATION`, `APPCONFIG_ENVIRONMENT`, `APPCONFIG_FLAGS_PROFILE` at cold start. */
export function flagsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): FlagsReader {
  const env = requireEnvironment(
    [
      'APPCONFIG_APPLICATION',
      'APPCONFIG_ENVIRONMENT',
      'APPCONFIG_FLAGS_PROFILE',
      'FLAGS_MAX_AGE_SECONDS',
    ],
    environment,
  );
  const maxAge = Number(env.FLAGS_MAX_AGE_SECONDS);
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new Error(
      `FLAGS_MAX_AGE_SECONDS must be a whole number of seconds, not ${env.FLAGS_MAX_AGE_SECONDS}`,
    );
  }
  const provider = new AppConfigProvider({
    application: env.APPCONFIG_APPLICATION,
    environment: env.APPCONFIG_ENVIRONMENT,
  });
  return async () =>
    parseFlags(await provider.get(env.APPCONFIG_FLAGS_PROFILE, { maxAge, transform: 'json' }));
}
