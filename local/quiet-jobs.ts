/**
 * When the recurring jobs can next find work, so that the clock driver can fire them at every
 * interval (as EventBridge Scheduler does on AWS) without running the invocations that provably
 * find nothing. Advancing the clock then costs what falls due, not the number of five-minute
 * intervals it crosses: ten months hold 88,000 sweeper intervals.
 *
 * Each probe answers the earliest instant at which the job's next invocation can act, reading
 * the same indexes the job reads, given the state as it is now. The state only changes through
 * something the driver sees (a Lambda invocation, a workflow execution), so the driver keeps the
 * answer until it sees activity, and an interval before that instant is recorded as fired without
 * invoking the job. Probes err on the early side: firing a job that then finds nothing is always
 * correct, skipping one that would have acted never is.
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { signatureKey } from '#domain/audit-digest.ts';
import {
  COMPLETER_SLA_SECONDS,
  SWEEP_GRACE_SECONDS,
  SYNC_GRACE_SECONDS,
  type FunctionName,
} from '#shared/functions.ts';
import {
  DUE_SHARDS,
  EXECUTION_PROGRESS_ATTRIBUTE,
  EXECUTION_SHARDS,
  SYNC_SHARDS,
} from '#shared/tables.ts';
import type { LocalObjectStore } from './services/audit.ts';

/** A recurring job's probe, and what must change before its answer can. */
export interface QuietProbe {
  /** The earliest instant (epoch ms) the job can act, or null when nothing it watches exists. */
  readonly wake: () => Promise<number | null>;
  /** A count that changes whenever what `wake` reads may have changed. */
  readonly activity: () => number;
}

export interface QuietJobsOptions {
  readonly dynamodb: DynamoDBClient;
  readonly plansTable: string;
  readonly executionsTable: string;
  /** The audit bucket's objects (what the digest job seals). */
  readonly audit: LocalObjectStore;
  /** Invocations of a function so far. */
  readonly invocations: (name: FunctionName) => number;
  /** GraphQL requests so far, counted when one starts and again when it is done. */
  readonly apiRequests: () => number;
  /** Purchase workflow executions started so far. */
  readonly executionsStarted: () => number;
}

const DAY_MS = 86_400_000;

/** The smallest sort key of an index partition, or undefined when it is empty. */
async function firstKey(
  dynamodb: DynamoDBClient,
  table: string,
  index: string,
  partition: [string, string],
  sortKey: string,
): Promise<string | undefined> {
  const answer = await dynamodb.send(
    new QueryCommand({
      TableName: table,
      IndexName: index,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': partition[0] },
      ExpressionAttributeValues: { ':p': { S: partition[1] } },
      ScanIndexForward: true,
      Limit: 1,
    }),
  );
  return answer.Items?.[0]?.[sortKey]?.S;
}

/** The earliest of `shards`' smallest sort keys plus `afterMs`, or null when all are empty. */
async function earliest(
  options: QuietJobsOptions,
  table: string,
  index: string,
  hashKey: string,
  shards: readonly string[],
  sortKey: string,
  afterMs: number,
): Promise<number | null> {
  const keys = await Promise.all(
    shards.map((shard) => firstKey(options.dynamodb, table, index, [hashKey, shard], sortKey)),
  );
  const instants = keys.filter((key) => key !== undefined).map((key) => Date.parse(key));
  return instants.length === 0 ? null : Math.min(...instants) + afterMs;
}

const numbered = (count: number) => Array.from({ length: count }, (_, shard) => String(shard));

/**
 * Probes by job name (the schedule's name without the stack's prefix): the sweeper (a plan
 * overdue past the grace period, or changed and not synced past its grace), the completer (an
 * open run older than its SLA) and the audit digest (a day that has ended and is not sealed).
 * Reconciliation and the monthly report run daily and are always invoked.
 */
export function quietJobs(options: QuietJobsOptions): ReadonlyMap<string, QuietProbe> {
  const { plansTable, executionsTable, invocations, apiRequests } = options;
  const sum = (...names: FunctionName[]) =>
    names.reduce((total, name) => total + invocations(name), apiRequests());
  // Records are never removed: once one exists, only the digest job changes what it can seal.
  let recorded = false;
  const hasRecords = () => (recorded ||= options.audit.list('events/').length > 0);
  return new Map<string, QuietProbe>([
    [
      'sweeper',
      {
        // Every write to the plans table reaches the schedule sync through the table's stream
        // (the clock driver drains it before it probes), whoever made it.
        activity: () => sum('schedule-sync', 'schedule-resync', 'sweeper'),
        wake: async () => {
          const [due, unsynced] = await Promise.all([
            earliest(
              options,
              plansTable,
              'due',
              'dueShard',
              numbered(DUE_SHARDS),
              'nextRunAt',
              SWEEP_GRACE_SECONDS * 1000,
            ),
            earliest(
              options,
              plansTable,
              'unsynced',
              'syncShard',
              SYNC_SHARDS,
              'updatedAt',
              SYNC_GRACE_SECONDS * 1000,
            ),
          ]);
          return due === null ? unsynced : unsynced === null ? due : Math.min(due, unsynced);
        },
      },
    ],
    [
      'completer',
      {
        // Open runs are written by executions and by the functions that start or finish them.
        activity: () =>
          options.executionsStarted() +
          sum('completer', 'retry-dispatcher', 'decide', 'place-order', 'sweeper'),
        wake: () =>
          earliest(
            options,
            executionsTable,
            'open',
            'openShard',
            numbered(EXECUTION_SHARDS),
            EXECUTION_PROGRESS_ATTRIBUTE,
            COMPLETER_SLA_SECONDS * 1000,
          ),
      },
    ],
    [
      'audit-digest',
      {
        // Only the job seals; before the first record, anything that runs may write one.
        activity: () =>
          invocations('audit-digest') +
          (hasRecords() ? 0 : options.executionsStarted() + sum('schedule-sync', 'sweeper')),
        wake: () => Promise.resolve(digestWake(options.audit)),
      },
    ],
  ]);
}

/**
 * When the digest job can next seal a day, or null before any record. A day can be sealed once
 * it has ended (an hour later, by the job's own rule: the hour is left out here, so the probe
 * errs early). Days are sealed in order from the first record's; a digest without its signature
 * is signed by the next run.
 */
function digestWake(audit: LocalObjectStore): number | null {
  const digests = audit.list('digests/');
  const last = digests
    .filter((key) => key.endsWith('.json'))
    .at(-1)
    ?.slice('digests/'.length, -'.json'.length);
  if (last !== undefined && !digests.includes(signatureKey(last))) return 0;
  const next = last ?? audit.list('events/')[0]?.slice('events/'.length, 'events/'.length + 10);
  if (next === undefined) return null;
  const day = Date.parse(`${next.replaceAll('/', '-')}T00:00:00Z`);
  return day + (last === undefined ? 1 : 2) * DAY_MS;
}
