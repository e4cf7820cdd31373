/**
 * The audit bucket, locally: every event on the local bus is written as Firehose delivers it on
 * AWS (the bus's catch-all audit rule), one JSON object per event under `events/YYYY/MM/DD/` by
 * the event's time, in `<dataDir>/audit/` when the stack keeps data on disk (in memory
 * otherwise). `GET /_local/audit` answers every record, oldest first.
 *
 * Each UTC day that has ended is sealed by the digest Lambda (`functions/audit-digest`), which
 * the local stack runs against this folder through the local S3 and KMS stand-ins: its digest
 * (`domain/audit-digest.ts`: keys, SHA-256, chained to the day before) goes to
 * `digests/YYYY-MM-DD.json` with an ECDSA P-256 signature (`.sig`, DER, as KMS `ECDSA_SHA_256`
 * signs) by a local key kept beside the folder. `npm run audit:verify` checks them.
 *
 * Not modelled: Object Lock (files here can be edited: that is what the digests detect),
 * Firehose's buffering into multi-record objects, and the Glacier transition.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import {
  dayPrefix,
  sealDays,
  sealedDays,
  signatureVerifies,
  storeSnapshot,
  type AuditSigner,
  type AuditStore,
  type TrailSnapshot,
} from '#domain/audit-digest.ts';
import { auditEntryOf, type AuditEntry } from '#domain/audit-entry.ts';
import { toEventEnvelope, type StoredEvent } from './eventbridge.ts';

export interface AuditRecord {
  /** The object key in the audit bucket, e.g. `events/2026/12/07/2026-12-07T08:00:03Z-<id>.json`. */
  readonly key: string;
  /** The event as EventBridge delivers it (and the bucket keeps it). */
  readonly event: ReturnType<typeof toEventEnvelope>;
  /** What the record says: who, what, when, old and new values, the ids (`domain/audit-entry.ts`). */
  readonly entry: AuditEntry;
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

  /** DER-encoded ECDSA P-256 over SHA-256 of `message`, as KMS `Sign` answers for `ECDSA_SHA_256`. */
  sign(message: string | Uint8Array): Buffer {
    return sign('sha256', Buffer.from(message), this.#privateKey);
  }

  /** The signer port of `domain/audit-digest.ts`. */
  readonly signer: AuditSigner = (message) => Promise.resolve(this.sign(message));
}

/** A bucket's objects, in a folder or in memory (the local S3 serves these too). */
export class LocalObjectStore {
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

  /** Writes `key` unless it exists; answers whether it wrote. */
  create(key: string, body: Uint8Array | string): boolean {
    if (this.get(key) !== undefined) return false;
    this.put(key, body);
    return true;
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

  /** The port `domain/audit-digest.ts` seals and verifies through. */
  port(): AuditStore {
    return {
      list: (prefix) => Promise.resolve(this.list(prefix)),
      first: (prefix) => Promise.resolve(this.list(prefix)[0]),
      get: (key) => Promise.resolve(this.get(key)),
      create: (key, body) => Promise.resolve(this.create(key, body)),
    };
  }
}

export class LocalAuditTrail {
  readonly #store: LocalObjectStore;

  /** `dir`: where the bucket's objects are kept on disk; absent: in memory only. */
  constructor(dir?: string) {
    this.#store = new LocalObjectStore(dir);
  }

  /** The bucket's objects (records, digests, reports), as the local S3 serves them. */
  get store(): LocalObjectStore {
    return this.#store;
  }

  /** Writes the record of `event` (a redelivered event overwrites its own record). */
  record(event: StoredEvent): AuditRecord {
    const envelope = toEventEnvelope(event);
    const record: AuditRecord = {
      key: `${dayPrefix(event.time.slice(0, 10))}${event.time}-${event.id}.json`,
      event: envelope,
      entry: auditEntryOf(envelope),
    };
    this.#store.put(record.key, `${JSON.stringify(record.event)}\n`);
    return record;
  }

  /** Every record, oldest first (by key: the event's time, then its id). */
  records(): AuditRecord[] {
    return this.#store.list('events/').map((key) => {
      const event = JSON.parse(
        Buffer.from(this.#store.get(key) ?? new Uint8Array()).toString('utf8'),
      ) as AuditRecord['event'];
      return { key, event, entry: auditEntryOf(event) };
    });
  }

  /** Days with a digest, ascending. */
  sealedDays(): Promise<string[]> {
    return sealedDays(this.#store.port());
  }

  /**
   * Seals every day up to `lastDay` (inclusive) that is not sealed yet, as the digest Lambda does
   * (`sealDays` in `domain/audit-digest.ts`). Answers the days sealed.
   */
  sealThrough(lastDay: string, signer: LocalAuditSigner): Promise<string[]> {
    return sealDays(this.#store.port(), signer.signer, lastDay, {
      maxDays: Number.MAX_SAFE_INTEGER,
    });
  }

  /** The trail as `verifyDays` reads it, signatures checked with `publicKey`. */
  snapshot(publicKey: KeyObject): TrailSnapshot {
    return storeSnapshot(this.#store.port(), (message, signature) =>
      signatureVerifies(publicKey, message, signature),
    );
  }
}
