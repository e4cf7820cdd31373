/**
 * The typed configuration of a stack (`Pulumi.<stack>.yaml`, namespace `savings-plan-buy`). Pulumi
 * reads it for deployments; the local stack reads `Pulumi.dev.yaml` so local behaves like dev.
 * Every key is checked here, once, so a bad value fails `pulumi preview` and `npm start` alike.
 */
import {
  NotificationSettingsError,
  parseNotificationSettings,
  type NotificationSettings,
} from './notification-settings.ts';
import {
  ExecutionSettingsError,
  parseExecutionSettings,
  type ExecutionSettings,
} from './execution-settings.ts';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { FlagsError, parseFlags, type Flags } from '#domain/flags.ts';
import { ConfigurationError, type CurrencyLimits } from './api-settings.ts';
import {
  MonitoringSettingsError,
  parseMonitoringSettings,
  type MonitoringSettings,
} from './monitoring/settings.ts';
import { ReleaseSettingsError, parseReleaseSettings, type ReleaseSettings } from './release.ts';

/** The Pulumi project name, which is also the config namespace. */
export const PROJECT = 'savings-plan-buy';

export interface StackConfig {
  /** Supported currencies and their per-run amount limits. */
  readonly currencies: Readonly<Record<string, CurrencyLimits>>;
  /** Plans a user may hold that are not deleted. */
  readonly maxPlansPerUser: number;
  /** DynamoDB deletion protection (on in staging and prod). */
  readonly deletionProtection: boolean;
  /** GraphQL introspection (off in prod). */
  readonly graphqlIntrospection: boolean;
  /** Maximum depth of a GraphQL query (1-75). */
  readonly queryDepthLimit: number;
  /**
   * Most resolvers one GraphQL request may invoke (1-10000; AppSync's own default is 10000). No
   * screen of the product needs more than a handful, so a request that asks for more is abuse.
   */
  readonly resolverCountLimit: number;
  /**
   * Requests one client IP may send the API in five minutes before AWS WAF answers 429 (10 to
   * 2,000,000,000, the range WAF's rate-based rules accept).
   */
  readonly apiRateLimitPer5Minutes: number;
  /** Retention of every CloudWatch log group, in days. */
  readonly logRetentionDays: number;
  /** Tags put on every taggable resource, besides `project` and `stack`. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Where purchases go: `paper` (the simulated exchange, its orders in a DynamoDB table; prices
   * from `paperPrices`), `coinbase` (Advanced Trade) or `kraken` (Spot), whose API keys live in
   * the stack's Secrets Manager secret.
   */
  readonly exchange: ExchangeKind;
  /**
   * The exchange's API base URL, for a sandbox (dev and staging); null: the exchange's production
   * URL.
   */
  readonly exchangeApiUrl: string | null;
  /**
   * Requests per second all executions together may send to the exchange: set it below the
   * exchange's published limit for the account's tier.
   */
  readonly exchangeRateLimitPerSecond: number;
  /** Paper exchange prices per currency, fiat per BTC, e.g. {USD: "50000.00"}. */
  readonly paperPrices: Readonly<Record<string, string>>;
  /** How long after its scheduled time a slot may still be bought (retries included). */
  readonly purchaseWindowHours: number;
  /** The feature flags AppConfig starts with (operators change them in AppConfig later). */
  readonly flags: Flags;
  /** The sender of notification email: an address of a domain verified in SES. */
  readonly notificationEmailFrom: string;
  /**
   * The ARN of the End User Messaging SMS origination identity SMS is sent from (a phone number,
   * sender id or pool of this account or shared with it); null: SMS is off.
   */
  readonly smsOriginationIdentity: string | null;
  /**
   * The IAM roles (names, with their path, in the stack's account) of the people and the pipeline
   * that deploy and operate the stack: besides the stack's own roles, the only principals the
   * project key lets use it, and only through the stack's services.
   */
  readonly operatorRoles: readonly string[];
  /** Object Lock default retention of the audit bucket, in days (COMPLIANCE mode). */
  readonly auditRetentionDays: number;
  /** Retention of the event bus's archive, in days. */
  readonly archiveRetentionDays: number;
  /** Alarm thresholds and periods, the SLO, and who is alerted (`shared/monitoring/settings.ts`). */
  readonly monitoring: MonitoringSettings;
  /**
   * How function, state machine and flag changes reach customers: gradually, watching the alarms
   * that say purchases are at risk (`shared/release.ts`; default: gradual everywhere).
   */
  readonly release: ReleaseSettings;
  /**
   * What may be sent and to where: daily limits per user and per destination, the coalescing of
   * plan changes, the SMS countries and the SMS spend budget (`shared/notification-settings.ts`).
   */
  readonly notifications: NotificationSettings;
  /**
   * How purchases are executed: `per-slot` (every slot its own order, the default) or
   * `aggregated` (the slots of one market and window share a block order;
   * `shared/execution-settings.ts`).
   */
  readonly execution: ExecutionSettings;
}

