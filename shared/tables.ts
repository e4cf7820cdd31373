/**
 * The one definition of every DynamoDB table's keys, indexes, stream and TTL.
 *
 * Pulumi (`infra/`), the local stack (`local/`) and the tests all build their tables from these
 * objects, so a key can never mean one thing in the cloud and another on a laptop.
 */

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface GlobalSecondaryIndex {
  readonly name: string;
  readonly hashKey: KeyAttribute;
  readonly rangeKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Logical name; a stack's physical table name is `<prefix>-<name>`. */
  readonly name: string;
  readonly hashKey: KeyAttribute;
  readonly rangeKey?: KeyAttribute;
  readonly globalSecondaryIndexes?: readonly GlobalSecondaryIndex[];
  readonly stream?: 'NEW_AND_OLD_IMAGES' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'KEYS_ONLY';
  readonly ttlAttribute?: string;
}

/**
 * Savings plans, one partition per user. Besides the plans (sort key: the plan id, a ULID), each
 * user's partition holds one meta item (sort key {@link USER_META_ID}) that counts the user's
 * plans, so the plan limit holds under concurrent creates.
 */
export const plansTable = {
  name: 'plans',
  hashKey: { name: 'userId', type: 'S' },
  rangeKey: { name: 'planId', type: 'S' },
  stream: 'NEW_AND_OLD_IMAGES',
} as const satisfies TableDefinition;

/**
 * Sort key of the per-user meta item in {@link plansTable}. It starts with "#", which sorts before
 * every ULID, so plan queries use the key condition `planId >= PLAN_ID_FLOOR`.
 */
export const USER_META_ID = '#meta';

/** The lowest possible plan id: ULIDs use the characters 0-9 and A-Z only. */
export const PLAN_ID_FLOOR = '0';

/** Every table of the system, in creation order. */
export const tables: readonly TableDefinition[] = [plansTable];

/** The physical name of `table` in the stack or local environment named by `prefix`. */
export function tableName(prefix: string, table: TableDefinition): string {
  return `${prefix}-${table.name}`;
}
