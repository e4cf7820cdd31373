/** The stack configuration keys of issue 10: what `shared/stack-config.ts` accepts and refuses. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '#shared/api-settings.ts';
import {
  checkSmsOriginationRegion,
  parseStackConfig,
  readStackConfigValues,
} from '#shared/stack-config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dev = readStackConfigValues(join(ROOT, 'Pulumi.dev.yaml'));
const POOL =
  'arn:aws:sms-voice:eu-central-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef';
const SMS_MESSAGE =
  'savings-plan-buy:smsOriginationIdentity must be the ARN of an End User Messaging phone number, sender id or pool, e.g. arn:aws:sms-voice:eu-central-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef (the notifier may send from that identity only); leave it unset to turn SMS off';

describe('smsOriginationIdentity', () => {
  it('is off (null) when unset', () => {
    expect(parseStackConfig(dev).smsOriginationIdentity).toBeNull();
  });

  it.each([
    POOL,
    'arn:aws:sms-voice:eu-central-1:123456789012:phone-number/phone-abcdef0123456789abcdef0123456789',
    'arn:aws:sms-voice:eu-central-1:123456789012:sender-id/SavingsPlan/DE',
    'arn:aws-us-gov:sms-voice:us-gov-west-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef',
  ])('takes the ARN of a phone number, sender id or pool: %s', (arn) => {
    expect(parseStackConfig({ ...dev, smsOriginationIdentity: arn }).smsOriginationIdentity).toBe(
      arn,
    );
  });

  it.each([
    ['a bare pool id', 'pool-0123456789abcdef0123456789abcdef'],
    ['a phone number', '+12065550100'],
    ['a sender id', 'SavingsPlan'],
    ['a wildcard', 'arn:aws:sms-voice:eu-central-1:123456789012:*'],
    ['a pool pattern', 'arn:aws:sms-voice:eu-central-1:123456789012:pool/*'],
    [
      'a configuration set',
      'arn:aws:sms-voice:eu-central-1:123456789012:configuration-set/notifications',
    ],
    [
      'a sender id without its country',
      'arn:aws:sms-voice:eu-central-1:123456789012:sender-id/SavingsPlan',
    ],
    ['an empty string', ''],
    ['a number', 12],
  ])('refuses %s', (_what, value) => {
    expect(() => parseStackConfig({ ...dev, smsOriginationIdentity: value })).toThrow(
      new ConfigurationError(SMS_MESSAGE),
    );
  });

  it("must be in the stack's Region", () => {
    const config = parseStackConfig({ ...dev, smsOriginationIdentity: POOL });
    expect(() => checkSmsOriginationRegion(config, 'eu-central-1')).not.toThrow();
    expect(() => checkSmsOriginationRegion(config, 'eu-west-1')).toThrow(
      new ConfigurationError(
        "savings-plan-buy:smsOriginationIdentity must be an origination identity in eu-west-1, the stack's Region",
      ),
    );
    expect(() => checkSmsOriginationRegion(parseStackConfig(dev), 'eu-west-1')).not.toThrow();
  });
});

describe('flags.maxAmountPerRunByCurrency', () => {
  it("sets each of the stack's currencies to its own maximum, as in every stack file", () => {
    for (const stack of ['dev', 'staging', 'prod']) {
      const config = parseStackConfig(readStackConfigValues(join(ROOT, `Pulumi.${stack}.yaml`)));
      expect(config.flags.maxAmountPerRunByCurrency, stack).toEqual(
        Object.fromEntries(
          Object.entries(config.currencies).map(([code, limits]) => [code, limits.maxAmount]),
        ),
      );
    }
  });

  it('refuses a currency the stack does not offer', () => {
    expect(() =>
      parseStackConfig({
        ...dev,
        flags: { purchasesEnabled: true, maxAmountPerRunByCurrency: { CHF: '500.00' } },
      }),
    ).toThrow(
      new ConfigurationError(
        "savings-plan-buy:flags.maxAmountPerRunByCurrency.CHF: CHF is not one of the stack's currencies (USD, EUR, GBP)",
      ),
    );
  });

  it('refuses a maximum with more decimals than its currency has', () => {
    expect(() =>
      parseStackConfig({
        ...dev,
        flags: { maxAmountPerRunByCurrency: { EUR: '500.001' } },
      }),
    ).toThrow(
      new ConfigurationError(
        'savings-plan-buy:flags: maxAmountPerRunByCurrency.EUR must be a positive decimal string with at most 2 decimal places',
      ),
    );
  });
});