export type ExchangeKind = 'paper' | 'coinbase' | 'kraken';

const EXCHANGES: readonly ExchangeKind[] = ['paper', 'coinbase', 'kraken'];

/** Every key of the namespace that {@link parseStackConfig} reads. */
export const STACK_CONFIG_KEYS = [
  'currencies',
  'maxPlansPerUser',
  'deletionProtection',
  'graphqlIntrospection',
  'queryDepthLimit',
  'resolverCountLimit',
  'apiRateLimitPer5Minutes',
  'logRetentionDays',
  'tags',
  'exchange',
  'exchangeApiUrl',
  'exchangeRateLimitPerSecond',
  'paperPrices',
  'purchaseWindowHours',
  'flags',
  'notificationEmailFrom',
  'smsOriginationIdentity',
  'operatorRoles',
  'auditRetentionDays',
  'archiveRetentionDays',
  'monitoring',
  'release',
  'notifications',
  'execution',
] as const;

/**
 * An origination identity's ARN: the notifier's IAM statement names it, so it must be an ARN (the
 * API would also take a bare id or phone number, which IAM cannot name). Sender ids are per
 * country: `sender-id/<id>/<ISO country>`.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsendusermessagingsmsandvoicev2.html
 */
const SMS_ORIGINATION_IDENTITY_ARN =
  /^arn:aws(-[a-z]+)*:sms-voice:[a-z]{2}(-[a-z]+)+-\d:\d{12}:(phone-number\/phone-[0-9a-f]{32}|pool\/pool-[0-9a-f]{32}|sender-id\/[A-Za-z0-9-]{1,11}\/[A-Z]{2})$/;

/** A role name with its path (no leading slash), as IAM allows them: `ops/deployer`. */
const ROLE_NAME = /^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

function operatorRoles(raw: RawConfig): string[] {
  const value =
    typeof raw.operatorRoles === 'string' ? parseJson(raw.operatorRoles) : raw.operatorRoles;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((role) => typeof role === 'string' && role.length <= 512 && ROLE_NAME.test(role))
  ) {
    throw new ConfigurationError(
      `${PROJECT}:operatorRoles must list the IAM roles (names with their path, e.g. [savings-plan-buy-deployer, aws-reserved/sso.amazonaws.com/eu-central-1/AWSReservedSSO_Operator_0123456789abcdef]) that deploy and operate the stack: the project key lets only them and the stack's own roles use it`,
    );
  }
  return value as string[];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

type RawConfig = Readonly<Record<string, unknown>>;

function integer(raw: RawConfig, key: string, fallback: number, min: number, max: number): number {
  const value = raw[key] ?? fallback;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new ConfigurationError(`${PROJECT}:${key} must be an integer from ${min} to ${max}`);
  }
  return number;
}

function boolean(raw: RawConfig, key: string, fallback: boolean): boolean {
  const value = raw[key] ?? fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigurationError(`${PROJECT}:${key} must be true or false`);
}

