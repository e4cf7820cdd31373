/**
 * What the Lambda bundles use in place of `mnemonist/lru-cache` (an esbuild alias in
 * `build/functions.ts`): a least-recently-used cache on a `Map`, with the part of mnemonist's
 * interface that its one user here, the DynamoDB client's endpoint-discovery cache
 * (`@aws-sdk/endpoint-cache`), calls: `get`, `set`, `has`, `peek` and `clear`.
 *
 * mnemonist's cache keeps its entries in typed arrays and brings iterator helpers
 * (obliterator): about 7 KiB in every function with a DynamoDB client, for a cache that holds
 * endpoints only when endpoint discovery is on, which it never is here. The behaviour is the same:
 * `get` and `set` make an entry the most recent, `has` and `peek` do not, and a `set` beyond the
 * capacity evicts the least recent entry.
 */
export default class LRUCache<K, V> {
  readonly #capacity: number;
  /** Entries from least to most recently used: a `Map` keeps insertion order. */
  readonly #entries = new Map<K, V>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new Error('LRUCache: capacity must be a positive integer');
    }
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value of `key`, which becomes the most recently used entry. */
  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** The value of `key`, leaving the order alone. */
  peek(key: K): V | undefined {
    return this.#entries.get(key);
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Stores `value` as the most recently used entry, evicting the least recent beyond capacity. */
  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const { value: oldest } = this.#entries.keys().next();
      this.#entries.delete(oldest as K);
    }
    return this;
  }

  clear(): void {
    this.#entries.clear();
  }
}
