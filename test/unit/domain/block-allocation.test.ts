/**
 * Sharing a block order's fill among its slots (issue 15 groundwork): exact examples, refusals,
 * and fast-check properties: the shares add up to exactly the fill, no slot is charged more than
 * its quote, each share is within one unit of its proportion where no cap binds, the same input
 * always gives the same output, and the order of the slots does not matter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AllocationError,
  allocateBlock,
  type BlockFill,
  type BlockSlot,
  type SlotAllocation,
} from '#domain/block-allocation.ts';

const sum = (allocations: readonly SlotAllocation[], field: keyof Omit<SlotAllocation, 'id'>) =>
  allocations.reduce((total, allocation) => total + BigInt(allocation[field]), 0n);

describe('allocateBlock', () => {
  it('shares a full fill of three equal slots, the odd units to the smallest ids', () => {
    const slots = [
      { id: 'c', quote: '2500' },
      { id: 'a', quote: '2500' },
      { id: 'b', quote: '2500' },
    ];
    expect(allocateBlock(slots, { base: '16001', spent: '7455', fee: '45' })).toEqual([
      { id: 'c', base: '5333', spent: '2485', fee: '15', unspent: '0' },
      { id: 'a', base: '5334', spent: '2485', fee: '15', unspent: '0' },
      { id: 'b', base: '5334', spent: '2485', fee: '15', unspent: '0' },
    ]);
  });

  it('shares in proportion to the quotes, and a partial fill leaves each slot its unspent part', () => {
    const slots = [
      { id: 'small', quote: '1000' },
      { id: 'large', quote: '3000' },
    ];
    // Half the block filled: 2000 charged of 4000, 12 of it fee.
    expect(allocateBlock(slots, { base: '4000', spent: '1988', fee: '12' })).toEqual([
      { id: 'small', base: '1000', spent: '497', fee: '3', unspent: '500' },
      { id: 'large', base: '3000', spent: '1491', fee: '9', unspent: '1500' },
    ]);
  });

  it('gives every slot its whole quote back when nothing filled', () => {
    expect(
      allocateBlock([{ id: 'only', quote: '2500' }], { base: '0', spent: '0', fee: '0' }),
    ).toEqual([{ id: 'only', base: '0', spent: '0', fee: '0', unspent: '2500' }]);
  });

  it.each<[string, BlockSlot[], BlockFill, string]>([
    ['an empty block', [], { base: '0', spent: '0', fee: '0' }, 'a block has at least one slot'],
    [
      'duplicate ids',
      [
        { id: 'a', quote: '1' },
        { id: 'a', quote: '1' },
      ],
      { base: '0', spent: '0', fee: '0' },
      'slot ids must be unique in a block',
    ],
    [
      'a zero quote',
      [{ id: 'a', quote: '0' }],
      { base: '0', spent: '0', fee: '0' },
      "slot a's quote must be more than 0",
    ],
    [
      'a fractional amount',
      [{ id: 'a', quote: '25.00' }],
      { base: '0', spent: '0', fee: '0' },
      "slot a's quote must be a non-negative integer digit string, got 25.00",
    ],
    [
      'a fill that charged more than the slots gave',
      [{ id: 'a', quote: '100' }],
      { base: '10', spent: '100', fee: '1' },
      'the block was charged 101 but its slots contributed 100',
    ],
  ])('refuses %s', (_, slots, fill, message) => {
    expect(() => allocateBlock(slots, fill)).toThrow(new AllocationError(message));
  });
});

/** A block: unique ids, positive quotes, and a fill charging at most what the slots gave. */
const blocks = fc
  .uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      quote: fc.bigInt({ min: 1n, max: 10n ** 9n }),
    }),
    { minLength: 1, maxLength: 40, selector: (slot) => slot.id },
  )
  .chain((slots) => {
    const contributed = slots.reduce((total, slot) => total + slot.quote, 0n);
    return fc
      .record({
        charged: fc.bigInt({ min: 0n, max: contributed }),
        feeShare: fc.integer({ min: 0, max: 100 }),
        base: fc.bigInt({ min: 0n, max: 10n ** 12n }),
      })
      .map(({ charged, feeShare, base }) => {
        const fee = (charged * BigInt(feeShare)) / 100n;
        return {
          slots: slots.map((slot) => ({ id: slot.id, quote: String(slot.quote) })),
          fill: { base: String(base), spent: String(charged - fee), fee: String(fee) },
        };
      });
  });

describe('allocateBlock, for any block', () => {
  it('adds up to exactly what the exchange filled and charged', () => {
    fc.assert(
      fc.property(blocks, ({ slots, fill }) => {
        const allocations = allocateBlock(slots, fill);
        expect([
          sum(allocations, 'base'),
          sum(allocations, 'spent'),
          sum(allocations, 'fee'),
        ]).toEqual([BigInt(fill.base), BigInt(fill.spent), BigInt(fill.fee)]);
        const contributed = slots.reduce((total, slot) => total + BigInt(slot.quote), 0n);
        expect(sum(allocations, 'unspent')).toBe(
          contributed - BigInt(fill.spent) - BigInt(fill.fee),
        );
      }),
    );
  });

  it('charges no slot more than its quote, and no share is negative', () => {
    fc.assert(
      fc.property(blocks, ({ slots, fill }) => {
        allocateBlock(slots, fill).forEach((allocation, index) => {
          const charged = BigInt(allocation.spent) + BigInt(allocation.fee);
          expect(charged + BigInt(allocation.unspent)).toBe(BigInt(slots[index]?.quote ?? -1));
          expect(
            [allocation.base, allocation.spent, allocation.fee, allocation.unspent].every(
              (value) => BigInt(value) >= 0n,
            ),
          ).toBe(true);
        });
      }),
    );
  });

  it('gives each slot its proportion of the satoshis and of the charge, within one unit', () => {
    fc.assert(
      fc.property(blocks, ({ slots, fill }) => {
        const contributed = slots.reduce((total, slot) => total + BigInt(slot.quote), 0n);
        const charged = BigInt(fill.spent) + BigInt(fill.fee);
        allocateBlock(slots, fill).forEach((allocation, index) => {
          const quote = BigInt(slots[index]?.quote ?? 0);
          const within = (share: bigint, total: bigint) => {
            const exactTimesSum = total * quote;
            const shareTimesSum = share * contributed;
            const gap = shareTimesSum - exactTimesSum;
            return gap > -contributed && gap < contributed;
          };
          expect(within(BigInt(allocation.base), BigInt(fill.base))).toBe(true);
          expect(within(BigInt(allocation.spent) + BigInt(allocation.fee), charged)).toBe(true);
        });
      }),
    );
  });

  it('gives the same answer every time, whatever the order of the slots', () => {
    fc.assert(
      fc.property(
        blocks.chain((block) =>
          fc
            .shuffledSubarray(block.slots, {
              minLength: block.slots.length,
              maxLength: block.slots.length,
            })
            .map((shuffled) => ({ ...block, shuffled })),
        ),
        ({ slots, fill, shuffled }) => {
          const byId = (allocations: SlotAllocation[]) =>
            [...allocations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          const first = allocateBlock(slots, fill);
          expect(allocateBlock(slots, fill)).toEqual(first);
          expect(byId(allocateBlock(shuffled, fill))).toEqual(byId(first));
        },
      ),
    );
  });
});