function object(raw: RawConfig, key: string): Record<string, unknown> | undefined {
  const value =
    typeof raw[key] === 'string' ? (JSON.parse(raw[key] as string) as unknown) : raw[key];
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError(`${PROJECT}:${key} must be a map`);
  }
  return value as Record<string, unknown>;
}

/** Checks raw config values (keys without the namespace) and applies the documented defaults. */
export function parseStackConfig(raw: RawConfig): StackConfig {
  const currencies = object(raw, 'currencies');
  if (currencies === undefined) {
    throw new ConfigurationError(
      `${PROJECT}:currencies is required, e.g. {USD: {minAmount: "1.00", maxAmount: "10000.00"}}`,
    );
  }
  const limits: Record<string, CurrencyLimits> = {};
  for (const [code, value] of Object.entries(currencies)) {
    const { minAmount, maxAmount } = (value ?? {}) as Record<string, unknown>;
    if (typeof minAmount !== 'string' || typeof maxAmount !== 'string') {
      throw new ConfigurationError(
        `${PROJECT}:currencies.${code} needs minAmount and maxAmount as decimal strings`,
      );
    }
    limits[code] = { minAmount, maxAmount };
  }
  const retention = integer(raw, 'logRetentionDays', 30, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(retention)) {
    throw new ConfigurationError(
      `${PROJECT}:logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
  const tags = object(raw, 'tags') ?? {};
  for (const [key, value] of Object.entries(tags)) {
    if (typeof value !== 'string')
      throw new ConfigurationError(`${PROJECT}:tags.${key} must be a string`);
  }
  const exchange = raw.exchange ?? 'paper';
  if (!EXCHANGES.includes(exchange as ExchangeKind)) {
    throw new ConfigurationError(`${PROJECT}:exchange must be one of ${EXCHANGES.join(', ')}`);
  }
  const apiUrl = raw.exchangeApiUrl ?? null;
  if (
    apiUrl !== null &&
    (typeof apiUrl !== 'string' || !/^https:\/\/[^\s/]+(\/\S*)?$/.test(apiUrl))
  ) {
    throw new ConfigurationError(
      `${PROJECT}:exchangeApiUrl must be an https URL, e.g. https://api-sandbox.coinbase.com`,
    );
  }
  const prices = object(raw, 'paperPrices') ?? {};
  if (exchange === 'paper') {
    for (const code of Object.keys(limits)) {
      const price = prices[code];
      if (typeof price !== 'string' || !/^\d+(\.\d+)?$/.test(price)) {
        throw new ConfigurationError(
          `${PROJECT}:paperPrices.${code} must be the paper price of 1 BTC as a decimal string`,
        );
      }
    }
  }
  let flags: Flags;
  try {
    flags = parseFlags(object(raw, 'flags') ?? {});
  } catch (error) {
    if (!(error instanceof FlagsError)) throw error;
    throw new ConfigurationError(`${PROJECT}:flags: ${error.message}`);
  }
  for (const code of Object.keys(flags.maxAmountPerRunByCurrency)) {
    if (limits[code] === undefined) {
      throw new ConfigurationError(
        `${PROJECT}:flags.maxAmountPerRunByCurrency.${code}: ${code} is not one of the stack's currencies (${Object.keys(limits).join(', ')})`,
      );
    }
  }
  const emailFrom = raw.notificationEmailFrom;
  if (
    typeof emailFrom !== 'string' ||
    !/^[^\s@<>]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(emailFrom)
  ) {
    throw new ConfigurationError(
      `${PROJECT}:notificationEmailFrom must be the sender address, e.g. notifications@example.com`,
    );
  }
  const smsIdentity = raw.smsOriginationIdentity ?? null;
  if (
    smsIdentity !== null &&
    (typeof smsIdentity !== 'string' || !SMS_ORIGINATION_IDENTITY_ARN.test(smsIdentity))
  ) {
    throw new ConfigurationError(
      `${PROJECT}:smsOriginationIdentity must be the ARN of an End User Messaging phone number, sender id or pool, e.g. arn:aws:sms-voice:eu-central-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef (the notifier may send from that identity only); leave it unset to turn SMS off`,
    );
  }
  let monitoring: MonitoringSettings;
  try {
    monitoring = parseMonitoringSettings(
      typeof raw.monitoring === 'string' ? parseJson(raw.monitoring) : raw.monitoring,
    );
  } catch (error) {
    if (!(error instanceof MonitoringSettingsError)) throw error;
    throw new ConfigurationError(`${PROJECT}:${error.message}`);
  }
  let release: ReleaseSettings;
  try {
    release = parseReleaseSettings(
      typeof raw.release === 'string' ? parseJson(raw.release) : raw.release,
    );
  } catch (error) {
    if (!(error instanceof ReleaseSettingsError)) throw error;
    throw new ConfigurationError(`${PROJECT}:${error.message}`);
  }
  let notifications: NotificationSettings;
  try {
    notifications = parseNotificationSettings(
      typeof raw.notifications === 'string' ? parseJson(raw.notifications) : raw.notifications,
    );
  } catch (error) {
    if (!(error instanceof NotificationSettingsError)) throw error;
    throw new ConfigurationError(`${PROJECT}:${error.message}`);
  }
  let execution: ExecutionSettings;
  try {
    execution = parseExecutionSettings(
      typeof raw.execution === 'string' ? parseJson(raw.execution) : raw.execution,
    );
  } catch (error) {
    if (!(error instanceof ExecutionSettingsError)) throw error;
    throw new ConfigurationError(`${PROJECT}:${error.message}`);
  }
  return {
    monitoring,
    release,
    notifications,
    execution,
    notificationEmailFrom: emailFrom,
    smsOriginationIdentity: smsIdentity as string | null,
    operatorRoles: operatorRoles(raw),
    // Seven years, the longest record-keeping rule the platform answers to (NYDFS).
    auditRetentionDays: integer(raw, 'auditRetentionDays', 2557, 1, 36_500),
    archiveRetentionDays: integer(raw, 'archiveRetentionDays', 2557, 0, 36_500),
    exchange: exchange as ExchangeKind,
    exchangeApiUrl: apiUrl,
    exchangeRateLimitPerSecond: integer(raw, 'exchangeRateLimitPerSecond', 10, 1, 1000),
    paperPrices: prices as Record<string, string>,
    purchaseWindowHours: integer(raw, 'purchaseWindowHours', 6, 1, 24),
    flags,
    currencies: limits,
    maxPlansPerUser: integer(raw, 'maxPlansPerUser', 25, 1, 1000),
    deletionProtection: boolean(raw, 'deletionProtection', true),
    graphqlIntrospection: boolean(raw, 'graphqlIntrospection', false),
    queryDepthLimit: integer(raw, 'queryDepthLimit', 10, 1, 75),
    resolverCountLimit: integer(raw, 'resolverCountLimit', 20, 1, 10_000),
    // https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
    apiRateLimitPer5Minutes: integer(raw, 'apiRateLimitPer5Minutes', 1000, 10, 2_000_000_000),
    logRetentionDays: retention,
    tags: tags as Record<string, string>,
  };
}

/**
 * Fails for an origination identity outside the stack's Region (`aws:region`, which this
 * namespace does not hold): the notifier sends through its own Region's endpoint.
 */
export function checkSmsOriginationRegion(config: StackConfig, region: string): void {
  const identity = config.smsOriginationIdentity;
  if (identity !== null && identity.split(':')[3] !== region) {
    throw new ConfigurationError(
      `${PROJECT}:smsOriginationIdentity must be an origination identity in ${region}, the stack's Region`,
    );
  }
}

/** The raw values of `Pulumi.<stack>.yaml` in our namespace, keys without the namespace. */
export function readStackConfigValues(file: string): Record<string, unknown> {
  const document = parse(readFileSync(file, 'utf8')) as { config?: Record<string, unknown> } | null;
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document?.config ?? {})) {
    if (key.startsWith(`${PROJECT}:`)) values[key.slice(PROJECT.length + 1)] = value;
  }
  return values;
}
