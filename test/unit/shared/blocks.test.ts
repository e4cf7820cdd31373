import { describe, expect, it } from 'vitest';
import {
  BLOCK_MEMBER_SHARDS,
  InvalidBlockIdError,
  blockClientOrderId,
  blockIdOf,
  blockKey,
  blockMemberKey,
  blockMemberKeys,
  blockPartKey,
  joinWindowStart,
  parseBlockId,
  sealAt,
  windowStartOf,
} from '#shared/blocks.ts';
import { clientOrderIdFor } from '#domain/ids.ts';

const at = (iso: string) => Date.parse(iso);

describe('windows', () => {
  it('puts an instant in the window that contains it', () => {
    expect(windowStartOf(at('2027-03-02T08:00:59.999Z'), 60)).toBe(at('2027-03-02T08:00:00Z'));
    expect(windowStartOf(at('2027-03-02T08:01:00.000Z'), 60)).toBe(at('2027-03-02T08:01:00Z'));
    expect(windowStartOf(at('2027-03-02T08:04:59Z'), 300)).toBe(at('2027-03-02T08:00:00Z'));
  });

  it('sends a join in the last two seconds of a window to the next one', () => {
    expect(joinWindowStart(at('2027-03-02T08:00:57.999Z'), 60)).toBe(at('2027-03-02T08:00:00Z'));
    expect(joinWindowStart(at('2027-03-02T08:00:58.000Z'), 60)).toBe(at('2027-03-02T08:01:00Z'));
  });

  it('seals a window five seconds after it ends', () => {
    expect(new Date(sealAt(at('2027-03-02T08:00:00Z'), 60)).toISOString()).toBe(
      '2027-03-02T08:01:05.000Z',
    );
  });
});

describe('block ids and keys', () => {
  const blockId = blockIdOf('EUR', at('2027-03-02T08:00:00Z'));

  it('names the market and the window', () => {
    expect(blockId).toBe('EUR#2027-03-02T08:00:00.000Z');
    expect(parseBlockId(blockId)).toEqual({
      currency: 'EUR',
      windowStart: '2027-03-02T08:00:00.000Z',
    });
  });

  it.each(['EUR', 'EUR#2027-03-02', 'eur#2027-03-02T08:00:00.000Z', '#2027-03-02T08:00:00.000Z'])(
    'refuses %j as a block id',
    (text) => {
      expect(() => parseBlockId(text)).toThrow(InvalidBlockIdError);
    },
  );

  it('keys the block and its parts apart from every plan partition', () => {
    expect(blockKey(blockId)).toEqual({
      ownerPlan: 'block#EUR',
      scheduledFor: '2027-03-02T08:00:00.000Z',
    });
    expect(blockPartKey(blockId, 7)).toEqual({
      ownerPlan: 'block#EUR#2027-03-02T08:00:00.000Z',
      scheduledFor: '007',
    });
  });

  it('gives every part one client order id forever, unlike any slot', () => {
    expect(blockClientOrderId(blockId, 0)).toBe(blockClientOrderId(blockId, 0));
    expect(blockClientOrderId(blockId, 0)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(new Set([0, 1, 2].map((part) => blockClientOrderId(blockId, part))).size).toBe(3);
    expect(blockClientOrderId(blockIdOf('USD', at('2027-03-02T08:00:00Z')), 0)).not.toBe(
      blockClientOrderId(blockId, 0),
    );
    expect(blockClientOrderId(blockId, 0)).not.toBe(clientOrderIdFor('EUR', blockId));
  });

  it('spreads members over the index partitions of their block', () => {
    const keys = blockMemberKeys(blockId);
    expect(keys).toHaveLength(BLOCK_MEMBER_SHARDS);
    expect(keys).toContain(blockMemberKey(blockId, '01JABCDEFGHJKMNPQRSTVWXYZ0'));
    expect(blockMemberKey(blockId, '01JABCDEFGHJKMNPQRSTVWXYZ0')).toMatch(
      /^EUR#2027-03-02T08:00:00\.000Z#\d+$/,
    );
  });
});
