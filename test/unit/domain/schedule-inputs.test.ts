import { describe, expect, it } from 'vitest';
import { changesSchedule, type ItemImage } from '#domain/schedule-inputs.ts';

/** A plan item as the plans stream's images hold it (attribute-value form). */
const ARMED: ItemImage = {
  userId: { S: 'user-1' },
  planId: { S: '01JPLAN' },
  status: { S: 'ACTIVE' },
  amount: { S: '25.00' },
  currency: { S: 'EUR' },
  asset: { S: 'BTC' },
  schedule: {
    M: {
      frequency: { S: 'DAILY' },
      timeOfDay: { S: '09:00' },
      timezone: { S: 'Europe/Berlin' },
      startDate: { S: '2027-03-01' },
    },
  },
  version: { N: '3' },
  createdAt: { S: '2027-02-28T10:00:00.000Z' },
  updatedAt: { S: '2027-02-28T10:00:00.000Z' },
  armedSlot: { S: '2027-03-02T08:00:00Z' },
  armedVersion: { N: '3' },
  nextRunAt: { S: '2027-03-02T08:00:00Z' },
  dueShard: { S: 'due#7' },
  lastSlotAt: { S: '2027-03-01T08:00:00Z' },
  lastRunAt: { S: '2027-03-01T08:00:00Z' },
  executionCount: { N: '1' },
  totalSpentMinor: { N: '2500' },
  totalNetMinor: { N: '2485' },
  totalSats: { N: '54021' },
};

/** The same plan after the workflow recorded the purchase in the 2 March slot. */
const RAN: ItemImage = {
  ...ARMED,
  lastSlotAt: { S: '2027-03-02T08:00:00Z' },
  lastRunAt: { S: '2027-03-02T08:00:00Z' },
  executionCount: { N: '2' },
  totalSpentMinor: { N: '5000' },
  totalNetMinor: { N: '4970' },
  totalSats: { N: '108042' },
};

/** The schedule sync's write back after that run: the 3 March slot armed. */
const REARMED: ItemImage = {
  ...RAN,
  armedSlot: { S: '2027-03-03T08:00:00Z' },
  nextRunAt: { S: '2027-03-03T08:00:00Z' },
};

const without = (image: ItemImage, name: string): ItemImage =>
  Object.fromEntries(Object.entries(image).filter(([key]) => key !== name));

describe('changesSchedule', () => {
  it.each<[string, ItemImage | undefined, ItemImage | undefined, boolean]>([
    ['syncs a new plan', undefined, ARMED, true],
    ['syncs a deleted plan', ARMED, undefined, true],
    ['syncs a finished run (the last slot and run move)', ARMED, RAN, true],
    ['skips the schedule sync writing back what it armed', RAN, REARMED, false],
    [
      'skips the first arming of a new plan (the unsynced key removed)',
      { ...without(REARMED, 'armedSlot'), syncShard: { S: 'sync#3' } },
      REARMED,
      false,
    ],
    [
      'skips purchase totals alone (a late fill of an older slot)',
      REARMED,
      { ...REARMED, executionCount: { N: '3' }, totalSats: { N: '162063' } },
      false,
    ],
    [
      'syncs a skipped slot the workflow consumed',
      { ...REARMED, skipSlots: { SS: ['2027-03-03T08:00:00Z'] } },
      REARMED,
      true,
    ],
    ['syncs a pause', REARMED, { ...REARMED, status: { S: 'PAUSED' }, version: { N: '4' } }, true],
    [
      'syncs a new time of day',
      REARMED,
      {
        ...REARMED,
        schedule: { M: { ...(REARMED.schedule as { M: object }).M, timeOfDay: { S: '10:00' } } },
      },
      true,
    ],
    ['syncs a new amount', REARMED, { ...REARMED, amount: { S: '40.00' } }, true],
    [
      'syncs a change to an attribute no rule knows yet',
      REARMED,
      { ...REARMED, pausedUntil: { S: 'x' } },
      true,
    ],
    ['skips a write that changed nothing', REARMED, REARMED, false],
  ])('%s', (_case, before, after, expected) => {
    expect(changesSchedule(before, after)).toBe(expected);
  });

  it('reads a map or a set listed in another order as unchanged', () => {
    const before: ItemImage = {
      ...REARMED,
      skipSlots: { SS: ['2027-03-05T08:00:00Z', '2027-03-04T08:00:00Z'] },
    };
    const schedule = (REARMED.schedule as { M: Record<string, unknown> }).M;
    const after: ItemImage = {
      ...REARMED,
      schedule: { M: Object.fromEntries(Object.entries(schedule).reverse()) },
      skipSlots: { SS: ['2027-03-04T08:00:00Z', '2027-03-05T08:00:00Z'] },
    };
    expect(changesSchedule(before, after)).toBe(false);
  });
});
