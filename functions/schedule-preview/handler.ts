/**
 * AppSync Lambda data source of `previewSchedule`: the next runs of a schedule, which the
 * APPSYNC_JS runtime cannot compute (it has no time zones). A function of its own, with its own
 * reserved concurrency, so that any number of previews never takes the calendar function's
 * capacity, which `skipNextRun` needs.
 */
import { upcomingSlots, type ScheduleSpec } from '#domain/calendar.ts';

/** What `Query.previewSchedule` sends (its request handler validated the schedule and count). */
export interface PreviewEvent {
  readonly operation: 'preview';
  readonly schedule: ScheduleSpec;
  readonly count: number;
  readonly now: string;
}

/** Most runs one preview lists, as the resolver allows. */
const MAX_COUNT = 20;

/** Thrown for a request the resolver could not have sent. */
export class InvalidPreviewRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidPreviewRequestError';
  }
}

export const handler = async (event: PreviewEvent): Promise<string[]> => {
  if (event?.operation !== 'preview') {
    throw new InvalidPreviewRequestError(
      `unknown operation ${String((event as { operation?: unknown } | null)?.operation)}`,
    );
  }
  return upcomingSlots(
    event.schedule,
    event.now,
    Math.min(Math.max(event.count, 1), MAX_COUNT),
  ).map((slot) => slot.at);
};
