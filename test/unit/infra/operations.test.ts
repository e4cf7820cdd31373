/**
 * Operations under Pulumi mocks: the feature flags in AppConfig (encrypted, validated, deployed
 * with the stack's initial flags). The production stack, so prod's own config is what is checked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { FLAGS_JSON_SCHEMA } from '#domain/flags.ts';
import { ACCOUNT, REGION, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const P = 'savings-plan-buy-prod';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/project-key`;

beforeAll(async () => {
  run = await runProgram('prod');
});

describe('feature flags', () => {
  it('live in an AppConfig application and environment of the stack', () => {
    expect(run.one('aws:appconfig/application:Application').inputs).toMatchObject({
      name: P,
    });
    expect(
      run.one('aws:appconfig/environment:Environment', 'flags-environment').inputs,
    ).toMatchObject({
      applicationId: 'flags-application-id',
      name: 'prod',
    });
  });

  it('are a hosted JSON profile encrypted with the project key and validated with the flags schema', () => {
    expect(
      run.one('aws:appconfig/configurationProfile:ConfigurationProfile', 'flags-profile').inputs,
    ).toMatchObject({
      applicationId: 'flags-application-id',
      name: 'flags',
      locationUri: 'hosted',
      type: 'AWS.Freeform',
      kmsKeyIdentifier: KEY_ARN,
      validators: [{ type: 'JSON_SCHEMA', content: JSON.stringify(FLAGS_JSON_SCHEMA) }],
    });
  });

  it("are deployed with the stack's initial flags, encrypted, 20 % every 6 minutes", () => {
    expect(
      run.one(
        'aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion',
        'flags-initial',
      ).inputs,
    ).toMatchObject({
      applicationId: 'flags-application-id',
      configurationProfileId: 'flags-profile-prof',
      contentType: 'application/json',
      // The provider marks content secret, so the mocks see it wrapped.
      content: {
        value: JSON.stringify({
          purchasesEnabled: true,
          purchasesEnabledPercent: '100',
          maxAmountPerRun: '10000.00',
          maxAmountPerRunByCurrency: { USD: '10000.00', EUR: '10000.00', GBP: '10000.00' },
        }),
      },
    });
    expect(run.one('aws:appconfig/deployment:Deployment', 'flags-deployment').inputs).toMatchObject(
      {
        applicationId: 'flags-application-id',
        environmentId: 'flags-environment-env',
        configurationProfileId: 'flags-profile-prof',
        configurationVersion: '1',
        deploymentStrategyId: 'AppConfig.Linear20PercentEvery6Minutes',
        kmsKeyIdentifier: KEY_ARN,
      },
    );
  });

  it('are named in the stack outputs', () => {
    expect(run.outputs.featureFlagsConfigurationArn).toBe(
      `arn:aws:appconfig:${REGION}:${ACCOUNT}:application/flags-application-id/environment/flags-environment-env/configuration/flags-profile-prof`,
    );
  });

  it('has no exchange secret while prod trades on paper', () => {
    expect(run.all('aws:secretsmanager/secret:Secret')).toEqual([]);
    expect(run.outputs.exchangeSecretArn).toBeNull();
  });
});

describe('the audit trail in production', () => {
  it('locks records for seven years in COMPLIANCE mode and archives every event as long', () => {
    expect(
      run.one('aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration').inputs,
    ).toMatchObject({
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: 'COMPLIANCE', days: 2557 } },
    });
    expect(run.one('aws:cloudwatch/eventArchive:EventArchive').inputs).toMatchObject({
      eventSourceArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${P}-events`,
      retentionDays: 2557,
      kmsKeyIdentifier: KEY_ARN,
    });
  });

  it('runs a multi-Region CloudTrail trail with log file validation and the project key', () => {
    expect(run.one('aws:cloudtrail/trail:Trail').inputs).toMatchObject({
      isMultiRegionTrail: true,
      enableLogFileValidation: true,
      kmsKeyId: KEY_ARN,
    });
  });
});
