/**
 * AppSync Lambda data source for calendar questions the APPSYNC_JS runtime cannot answer (it has
 * no time-zone support): the next runs of a schedule, and where `nextRunAt` moves when a run is
 * skipped.
 */
import { nextSlot, upcomingSlots, type ScheduleSpec } from '#domain/calendar.ts';

export type CalendarEvent =
  | {
      readonly operation: 'preview';
      readonly schedule: ScheduleSpec;
      readonly count: number;
      readonly now: string;
    }
  | {
      readonly operation: 'nextRunAfterSkip';
      readonly schedule: ScheduleSpec;
      readonly now: string;
      readonly skip: readonly string[];
      readonly lastSlotAt?: string | null;
      readonly lastRunAt?: string | null;
    };

/** Thrown for a request the resolvers could not have sent. */
export class InvalidCalendarRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCalendarRequestError';
  }
}

export const handler = async (event: CalendarEvent): Promise<unknown> => {
  if (event?.operation === 'preview') {
    return upcomingSlots(event.schedule, event.now, Math.min(Math.max(event.count, 1), 20)).map(
      (slot) => slot.at,
    );
  }
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
    `unknown operation ${String((event as { operation?: unknown })?.operation)}`,
  );
};
