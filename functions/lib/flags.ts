/**
 * The operational feature flags, read from AWS AppConfig through Powertools Parameters, which
 * caches them for `FLAGS_MAX_AGE_SECONDS` per execution environment (AppConfig's own data plane
 * answers unchanged configurations with an empty body; Powertools keeps the last value).
 *
 * Two documents, in two environments of the stack's application: the main flags (deployed
 * gradually, rolled back by the purchase alarms) and the emergency stop (no monitors, deployed all
 * at once, so no alarm can undo it). The flags in force are the main ones with purchases off
 * whenever the emergency stop says so (`withEmergencyStop`).
 *
 * A document that cannot be read or does not parse, either of them, fails the step: a run never
 * buys on flags it could not check. AppConfig validates each document before deploying it, so this
 * only happens while AppConfig itself is unreachable, and the workflow retries the slot later.
 */
import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import { parseEmergencyStop, parseFlags, withEmergencyStop, type Flags } from '#domain/flags.ts';
import { requireEnvironment } from './environment.ts';

export type FlagsReader = () => Promise<Flags>;

/**
 * Reads `APPCONFIG_APPLICATION`, `APPCONFIG_ENVIRONMENT`, `APPCONFIG_FLAGS_PROFILE`,
 * `APPCONFIG_EMERGENCY_ENVIRONMENT`, `APPCONFIG_EMERGENCY_PROFILE` and `FLAGS_MAX_AGE_SECONDS` at
 * cold start; the reader returns the flags in force (both documents, read with the same max age).
 */
export function flagsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): FlagsReader {
  const env = requireEnvironment(
    [
      'APPCONFIG_APPLICATION',
      'APPCONFIG_ENVIRONMENT',
      'APPCONFIG_FLAGS_PROFILE',
      'APPCONFIG_EMERGENCY_ENVIRONMENT',
      'APPCONFIG_EMERGENCY_PROFILE',
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
  // A provider is bound to one environment: one per environment, each with its own session.
  const main = new AppConfigProvider({
    application: env.APPCONFIG_APPLICATION,
    environment: env.APPCONFIG_ENVIRONMENT,
  });
  const emergency = new AppConfigProvider({
    application: env.APPCONFIG_APPLICATION,
    environment: env.APPCONFIG_EMERGENCY_ENVIRONMENT,
  });
  return async () => {
    const [flags, stop] = await Promise.all([
      main.get(env.APPCONFIG_FLAGS_PROFILE, { maxAge, transform: 'json' }),
      emergency.get(env.APPCONFIG_EMERGENCY_PROFILE, { maxAge, transform: 'json' }),
    ]);
    return withEmergencyStop(parseFlags(flags), parseEmergencyStop(stop));
  };
}
