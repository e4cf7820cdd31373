/**
 * Whether a change to a plan item can change what its schedule should be, from the item before
 * and after the write (the plans table's stream images, in DynamoDB's attribute-value form).
 *
 * A schedule is a function of the plan's terms and run history (`armingOf` and
 * `scheduleDefinition`): status, schedule, amount, currency, version, the last slot and run, the
 * skipped slots. Two kinds of write touch none of them: the purchase totals the workflow adds
 * after a run in an older slot, and the schedule sync's own write back (armed slot, next run, the
 * `due` and `unsynced` index keys). Every other attribute counts, including any added later, so a
 * new field errs on the side of one more sync, never one fewer.
 */

/** The attributes whose change alone never moves a schedule. */
export const SCHEDULE_BOOKKEEPING: ReadonlySet<string> = new Set([
  // Purchase totals (the ledger transaction; `lastSlotAt`/`lastRunAt`, when it moves them, count).
  'executionCount',
  'totalSpentMinor',
  'totalNetMinor',
  'totalSats',
  // What the schedule sync itself writes back once it has armed the schedule.
  'armedSlot',
  'armedVersion',
  'nextRunAt',
  'dueShard',
  'syncShard',
]);

/** An item image as the stream delivers it: attribute name to attribute value. */
export type ItemImage = Readonly<Record<string, unknown>>;

/**
 * JSON with object keys sorted and set members sorted, so that two equal attribute values always
 * read the same whatever order DynamoDB lists a map's keys or a set's members in.
 */
function canonical(value: unknown, setMembers = false): string {
  if (Array.isArray(value)) {
    const members = value.map((member) => canonical(member));
    return `[${(setMembers ? members.sort() : members).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(
        ([name, member]) =>
          `${JSON.stringify(name)}:${canonical(member, name === 'SS' || name === 'NS' || name === 'BS')}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * True when the write from `before` to `after` may change the plan's schedule: a plan created or
 * deleted, or any attribute outside {@link SCHEDULE_BOOKKEEPING} added, removed or changed.
 */
export function changesSchedule(
  before: ItemImage | undefined,
  after: ItemImage | undefined,
): boolean {
  if (before === undefined || after === undefined) return true;
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const name of names) {
    if (SCHEDULE_BOOKKEEPING.has(name)) continue;
    if (canonical(before[name]) !== canonical(after[name])) return true;
  }
  return false;
}
