/**
 * Settings the AppSync resolvers are built with: table names and the limits from stack config.
 *
 * AppSync has environment variables (`ctx.env`), but neither Terraform's `aws_appsync_graphql_api`
 * nor the `@pulumi/aws` provider bridged from it can set them yet (pulumi/pulumi-aws#3877), so the
 * settings are compiled into each resolver bundle instead (`build/resolvers.ts`). A config change
 * therefore redeploys the resolver code, which `pulumi up` does on its own.
 */
import { compareUnits, parseDecimal } from '#domain/decimal.ts';
import { CURRENCY_DIGITS } from '#domain/currencies.ts';

/** Per-currency amount limits, as decimal strings in the currency's digits. */
export interface CurrencySettings {
  readonly digits: number;
  readonly minAmount: string;
  readonly maxAmount: string;
}

export interface ApiSettings {
  readonly plansTable: string;
  /** Plans a user may hold that are not deleted. */
  readonly maxPlansPerUser: number;
  /** Supported currencies by ISO 4217 code. */
  readonly currencies: Readonly<Record<string, CurrencySettings>>;
  /**
   * ISO 3166-1 alpha-2 countries SMS goes to (`notifications.sms.countries`): a phone elsewhere is
   * refused when it is set, before any code is sent to it.
   */
  readonly smsCountries: readonly string[];
}

/** The global identifier that `build/resolvers.ts` replaces with the settings object. */
export const API_SETTINGS_IDENTIFIER = 'API_SETTINGS';

/** Limits per currency as a stack configures them. */
export interface CurrencyLimits {
  readonly minAmount: string;
  readonly maxAmount: string;
}

/** Thrown when stack or local configuration is unusable; the message names the key. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

/**
 * Checks configured limits and adds each currency's ISO 4217 digits. Fails loudly on an unknown
 * currency, a malformed amount or a minimum above the maximum, so a bad stack config never deploys.
 */
export function currencySettings(
  limits: Readonly<Record<string, CurrencyLimits>>,
): Record<string, CurrencySettings> {
  const codes = Object.keys(limits);
  if (codes.length === 0) {
    throw new ConfigurationError('currencies: configure at least one currency');
  }
  const result: Record<string, CurrencySettings> = {};
  for (const code of codes) {
    const digits = Object.hasOwn(CURRENCY_DIGITS, code) ? CURRENCY_DIGITS[code] : undefined;
    const limit = limits[code];
    if (digits === undefined || limit === undefined) {
      throw new ConfigurationError(
        `currencies.${code}: not a supported ISO 4217 code (${Object.keys(CURRENCY_DIGITS).join(', ')})`,
      );
    }
    const min = parseDecimal(limit.minAmount, digits);
    const max = parseDecimal(limit.maxAmount, digits);
    if (!min.ok || !max.ok) {
      throw new ConfigurationError(
        `currencies.${code}: minAmount and maxAmount must be decimal strings with at most ${digits} decimals`,
      );
    }
    if (min.units === '0' || compareUnits(min.units, max.units) > 0) {
      throw new ConfigurationError(`currencies.${code}: need 0 < minAmount <= maxAmount`);
    }
    result[code] = { digits, minAmount: limit.minAmount, maxAmount: limit.maxAmount };
  }
  return result;
}

/** The settings a stack's resolvers are built with: the same for `pulumi up` and `npm run build`. */
export function apiSettingsFor(
  prefix: string,
  config: {
    readonly maxPlansPerUser: number;
    readonly currencies: Readonly<Record<string, CurrencyLimits>>;
    readonly notifications: { readonly sms: { readonly countries: readonly string[] } };
  },
): ApiSettings {
  return {
    plansTable: `${prefix}-plans`,
    maxPlansPerUser: config.maxPlansPerUser,
    currencies: currencySettings(config.currencies),
    smsCountries: config.notifications.sms.countries,
  };
}
