/**
 * What the platform may send and to where: the stack-config key `notifications`.
 *
 * Sign-up is open, so every limit here holds per user and again per destination (one phone
 * number or address, across all accounts), and SMS has a platform-wide monthly budget on top:
 *
 * ```yaml
 * savings-plan-buy:notifications:
 *   dailyLimits: { EMAIL: 25, SMS: 10 }   # per user and per destination, per channel, per UTC day
 *   coalesceSeconds: 300                  # plan changes within it become one message
 *   sms:
 *     countries: [DE, AT, FR]             # ISO 3166-1 alpha-2; SMS goes nowhere else
 *     monthlySpendLimitUsd: 100           # End User Messaging's enforced limit for the account
 *     budgetPercent: 90                   # the notifier stops sending SMS at this share of it
 *     alarmPercent: 75                    # the alarm `sms-spend` fires at this share of it
 *     maxPricePerPartUsd: '0.10'          # what one message part is counted as, at most
 * ```
 *
 * Pure: parsing and defaults only; the notifier, the contacts function, the resolvers (the
 * allow-list), the infrastructure (protect configuration, alarm) and the local stand-ins read it.
 */
import { phoneCountries } from '#domain/phone-country.ts';

/** A delivery channel, as the GraphQL enums spell it. */
export type ContactChannel = 'EMAIL' | 'SMS';

export interface SmsSettings {
  /** ISO 3166-1 alpha-2 countries SMS may be sent to, sorted; empty: none. */
  readonly countries: readonly string[];
  /**
   * The account's monthly SMS spend limit in whole US dollars, as End User Messaging enforces it
   * (its `EnforcedLimit`, set outside Pulumi: README, Deploying). The budget and the alarm are
   * fractions of it.
   */
  readonly monthlySpendLimitUsd: number;
  /** The notifier holds SMS back once the month's counted spend would pass this percent of it. */
  readonly budgetPercent: number;
  /** The alarm `sms-spend` fires when the month's counted spend passes this percent of it. */
  readonly alarmPercent: number;
  /**
   * What one message part is counted as against the budget, in micro-USD (an integer: the price
   * of the dearest allowed country, rounded up). Config gives it as a decimal string of USD.
   */
  readonly maxPricePerPartMicroUsd: number;
}

export interface NotificationSettings {
  /** Messages per channel per UTC day, per user and per destination. */
  readonly dailyLimits: Readonly<Record<ContactChannel, number>>;
  /**
   * How long a plan-change notification waits before it is sent; when the plan changed again in
   * the meantime, only the last change is sent and the earlier ones are held back as COALESCED.
   * At most 900, the longest delay an SQS queue has.
   */
  readonly coalesceSeconds: number;
  readonly sms: SmsSettings;
}

export class NotificationSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotificationSettingsError';
  }
}

/** What a stack gets for every key it leaves out. */
export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  // A real saver with a weekly plan and every event on gets a handful a week.
  dailyLimits: { EMAIL: 25, SMS: 10 },
  coalesceSeconds: 300,
  sms: {
    countries: [],
    monthlySpendLimitUsd: 1,
    budgetPercent: 90,
    alarmPercent: 75,
    maxPricePerPartMicroUsd: 100_000,
  },
};

const MICRO = 1_000_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, keys: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new NotificationSettingsError(
        `${path}.${key} is not a setting (known: ${keys.join(', ')})`,
      );
    }
  }
}

