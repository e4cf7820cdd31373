import { describe, expect, it } from 'vitest';
import { parseStackConfig, readStackConfigValues } from '#shared/stack-config.ts';
import {
  DEFAULT_RELEASE,
  ReleaseSettingsError,
  codeDeployConfigName,
  parseReleaseSettings,
} from '#shared/release.ts';

describe('release settings', () => {
  it('a stack without a release key shifts everything gradually', () => {
    expect(parseReleaseSettings(undefined)).toEqual({
      functions: 'Canary10Percent5Minutes',
      stateMachine: { type: 'canary', percent: 10, intervalMinutes: 5 },
      flags: { strategy: 'AppConfig.Linear20PercentEvery6Minutes' },
    });
    expect(parseReleaseSettings({})).toEqual(DEFAULT_RELEASE);
  });

  it('dev takes changes at once; staging and prod shift 10 % for 5 minutes', () => {
    const release = (stack: string) =>
      parseStackConfig(readStackConfigValues(`Pulumi.${stack}.yaml`)).release;
    expect(release('dev')).toEqual({
      functions: 'AllAtOnce',
      stateMachine: { type: 'all-at-once' },
      flags: { strategy: 'AppConfig.AllAtOnce' },
    });
    expect(release('staging')).toEqual(DEFAULT_RELEASE);
    expect(release('prod')).toEqual(DEFAULT_RELEASE);
  });

  it('takes a custom flag strategy and a linear state machine shift', () => {
    expect(
      parseReleaseSettings({
        functions: 'Linear10PercentEvery1Minute',
        stateMachine: { type: 'linear', percent: '25', intervalMinutes: 2 },
        flags: {
          growthType: 'EXPONENTIAL',
          growthFactor: 10,
          deploymentMinutes: 20,
          finalBakeMinutes: 10,
        },
      }),
    ).toEqual({
      functions: 'Linear10PercentEvery1Minute',
      stateMachine: { type: 'linear', percent: 25, intervalMinutes: 2 },
      flags: {
        growthType: 'EXPONENTIAL',
        growthFactor: 10,
        deploymentMinutes: 20,
        finalBakeMinutes: 10,
      },
    });
  });

  it.each([
    [{ functions: 'Canary50Percent1Minute' }, /release\.functions must be one of AllAtOnce/],
    [
      { stateMachine: { type: 'canary', percent: 100, intervalMinutes: 5 } },
      /percent must be a whole number from 1 to 99/,
    ],
    [
      { stateMachine: { type: 'canary', percent: 10 } },
      /intervalMinutes must be a whole number from 1 to 60/,
    ],
    [{ stateMachine: { type: 'blue-green' } }, /type must be canary, linear or all-at-once/],
    [{ stateMachine: { type: 'all-at-once', percent: 10 } }, /unknown key\(s\) percent/],
    [{ flags: 'AppConfig.Linear' }, /release\.flags must be one of AppConfig\.AllAtOnce/],
    [
      {
        flags: { growthType: 'STEP', growthFactor: 10, deploymentMinutes: 1, finalBakeMinutes: 1 },
      },
      /growthType must be LINEAR or EXPONENTIAL/,
    ],
    [
      {
        flags: { growthType: 'LINEAR', growthFactor: 0, deploymentMinutes: 1, finalBakeMinutes: 1 },
      },
      /growthFactor must be a whole number from 1 to 100/,
    ],
    [{ canary: true }, /release: unknown key\(s\) canary/],
    ['gradual', /release must be a map/],
  ])('refuses %j with a message naming the key', (raw, message) => {
    expect(() => parseReleaseSettings(raw)).toThrow(ReleaseSettingsError);
    expect(() => parseReleaseSettings(raw)).toThrow(message);
  });

  it('names CodeDeploy’s predefined Lambda configurations', () => {
    expect(codeDeployConfigName('Canary10Percent5Minutes')).toBe(
      'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    );
    expect(codeDeployConfigName('AllAtOnce')).toBe('CodeDeployDefault.LambdaAllAtOnce');
  });
});
