/** Typed stack configuration for the Pulumi program (checked by `shared/stack-config.ts`). */
import * as pulumi from '@pulumi/pulumi';
import { ConfigurationError } from '#shared/api-settings.ts';
import {
  PROJECT,
  STACK_CONFIG_KEYS,
  parseStackConfig,
  type StackConfig,
} from '#shared/stack-config.ts';

/** The stack config key that pins the AWS accounts a stack may deploy to. */
export const ALLOWED_ACCOUNT_IDS_KEY = 'aws:allowedAccountIds';

const HOW_TO_SET = `set it with \`pulumi config set --path '${ALLOWED_ACCOUNT_IDS_KEY}[0]' 123456789012\` (your account's id), or as a list of quoted ids in Pulumi.<stack>.yaml`;

/**
 * Checks the value of `aws:allowedAccountIds` (as Pulumi hands it: JSON text) and returns the
 * account ids. A 12-digit number is taken as written (`pulumi config set --path` writes
 * numeric-looking values as numbers); one that lost a leading zero on the way is refused.
 */
export function parseAllowedAccountIds(raw: string | undefined, stack: string): string[] {
  const missing = new ConfigurationError(
    `${ALLOWED_ACCOUNT_IDS_KEY} must pin the AWS account(s) stack ${stack} deploys to, so that credentials for another account cannot create or change it: ${HOW_TO_SET}`,
  );
  if (raw === undefined || raw === '') throw missing;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(
      `${ALLOWED_ACCOUNT_IDS_KEY} must be a list of account ids, not ${JSON.stringify(raw)}: ${HOW_TO_SET}`,
    );
  }
  if (!Array.isArray(value) || value.length === 0) throw missing;
  return value.map((id) => {
    const text = typeof id === 'number' && Number.isInteger(id) ? String(id) : id;
    if (typeof text !== 'string' || !/^\d{12}$/.test(text)) {
      throw new ConfigurationError(
        `${ALLOWED_ACCOUNT_IDS_KEY}: ${JSON.stringify(id)} is not a 12-digit AWS account id (quote an id that starts with 0): ${HOW_TO_SET}`,
      );
    }
    return text;
  });
}

/**
 * The accounts the stack may deploy to (`aws:allowedAccountIds`). The default provider reads the
 * key itself; pass the result to every explicit `new aws.Provider({ allowedAccountIds })`, which
 * does not.
 */
export function loadAllowedAccountIds(): string[] {
  return parseAllowedAccountIds(
    new pulumi.Config('aws').get('allowedAccountIds'),
    pulumi.getStack(),
  );
}

/**
 * Reads `savings-plan-buy:*` from the current stack; fails the program on any bad value, and on a
 * stack that does not pin its AWS accounts.
 */
export function loadStackConfig(): StackConfig {
  loadAllowedAccountIds();
  const config = new pulumi.Config(PROJECT);
  const raw: Record<string, unknown> = {};
  for (const key of STACK_CONFIG_KEYS) {
    const value = config.get(key);
    if (value !== undefined) raw[key] = value;
  }
  return parseStackConfig(raw);
}
