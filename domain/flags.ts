/**
 * Operational feature flags (AWS AppConfig): a kill switch for purchases, the share of users it
 * lets buy (stable per user, see `user-share.ts`), and a maximum amount per run, per currency with
 * a limit for every other currency. Read by the purchase workflow's decision step on every run
 * (with a short cache).
 */
import { CURRENCY_DIGITS } from './currencies.ts';
import { compareUnits, parseDecimal } from './decimal.ts';
import { inShare, isShare, SHARE_PATTERN } from './user-share.ts';

export interface Flags {
  /** False stops every purchase: slots end SKIPPED with PURCHASES_DISABLED. */
  readonly purchasesEnabled: boolean;
  /**
   * With purchases on, the share of users whose slots buy: a percentage from "0" to "100" with at
   * most two decimal places. A user outside it ends SKIPPED with PURCHASES_DISABLED, as with the
   * switch off. Stable per user, and raising it only adds users: an operator turns purchases back
   * on gradually after an incident ("1", "10", "50", "100").
   */
  readonly purchasesEnabledPercent: string;
  /**
   * Runs above this amount (in the plan's currency) fail with AMOUNT_ABOVE_LIMIT, in every
   * currency without an entry in {@link Flags.maxAmountPerRunByCurrency}; null: no limit.
   */
  readonly maxAmountPerRun: string | null;
  /**
   * The maximum per run of a currency (upper-case ISO 4217 code to a positive decimal string
   * within the currency's digits), which replaces `maxAmountPerRun` for that currency.
   */
  readonly maxAmountPerRunByCurrency: Readonly<Record<string, string>>;
}

export const DEFAULT_FLAGS: Flags = {
  purchasesEnabled: true,
  purchasesEnabledPercent: '100',
  maxAmountPerRun: null,
  maxAmountPerRunByCurrency: {},
};

/** Thrown for a flags document that is not what the system expects. */
export class FlagsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagsError';
  }
}

/** Scale the global maximum is read at: it applies to currencies of any number of digits. */
const GLOBAL_SCALE = 8;

function perCurrency(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FlagsError(
      'maxAmountPerRunByCurrency must be an object such as {"EUR": "500.00", "GBP": "400.00"}',
    );
  }
  const limits: Record<string, string> = {};
  for (const [currency, amount] of Object.entries(value as Record<string, unknown>)) {
    const digits = CURRENCY_DIGITS[currency];
    if (digits === undefined) {
      throw new FlagsError(
        `maxAmountPerRunByCurrency: ${currency} is not a supported currency code (${Object.keys(CURRENCY_DIGITS).join(', ')})`,
      );
    }
    const parsed = typeof amount === 'string' ? parseDecimal(amount, digits) : null;
    if (parsed === null || !parsed.ok || parsed.units === '0') {
      throw new FlagsError(
        `maxAmountPerRunByCurrency.${currency} must be a positive decimal string with at most ${digits} decimal places`,
      );
    }
    limits[currency] = amount as string;
  }
  return limits;
}

/** Checks a flags document; omitted flags take their defaults. */
export function parseFlags(value: unknown): Flags {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FlagsError(
      'flags must be a JSON object such as {"purchasesEnabled": false, "maxAmountPerRun": "500.00"}',
    );
  }
  const {
    purchasesEnabled,
    purchasesEnabledPercent,
    maxAmountPerRun,
    maxAmountPerRunByCurrency,
    ...unknown
  } = value as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new FlagsError(`unknown flag(s): ${extra.join(', ')}`);
  if (purchasesEnabled !== undefined && typeof purchasesEnabled !== 'boolean') {
    throw new FlagsError('purchasesEnabled must be true or false');
  }
  if (purchasesEnabledPercent !== undefined && !isShare(purchasesEnabledPercent)) {
    throw new FlagsError(
      'purchasesEnabledPercent must be a percentage from "0" to "100" as a string with at most two decimal places, such as "10" or "12.5"',
    );
  }
  if (maxAmountPerRun !== undefined && maxAmountPerRun !== null) {
    const parsed =
      typeof maxAmountPerRun === 'string' ? parseDecimal(maxAmountPerRun, GLOBAL_SCALE) : null;
    if (parsed === null || !parsed.ok || parsed.units === '0') {
      throw new FlagsError(
        'maxAmountPerRun must be a positive decimal string such as "500.00", or null',
      );
    }
  }
  return {
    purchasesEnabled: purchasesEnabled ?? DEFAULT_FLAGS.purchasesEnabled,
    purchasesEnabledPercent:
      (purchasesEnabledPercent as string | undefined) ?? DEFAULT_FLAGS.purchasesEnabledPercent,
    maxAmountPerRun: (maxAmountPerRun as string | null | undefined) ?? null,
    maxAmountPerRunByCurrency:
      maxAmountPerRunByCurrency === undefined ? {} : perCurrency(maxAmountPerRunByCurrency),
  };
}

