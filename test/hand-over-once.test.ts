import { describe, expect, it, vi } from 'vitest';
import { handOverOnce } from '../src/util/hand-over-once.js';

describe('handOverOnce', () => {
  it('hands the early answer to the first call only, then starts a new one per call', async () => {
    const next = vi.fn(async () => 'later');
    const call = handOverOnce(Promise.resolve('early'), next);
    expect(next).not.toHaveBeenCalled();
    await expect(call()).resolves.toBe('early');
    await expect(call()).resolves.toBe('later');
    await expect(call()).resolves.toBe('later');
    expect(next).toHaveBeenCalledTimes(2);
  });

  it('keeps an early failure from being unhandled, and the first caller still sees it', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const call = handOverOnce(Promise.reject(new Error('read failed')), async () => 'later');
      // Let the rejection settle before anyone asks, as an early read that fails fast does.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
      await expect(call()).rejects.toThrow('read failed');
      await expect(call()).resolves.toBe('later');
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
