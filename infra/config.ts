/** Typed stack configuration for the Pulumi program (checked by `shared/stack-config.ts`). */
import * as pulumi from '@pulumi/pulumi';
import {
  PROJECT,
  STACK_CONFIG_KEYS,
  parseStackConfig,
  type StackConfig,
} from '#shared/stack-config.ts';

/** Reads `savings-plan-buy:*` from the current stack; fails the program on any bad value. */
export function loadStackConfig(): StackConfig {
  const config = new pulumi.Config(PROJECT);
  const raw: Record<string, unknown> = {};
  for (const key of STACK_CONFIG_KEYS) {
    const value = config.get(key);
    if (value !== undefined) raw[key] = value;
  }
  return parseStackConfig(raw);
}
