/**
 * Tamper evidence for the audit trail beyond WORM storage: each UTC day's audit objects are
 * listed in a digest (object key, SHA-256, size), chained to the previous day's digest by its
 * hash, and the digest is signed (on AWS with the asymmetric audit key, locally with a local key).
 * Verifying a range of days finds the first object that does not match, and says why.
 *
 * Pure: hashing is computation; reading the objects and checking signatures is the caller's.
 */
import { createHash } from 'node:crypto';

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

/** What verification reads: the trail as it is now. */
export interface TrailSnapshot {
  /** A day's digest body, or undefined when there is none. */
  digest(day: string): string | undefined;
  /** Whether the day's signature verifies over the digest body. */
  signatureValid(day: string, body: string): boolean;
  /** Every object key under the day's prefix. */
  objectKeys(day: string): readonly string[];
  /** An object's bytes, or undefined when absent. */
  object(key: string): Uint8Array | undefined;
}

/**
 * Checks `days` (ascending) and answers the first problem, or null when every object of every
 * day matches its signed digest and every digest chains to the one before it.
 */
export function verifyDays(days: readonly string[], trail: TrailSnapshot): VerifyProblem | null {
  let before: { day: string; body: string } | null = null;
  for (const day of days) {
    const problem = (kind: VerifyProblemKind, key: string, message: string): VerifyProblem => ({
      kind,
      day,
      key,
      message,
    });
    const body = trail.digest(day);
    if (body === undefined) {
      return problem('DIGEST_MISSING', digestKey(day), `no digest for ${day}`);
    }
    if (!trail.signatureValid(day, body)) {
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
      const object = trail.object(entry.key);
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
    const unlisted = [...trail.objectKeys(day)].sort().find((key) => !listed.has(key));
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
