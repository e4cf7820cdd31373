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
  /** What the index holds besides the keys; default ALL. */
  readonly projection?: 'KEYS_ONLY' | 'ALL';
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
 *
 * The sparse `due` index holds only armed plans (those with `nextRunAt`), spread over
 * {@link DUE_SHARDS} partitions, so the sweeper finds overdue plans without a scan and without
 * one hot partition key, however many plans there are.
 *
 * The sparse `unsynced` index holds only plans the user changed and the scheduler has not synced
 * yet: every change through the API sets `syncShard` ({@link syncShardOf}), the schedule sync
 * removes it when it writes the plan's schedule for that version. The sweeper re-syncs what stays
 * there, so a plan whose stream record was lost still gets its schedule.
 */
export const plansTable = {
  name: 'plans',
  hashKey: { name: 'userId', type: 'S' },
  rangeKey: { name: 'planId', type: 'S' },
  globalSecondaryIndexes: [
    {
      name: 'due',
      hashKey: { name: 'dueShard', type: 'S' },
      rangeKey: { name: 'nextRunAt', type: 'S' },
      projection: 'KEYS_ONLY',
    },
    {
      name: 'unsynced',
      hashKey: { name: 'syncShard', type: 'S' },
      rangeKey: { name: 'updatedAt', type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
  stream: 'NEW_AND_OLD_IMAGES',
} as const satisfies TableDefinition;

/** The partitions of the plans table's `unsynced` index: the characters a ULID ends with. */
export const SYNC_SHARDS: readonly string[] = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.split('');

/**
 * The `unsynced` index partition of a plan: the last character of its id (a ULID's random part,
 * so plans spread evenly; simple enough for the APPSYNC_JS resolvers that set it).
 */
export function syncShardOf(planId: string): string {
  return planId.slice(-1);
}

/** Partitions of the plans table's `due` index. */
export const DUE_SHARDS = 16;

/** The `due` index partition of a plan: a stable hash (FNV-1a) of its id. */
export function dueShardOf(planId: string): string {
  let hash = 0x811c9dc5;
  for (const char of planId) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return String(hash % DUE_SHARDS);
}

/**
 * The purchase ledger: one execution record per plan and scheduled slot, never overwritten once
 * final, kept as financial records (no TTL). The partition key joins owner and plan
 * (`<userId>#<planId>`), so a query for someone else's plan finds nothing at all.
 */
export const executionsTable = {
  name: 'executions',
  hashKey: { name: 'ownerPlan', type: 'S' },
  rangeKey: { name: 'scheduledFor', type: 'S' },
  globalSecondaryIndexes: [
    {
      // Sparse: only runs not final yet carry `openShard`; the completer finds the stale ones by
      // `progressAt` ({@link EXECUTION_PROGRESS_ATTRIBUTE}). Keys only: a write that moves neither
      // key (an order sent, a block joined or sealed) costs the index nothing.
      name: 'open',
      hashKey: { name: 'openShard', type: 'S' },
      rangeKey: { name: 'progressAt', type: 'S' },
      projection: 'KEYS_ONLY',
    },
    {
      // Sparse by its sort key: a plan's unfinished runs (only they carry `openShard`), so the
      // API can refuse a currency change while an order in the old currency may be on its way.
      name: 'openByPlan',
      hashKey: { name: 'ownerPlan', type: 'S' },
      rangeKey: { name: 'openShard', type: 'S' },
      projection: 'KEYS_ONLY',
    },
    {
      // Sparse: only runs that sent an order carry `orderDay` (`<UTC day>#<shard>`), which the
      // daily reconciliation matches against the exchange's orders of that day.
      name: 'orders',
      hashKey: { name: 'orderDay', type: 'S' },
      rangeKey: { name: 'clientOrderId', type: 'S' },
    },
    {
      // Sparse: only slots that joined a block order (aggregated execution) carry `blockMember`
      // (`<blockId>#<shard>`, `shared/blocks.ts`); the block worker reads its members here.
      name: 'blockMembers',
      hashKey: { name: 'blockMember', type: 'S' },
      rangeKey: { name: 'ownerPlan', type: 'S' },
    },
  ],
  stream: 'NEW_AND_OLD_IMAGES',
} as const satisfies TableDefinition;

/**
 * When an unfinished run last made progress as the completer measures it: its claim, an attempt
 * that failed and waits for a retry, a run put back to PENDING, a block member let go, the
 * completer's own stamp. Sending an order, joining a block and sealing it leave it alone (they
 * follow the claim within moments, and a run stuck after them is exactly what the completer is
 * for), so those writes never move the `open` index entry; `updatedAt` still moves on every
 * change, as the API shows it.
 */
export const EXECUTION_PROGRESS_ATTRIBUTE = 'progressAt';

/** Partitions of the executions table's `open` and `orders` indexes. */
export const EXECUTION_SHARDS = DUE_SHARDS;

/** The `orders` index partition of a run that sent an order at `at` (ISO instant). */
export function orderDayKey(at: string, planId: string): string {
  return `${at.slice(0, 10)}#${dueShardOf(planId)}`;
}

/** The partition key of a plan's executions. */
export function ownerPlanKey(userId: string, planId: string): string {
  return `${userId}#${planId}`;
}

/** Powertools idempotency records of the purchase Lambdas (key `id`, TTL `expiration`). */
export const idempotencyTable = {
  name: 'idempotency',
  hashKey: { name: 'id', type: 'S' },
  ttlAttribute: 'expiration',
} as const satisfies TableDefinition;

/**
 * Sort key of the per-user meta item in {@link plansTable}. It starts with "#", which sorts before
 * every ULID, so plan queries use the key condition `planId >= PLAN_ID_FLOOR`.
 */
export const USER_META_ID = '#meta';

/** The lowest possible plan id: ULIDs use the characters 0-9 and A-Z only. */
export const PLAN_ID_FLOOR = '0';

/**
 * Orders of the paper exchange when a cloud stack trades on paper (`exchange: paper`): keyed by
 * client order id, so a repeated order answers the first one, as Coinbase does.
 */
export const paperOrdersTable = {
  name: 'paper-orders',
  hashKey: { name: 'clientOrderId', type: 'S' },
} as const satisfies TableDefinition;

/** The physical name of `table` in the stack or local environment named by `prefix`. */
export function tableName(prefix: string, table: TableDefinition): string {
  return `${prefix}-${table.name}`;
}

/**
 * State every execution shares about each exchange: the circuit breaker (`breaker#<exchange>`),
 * the request budget, one counter per second (`rate#<exchange>#<epoch second>`, expiring a few
 * minutes later through TTL), and Kraken's nonce counter per API key
 * (`nonce#kraken#<key digest>`, kept: it must only grow).
 */
export const exchangeStateTable = {
  name: 'exchange-state',
  hashKey: { name: 'pk', type: 'S' },
  ttlAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/**
 * Notifications, one partition per user: the user's preferences (sort key
 * {@link PREFERENCES_KEY}) and every notification sent (sort key `n#<sentAt>#<id>`, so a reverse
 * query is newest first), kept about 400 days through TTL. A notification's item is written
 * before it is sent, keyed by event and channel, so a redelivered event never sends twice.
 */
export const notificationsTable = {
  name: 'notifications',
  hashKey: { name: 'userId', type: 'S' },
  rangeKey: { name: 'sk', type: 'S' },
  ttlAttribute: 'expiresAt',
} as const satisfies TableDefinition;

/** The sort key of a user's notification preferences. */
export const PREFERENCES_KEY = '#preferences';
/** Sort keys of sent notifications start with this (and sort after the preferences). */
export const NOTIFICATION_KEY_PREFIX = 'n#';
/** How long notification history is kept: about 400 days. */
export const NOTIFICATION_TTL_DAYS = 400;

/** Every table of the system, in creation order. */
export const tables: readonly TableDefinition[] = [
  plansTable,
  executionsTable,
  idempotencyTable,
  exchangeStateTable,
  notificationsTable,
];
