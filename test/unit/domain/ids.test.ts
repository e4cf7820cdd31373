/**
 * Ids derived from a plan and a slot. The UUIDv5 vectors come from RFC 9562 (Appendix A.4) and,
 * for the rest, from Python's independent `uuid.uuid5`; the client order ids are pinned because an
 * order already placed must be found again under the same id after any deployment.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientOrderIdFor, executionIdFor, uuidV5 } from '#domain/ids.ts';

const DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
const OID = '6ba7b812-9dad-11d1-80b4-00c04fd430c8';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const PLAN = '01JPLAN0000000000000000001';
const OTHER_PLAN = '01JPLAN0000000000000000002';
const SLOT = '2026-11-24T08:00:00Z';
const NEXT_SLOT = '2026-12-01T08:00:00Z';

/** A random UUID-shaped namespace, lower-case hex. */
const namespace = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((bytes) => Buffer.from(bytes).toString('hex'))
  .map((hex) =>
    [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join(
      '-',
    ),
  );

describe('uuidV5', () => {
  it('gives the RFC 9562 test vector for www.example.com in the DNS namespace', () => {
    expect(uuidV5(DNS, 'www.example.com')).toEqual('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  const vectors: [string, string, string, string][] = [
    [
      'the URL namespace',
      URL_NAMESPACE,
      'http://www.example.com/',
      'fcde3c85-2270-590f-9e7c-ee003d65e0e2',
    ],
    ['the DNS namespace', DNS, 'python.org', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
    ['an empty name', DNS, '', '4ebd0208-8328-5d69-8c44-ec50939c0967'],
    ['the OID namespace', OID, '1.3.6.1', '1447fa61-5277-5fef-a9b3-fbc6e44f4af3'],
    ['a name hashed as UTF-8', DNS, 'bücher.example', '849d4d8f-6c8e-59fa-9721-89ccba396bf9'],
  ];

  it.each(vectors)('agrees with an independent implementation for %s', (_case, ns, name, id) => {
    expect(uuidV5(ns, name)).toEqual(id);
  });

  it('reads an upper-case namespace like a lower-case one', () => {
    expect(uuidV5(DNS.toUpperCase(), 'www.example.com')).toEqual(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('always answers a lower-case UUID with version 5 and the RFC 9562 variant', () => {
    fc.assert(
      fc.property(namespace, fc.string({ unit: 'grapheme', maxLength: 64 }), (ns, name) => {
        const id = uuidV5(ns, name);
        const bytes = Buffer.from(id.replaceAll('-', ''), 'hex');
        expect({
          shape: UUID_V5.test(id),
          version: (bytes[6] ?? 0) >> 4,
          variant: (bytes[8] ?? 0) >> 6,
        }).toEqual({ shape: true, version: 5, variant: 0b10 });
      }),
    );
  });

  it('answers the same id for the same namespace and name', () => {
    fc.assert(
      fc.property(namespace, fc.string({ maxLength: 64 }), (ns, name) => {
        expect(uuidV5(ns, name)).toEqual(uuidV5(ns, name));
      }),
    );
  });
});

describe('clientOrderIdFor', () => {
  const pinned: [string, string, string][] = [
    [PLAN, SLOT, 'ef3fbece-4c77-5094-95a4-b6e24ee19c49'],
    [PLAN, NEXT_SLOT, '69bdc2cf-5cae-574e-87f1-53851aa4fb59'],
    [OTHER_PLAN, SLOT, '4e03d689-86f5-53cd-a73a-057421940259'],
  ];

  it.each(pinned)('keeps the client order id of plan %s at %s forever: %s', (plan, slot, id) => {
    expect(clientOrderIdFor(plan, slot)).toEqual(id);
  });

  it('answers the same id for the same plan and slot, however often it is asked', () => {
    expect([1, 2, 3].map(() => clientOrderIdFor(PLAN, SLOT))).toEqual([
      'ef3fbece-4c77-5094-95a4-b6e24ee19c49',
      'ef3fbece-4c77-5094-95a4-b6e24ee19c49',
      'ef3fbece-4c77-5094-95a4-b6e24ee19c49',
    ]);
  });

  it('gives every slot of a plan its own id', () => {
    const slots = Array.from({ length: 200 }, (_, day) =>
      new Date(Date.UTC(2026, 10, 24 + day, 8)).toISOString().replace('.000Z', 'Z'),
    );
    const ids = new Set(slots.map((slot) => clientOrderIdFor(PLAN, slot)));
    expect(ids.size).toEqual(200);
  });

  it('gives the same slot of different plans different ids', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (plan, other) => {
        fc.pre(plan !== other);
        expect(clientOrderIdFor(plan, SLOT) === clientOrderIdFor(other, SLOT)).toEqual(false);
      }),
    );
  });

  it('is a version 5 UUID', () => {
    expect(UUID_V5.test(clientOrderIdFor(PLAN, SLOT))).toEqual(true);
  });
});

describe('executionIdFor', () => {
  it('joins the plan id and the slot with an underscore', () => {
    expect(executionIdFor(PLAN, SLOT)).toEqual('01JPLAN0000000000000000001_2026-11-24T08:00:00Z');
  });

  it('gives different slots of a plan different ids', () => {
    expect(executionIdFor(PLAN, NEXT_SLOT)).toEqual(
      '01JPLAN0000000000000000001_2026-12-01T08:00:00Z',
    );
  });
});
