// settledWithin (src/util/settled-within.ts): every start-up wait is bounded.
import { describe, expect, it } from 'vitest';
import { settledWithin } from '../src/util/settled-within.js';

describe('settledWithin', () => {
  it('resolves when the promise fulfils, well before the bound', async () => {
    const started = performance.now();
    await settledWithin(Promise.resolve(1), 60_000);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('resolves (does not reject) when the promise rejects', async () => {
    await expect(settledWithin(Promise.reject(new Error('read failed')), 60_000)).resolves.toBeUndefined();
  });

  it('resolves after the bound when the promise never settles', async () => {
    const started = performance.now();
    await settledWithin(new Promise(() => undefined), 50);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});
