/**
 * The feature flags component on its own under Pulumi mocks: the environment watches between one
 * and five alarms (AppConfig's limit), each through the component's alarm role, and refuses any
 * other number at once rather than at deploy time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FLAGS } from '#domain/flags.ts';
import type { FeatureFlags } from '../../../infra/components/feature-flags.ts';
import { ACCOUNT, REGION, runComponent, type ComponentRun } from './component-harness.ts';

const alarm = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
const ALARMS = ['a', 'b', 'c', 'd', 'e'].map(alarm);

let run: ComponentRun<{ five: FeatureFlags; refusals: string[] }>;

beforeAll(async () => {
  run = await runComponent(async () => {
    const { FeatureFlags } = await import('../../../infra/components/feature-flags.ts');
    const args = (monitorAlarmArns: string[]) => ({
      applicationName: 'app',
      environmentName: 'test',
      emergencyEnvironmentName: 'test-emergency',
      flags: DEFAULT_FLAGS,
      deployment: { strategy: 'AppConfig.AllAtOnce' } as const,
      monitorAlarmArns,
      accountId: ACCOUNT,
      region: REGION,
      kmsKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k`,
      tags: {},
    });
    const refusals: string[] = [];
    for (const arns of [[], [...ALARMS, alarm('f')]]) {
      try {
        new FeatureFlags(`flags-${arns.length}`, args(arns));
      } catch (error) {
        refusals.push((error as Error).message);
      }
    }
    return { five: new FeatureFlags('flags', args(ALARMS)), refusals };
  });
});

describe('feature flag monitors', () => {
  it('watch every alarm given, up to five, each through the alarm role', () => {
    expect(
      run.one('aws:appconfig/environment:Environment', 'flags-environment').inputs.monitors,
    ).toEqual(
      ALARMS.map((alarmArn) => ({
        alarmArn,
        alarmRoleArn: `arn:aws:iam::${ACCOUNT}:role/app-flags-alarms`,
      })),
    );
  });

  it('refuse no alarm at all and more than AppConfig watches', () => {
    expect(run.component.refusals).toEqual([
      'FeatureFlags flags-0: AppConfig watches 1 to 5 alarms per environment, got 0',
      'FeatureFlags flags-6: AppConfig watches 1 to 5 alarms per environment, got 6',
    ]);
  });
});
