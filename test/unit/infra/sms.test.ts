/**
 * A stack with an End User Messaging origination identity (staging with a pool), under Pulumi
 * mocks: the notifier and the contacts function are told the identity and the protect
 * configuration, may send SMS from that identity under that configuration and from nothing else,
 * and the protect configuration blocks every country but the stack's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { phoneCountries } from '#domain/phone-country.ts';
import { ACCOUNT, REGION, policy, runProgram, type ProgramRun } from './program.ts';

let run: ProgramRun;
const POOL_ARN = `arn:aws:sms-voice:${REGION}:${ACCOUNT}:pool/pool-0123456789abcdef0123456789abcdef`;
/** The mocks give a resource the id `<name>-id`; Cloud Control's id is the ProtectConfigurationId. */
const PROTECT_ID = 'sms-protection-configuration-id';
const PROTECT_ARN = `arn:aws:sms-voice:${REGION}:${ACCOUNT}:protect-configuration/${PROTECT_ID}`;
/** Pulumi.staging.yaml's `notifications.sms.countries`. */
const STAGING_COUNTRIES = ['AT', 'BE', 'CH', 'DE', 'ES', 'FR', 'GB', 'IE', 'IT', 'LU', 'NL', 'PT'];

function variables(run: ProgramRun, name: string): Record<string, string> {
  const fn = run.one('aws:lambda/function:Function', name).inputs;
  return (fn.environment as { variables: Record<string, string> }).variables;
}

beforeAll(async () => {
  run = await runProgram('staging', { smsOriginationIdentity: POOL_ARN });
});

describe('SMS from the stack’s origination identity', () => {
  it('tells the notifier and the contacts function which identity and protect configuration to send with', () => {
    for (const name of ['notifier-function', 'contacts-function']) {
      const { SMS_ORIGINATION_IDENTITY, SMS_PROTECT_CONFIGURATION_ID } = variables(run, name);
      expect({ SMS_ORIGINATION_IDENTITY, SMS_PROTECT_CONFIGURATION_ID }).toEqual({
        SMS_ORIGINATION_IDENTITY: POOL_ARN,
        SMS_PROTECT_CONFIGURATION_ID: PROTECT_ID,
      });
    }
  });

  it('lets the notifier and the contacts function send from exactly that identity under that protect configuration, and no other role send SMS', () => {
    const sms = run.all('aws:iam/rolePolicy:RolePolicy').flatMap((resource) =>
      policy(resource.inputs.policy)
        .Statement.filter((statement) => JSON.stringify(statement.Action).includes('sms-voice:'))
        .map((statement) => [resource.name, statement]),
    );
    expect(sms).toEqual([
      [
        'contacts-policy',
        {
          Sid: 'SendCodesFromTheStacksIdentity',
          Effect: 'Allow',
          Action: 'sms-voice:SendTextMessage',
          Resource: [POOL_ARN, PROTECT_ARN],
        },
      ],
      [
        'notifier-policy',
        {
          Sid: 'SendTextMessagesFromTheStacksIdentity',
          Effect: 'Allow',
          Action: 'sms-voice:SendTextMessage',
          Resource: [POOL_ARN, PROTECT_ARN],
        },
      ],
    ]);
  });
});

describe('the SMS protect configuration', () => {
  it('allows the stack’s countries, blocks every other country a phone number can belong to, and cannot be deleted where data is protected', () => {
    const resource = run.one('aws:cloudcontrol/resource:Resource', 'sms-protection-configuration');
    expect(resource.inputs.typeName).toBe('AWS::SMSVOICE::ProtectConfiguration');
    expect(JSON.parse(resource.inputs.desiredState as string)).toEqual({
      CountryRuleSet: {
        SMS: phoneCountries().map((country) => ({
          CountryCode: country,
          ProtectStatus: STAGING_COUNTRIES.includes(country) ? 'ALLOW' : 'BLOCK',
        })),
      },
      DeletionProtectionEnabled: true,
      Tags: [
        { Key: 'Name', Value: 'savings-plan-buy-staging' },
        { Key: 'data-classification', Value: 'confidential' },
        { Key: 'environment', Value: 'staging' },
        { Key: 'owner', Value: 'platform' },
        { Key: 'project', Value: 'savings-plan-buy' },
        { Key: 'stack', Value: 'staging' },
      ],
    });
  });
});
