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

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
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

const { resolverCountLimit: _limit, apiRateLimitPer5Minutes: _rate, ...withoutLimits } = dev;

describe('resolverCountLimit and apiRateLimitPer5Minutes', () => {
  it('default to 20 resolvers per request and 1000 requests per client IP in 5 minutes', () => {
    const config = parseStackConfig(withoutLimits);
    expect([config.resolverCountLimit, config.apiRateLimitPer5Minutes]).toEqual([20, 1000]);
  });

  it.each([
    ['resolverCountLimit', 1],
    ['resolverCountLimit', 10_000],
    ['apiRateLimitPer5Minutes', 10],
    ['apiRateLimitPer5Minutes', 2_000_000_000],
  ])('accepts %s at the bound %d', (key, value) => {
    expect(parseStackConfig({ ...dev, [key]: value })).toMatchObject({ [key]: value });
  });

  it.each([
    [
      'resolverCountLimit',
      0,
      'savings-plan-buy:resolverCountLimit must be an integer from 1 to 10000',
    ],
    [
      'resolverCountLimit',
      10_001,
      'savings-plan-buy:resolverCountLimit must be an integer from 1 to 10000',
    ],
    [
      'resolverCountLimit',
      2.5,
      'savings-plan-buy:resolverCountLimit must be an integer from 1 to 10000',
    ],
    [
      'apiRateLimitPer5Minutes',
      9,
      'savings-plan-buy:apiRateLimitPer5Minutes must be an integer from 10 to 2000000000',
    ],
    [
      'apiRateLimitPer5Minutes',
      2_000_000_001,
      'savings-plan-buy:apiRateLimitPer5Minutes must be an integer from 10 to 2000000000',
    ],
    [
      'apiRateLimitPer5Minutes',
      'lots',
      'savings-plan-buy:apiRateLimitPer5Minutes must be an integer from 10 to 2000000000',
    ],
  ])('refuses %s = %s', (key, value, message) => {
    expect(() => parseStackConfig({ ...dev, [key]: value })).toThrow(
      new ConfigurationError(message),
    );
  });
});

describe('execution', () => {
  const { execution: _execution, ...withoutExecution } = dev;

  it('is per-slot, stated explicitly, in every stack file', () => {
    for (const stack of ['dev', 'staging', 'prod']) {
      const values = readStackConfigValues(join(ROOT, `Pulumi.${stack}.yaml`));
      expect([stack, values.execution]).toEqual([stack, { mode: 'per-slot' }]);
      expect(parseStackConfig(values).execution).toEqual({ mode: 'per-slot' });
    }
  });

  it('is per-slot when a stack leaves it out', () => {
    expect(parseStackConfig(withoutExecution).execution).toEqual({ mode: 'per-slot' });
  });

  it('takes aggregated with its window and block limits, as YAML or as the JSON Pulumi hands over', () => {
    const raw = { mode: 'aggregated', windowSeconds: 30, maxOrderAmount: { EUR: '250000.00' } };
    const expected = { mode: 'aggregated', windowSeconds: 30, maxOrderMinor: { EUR: '25000000' } };
    expect(parseStackConfig({ ...dev, execution: raw }).execution).toEqual(expected);
    expect(parseStackConfig({ ...dev, execution: JSON.stringify(raw) }).execution).toEqual(
      expected,
    );
  });

  it.each([
    [
      { mode: 'batched' },
      'savings-plan-buy:execution.mode must be one of per-slot, aggregated (got "batched")',
    ],
    [
      { mode: 'aggregated', windowSeconds: 7 },
      'savings-plan-buy:execution.windowSeconds must be a whole number of seconds from 10 to 900 that divides a day (e.g. 30, 60, 300)',
    ],
    [
      'aggregated',
      "savings-plan-buy:execution must be an object such as { mode: aggregated, windowSeconds: 60 } or { mode: 'per-slot' }",
    ],
  ])('refuses %j with a message that names the key', (execution, message) => {
    expect(() => parseStackConfig({ ...dev, execution })).toThrow(new ConfigurationError(message));
  });
});