function integerIn(value: unknown, fallback: number, min: number, max: number, path: string) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new NotificationSettingsError(`${path} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** `"0.0875"` USD -> 87500 micro-USD; at most six decimals, more than zero, at most 10 USD. */
function microUsd(value: unknown, path: string): number {
  if (typeof value !== 'string' || !/^\d{1,2}(\.\d{1,6})?$/.test(value)) {
    throw new NotificationSettingsError(
      `${path} must be a decimal string of US dollars with at most 6 decimals, e.g. '0.10'`,
    );
  }
  const [whole = '0', fraction = ''] = value.split('.');
  const micro = Number(whole) * MICRO + Number(fraction.padEnd(6, '0'));
  if (micro === 0 || micro > 10 * MICRO) {
    throw new NotificationSettingsError(`${path} must be more than 0 and at most 10 US dollars`);
  }
  return micro;
}

function countries(value: unknown, path: string): string[] {
  if (value === undefined) return [];
  const known = phoneCountries();
  if (!Array.isArray(value)) {
    throw new NotificationSettingsError(`${path} must be a list of ISO 3166-1 alpha-2 codes`);
  }
  for (const country of value) {
    if (typeof country !== 'string' || !known.includes(country)) {
      throw new NotificationSettingsError(
        `${path}: ${String(country)} is not a country phone numbers are assigned to (ISO 3166-1 alpha-2, e.g. DE)`,
      );
    }
  }
  return [...new Set(value as string[])].sort();
}

function parseSms(raw: unknown): SmsSettings {
  const defaults = DEFAULT_NOTIFICATION_SETTINGS.sms;
  if (raw === undefined) return defaults;
  if (!isRecord(raw)) throw new NotificationSettingsError('notifications.sms must be a map');
  onlyKeys(
    raw,
    ['countries', 'monthlySpendLimitUsd', 'budgetPercent', 'alarmPercent', 'maxPricePerPartUsd'],
    'notifications.sms',
  );
  const budgetPercent = integerIn(
    raw.budgetPercent,
    defaults.budgetPercent,
    1,
    100,
    'notifications.sms.budgetPercent',
  );
  const alarmPercent = integerIn(
    raw.alarmPercent,
    defaults.alarmPercent,
    1,
    100,
    'notifications.sms.alarmPercent',
  );
  if (alarmPercent >= budgetPercent) {
    throw new NotificationSettingsError(
      'notifications.sms.alarmPercent must be below budgetPercent: the alarm comes before sending stops',
    );
  }
  return {
    countries: countries(raw.countries, 'notifications.sms.countries'),
    monthlySpendLimitUsd: integerIn(
      raw.monthlySpendLimitUsd,
      defaults.monthlySpendLimitUsd,
      1,
      1_000_000,
      'notifications.sms.monthlySpendLimitUsd',
    ),
    budgetPercent,
    alarmPercent,
    maxPricePerPartMicroUsd:
      raw.maxPricePerPartUsd === undefined
        ? defaults.maxPricePerPartMicroUsd
        : microUsd(raw.maxPricePerPartUsd, 'notifications.sms.maxPricePerPartUsd'),
  };
}

/** The key `notifications` of a stack's config (absent: every default; SMS to no country). */
export function parseNotificationSettings(raw: unknown): NotificationSettings {
  if (raw === undefined || raw === null) return DEFAULT_NOTIFICATION_SETTINGS;
  if (!isRecord(raw)) throw new NotificationSettingsError('notifications must be a map');
  onlyKeys(raw, ['dailyLimits', 'coalesceSeconds', 'sms'], 'notifications');
  let dailyLimits = DEFAULT_NOTIFICATION_SETTINGS.dailyLimits;
  if (raw.dailyLimits !== undefined) {
    if (!isRecord(raw.dailyLimits)) {
      throw new NotificationSettingsError('notifications.dailyLimits must be a map');
    }
    onlyKeys(raw.dailyLimits, ['EMAIL', 'SMS'], 'notifications.dailyLimits');
    dailyLimits = {
      EMAIL: integerIn(
        raw.dailyLimits.EMAIL,
        dailyLimits.EMAIL,
        1,
        1000,
        'notifications.dailyLimits.EMAIL',
      ),
      SMS: integerIn(
        raw.dailyLimits.SMS,
        dailyLimits.SMS,
        1,
        1000,
        'notifications.dailyLimits.SMS',
      ),
    };
  }
  return {
    dailyLimits,
    coalesceSeconds: integerIn(
      raw.coalesceSeconds,
      DEFAULT_NOTIFICATION_SETTINGS.coalesceSeconds,
      0,
      900,
      'notifications.coalesceSeconds',
    ),
    sms: parseSms(raw.sms),
  };
}

/** The month's SMS budget in micro-USD: `budgetPercent` of the spend limit. */
export function smsBudgetMicroUsd(sms: SmsSettings): number {
  return (sms.monthlySpendLimitUsd * MICRO * sms.budgetPercent) / 100;
}

/** The spend in micro-USD at which the alarm fires: `alarmPercent` of the spend limit. */
export function smsAlarmMicroUsd(sms: SmsSettings): number {
  return (sms.monthlySpendLimitUsd * MICRO * sms.alarmPercent) / 100;
}

/**
 * The settings as the functions receive them: `NOTIFICATION_SETTINGS`, the JSON of the parsed
 * {@link NotificationSettings} (`shared/topology.ts`). Checked where a function starts, so a
 * value without the limits it counts against fails the cold start loudly.
 */
export function readNotificationSettings(json: string): NotificationSettings {
  const parsed = JSON.parse(json) as Partial<NotificationSettings>;
  const whole = (value: unknown) => typeof value === 'number' && Number.isInteger(value);
  if (
    !whole(parsed.dailyLimits?.EMAIL) ||
    !whole(parsed.dailyLimits?.SMS) ||
    !whole(parsed.coalesceSeconds) ||
    !Array.isArray(parsed.sms?.countries) ||
    !whole(parsed.sms.maxPricePerPartMicroUsd) ||
    !whole(parsed.sms.monthlySpendLimitUsd) ||
    !whole(parsed.sms.budgetPercent)
  ) {
    throw new NotificationSettingsError(
      'NOTIFICATION_SETTINGS is not the JSON of the parsed notifications settings',
    );
  }
  return parsed as NotificationSettings;
}
