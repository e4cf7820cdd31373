/**
 * The local AppConfig Data stand-in holds two documents, each in its own environment as the local
 * topology names them: the main flags and the emergency stop. A session reads the one its
 * environment and profile name, and a pair that names neither is not found, as AppConfig answers.
 */
import { describe, expect, it } from 'vitest';
import type { LocalRequest, Reply } from '#local/http.ts';
import { LOCAL_APPCONFIG, LocalAppConfig } from '#local/services/appconfig.ts';

function request(method: string, path: string, body?: unknown): LocalRequest {
  const rawBody = body === undefined ? '' : JSON.stringify(body);
  return {
    method,
    url: new URL(`http://127.0.0.1/_aws/appconfigdata${path}`),
    headers: { 'content-type': 'application/json' },
    sourceIp: '127.0.0.1',
    body,
    rawBody,
    bytes: Buffer.from(rawBody),
  };
}

async function startSession(
  appConfig: LocalAppConfig,
  environment: string,
  profile: string,
): Promise<Reply> {
  return appConfig.handler(
    request('POST', '/configurationsessions', {
      ApplicationIdentifier: 'savings-plan-buy-local',
      EnvironmentIdentifier: environment,
      ConfigurationProfileIdentifier: profile,
    }),
  );
}

/** Polls with `token`: the body (empty when unchanged) and the token for the next poll. */
async function poll(appConfig: LocalAppConfig, token: string) {
  const reply = await appConfig.handler(
    request('GET', `/configuration?configuration_token=${encodeURIComponent(token)}`),
  );
  return {
    body: reply.body === '' ? '' : (JSON.parse(String(reply.body)) as unknown),
    next: reply.headers?.['next-poll-configuration-token'] ?? '',
  };
}

async function session(appConfig: LocalAppConfig, environment: string, profile: string) {
  const reply = await startSession(appConfig, environment, profile);
  return (reply.body as { InitialConfigurationToken: string }).InitialConfigurationToken;
}

describe('the local AppConfig stand-in', () => {
  it('serves the flags and the emergency stop from their own environments', async () => {
    const appConfig = new LocalAppConfig();
    appConfig.set({ maxAmountPerRun: '50.00' });
    const flags = await poll(
      appConfig,
      await session(appConfig, LOCAL_APPCONFIG.environment, LOCAL_APPCONFIG.profile),
    );
    const stop = await poll(
      appConfig,
      await session(
        appConfig,
        LOCAL_APPCONFIG.emergencyEnvironment,
        LOCAL_APPCONFIG.emergencyProfile,
      ),
    );
    expect([flags.body, stop.body]).toEqual([
      {
        purchasesEnabled: true,
        purchasesEnabledPercent: '100',
        maxAmountPerRun: '50.00',
        maxAmountPerRunByCurrency: {},
      },
      { purchasesEnabled: true },
    ]);
  });

  it('shows a session a new emergency stop on its next poll, and nothing while it is unchanged', async () => {
    const appConfig = new LocalAppConfig();
    const first = await poll(
      appConfig,
      await session(
        appConfig,
        LOCAL_APPCONFIG.emergencyEnvironment,
        LOCAL_APPCONFIG.emergencyProfile,
      ),
    );
    const unchanged = await poll(appConfig, first.next);
    // A change to the main flags is not a change to the emergency stop.
    appConfig.set({ purchasesEnabledPercent: '10' });
    const stillUnchanged = await poll(appConfig, unchanged.next);
    appConfig.setEmergencyStop({ purchasesEnabled: false });
    const stopped = await poll(appConfig, stillUnchanged.next);
    expect([first.body, unchanged.body, stillUnchanged.body, stopped.body]).toEqual([
      { purchasesEnabled: true },
      '',
      '',
      { purchasesEnabled: false },
    ]);
  });

  it('finds no configuration for a profile in the other document\u2019s environment', async () => {
    const appConfig = new LocalAppConfig();
    expect(
      await startSession(appConfig, LOCAL_APPCONFIG.environment, LOCAL_APPCONFIG.emergencyProfile),
    ).toEqual({
      status: 404,
      headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
      body: { Message: 'no configuration emergency-stop deployed to environment local' },
    });
  });

  it('refuses an emergency stop that does not say purchasesEnabled, and keeps the one in force', () => {
    const appConfig = new LocalAppConfig();
    appConfig.setEmergencyStop({ purchasesEnabled: false });
    expect(() => appConfig.setEmergencyStop({})).toThrow(
      'the emergency stop needs purchasesEnabled, true or false',
    );
    expect(appConfig.emergencyStop).toEqual({ purchasesEnabled: false });
  });
});
