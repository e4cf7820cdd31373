/**
 * The audit bucket, locally: every event on the local bus is written as Firehose delivers it on
 * AWS (the bus's catch-all audit rule), one JSON object per event under
 * `events/YYYY/MM/DD/` by the event's time, in `<dataDir>/audit/` when the stack keeps data on disk
 * (in memory otherwise). `GET /_local/audit` answers every record, oldest first.
 *
 * Not modelled: Object Lock (files here can be edited; that is what the audit digests will
 * detect), Firehose's buffering into multi-record objects, and the Glacier transition.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { toEventEnvelope, type StoredEvent } from './eventbridge.ts';

export interface AuditRecord {
  /** The object key in the audit bucket, e.g. `events/2026/12/07/2026-12-07T08:00:03Z-<id>.json`. */
  readonly key: string;
  /** The event as EventBridge delivers it: who, what and when, with the ids in `detail`. */
  readonly event: ReturnType<typeof toEventEnvelope>;
}

export class LocalAuditTrail {
  readonly #dir: string | undefined;
  readonly #records: AuditRecord[] = [];

  /** `dir`: where the records are kept on disk; absent: in memory only. */
  constructor(dir?: string) {
    this.#dir = dir;
  }

  /** Writes the record of `event` (a redelivered event overwrites its own record). */
  record(event: StoredEvent): AuditRecord {
    const [date] = event.time.split('T');
    const [year, month, day] = (date ?? '').split('-');
    const record: AuditRecord = {
      key: `events/${year}/${month}/${day}/${event.time}-${event.id}.json`,
      event: toEventEnvelope(event),
    };
    if (this.#dir === undefined) {
      this.#records.push(record);
    } else {
      const file = join(this.#dir, ...record.key.split('/'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(record.event)}\n`);
    }
    return record;
  }

  /** Every record, oldest first (by key: the event's time, then its id). */
  records(): AuditRecord[] {
    if (this.#dir === undefined) {
      return [...this.#records].sort((a, b) => a.key.localeCompare(b.key));
    }
    const root = join(this.#dir, 'events');
    let files: string[];
    try {
      files = readdirSync(root, { recursive: true, encoding: 'utf8' });
    } catch {
      return [];
    }
    return files
      .filter((file) => file.endsWith('.json'))
      .map((file) => {
        const path = join(root, file);
        return {
          key: relative(this.#dir ?? '', path)
            .split(sep)
            .join('/'),
          event: JSON.parse(readFileSync(path, 'utf8')) as AuditRecord['event'],
        };
      })
      .sort((a, b) => a.key.localeCompare(b.key));
  }
}
