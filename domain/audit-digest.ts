/**
 * Tamper evidence for the audit trail beyond WORM storage: each UTC day's audit objects are
 * listed in a digest (object key, SHA-256, size), chained to the previous day's digest by its
 * hash, and the digest is signed (on AWS with the asymmetric audit key, locally with a local key).
 * Verifying a range of days finds the first object that does not match, and says why.
 *
 * The rules live here once; the storage (the S3 bucket on AWS, a folder locally) and the signer
 * (the KMS key, a local key) are ports, so the digest Lambda, the local stack and
 * `npm run audit:verify` share them.
 *
 * What is signed is not the digest itself but a short statement naming the day and the digest's
 * SHA-256 ({@link signedMessage}): KMS signs at most 4 KiB as a raw message, a busy day's digest is
 * larger, and a statement over the hash binds the digest as firmly.
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import { mapBounded } from '#shared/bounded.ts';

export interface DigestEntry {
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface AuditDigest {
  readonly version: 1;
  /** The UTC day whose objects (`events/YYYY/MM/DD/...`) are listed. */
  readonly day: string;
  /** The previous day's digest and its hash; null for the first digest of the trail. */
  readonly previous: { readonly key: string; readonly sha256: string } | null;
  /** Sorted by key. */
  readonly entries: readonly DigestEntry[];
}

/** Where a day's digest and its signature live in the audit bucket. */
export const digestKey = (day: string) => `digests/${day}.json`;
export const signatureKey = (day: string) => `digests/${day}.sig`;

/** The key prefix of a day's event objects. */
export function dayPrefix(day: string): string {
  const [year, month, date] = day.split('-');
  return `events/${year}/${month}/${date}/`;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The digest of `day` over its objects, chained to the previous day's digest body. */
export function buildDigest(
  day: string,
  objects: readonly { readonly key: string; readonly body: Uint8Array }[],
  previous: { readonly day: string; readonly body: string } | null,
): AuditDigest {
  const prefix = dayPrefix(day);
  const foreign = objects.find((object) => !object.key.startsWith(prefix));
  if (foreign !== undefined) {
    throw new RangeError(`${foreign.key} is not an object of ${day}`);
  }
  return {
    version: 1,
    day,
    previous:
      previous === null ? null : { key: digestKey(previous.day), sha256: sha256Hex(previous.body) },
    entries: [...objects]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((object) => ({
        key: object.key,
        sha256: sha256Hex(object.body),
        bytes: object.body.byteLength,
      })),
  };
}

/** Whether `signature` (DER) is `publicKey`'s ECDSA P-256 signature over SHA-256 of `message`. */
export function signatureVerifies(
  publicKey: KeyObject,
  message: string | Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return verify('sha256', Buffer.from(message), publicKey, signature);
  } catch {
    return false;
  }
}

/** The message the audit key signs for a day's digest: the day and the digest body's SHA-256. */
export function signedMessage(day: string, body: string): string {
  return `savings-plan-buy audit digest v1\n${day}\n${sha256Hex(body)}\n`;
}

/** The digest as stored and signed: JSON with a fixed field order and a final newline. */
export function serializeDigest(digest: AuditDigest): string {
  return `${JSON.stringify({
    version: digest.version,
    day: digest.day,
    previous: digest.previous,
    entries: digest.entries.map((entry) => ({
      key: entry.key,
      sha256: entry.sha256,
      bytes: entry.bytes,
    })),
  })}\n`;
}

export type VerifyProblemKind =
  | 'DIGEST_MISSING'
  | 'SIGNATURE_INVALID'
  | 'DIGEST_UNREADABLE'
  | 'CHAIN_BROKEN'
  | 'OBJECT_MISSING'
  | 'OBJECT_CHANGED'
  | 'OBJECT_UNLISTED';

export interface VerifyProblem {
  readonly kind: VerifyProblemKind;
  readonly day: string;
  /** The object (or digest) that does not match. */
  readonly key: string;
  readonly message: string;
}

type Awaitable<T> = T | Promise<T>;

