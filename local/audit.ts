/**
 * The audit bucket, locally: every event on the local bus is written as Firehose delivers it on
 * AWS (the bus's catch-all audit rule), one JSON object per event under `events/YYYY/MM/DD/` by
 * the event's time, in `<dataDir>/audit/` when the stack keeps data on disk (in memory
 * otherwise). `GET /_local/audit` answers every record, oldest first.
 *
 * Each UTC day that has ended is sealed: its digest (`domain/audit-digest.ts`: keys, SHA-256,
 * chained to the day before) goes to `digests/YYYY-MM-DD.json` with an ECDSA P-256 signature
 * (`.sig`, DER, as KMS `ECDSA_SHA_256` signs) by a local key kept beside the folder.
 * `npm run audit:verify` checks them.
 *
 * Not modelled: Object Lock (files here can be edited: that is what the digests detect),
 * Firehose's buffering into multi-record objects, and the Glacier transition.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import {
  buildDigest,
  dayPrefix,
  digestKey,
  serializeDigest,
  signatureKey,
  type TrailSnapshot,
} from '#domain/audit-digest.ts';
import { toEventEnvelope, type StoredEvent } from './eventbridge.ts';

export interface AuditRecord {
  /** The object key in the audit bucket, e.g. `events/2026/12/07/2026-12-07T08:00:03Z-<id>.json`. */
  readonly key: string;
  /** The event as EventBridge delivers it: who, what and when, with the ids in `detail`. */
  readonly event: ReturnType<typeof toEventEnvelope>;
}

/** The digests' signing key: ECDSA P-256, like the stack's asymmetric KMS key. */
export class LocalAuditSigner {
  readonly #privateKey: KeyObject;
  readonly publicKey: KeyObject;

  /** `file`: a PEM private key, created on first use; absent: a key for this process only. */
  constructor(file?: string) {
    if (file !== undefined && existsSync(file)) {
      this.#privateKey = createPrivateKey(readFileSync(file, 'utf8'));
    } else {
      this.#privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      if (file !== undefined) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, this.#privateKey.export({ type: 'pkcs8', format: 'pem' }), {
          mode: 0o600,
        });
      }
    }
    this.publicKey = createPublicKey(this.#privateKey);
  }

  sign(body: string): Buffer {
    return sign('sha256', Buffer.from(body), this.#privateKey);
  }
}

/** Whether `signature` (DER) is `publicKey`'s ECDSA P-256 signature over `body`. */
export function signatureVerifies(publicKey: KeyObject, body: string, signature: Uint8Array) {
  try {
    return verify('sha256', Buffer.from(body), publicKey, signature);
  } catch {
    return false;
  }
}

/** A bucket's objects, in a folder or in memory. */
class ObjectStore {
  readonly #dir: string | undefined;
  readonly #memory = new Map<string, Uint8Array>();

  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  put(key: string, body: Uint8Array | string): void {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (this.#dir === undefined) {
      this.#memory.set(key, bytes);
      return;
    }
    const file = join(this.#dir, ...key.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }

  get(key: string): Uint8Array | undefined {
    if (this.#dir === undefined) return this.#memory.get(key);
    const file = join(this.#dir, ...key.split('/'));
    return existsSync(file) ? readFileSync(file) : undefined;
  }

  /** Every key under `prefix` (a folder path ending in `/`), sorted. */
  list(prefix: string): string[] {
    if (this.#dir === undefined) {
      return [...this.#memory.keys()].filter((key) => key.startsWith(prefix)).sort();
    }
    const dir = this.#dir;
    const root = join(dir, ...prefix.split('/').filter((part) => part !== ''));
    if (!existsSync(root)) return [];
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .sort();
  }
}

const DAY_MS = 86_400_000;
const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

export class LocalAuditTrail {
  readonly #store: ObjectStore;

  /** `dir`: where the bucket's objects are kept on disk; absent: in memory only. */
  constructor(dir?: string) {
    this.#store = new ObjectStore(dir);
  }

  /** Writes the record of `event` (a redelivered event overwrites its own record). */
  record(event: StoredEvent): AuditRecord {
    const record: AuditRecord = {
      key: `${dayPrefix(event.time.slice(0, 10))}${event.time}-${event.id}.json`,
      event: toEventEnvelope(event),
    };
    this.#store.put(record.key, `${JSON.stringify(record.event)}\n`);
    return record;
  }

  /** Every record, oldest first (by key: the event's time, then its id). */
  records(): AuditRecord[] {
    return this.#store.list('events/').map((key) => ({
      key,
      event: JSON.parse(
        Buffer.from(this.#store.get(key) ?? new Uint8Array()).toString('utf8'),
      ) as AuditRecord['event'],
    }));
  }

  /** Days with a digest, ascending. */
  sealedDays(): string[] {
    return this.#store
      .list('digests/')
      .filter((key) => key.endsWith('.json'))
      .map((key) => key.slice('digests/'.length, -'.json'.length));
  }

  /** The first day with records, or null. */
  #firstDay(): string | null {
    const first = this.#store.list('events/')[0];
    if (first === undefined) return null;
    const [, year, month, day] = first.split('/');
    return `${year}-${month}-${day}`;
  }

  /**
   * Seals every day up to `lastDay` (inclusive) that is not sealed yet, from the first day with
   * records on, each chained to the one before (days without records get an empty digest, so the
   * chain has no gaps). Answers the days sealed.
   */
  sealThrough(lastDay: string, signer: LocalAuditSigner): string[] {
    const sealed = this.sealedDays();
    const start = sealed.at(-1) ?? this.#firstDay();
    if (start === null) return [];
    const done: string[] = [];
    let previous = sealed.at(-1) ?? null;
    let day = sealed.length === 0 ? start : dayOf(Date.parse(start) + DAY_MS);
    while (day <= lastDay) {
      const body = serializeDigest(
        buildDigest(
          day,
          this.#store
            .list(dayPrefix(day))
            .map((key) => ({ key, body: this.#store.get(key) ?? new Uint8Array() })),
          previous === null
            ? null
            : {
                day: previous,
                body: Buffer.from(
                  this.#store.get(digestKey(previous)) ?? new Uint8Array(),
                ).toString('utf8'),
              },
        ),
      );
      this.#store.put(digestKey(day), body);
      this.#store.put(signatureKey(day), signer.sign(body));
      done.push(day);
      previous = day;
      day = dayOf(Date.parse(day) + DAY_MS);
    }
    return done;
  }

  /** The trail as `verifyDays` reads it, signatures checked with `publicKey`. */
  snapshot(publicKey: KeyObject): TrailSnapshot {
    return {
      digest: (day) => {
        const body = this.#store.get(digestKey(day));
        return body === undefined ? undefined : Buffer.from(body).toString('utf8');
      },
      signatureValid: (day, body) => {
        const signature = this.#store.get(signatureKey(day));
        return signature !== undefined && signatureVerifies(publicKey, body, signature);
      },
      objectKeys: (day) => this.#store.list(dayPrefix(day)),
      object: (key) => this.#store.get(key),
    };
  }
}
