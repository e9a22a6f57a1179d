// The store's maps by identity are built on first need (src/store/lazy-key-map.ts): they must
// answer exactly as the Map they stand for, before and after being built.
import { describe, expect, it } from 'vitest';
import { LazyKeyMap } from '../src/store/lazy-key-map.js';

interface Item {
  readonly key: string;
  readonly value: number;
}

const items: readonly Item[] = [
  { key: '10:1', value: 1 },
  { key: '11:1', value: 2 },
  // A repeated key: Map keeps the last one set, and so must the lazy map, scanning or built.
  { key: '10:1', value: 3 },
  { key: '12:1', value: 4 },
];
const eager = new Map(items.map((item, i) => [item.key, `${item.value}@${i}`]));
const lazy = (): LazyKeyMap<Item, string> => new LazyKeyMap(items, (item) => item.key, (item, i) => `${item.value}@${i}`);

describe('LazyKeyMap', () => {
  it('answers lookups like the eager Map, first by scanning, then from the map it builds', () => {
    const map = lazy();
    for (let round = 0; round < 3; round++) {
      for (const key of ['10:1', '11:1', '12:1', '13:1']) {
        expect(map.get(key)).toBe(eager.get(key));
        expect(map.has(key)).toBe(eager.has(key));
      }
    }
  });

  it('iterates, counts and visits like the eager Map', () => {
    expect(lazy().size).toBe(eager.size);
    expect([...lazy()]).toEqual([...eager]);
    expect([...lazy().entries()]).toEqual([...eager.entries()]);
    expect([...lazy().keys()]).toEqual([...eager.keys()]);
    expect([...lazy().values()]).toEqual([...eager.values()]);
    const map = lazy();
    const seen: [string, string][] = [];
    map.forEach((value, key, self) => {
      expect(self).toBe(map);
      seen.push([key, value]);
    });
    expect(seen).toEqual([...eager]);
  });

  it('is empty over an empty list', () => {
    const map = new LazyKeyMap<Item, number>([], (item) => item.key, (item) => item.value);
    expect(map.get('10:1')).toBeUndefined();
    expect(map.has('10:1')).toBe(false);
    expect(map.size).toBe(0);
    expect([...map]).toEqual([]);
  });
});
