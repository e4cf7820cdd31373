/**
 * Operational feature flags (AWS AppConfig): a kill switch for purchases and a maximum amount per
 * run. Read by the purchase workflow's decision step on every run (with a short cache).
 */
import { compareUnits, parseDecimal } from './decimal.ts';

export interface Flags {
  /** False stops every purchase: slots end SKIPPED with PURCHASES_DISABLED. */
  readonly purchasesEnabled: boolean;
  /** Runs above this amount (in the plan's currency) fail with AMOUNT_ABOVE_LIMIT; null: no limit. */
  readonly maxAmountPerRun: string | null;
}

export const DEFAULT_FLAGS: Flags = { purchasesEnabled: true, maxAmountPerRun: null };

/** Thrown for a flags document that is not what the system expects. */
export class FlagsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagsError';
  }
}

/** Checks a flags document; omitted flags take their defaults. */
export function parseFlags(value: unknown): Flags {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FlagsError(
      'flags must be a JSON object such as {"purchasesEnabled": false, "maxAmountPerRun": "500.00"}',
    );
  }
  const { purchasesEnabled, maxAmountPerRun, ...unknown } = value as Record<string, unknown>;
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new FlagsError(`unknown flag(s): ${extra.join(', ')}`);
  if (purchasesEnabled !== undefined && typeof purchasesEnabled !== 'boolean') {
    throw new FlagsError('purchasesEnabled must be true or false');
  }
  if (maxAmountPerRun !== undefined && maxAmountPerRun !== null) {
    const parsed = typeof maxAmountPerRun === 'string' ? parseDecimal(maxAmountPerRun, 8) : null;
    if (parsed === null || !parsed.ok || parsed.units === '0') {
      throw new FlagsError(
        'maxAmountPerRun must be a positive decimal string such as "500.00", or null',
      );
    }
  }
  return {
    purchasesEnabled: purchasesEnabled ?? DEFAULT_FLAGS.purchasesEnabled,
    maxAmountPerRun: (maxAmountPerRun as string | null | undefined) ?? null,
  };
}

/** True when `amount` (a decimal string) exceeds the flags' maximum per run. */
export function exceedsMaximum(flags: Flags, amount: string): boolean {
  if (flags.maxAmountPerRun === null) return false;
  const scale = 8;
  const run = parseDecimal(amount, scale);
  const max = parseDecimal(flags.maxAmountPerRun, scale);
  return run.ok && max.ok && compareUnits(run.units, max.units) > 0;
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
    maxAmountPerRun: {
      oneOf: [
        { type: 'null' },
        {
          type: 'string',
          pattern: '^(0|[1-9][0-9]*)(\\.[0-9]{1,8})?$',
          not: { pattern: '^0(\\.0+)?$' },
        },
      ],
    },
  },
} as const;
