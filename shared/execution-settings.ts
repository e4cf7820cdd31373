/**
 * How a stack executes purchases (stack-config key `execution`):
 * - `per-slot` (the default): every slot places its own exchange order.
 * - `aggregated`: the slots due in the same window for the same market become one block order,
 *   whose fill is shared among them pro-rata (`domain/block-allocation.ts`, `shared/blocks.ts`).
 *
 * In YAML: `savings-plan-buy:execution: { mode: aggregated, windowSeconds: 60 }`, optionally with
 * `maxOrderAmount: { EUR: '250000.00' }`, the most one block order may spend per currency (beyond
 * it a block is split into parts; the exchange's own maximum order size splits it too).
 * Locally: `LOCAL_EXECUTION_MODE=aggregated` and `LOCAL_EXECUTION_WINDOW_SECONDS=<n>`.
 * Functions read it as JSON from the environment variable `EXECUTION_SETTINGS`.
 */
import { CURRENCY_DIGITS } from '#domain/currencies.ts';
import { parseDecimal } from '#domain/decimal.ts';

export const EXECUTION_MODES = ['per-slot', 'aggregated'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

export type ExecutionSettings =
  | { readonly mode: 'per-slot' }
  | {
      readonly mode: 'aggregated';
      /** The length of a block window: 10 to 900 seconds, dividing a day evenly. */
      readonly windowSeconds: number;
      /** The most one block order may spend, per currency, as minor units (digit strings). */
      readonly maxOrderMinor: Readonly<Record<string, string>>;
    };

export const DEFAULT_EXECUTION_SETTINGS: ExecutionSettings = { mode: 'per-slot' };

/** The window length when `aggregated` names none. */
export const DEFAULT_WINDOW_SECONDS = 60;

export class ExecutionSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionSettingsError';
  }
}

const EXAMPLE = "{ mode: aggregated, windowSeconds: 60 } or { mode: 'per-slot' }";

/** Checks the stack-config value (absent: per-slot). */
export function parseExecutionSettings(raw: unknown): ExecutionSettings {
  if (raw === undefined || raw === null) return DEFAULT_EXECUTION_SETTINGS;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ExecutionSettingsError(`execution must be an object such as ${EXAMPLE}`);
  }
  const value = raw as Record<string, unknown>;
  if (value.mode === 'per-slot') return DEFAULT_EXECUTION_SETTINGS;
  if (value.mode !== 'aggregated') {
    throw new ExecutionSettingsError(
      `execution.mode must be one of ${EXECUTION_MODES.join(', ')} (got ${JSON.stringify(value.mode)})`,
    );
  }
  const windowSeconds = value.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  if (
    typeof windowSeconds !== 'number' ||
    !Number.isInteger(windowSeconds) ||
    windowSeconds < 10 ||
    windowSeconds > 900 ||
    86_400 % windowSeconds !== 0
  ) {
    throw new ExecutionSettingsError(
      'execution.windowSeconds must be a whole number of seconds from 10 to 900 that divides a day (e.g. 30, 60, 300)',
    );
  }
  const maxOrderMinor: Record<string, string> = {};
  const limits = value.maxOrderAmount ?? {};
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) {
    throw new ExecutionSettingsError(
      "execution.maxOrderAmount must be an object such as { EUR: '250000.00' }",
    );
  }
  for (const [currency, amount] of Object.entries(limits)) {
    const digits = Object.hasOwn(CURRENCY_DIGITS, currency) ? CURRENCY_DIGITS[currency] : undefined;
    if (digits === undefined) {
      throw new ExecutionSettingsError(
        `execution.maxOrderAmount: ${currency} is not a supported currency code`,
      );
    }
    const parsed = typeof amount === 'string' ? parseDecimal(amount, digits) : null;
    if (parsed === null || !parsed.ok || BigInt(parsed.units) <= 0n) {
      throw new ExecutionSettingsError(
        `execution.maxOrderAmount.${currency} must be a positive decimal string with at most ${digits} decimal places`,
      );
    }
    maxOrderMinor[currency] = parsed.units;
  }
  return { mode: 'aggregated', windowSeconds, maxOrderMinor };
}

/** The settings as a function reads them from `EXECUTION_SETTINGS` (the JSON of the parsed value). */
export function readExecutionSettings(json: string): ExecutionSettings {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ExecutionSettingsError('EXECUTION_SETTINGS is not JSON');
  }
  if (typeof value !== 'object' || value === null) {
    throw new ExecutionSettingsError('EXECUTION_SETTINGS is not the JSON of execution settings');
  }
  const parsed = value as Record<string, unknown>;
  if (parsed.mode === 'aggregated') {
    const maxOrderAmount = Object.fromEntries(
      Object.entries((parsed.maxOrderMinor as Record<string, string> | undefined) ?? {}).map(
        ([currency, units]) => [currency, toDecimal(units, CURRENCY_DIGITS[currency] ?? 2)],
      ),
    );
    return parseExecutionSettings({
      mode: 'aggregated',
      windowSeconds: parsed.windowSeconds,
      maxOrderAmount,
    });
  }
  return parseExecutionSettings(parsed);
}

function toDecimal(units: string, digits: number): string {
  const padded = units.padStart(digits + 1, '0');
  return digits === 0 ? padded : `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}
