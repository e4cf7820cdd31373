/**
 * A slot's final outcome, read from the bus event that announced it, as the SLO counts it: "slots
 * that reach a final status within 30 minutes of their scheduled time". Plain logic: the
 * `slot-outcomes` Lambda parses the queue's messages with it, and tests call it directly.
 */
import { detailProblems } from '#shared/bus-events.ts';
import { OUTCOME_EVENTS, type OutcomeEvent } from '#shared/events.ts';

/** How a slot ended: the workflow's three final statuses, or missed (it never started). */
export type SlotOutcomeKind = 'succeeded' | 'failed' | 'skipped' | 'missed';

const KINDS: Readonly<Record<OutcomeEvent, SlotOutcomeKind>> = {
  PurchaseSucceeded: 'succeeded',
  PurchaseFailed: 'failed',
  PurchaseSkipped: 'skipped',
  PlanRunMissed: 'missed',
};

/** One slot's outcome, from one event. */
export interface SlotOutcome {
  /** The event's id: a redelivery of the same event carries the same one. */
  readonly eventId: string;
  readonly kind: SlotOutcomeKind;
  /** The slot's scheduled time and when its outcome was published (ISO instants). */
  readonly scheduledFor: string;
  readonly finalAt: string;
  /** How long after its slot the outcome came, in seconds (never negative). */
  readonly afterSeconds: number;
}

/** An event that can never be counted: not an outcome of the catalog, or not as it describes. */
export class MalformedOutcomeError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`not a slot outcome: ${problems.join('; ')}`);
    this.name = 'MalformedOutcomeError';
    this.problems = problems;
  }
}

const isOutcomeEvent = (value: string): value is OutcomeEvent =>
  (OUTCOME_EVENTS as readonly string[]).includes(value);

/** An ISO instant's epoch milliseconds, or null for anything else. */
function instant(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The outcome an EventBridge event (as a rule delivers it to a queue: `id`, `source`,
 * `detail-type`, `time`, `detail`) announces. Throws {@link MalformedOutcomeError} for an event
 * that is not one of the four outcomes, whose detail does not match the catalog
 * (`detailProblems`), or whose time or slot is not an instant.
 */
export function slotOutcomeOf(event: unknown): SlotOutcome {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new MalformedOutcomeError(['the message is not an EventBridge event']);
  }
  const fields = event as Record<string, unknown>;
  const { id, source, time, detail } = fields;
  const detailType = fields['detail-type'];
  const problems: string[] = [];
  if (typeof id !== 'string' || id === '') problems.push('the event has no id');
  if (typeof detailType !== 'string' || !isOutcomeEvent(detailType)) {
    problems.push(`${String(detailType)} is not a slot outcome`);
    throw new MalformedOutcomeError(problems);
  }
  problems.push(...detailProblems(String(source), detailType, detail));
  const finalAt = instant(time);
  if (finalAt === null) problems.push(`the event's time ${String(time)} is not an instant`);
  const scheduledFor = (detail as { scheduledFor?: unknown } | null)?.scheduledFor;
  const slot = instant(scheduledFor);
  if (slot === null && typeof scheduledFor === 'string') {
    problems.push(`${detailType}.scheduledFor ${scheduledFor} is not an instant`);
  }
  if (problems.length > 0 || finalAt === null || slot === null) {
    throw new MalformedOutcomeError(problems);
  }
  return {
    eventId: id as string,
    kind: KINDS[detailType],
    scheduledFor: scheduledFor as string,
    finalAt: time as string,
    afterSeconds: Math.max(0, (finalAt - slot) / 1000),
  };
}

/** What the SLO's metrics count over a set of outcomes. */
export interface OutcomeCounts {
  /** Slots that reached a final status (succeeded, failed or skipped). */
  readonly final: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  /** Slots that never started: bad for the SLO, never final. */
  readonly missed: number;
  /** Final slots whose outcome came more than `withinSeconds` after their slot. */
  readonly late: number;
}

export const NO_OUTCOMES: OutcomeCounts = {
  final: 0,
  succeeded: 0,
  failed: 0,
  skipped: 0,
  missed: 0,
  late: 0,
};

/** `counts` with one more outcome; late when it came more than `withinSeconds` after its slot. */
export function countOutcome(
  counts: OutcomeCounts,
  outcome: SlotOutcome,
  withinSeconds: number,
): OutcomeCounts {
  if (outcome.kind === 'missed') return { ...counts, missed: counts.missed + 1 };
  return {
    ...counts,
    final: counts.final + 1,
    [outcome.kind]: counts[outcome.kind] + 1,
    late: counts.late + (outcome.afterSeconds > withinSeconds ? 1 : 0),
  };
}
