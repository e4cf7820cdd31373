/**
 * AppSync Lambda data source for the calendar question `skipNextRun` asks and the APPSYNC_JS
 * runtime cannot answer (it has no time-zone support): where `nextRunAt` moves when a run is
 * skipped. Previews have a function of their own (`schedule-preview`), so they never take this
 * function's capacity.
 */
import { nextSlot, type ScheduleSpec } from '#domain/calendar.ts';

export interface CalendarEvent {
  readonly operation: 'nextRunAfterSkip';
  readonly schedule: ScheduleSpec;
  readonly now: string;
  readonly skip: readonly string[];
  readonly lastSlotAt?: string | null;
  readonly lastRunAt?: string | null;
}

/** Thrown for a request the resolvers could not have sent. */
export class InvalidCalendarRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCalendarRequestError';
  }
}

export const handler = async (event: CalendarEvent): Promise<unknown> => {
  if (event?.operation === 'nextRunAfterSkip') {
    const next = nextSlot(event.schedule, {
      notBefore: event.now,
      skip: event.skip,
      ...(event.lastSlotAt ? { after: event.lastSlotAt } : {}),
      ...(event.lastRunAt ? { lastRunAt: event.lastRunAt } : {}),
    });
    return { nextRunAt: next?.at ?? null };
  }
  throw new InvalidCalendarRequestError(
    `unknown operation ${String((event as { operation?: unknown } | null)?.operation)}`,
  );
};
