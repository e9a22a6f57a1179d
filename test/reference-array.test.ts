import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { referenceArray } from '../src/util/reference-array.js';

// V8's own view of an array's elements kind (natives syntax, allowed for functions compiled from here on).
setFlagsFromString('--allow-natives-syntax');
const hasObjectElements = new Function('array', 'return %HasObjectElements(array)') as (array: unknown[]) => boolean;

describe('reference-array', () => {
  it('is empty and holds references from the start, unlike [] (small integers until a reference is stored)', () => {
    const array = referenceArray<string>();
    expect(array).toEqual([]);
    expect(hasObjectElements(array)).toBe(true);
    expect(hasObjectElements([])).toBe(false);
    array.push('10:1000');
    expect(array).toEqual(['10:1000']);
    expect(hasObjectElements(array)).toBe(true);
  });
});
