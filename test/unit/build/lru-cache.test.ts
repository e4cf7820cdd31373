/**
 * The Map-based LRU cache the bundles use in place of mnemonist's (`build/lru-cache.ts`): the same
 * answers as mnemonist's `LRUCache` for the calls the DynamoDB client's endpoint cache makes.
 */
import { createRequire } from 'node:module';
import type Mnemonist from 'mnemonist/lru-cache.js';
import { describe, expect, it } from 'vitest';
import LRUCache from '#build/lru-cache.ts';

// A CommonJS module whose typings declare an ES default export: required, as the SDK's bundle gets it.
const MnemonistLRUCache = createRequire(import.meta.url)(
  'mnemonist/lru-cache',
) as typeof Mnemonist.default;

interface Cache {
  get(key: string): number | undefined;
  peek(key: string): number | undefined;
  has(key: string): boolean;
  set(key: string, value: number): unknown;
  clear(): void;
}

/** The answers of a cache to one sequence of calls. */
function answers(cache: Cache): unknown[] {
  const seen: unknown[] = [];
  cache.set('a', 1);
  cache.set('b', 2);
  seen.push(cache.get('a')); // a is now the most recent
  cache.set('c', 3); // evicts b
  seen.push(cache.has('b'), cache.peek('a'), cache.get('c'));
  seen.push(cache.peek('a')); // peek leaves a the least recent
  cache.set('d', 4); // evicts a
  seen.push(cache.has('a'), cache.get('d'), cache.get('c'));
  cache.set('d', 5); // an update makes d the most recent
  cache.set('e', 6); // evicts c
  seen.push(cache.has('c'), cache.get('d'), cache.get('e'));
  cache.clear();
  seen.push(cache.has('d'), cache.get('e'));
  return seen;
}

describe('LRUCache', () => {
  it('answers as mnemonist does: get and set refresh an entry, peek and has do not', () => {
    const expected = [1, false, 1, 3, 1, false, 4, 3, false, 5, 6, false, undefined];
    expect(answers(new LRUCache<string, number>(2))).toEqual(expected);
    expect(answers(new MnemonistLRUCache<string, number>(2))).toEqual(expected);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LRUCache(0)).toThrow('LRUCache: capacity must be a positive integer');
  });
});
