/**
 * What an audit record says, in one shape for every event: who, what, when, the old and new
 * values, and the ids that tie a purchase together. The audit bucket keeps each event exactly as
 * EventBridge delivered it (the bytes the digests hash; no transform sits between the bus and the
 * bucket that could drop or alter evidence); this is how the report, `GET /_local/audit` and
 * anyone reading the bucket interpret a record.
 *
 * Who: plan changes are the plan owner's own (only the owner can change a plan, through the API),
 * except ENDED, which the system records after a plan's last run; every other event is the system
 * acting on a plan (the component is the event's source), on behalf of the user in `userId`.
 */
import { BUS_EVENTS, EVENT_SOURCE } from '#shared/bus-events.ts';

/** An event as EventBridge delivers it to targets (and Firehose writes it, one per line). */
export interface EventEnvelope {
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly time: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditEntry {
  readonly eventId: string;
  /** When the event was published (ISO, UTC). */
  readonly when: string;
  /** The detail-type: PlanChanged, PurchaseSucceeded, PurchaseFailed, ... */
  readonly what: string;
  /** For PlanChanged: CREATED, UPDATED, PAUSED, RESUMED, SKIPPED, DELETED or ENDED; else null. */
  readonly change: string | null;
  readonly who: { readonly kind: 'user' | 'system'; readonly id: string };
  readonly userId: string | null;
  readonly planId: string | null;
  /** The slot (scheduled time, ISO) the event is about. */
  readonly scheduledFor: string | null;
  readonly clientOrderId: string | null;
  readonly exchangeOrderId: string | null;
  readonly executionArn: string | null;
  /** The values before and after a change (plan changes); null otherwise. */
  readonly old: unknown;
  readonly new: unknown;
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/** The entry of one event envelope. */
export function auditEntryOf(event: EventEnvelope): AuditEntry {
  const detail = event.detail ?? {};
  const userId = text(detail.userId);
  const byUser =
    event.source === EVENT_SOURCE.plans && userId !== null && detail.change !== 'ENDED';
  return {
    eventId: event.id,
    when: event.time,
    what: event['detail-type'],
    change: event['detail-type'] === BUS_EVENTS.PlanChanged.detailType ? text(detail.change) : null,
    who: byUser ? { kind: 'user', id: userId } : { kind: 'system', id: event.source },
    userId,
    planId: text(detail.planId),
    scheduledFor: text(detail.scheduledFor),
    clientOrderId: text(detail.clientOrderId),
    exchangeOrderId: text(detail.exchangeOrderId),
    executionArn: text(detail.executionArn),
    old: detail.old ?? null,
    new: detail.new ?? null,
  };
}

/**
 * The events in an audit object: one JSON event per line (Firehose's objects hold many; the local
 * stack writes one per object). Blank lines are skipped; a line that is not an event throws,
 * naming the object and line.
 */
export function eventsOfObject(key: string, text: string): EventEnvelope[] {
  const events: EventEnvelope[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new SyntaxError(`${key} line ${index + 1} is not JSON`);
    }
    const event = parsed as Partial<EventEnvelope>;
    if (
      typeof event.id !== 'string' ||
      typeof event.time !== 'string' ||
      typeof event.source !== 'string' ||
      typeof event['detail-type'] !== 'string'
    ) {
      throw new SyntaxError(`${key} line ${index + 1} is not an EventBridge event`);
    }
    events.push({ ...event, detail: event.detail ?? {} } as EventEnvelope);
  });
  return events;
}
