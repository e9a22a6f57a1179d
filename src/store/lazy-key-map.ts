// A read-only map by identity over a list, built only when a caller needs more than a lookup or
// two. Each refresh used to build two maps of every process (rows by identity, list positions)
// that most refreshes never read: at 1,000 processes they were a third of a refresh's garbage.
import type { IdentityKey } from '../sampler/types.js';

/** Lookups answered by scanning the list before the map is built (a refresh looks up its cursor row once or twice). */
const SCANS_BEFORE_BUILDING = 4;

/**
 * The map `items` would give by setting keyOf(item) → valueOf(item, index) in order (a later item
 * with the same key wins, as with Map), made on first need. Pure: `items` must not change.
 */
export class LazyKeyMap<T, V> implements ReadonlyMap<IdentityKey, V> {
  private map: Map<IdentityKey, V> | null = null;
  private scans = 0;

  constructor(
    private readonly items: readonly T[],
    private readonly keyOf: (item: T) => IdentityKey,
    private readonly valueOf: (item: T, index: number) => V,
  ) {}

  get(key: IdentityKey): V | undefined {
    if (this.map === null && this.scans < SCANS_BEFORE_BUILDING) {
      this.scans += 1;
      const at = this.lastIndexOf(key);
      return at < 0 ? undefined : this.valueOf(this.items[at] as T, at);
    }
    return this.built().get(key);
  }

  has(key: IdentityKey): boolean {
    if (this.map === null && this.scans < SCANS_BEFORE_BUILDING) {
      this.scans += 1;
      return this.lastIndexOf(key) >= 0;
    }
    return this.built().has(key);
  }

  get size(): number {
    return this.built().size;
  }

  forEach(callback: (value: V, key: IdentityKey, map: ReadonlyMap<IdentityKey, V>) => void, thisArg?: unknown): void {
    this.built().forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  entries(): MapIterator<[IdentityKey, V]> {
    return this.built().entries();
  }

  keys(): MapIterator<IdentityKey> {
    return this.built().keys();
  }

  values(): MapIterator<V> {
    return this.built().values();
  }

  [Symbol.iterator](): MapIterator<[IdentityKey, V]> {
    return this.built().entries();
  }

  /** The last item with this key (the one Map would keep), or -1. */
  private lastIndexOf(key: IdentityKey): number {
    for (let i = this.items.length - 1; i >= 0; i--) if (this.keyOf(this.items[i] as T) === key) return i;
    return -1;
  }

  private built(): Map<IdentityKey, V> {
    if (this.map === null) {
      const map = new Map<IdentityKey, V>();
      for (let i = 0; i < this.items.length; i++) {
        const item = this.items[i] as T;
        map.set(this.keyOf(item), this.valueOf(item, i));
      }
      this.map = map;
    }
    return this.map;
  }
}