/**
 * Whether purchases are on for `userId`: the switch is on and the user is in
 * `purchasesEnabledPercent` (`user-share.ts`; the flag's name is the hash's salt).
 */
export function purchasesEnabledFor(flags: Flags, userId: string): boolean {
  return (
    flags.purchasesEnabled &&
    inShare('purchasesEnabledPercent', userId, flags.purchasesEnabledPercent)
  );
}

/**
 * The maximum per run in force for `currency`: the lower of its own entry and the global one
 * (null: neither is set). Both always hold, so lowering either stops larger runs: an operator who
 * lowers `maxAmountPerRun` in an incident never finds a currency's own, higher entry overriding it.
 */
export function maximumFor(flags: Flags, currency: string): string | null {
  const own = Object.hasOwn(flags.maxAmountPerRunByCurrency, currency)
    ? (flags.maxAmountPerRunByCurrency[currency] ?? null)
    : null;
  const global = flags.maxAmountPerRun;
  if (own === null || global === null) return own ?? global;
  const ownUnits = parseDecimal(own, GLOBAL_SCALE);
  const globalUnits = parseDecimal(global, GLOBAL_SCALE);
  if (!ownUnits.ok || !globalUnits.ok) return own;
  return compareUnits(ownUnits.units, globalUnits.units) <= 0 ? own : global;
}

/** True when `amount` (a decimal string in `currency`) exceeds the maximum per run in force for it. */
export function exceedsMaximum(flags: Flags, amount: string, currency: string): boolean {
  const maximum = maximumFor(flags, currency);
  if (maximum === null) return false;
  const run = parseDecimal(amount, GLOBAL_SCALE);
  const max = parseDecimal(maximum, GLOBAL_SCALE);
  return run.ok && max.ok && compareUnits(run.units, max.units) > 0;
}

/** A positive decimal string with at most `digits` decimal places, as a JSON Schema. */
function positiveDecimal(digits: number) {
  return {
    type: 'string',
    pattern: digits === 0 ? '^[1-9][0-9]*$' : `^(0|[1-9][0-9]*)(\\.[0-9]{1,${digits}})?$`,
    not: { pattern: '^0(\\.0+)?$' },
  } as const;
}

/**
 * The same rules as {@link parseFlags}, as the JSON Schema AppConfig validates a flags document
 * with before it deploys it: a malformed document never reaches the purchase workflow.
 */
export const FLAGS_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  type: 'object',
  additionalProperties: false,
  properties: {
    purchasesEnabled: { type: 'boolean' },
    purchasesEnabledPercent: { type: 'string', pattern: SHARE_PATTERN },
    maxAmountPerRun: { oneOf: [{ type: 'null' }, positiveDecimal(GLOBAL_SCALE)] },
    maxAmountPerRunByCurrency: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        Object.entries(CURRENCY_DIGITS).map(([currency, digits]) => [
          currency,
          positiveDecimal(digits),
        ]),
      ),
    },
  },
} as const;

/**
 * The emergency stop: a document of its own in a second AppConfig environment with no alarm
 * monitors, deployed all at once, so that no alarm can roll it back (the main flags roll back while
 * `purchases-at-risk` is in ALARM, which in an incident it usually is). Purchases go on only while
 * both it and the main flags allow them ({@link withEmergencyStop}).
 */
export interface EmergencyStop {
  /** False stops every purchase, whatever the main flags say: slots end SKIPPED with PURCHASES_DISABLED. */
  readonly purchasesEnabled: boolean;
}

/** What the emergency environment holds until an operator stops purchases. */
export const DEFAULT_EMERGENCY_STOP: EmergencyStop = { purchasesEnabled: true };

/**
 * Checks an emergency stop document. `purchasesEnabled` is required: the one document an operator
 * writes in an incident says what it means, and a misspelt or missing switch is refused rather
 * than read as "buy".
 */
export function parseEmergencyStop(value: unknown): EmergencyStop {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FlagsError('the emergency stop must be a JSON object: {"purchasesEnabled": false}');
  }
  const { purchasesEnabled, ...unknown } = value as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) {
    throw new FlagsError(
      `the emergency stop has purchasesEnabled only, not ${extra.join(', ')}: {"purchasesEnabled": false}`,
    );
  }
  if (typeof purchasesEnabled !== 'boolean') {
    throw new FlagsError('the emergency stop needs purchasesEnabled, true or false');
  }
  return { purchasesEnabled };
}

/**
 * The flags in force: the main flags, with purchases off whenever the emergency stop says so
 * (main AND emergency). Only the switch combines; the share and the maximums are the main flags'.
 */
export function withEmergencyStop(flags: Flags, stop: EmergencyStop): Flags {
  return { ...flags, purchasesEnabled: flags.purchasesEnabled && stop.purchasesEnabled };
}

/** The same rules as {@link parseEmergencyStop}, as the JSON Schema AppConfig validates it with. */
export const EMERGENCY_STOP_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['purchasesEnabled'],
  properties: { purchasesEnabled: { type: 'boolean' } },
} as const;
