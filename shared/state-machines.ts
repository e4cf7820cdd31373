/**
 * State machine definitions are data files (`statemachines/*.asl.json`) with `${Name}`
 * placeholders for what differs per stack: table names, function ARNs, the event bus. Pulumi and
 * the local stack substitute them the same way, and both fail on a placeholder left unfilled.
 */
import { fileURLToPath } from 'node:url';
import type { ExecutionMode } from './execution-settings.ts';

export const PURCHASE_STATE_MACHINE_FILE = fileURLToPath(
  new URL('../statemachines/purchase.asl.json', import.meta.url),
);

/** The placeholders of the purchase workflow. */
export interface PurchaseSubstitutions {
  readonly PlansTable: string;
  readonly ExecutionsTable: string;
  readonly EventBusName: string;
  readonly DecideFunctionArn: string;
  readonly PlaceOrderFunctionArn: string;
  /** Aggregated mode's join step (`functions/join-block`). */
  readonly JoinBlockFunctionArn: string;
  /** `per-slot` or `aggregated` (the stack's `execution.mode`): where a BUY goes. */
  readonly ExecutionMode: ExecutionMode;
  readonly RetryQueueUrl: string;
  /** The purchase window in hours, as users read it in a waiting run's reason. */
  readonly PurchaseWindowHours: string;
}

/** Thrown when a definition has placeholders nobody filled, or values for none. */
export class DefinitionSubstitutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DefinitionSubstitutionError';
  }
}

/** Replaces every `${Name}` in the definition text and parses it. */
export function substituteDefinition(
  text: string,
  values: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const used = new Set<string>();
  const replaced = text.replace(/\$\{([A-Za-z][A-Za-z0-9]*)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new DefinitionSubstitutionError(`no value for the placeholder \${${name}}`);
    used.add(name);
    // Values land inside JSON strings.
    return JSON.stringify(value).slice(1, -1);
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0)
    throw new DefinitionSubstitutionError(
      `the definition has no placeholder for ${unused.join(', ')}`,
    );
  return JSON.parse(replaced) as Record<string, unknown>;
}
