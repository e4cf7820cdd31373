/** What the console's panels share: the catalog, the alarms' states and the local clock's time. */
import type { ConsoleCatalog } from '#local/console.ts';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** One entry of `GET /_local/alarms` (other fields may come; the page reads these). */
export interface AlarmStatus {
  readonly name: string;
  readonly state: AlarmState;
  readonly reason: string;
  readonly since: string;
}

export interface ConsoleState {
  /** `GET /console/catalog`, once it answered. */
  catalog?: ConsoleCatalog;
  /** `GET /_local/alarms`'s entries at the last refresh; undefined while it has none. */
  alarms?: readonly AlarmStatus[];
  /** The local clock's time at the last refresh (ISO 8601). */
  now?: string;
}
