import { describe, expect, it } from 'vitest';
import { mapBounded } from '#shared/bounded.ts';

describe('mapBounded', () => {
  it('answers every result in the items’ order with at most `limit` running at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (item, index) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, item));
      running -= 1;
      return `${index}:${item}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    expect(most).toBe(3);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapBounded([1, 2, 3], 2, (item) =>
        item === 2 ? Promise.reject(new Error('two')) : Promise.resolve(item),
      ),
    ).rejects.toThrow('two');
  });

  it('answers nothing for no items and refuses a limit below one', async () => {
    expect(await mapBounded([], 4, () => Promise.resolve(1))).toEqual([]);
    await expect(mapBounded([1], 0, () => Promise.resolve(1))).rejects.toThrow(RangeError);
  });
});
