/**
 * Audit digests: built over a day's objects, chained, and verified; every way the trail can be
 * tampered with is found and named.
 */
import { describe, expect, it } from 'vitest';
import {
  buildDigest,
  dayPrefix,
  digestKey,
  serializeDigest,
  sealDays,
  sha256Hex,
  signedMessage,
  signatureKey,
  verifyDays,
  type AuditStore,
  type TrailSnapshot,
} from '#domain/audit-digest.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const DAY1 = '2026-12-07';
const DAY2 = '2026-12-08';
const A = 'events/2026/12/07/2026-12-07T08:00:03Z-a.json';
const B = 'events/2026/12/07/2026-12-07T09:00:00Z-b.json';
const C = 'events/2026/12/08/2026-12-08T08:00:01Z-c.json';

/** A two-day trail, sealed, that tests then tamper with. */
function trail() {
  const objects = new Map<string, Uint8Array>([
    [A, bytes('{"id":"a"}\n')],
    [B, bytes('{"id":"b"}\n')],
    [C, bytes('{"id":"c"}\n')],
  ]);
  const digests = new Map<string, string>();
  const day1 = serializeDigest(
    buildDigest(
      DAY1,
      [B, A].map((key) => ({ key, body: objects.get(key) ?? bytes('') })),
      null,
    ),
  );
  digests.set(DAY1, day1);
  digests.set(
    DAY2,
    serializeDigest(
      buildDigest(DAY2, [{ key: C, body: objects.get(C) ?? bytes('') }], { day: DAY1, body: day1 }),
    ),
  );
  const signed = new Map([...digests].map(([day, body]) => [day, sha256Hex(`signed:${body}`)]));
  const snapshot: TrailSnapshot = {
    digest: (day) => digests.get(day),
    signatureValid: (day, body) => signed.get(day) === sha256Hex(`signed:${body}`),
    objectKeys: (day) => [...objects.keys()].filter((key) => key.startsWith(dayPrefix(day))),
    object: (key) => objects.get(key),
  };
  return { objects, digests, snapshot };
}

describe('buildDigest', () => {
  it('lists the day’s objects by key with their SHA-256 and size, chained to the day before', async () => {
    const previous = { day: '2026-12-06', body: '{"day":"2026-12-06"}\n' };
    expect(
      buildDigest(
        DAY1,
        [
          { key: B, body: bytes('bb') },
          { key: A, body: bytes('a') },
        ],
        previous,
      ),
    ).toEqual({
      version: 1,
      day: DAY1,
      previous: { key: 'digests/2026-12-06.json', sha256: sha256Hex(previous.body) },
      entries: [
        { key: A, sha256: sha256Hex('a'), bytes: 1 },
        { key: B, sha256: sha256Hex('bb'), bytes: 2 },
      ],
    });
  });

  it('refuses an object of another day', async () => {
    expect(() => buildDigest(DAY1, [{ key: C, body: bytes('c') }], null)).toThrow(
      `${C} is not an object of ${DAY1}`,
    );
  });

  it('serialises the same digest to the same bytes', async () => {
    const digest = buildDigest(DAY1, [{ key: A, body: bytes('a') }], null);
    expect(serializeDigest(digest)).toBe(serializeDigest({ ...digest }));
    expect(serializeDigest(digest).endsWith('}\n')).toBe(true);
  });
});

describe('verifyDays', () => {
  it('passes an untouched trail', async () => {
    expect(await verifyDays([DAY1, DAY2], trail().snapshot)).toBeNull();
  });

  it('names an edited object', async () => {
    const { objects, snapshot } = trail();
    objects.set(B, bytes('{"id":"b","amount":"1000000.00"}\n'));
    expect(await verifyDays([DAY1, DAY2], snapshot)).toMatchObject({
      kind: 'OBJECT_CHANGED',
      day: DAY1,
      key: B,
    });
  });

  it('names a deleted object', async () => {
    const { objects, snapshot } = trail();
    objects.delete(C);
    expect(await verifyDays([DAY1, DAY2], snapshot)).toMatchObject({
      kind: 'OBJECT_MISSING',
      key: C,
    });
  });

  it('names an object added after the day was sealed', async () => {
    const { objects, snapshot } = trail();
    const late = 'events/2026/12/07/2026-12-07T23:59:59Z-z.json';
    objects.set(late, bytes('{}'));
    expect(await verifyDays([DAY1], snapshot)).toMatchObject({
      kind: 'OBJECT_UNLISTED',
      key: late,
    });
  });

  it('finds a digest rewritten to match an edit (its signature no longer verifies)', async () => {
    const { objects, digests, snapshot } = trail();
    objects.set(A, bytes('{"id":"a","forged":true}\n'));
    digests.set(
      DAY1,
      serializeDigest(
        buildDigest(
          DAY1,
          [A, B].map((key) => ({ key, body: objects.get(key) ?? bytes('') })),
          null,
        ),
      ),
    );
    expect(await verifyDays([DAY1, DAY2], snapshot)).toMatchObject({
      kind: 'SIGNATURE_INVALID',
      key: digestKey(DAY1),
    });
  });

  it('finds a broken chain, and a missing digest', async () => {
    const { digests, snapshot } = trail();
    const unchained = serializeDigest(
      buildDigest(DAY2, [{ key: C, body: bytes('{"id":"c"}\n') }], null),
    );
    const resigned: TrailSnapshot = { ...snapshot, signatureValid: () => true };
    digests.set(DAY2, unchained);
    expect(await verifyDays([DAY1, DAY2], resigned)).toMatchObject({
      kind: 'CHAIN_BROKEN',
      key: digestKey(DAY2),
    });
    digests.delete(DAY1);
    expect(await verifyDays([DAY1, DAY2], snapshot)).toMatchObject({
      kind: 'DIGEST_MISSING',
      key: digestKey(DAY1),
    });
  });
});