/** What verification reads: the trail as it is now. */
export interface TrailSnapshot {
  /** A day's digest body, or undefined when there is none. */
  digest(day: string): Awaitable<string | undefined>;
  /** Whether the day's signature verifies over the digest body. */
  signatureValid(day: string, body: string): Awaitable<boolean>;
  /** Every object key under the day's prefix. */
  objectKeys(day: string): Awaitable<readonly string[]>;
  /** An object's bytes, or undefined when absent. */
  object(key: string): Awaitable<Uint8Array | undefined>;
}

/** The audit bucket as sealing and verification use it. */
export interface AuditStore {
  /** Every key under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** The first key under `prefix`, or undefined (one request on S3). */
  first(prefix: string): Promise<string | undefined>;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Writes a new object; refuses to replace one (answers false when `key` exists). */
  create(key: string, body: Uint8Array | string): Promise<boolean>;
}

/** Signs a message with the audit key: DER-encoded ECDSA P-256 with SHA-256 (KMS ECDSA_SHA_256). */
export type AuditSigner = (message: string) => Promise<Uint8Array>;

const DAY_MS = 86_400_000;
const nextDay = (day: string) => new Date(Date.parse(day) + DAY_MS).toISOString().slice(0, 10);

/** The UTC day of an object key under `events/YYYY/MM/DD/`, or undefined. */
export function dayOfKey(key: string): string | undefined {
  const match = /^events\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key);
  return match === null ? undefined : `${match[1]}-${match[2]}-${match[3]}`;
}

/** Days with a digest, ascending. */
export async function sealedDays(store: AuditStore): Promise<string[]> {
  return (await store.list('digests/'))
    .filter((key) => key.endsWith('.json'))
    .map((key) => key.slice('digests/'.length, -'.json'.length));
}

export interface SealOptions {
  /** At most this many days in one call; the rest the next call seals. Default 31. */
  readonly maxDays?: number;
  /** Objects read at once while a day is hashed. Default {@link SEAL_READS_AT_ONCE}. */
  readonly readsAtOnce?: number;
}

/**
 * How many of a day's objects the sealer reads at once. One at a time, a day costs one round trip
 * per object inside the digest's 300-second limit; Firehose's buffering keeps AWS's days to few
 * objects, but the local bucket keeps one per event (10,000 for the 10,000-plan benchmark's day).
 */
export const SEAL_READS_AT_ONCE = 16;

/**
 * Seals every day up to `lastDay` (inclusive) that is not sealed yet, from the first day with
 * records on, each chained to the one before (a day without records gets an empty digest, so the
 * chain has no gaps). Digests are written once: a digest that exists already is never replaced,
 * so a second sealer racing this one stops instead; a digest left unsigned by a sealer that
 * stopped half-way is signed by the next. Answers the days sealed.
 */
export async function sealDays(
  store: AuditStore,
  sign: AuditSigner,
  lastDay: string,
  options: SealOptions = {},
): Promise<string[]> {
  const maxDays = options.maxDays ?? 31;
  // Listed, not read: without an object S3 answers 403 to a role that may not list the bucket
  // unconditionally, not 404.
  const digestKeys = await store.list('digests/');
  const sealed = digestKeys
    .filter((key) => key.endsWith('.json'))
    .map((key) => key.slice('digests/'.length, -'.json'.length));
  let previous = sealed.at(-1) ?? null;
  let day: string;
  if (previous !== null) {
    day = nextDay(previous);
  } else {
    const first = dayOfKey((await store.first('events/')) ?? '');
    if (first === undefined) return [];
    day = first;
  }
  const done: string[] = [];
  let previousBody =
    previous === null ? null : Buffer.from((await store.get(digestKey(previous))) ?? []).toString();
  // A sealer stopped between the digest and its signature: sign that digest now.
  if (previous !== null && previousBody !== null && !digestKeys.includes(signatureKey(previous))) {
    await store.create(signatureKey(previous), await sign(signedMessage(previous, previousBody)));
  }
  while (day <= lastDay && done.length < maxDays) {
    const keys = await store.list(dayPrefix(day));
    const objects = await mapBounded(
      keys,
      options.readsAtOnce ?? SEAL_READS_AT_ONCE,
      async (key) => ({ key, body: (await store.get(key)) ?? new Uint8Array() }),
    );
    const body = serializeDigest(
      buildDigest(
        day,
        objects,
        previous === null || previousBody === null ? null : { day: previous, body: previousBody },
      ),
    );
    // Written once: when the digest exists already, another sealer got there first.
    if (!(await store.create(digestKey(day), body))) break;
    await store.create(signatureKey(day), await sign(signedMessage(day, body)));
    done.push(day);
    previous = day;
    previousBody = body;
    day = nextDay(day);
  }
  return done;
}

