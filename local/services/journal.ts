/**
 * The durable state of an emulated service: a keyed, append-only journal in one file of the data
 * folder. Each change is one JSON line (`{"k": key, "v": value}` to set, `{"k": key}` to delete)
 * written with a synchronous `write()` before the service answers, so a process that is killed
 * (Ctrl-C, `kill -9`) never loses a change it acknowledged: the bytes are in the operating
 * system's cache the moment `write()` returns. A power cut could still lose what the system had
 * not flushed; the journal does not `fsync` each line, which would cost a disk round trip per
 * SQS receive, and a lost machine is not what the local stack emulates.
 *
 * Opening a journal replays it (a last line cut short by a crash was never acknowledged and is
 * dropped) and compacts it: the live entries are written to a new file that atomically replaces
 * the old one. It compacts again whenever its lines reach twice the live entries (plus a margin),
 * so the file stays proportional to what the service holds, not to its history.
 *
 * Without a file (tests without a data folder) it keeps nothing and writes nothing.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** Lines beyond twice the live entries that the journal tolerates before it compacts. */
const COMPACTION_MARGIN = 1000;

export class Journal<V> {
  readonly #file: string | undefined;
  /** The live entries, serialised as they were last written (what compaction writes). */
  readonly #live = new Map<string, string>();
  #fd: number | undefined;
  #lines = 0;

  /** `file`: the journal's path (created with its folder); absent: nothing is kept. */
  constructor(file?: string) {
    this.#file = file;
    if (file === undefined) return;
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) this.#replay(readFileSync(file, 'utf8'));
    this.#compact();
  }

  /** Whether changes are kept on disk. */
  get durable(): boolean {
    return this.#file !== undefined;
  }

  /** The entries replayed from disk, in the order they were first set (a copy). */
  entries(): [string, V][] {
    return [...this.#live].map(([key, text]) => [key, JSON.parse(text) as V]);
  }

  /** Sets `key` to `value` (a JSON-serialisable value), on disk before it returns. */
  put(key: string, value: V): void {
    if (this.#file === undefined) return;
    const text = JSON.stringify(value);
    this.#live.set(key, text);
    this.#append(`{"k":${JSON.stringify(key)},"v":${text}}\n`);
  }

  /** Deletes `key`, on disk before it returns; a key never set is not written. */
  delete(key: string): void {
    if (this.#file === undefined || !this.#live.delete(key)) return;
    this.#append(`{"k":${JSON.stringify(key)}}\n`);
  }

  /** Closes the file; later changes are not kept. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #replay(text: string): void {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let change: { k: string; v?: unknown };
      try {
        change = JSON.parse(line) as { k: string; v?: unknown };
      } catch {
        // Only the last write can be cut short by a crash, and it was never acknowledged.
        continue;
      }
      if (change.v === undefined) this.#live.delete(change.k);
      else {
        // A key set again keeps its place, as a Map does; deleted and set again goes last.
        this.#live.set(change.k, JSON.stringify(change.v));
      }
    }
  }

  #append(line: string): void {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, line);
    this.#lines += 1;
    if (this.#lines >= 2 * this.#live.size + COMPACTION_MARGIN) this.#compact();
  }

  /** Writes the live entries to a new file and renames it over the journal (atomic on POSIX). */
  #compact(): void {
    const file = this.#file as string;
    this.close();
    const next = `${file}.next`;
    const fd = openSync(next, 'w');
    let text = '';
    for (const [key, value] of this.#live) {
      text += `{"k":${JSON.stringify(key)},"v":${value}}\n`;
      if (text.length > 1 << 20) {
        writeSync(fd, text);
        text = '';
      }
    }
    if (text !== '') writeSync(fd, text);
    closeSync(fd);
    renameSync(next, file);
    this.#fd = openSync(file, 'a');
    this.#lines = this.#live.size;
  }
}