/** A bucket in memory; `create` refuses keys that exist, as `If-None-Match: *` does. */
function memoryStore(initial: Record<string, string> = {}) {
  const objects = new Map<string, Uint8Array>(
    Object.entries(initial).map(([key, body]) => [key, bytes(body)]),
  );
  const store: AuditStore = {
    list: (prefix) =>
      Promise.resolve([...objects.keys()].filter((key) => key.startsWith(prefix)).sort()),
    first: async (prefix) => (await store.list(prefix))[0],
    get: (key) => Promise.resolve(objects.get(key)),
    create: (key, body) => {
      if (objects.has(key)) return Promise.resolve(false);
      objects.set(key, typeof body === 'string' ? bytes(body) : body);
      return Promise.resolve(true);
    },
  };
  return { objects, store };
}

const sign = (message: string) => Promise.resolve(bytes(`sig:${message}`));

describe('sealDays', () => {
  it('seals from the first day with records, without gaps, each day once', async () => {
    const { objects, store } = memoryStore({ [A]: 'a', [C]: 'c' });
    expect(await sealDays(store, sign, '2026-12-08')).toEqual([DAY1, DAY2]);
    expect(await sealDays(store, sign, '2026-12-09')).toEqual(['2026-12-09']);
    expect(await sealDays(store, sign, '2026-12-09')).toEqual([]);
    const day2 = new TextDecoder().decode(objects.get(digestKey(DAY2)));
    expect(JSON.parse(day2)).toMatchObject({ day: DAY2, entries: [{ key: C }] });
    expect(new TextDecoder().decode(objects.get(signatureKey(DAY2)))).toBe(
      `sig:${signedMessage(DAY2, day2)}`,
    );
    expect(signedMessage(DAY2, day2)).toBe(
      `savings-plan-buy audit digest v1\n${DAY2}\n${sha256Hex(day2)}\n`,
    );
  });

  it('reads a day of many objects at most readsAtOnce at a time, and digests them in key order', async () => {
    const keys = Array.from(
      { length: 40 },
      (_, index) => `events/2026/12/07/2026-12-07T08:00:${String(index).padStart(2, '0')}Z-x.json`,
    );
    const { objects, store } = memoryStore(Object.fromEntries(keys.map((key) => [key, key])));
    let reading = 0;
    let mostAtOnce = 0;
    const get = store.get;
    // Later keys answer sooner: the digest must still list them in key order.
    const slowStore: AuditStore = {
      ...store,
      get: async (key) => {
        reading += 1;
        mostAtOnce = Math.max(mostAtOnce, reading);
        await new Promise((resolve) => setTimeout(resolve, 40 - keys.indexOf(key)));
        reading -= 1;
        return get(key);
      },
    };
    expect(await sealDays(slowStore, sign, DAY1, { readsAtOnce: 8 })).toEqual([DAY1]);
    const digest = JSON.parse(new TextDecoder().decode(objects.get(digestKey(DAY1)))) as {
      entries: { key: string }[];
    };
    expect({ mostAtOnce, keys: digest.entries.map((entry) => entry.key) }).toEqual({
      mostAtOnce: 8,
      keys,
    });
  });

  it('stops at maxDays and continues on the next call', async () => {
    const { store } = memoryStore({ [A]: 'a' });
    expect(await sealDays(store, sign, '2026-12-12', { maxDays: 2 })).toEqual([DAY1, DAY2]);
    expect(await sealDays(store, sign, '2026-12-12', { maxDays: 2 })).toEqual([
      '2026-12-09',
      '2026-12-10',
    ]);
  });

  it('signs a digest a stopped sealer left unsigned, and seals nothing on an empty trail', async () => {
    const { objects, store } = memoryStore({ [A]: 'a' });
    await sealDays(store, sign, DAY1);
    objects.delete(signatureKey(DAY1));
    expect(await sealDays(store, sign, DAY2)).toEqual([DAY2]);
    expect(objects.has(signatureKey(DAY1))).toBe(true);
    expect(await sealDays(memoryStore().store, sign, DAY2)).toEqual([]);
  });

  it('stops when another sealer wrote the day first', async () => {
    const { store } = memoryStore({ [A]: 'a', [C]: 'c' });
    const racing: AuditStore = {
      ...store,
      create: async (key, body) => (key === digestKey(DAY2) ? false : store.create(key, body)),
    };
    expect(await sealDays(racing, sign, DAY2)).toEqual([DAY1]);
  });
});