/** The trail in `store` as `verifyDays` reads it; `verifies` checks a signature over a message. */
export function storeSnapshot(
  store: AuditStore,
  verifies: (message: string, signature: Uint8Array) => boolean,
): TrailSnapshot {
  return {
    digest: async (day) => {
      const body = await store.get(digestKey(day));
      return body === undefined ? undefined : Buffer.from(body).toString('utf8');
    },
    signatureValid: async (day, body) => {
      const signature = await store.get(signatureKey(day));
      return signature !== undefined && verifies(signedMessage(day, body), signature);
    },
    objectKeys: (day) => store.list(dayPrefix(day)),
    object: (key) => store.get(key),
  };
}

/**
 * Checks `days` (ascending) and answers the first problem, or null when every object of every
 * day matches its signed digest and every digest chains to the one before it.
 */
export async function verifyDays(
  days: readonly string[],
  trail: TrailSnapshot,
): Promise<VerifyProblem | null> {
  let before: { day: string; body: string } | null = null;
  for (const day of days) {
    const problem = (kind: VerifyProblemKind, key: string, message: string): VerifyProblem => ({
      kind,
      day,
      key,
      message,
    });
    const body = await trail.digest(day);
    if (body === undefined) {
      return problem('DIGEST_MISSING', digestKey(day), `no digest for ${day}`);
    }
    if (!(await trail.signatureValid(day, body))) {
      return problem(
        'SIGNATURE_INVALID',
        digestKey(day),
        `the signature of ${digestKey(day)} does not verify: the digest was changed or not signed by the audit key`,
      );
    }
    let digest: AuditDigest;
    try {
      digest = JSON.parse(body) as AuditDigest;
    } catch {
      return problem('DIGEST_UNREADABLE', digestKey(day), `${digestKey(day)} is not JSON`);
    }
    if (before !== null) {
      const expected = { key: digestKey(before.day), sha256: sha256Hex(before.body) };
      if (
        digest.previous === null ||
        digest.previous.key !== expected.key ||
        digest.previous.sha256 !== expected.sha256
      ) {
        return problem(
          'CHAIN_BROKEN',
          digestKey(day),
          `${digestKey(day)} does not chain to ${expected.key} (sha256 ${expected.sha256})`,
        );
      }
    }
    const listed = new Set<string>();
    for (const entry of digest.entries) {
      listed.add(entry.key);
      const object = await trail.object(entry.key);
      if (object === undefined) {
        return problem('OBJECT_MISSING', entry.key, `${entry.key} is listed but missing`);
      }
      const actual = sha256Hex(object);
      if (actual !== entry.sha256 || object.byteLength !== entry.bytes) {
        return problem(
          'OBJECT_CHANGED',
          entry.key,
          `${entry.key} does not match its digest (sha256 ${actual}, expected ${entry.sha256})`,
        );
      }
    }
    const unlisted = [...(await trail.objectKeys(day))].sort().find((key) => !listed.has(key));
    if (unlisted !== undefined) {
      return problem(
        'OBJECT_UNLISTED',
        unlisted,
        `${unlisted} is not listed in ${digestKey(day)}: added after the day was sealed`,
      );
    }
    before = { day, body };
  }
  return null;
}
