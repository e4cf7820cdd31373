/**
 * The SMS protect configuration policy (a stack policy): where a function sends SMS, the stack
 * has the End User Messaging protect configuration it names, allowing exactly the stack's
 * countries and blocking every other. Each rule starts from a compliant stack, shaped as
 * `infra/components/sms-protection.ts` and the topology's environment declare it, and changes one
 * resource per case.
 */
import { describe, expect, it } from 'vitest';
import { phoneCountries } from '#domain/phone-country.ts';
import { enforceSmsProtectConfiguration } from '../../../policies/aws/lambda/Function/enforceSmsProtectConfiguration.ts';
import { messages, type Fixture } from './harness.ts';
import { ACCOUNT } from './rules.ts';

const POOL = `arn:aws:sms-voice:eu-central-1:${ACCOUNT}:pool/pool-0123456789abcdef0123456789abcdef`;
const PROTECT_ID = 'protect-0123456789abcdef0123456789abcdef';
const COUNTRIES = ['AT', 'DE', 'GB'];

type Rules = { CountryCode: string; ProtectStatus: string }[];

function rules(allowed: readonly string[]): Rules {
  return phoneCountries().map((country) => ({
    CountryCode: country,
    ProtectStatus: allowed.includes(country) ? 'ALLOW' : 'BLOCK',
  }));
}

/** The protect configuration as Cloud Control holds it: desired state in, properties out. */
function protectConfiguration(sms: Rules, id = PROTECT_ID): Fixture {
  const desiredState = JSON.stringify({
    CountryRuleSet: { SMS: sms },
    DeletionProtectionEnabled: true,
  });
  const inputs = { typeName: 'AWS::SMSVOICE::ProtectConfiguration', desiredState };
  return {
    type: 'aws:cloudcontrol/resource:Resource',
    name: 'sms-protection-configuration',
    inputs,
    state: {
      ...inputs,
      properties: JSON.stringify({ ...JSON.parse(desiredState), ProtectConfigurationId: id }),
    },
  };
}

/** A sender as the topology gives it its environment. */
function sender(label: string, variables: Record<string, string>): Fixture {
  return {
    type: 'aws:lambda/function:Function',
    name: `${label}-function`,
    inputs: { name: `savings-plan-buy-prod-${label}`, environment: { variables } },
  };
}

const SMS_ENVIRONMENT = {
  SMS_ORIGINATION_IDENTITY: POOL,
  SMS_PROTECT_CONFIGURATION_ID: PROTECT_ID,
  NOTIFICATION_SETTINGS: JSON.stringify({ sms: { countries: COUNTRIES } }),
};

function compliantStack(): Fixture[] {
  return [
    sender('notifier', SMS_ENVIRONMENT),
    sender('contacts', SMS_ENVIRONMENT),
    protectConfiguration(rules(COUNTRIES)),
  ];
}

function withRule(country: string, status: string | null): Rules {
  return rules(COUNTRIES).flatMap((rule) =>
    rule.CountryCode !== country
      ? [rule]
      : status === null
        ? []
        : [{ CountryCode: country, ProtectStatus: status }],
  );
}

const missing = (name: string) =>
  `Lambda function savings-plan-buy-prod-${name} must send SMS under a protect configuration of the stack: create an AWS::SMSVOICE::ProtectConfiguration (infra/components/sms-protection.ts) and name its id in SMS_PROTECT_CONFIGURATION_ID.`;

const check = (resources: Fixture[]) => messages(enforceSmsProtectConfiguration, resources);

describe('aws-lambda-function-enforce-sms-protect-configuration', () => {
  it('accepts senders under a protect configuration that allows exactly their countries', async () => {
    expect(await check(compliantStack())).toEqual([]);
  });

  it('does not apply to functions that send no SMS', async () => {
    expect(
      await check([sender('notifier', { ...SMS_ENVIRONMENT, SMS_ORIGINATION_IDENTITY: '' })]),
    ).toEqual([]);
  });

  it('refuses a sender that names no protect configuration', async () => {
    const [, contacts, configuration] = compliantStack();
    expect(
      await check([
        sender('notifier', { ...SMS_ENVIRONMENT, SMS_PROTECT_CONFIGURATION_ID: '' }),
        contacts as Fixture,
        configuration as Fixture,
      ]),
    ).toEqual([
      "Lambda function savings-plan-buy-prod-notifier must send SMS under a protect configuration: set SMS_PROTECT_CONFIGURATION_ID to the id of the stack's AWS::SMSVOICE::ProtectConfiguration.",
    ]);
  });

  it('refuses senders when the stack has no protect configuration', async () => {
    expect(await check(compliantStack().slice(0, 2))).toEqual([
      missing('notifier'),
      missing('contacts'),
    ]);
  });

  it('refuses senders that name another protect configuration than the stack has', async () => {
    const stack = compliantStack();
    stack[2] = protectConfiguration(rules(COUNTRIES), 'protect-ffffffffffffffffffffffffffffffff');
    expect(await check(stack)).toEqual([missing('notifier'), missing('contacts')]);
  });

  it('refuses a protect configuration that allows a country outside the stack\u2019s', async () => {
    const stack = compliantStack();
    stack[2] = protectConfiguration(withRule('JM', 'ALLOW'));
    expect(await check(stack)).toEqual([
      "The protect configuration sms-protection-configuration must allow exactly AT, DE, GB (the senders' notifications.sms.countries) and block every other country: block JM in its CountryRuleSet.SMS.",
    ]);
  });

  it('refuses a protect configuration that leaves a country out, since AWS allows it by default', async () => {
    const stack = compliantStack();
    stack[2] = protectConfiguration(withRule('KZ', null));
    expect(await check(stack)).toEqual([
      "The protect configuration sms-protection-configuration must allow exactly AT, DE, GB (the senders' notifications.sms.countries) and block every other country: block KZ in its CountryRuleSet.SMS.",
    ]);
  });

  it('refuses a protect configuration that blocks one of the stack\u2019s countries', async () => {
    const stack = compliantStack();
    stack[2] = protectConfiguration(withRule('DE', 'BLOCK'));
    expect(await check(stack)).toEqual([
      "The protect configuration sms-protection-configuration must allow exactly AT, DE, GB (the senders' notifications.sms.countries) and block every other country: allow DE in its CountryRuleSet.SMS.",
    ]);
  });

  it('refuses a protect configuration that allows everything, naming a few countries and the count', async () => {
    const stack = compliantStack();
    stack[2] = protectConfiguration([]);
    const others = phoneCountries().filter((country) => !COUNTRIES.includes(country));
    expect(await check(stack)).toEqual([
      `The protect configuration sms-protection-configuration must allow exactly AT, DE, GB (the senders' notifications.sms.countries) and block every other country: block ${others.slice(0, 8).join(', ')} and ${others.length - 8} more and allow AT, DE, GB in its CountryRuleSet.SMS.`,
    ]);
  });
});
