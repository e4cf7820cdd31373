/** The API's abuse limits in stack config: their defaults, and the ranges AppSync and WAF accept. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '#shared/api-settings.ts';
import { parseStackConfig, readStackConfigValues } from '#shared/stack-config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dev = readStackConfigValues(join(ROOT, 'Pulumi.dev.yaml'));
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
