// The monitor's early first snapshot (src/tui/early-start.ts): started only for a terminal, handed
// over once, and a collector error kept for the monitor to report where it always did.
import { afterEach, describe, expect, it } from 'vitest';
import { startEarly, takeEarlyStart } from '../src/tui/early-start.js';

const stdoutIsTTY = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');

function setStdoutTTY(value: boolean): void {
  Object.defineProperty(process.stdout, 'isTTY', { value, configurable: true, writable: true });
}

afterEach(() => {
  if (stdoutIsTTY) Object.defineProperty(process.stdout, 'isTTY', stdoutIsTTY);
  else delete (process.stdout as { isTTY?: boolean }).isTTY;
  delete process.env.PROCTOP_BACKEND;
  // Nothing left over for the next test, whatever this one did.
  try {
    takeEarlyStart();
  } catch {
    // a kept collector error
  }
});

describe('early start', () => {
  it('starts nothing when stdout is not a terminal (the --watch batch mode samples on its own)', () => {
    setStdoutTTY(false);
    startEarly();
    expect(takeEarlyStart()).toBeNull();
  });

  it('hands over, once, a sampler whose first sample is the snapshot started early', async () => {
    setStdoutTTY(true);
    process.env.PROCTOP_BACKEND = 'js';
    const before = performance.now();
    startEarly();
    startEarly(); // a second call does not start a second snapshot
    const early = takeEarlyStart();
    expect(early).not.toBeNull();
    expect(takeEarlyStart()).toBeNull();
    expect(early?.choice.collector.backend).toBe('js');
    expect(early?.startedAt).toBeGreaterThanOrEqual(before);
    const first = await early?.source.sample();
    expect(first?.rows.some((row) => row.pid === process.pid)).toBe(true);
    // The first frame has no CPU window yet; the next sample of the same sampler has one.
    expect(first?.intervalMs).toBe(0);
    const second = await early?.source.sample();
    expect(second?.intervalMs).toBeGreaterThan(0);
  });

  it('keeps a collector error and throws it when the monitor takes the early start', () => {
    setStdoutTTY(true);
    process.env.PROCTOP_BACKEND = 'bogus';
    expect(() => startEarly()).not.toThrow();
    expect(() => takeEarlyStart()).toThrow(/PROCTOP_BACKEND must be "native" or "js", not "bogus"/);
    expect(takeEarlyStart()).toBeNull();
  });
});
