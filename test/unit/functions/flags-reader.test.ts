/**
 * The decision step's flags reader against the local AppConfig Data stand-in on loopback, through
 * the real Powertools provider and SDK client: it returns the flags in force (the main flags AND the
 * emergency stop), and a run never decides on an emergency stop it could not read.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagsFromEnvironment } from '../../../functions/lib/flags.ts';
import { createJsonServer, createRoutes } from '#local/http.ts';
import { LOCAL_APPCONFIG, LocalAppConfig } from '#local/services/appconfig.ts';

const appConfig = new LocalAppConfig();
const routes = createRoutes();
routes.prefixes.set(appConfig.prefix, appConfig.handler);
const server = createJsonServer(routes, () => undefined);

const ENVIRONMENT = {
  APPCONFIG_APPLICATION: 'savings-plan-buy-local',
  APPCONFIG_ENVIRONMENT: LOCAL_APPCONFIG.environment,
  APPCONFIG_FLAGS_PROFILE: LOCAL_APPCONFIG.profile,
  APPCONFIG_EMERGENCY_ENVIRONMENT: LOCAL_APPCONFIG.emergencyEnvironment,
  APPCONFIG_EMERGENCY_PROFILE: LOCAL_APPCONFIG.emergencyProfile,
  // Every read polls: the test sees each deployment at once.
  FLAGS_MAX_AGE_SECONDS: '0',
};
const SAVED = { ...process.env };

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The SDK client the provider creates reads its endpoint, Region and credentials from here.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_APPCONFIGDATA: `http://127.0.0.1:${port}${appConfig.prefix}`,
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});

afterAll(async () => {
  process.env = SAVED;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

describe('the flags reader', () => {
  it('reads the main flags as they are while the emergency stop allows purchases', async () => {
    appConfig.set({ purchasesEnabledPercent: '40', maxAmountPerRun: '50.00' });
    expect(await flagsFromEnvironment({ ...process.env, ...ENVIRONMENT })()).toEqual({
      purchasesEnabled: true,
      purchasesEnabledPercent: '40',
      maxAmountPerRun: '50.00',
      maxAmountPerRunByCurrency: {},
    });
  });

  it('turns purchases off on its next read once the emergency stop is deployed, the flags still on', async () => {
    const read = flagsFromEnvironment({ ...process.env, ...ENVIRONMENT });
    const before = await read();
    appConfig.setEmergencyStop({ purchasesEnabled: false });
    const after = await read();
    appConfig.setEmergencyStop({ purchasesEnabled: true });
    expect([
      before.purchasesEnabled,
      after.purchasesEnabled,
      appConfig.flags.purchasesEnabled,
    ]).toEqual([true, false, true]);
  });

  it('fails when the emergency stop cannot be read, rather than decide on the main flags alone', async () => {
    const read = flagsFromEnvironment({
      ...process.env,
      ...ENVIRONMENT,
      APPCONFIG_EMERGENCY_ENVIRONMENT: 'missing',
    });
    // Powertools wraps the data plane's ResourceNotFoundException; the workflow retries the slot.
    await expect(read()).rejects.toMatchObject({
      name: 'GetParameterError',
      message: 'no configuration emergency-stop deployed to environment missing',
    });
  });

  it('refuses to start without the emergency stop configured', () => {
    const { APPCONFIG_EMERGENCY_ENVIRONMENT: _environment, ...withoutStop } = ENVIRONMENT;
    expect(() => flagsFromEnvironment(withoutStop)).toThrow(
      'missing environment variables: APPCONFIG_EMERGENCY_ENVIRONMENT',
    );
  });
});
