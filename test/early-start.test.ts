// The monitor's early first read (src/tui/early-start.ts over src/sys/first-read.ts): started only
// for a terminal and the native backend, handed over once, and adopted by the next native
// collector for the same /proc instead of a second reader.
import { afterEach, describe, expect, it } from 'vitest';
import { earlyReadFinished, startEarly, takeEarlyStart } from '../src/tui/early-start.js';
import { isatty } from 'node:tty';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startFirstRead, stdoutIsTerminal, takeFirstRead } from '../src/sys/first-read.js';
import { createNativeCollector } from '../src/sys/collector.js';
import { loadNativeAddon, type NativeAddon } from '../src/sys/native-addon.js';

const addon = loadNativeAddon().addon;
const OriginalReader = addon?.SnapshotReader;

const terminal = (): boolean => true;
const notTerminal = (): boolean => false;

/** Counts the addon readers made from now on (the addon object is the one every module shares). */
function countReaders(native: NativeAddon): { made: () => number } {
  let made = 0;
  native.SnapshotReader = new Proxy(native.SnapshotReader, {
    construct(target, args: [string]) {
      made += 1;
      return Reflect.construct(target, args);
    },
  });
  return { made: () => made };
}

afterEach(() => {
  delete process.env.PROCTOP_BACKEND;
  if (addon && OriginalReader) addon.SnapshotReader = OriginalReader;
  // Nothing left over for the next test, whatever this one did.
  takeEarlyStart();
  takeFirstRead('/proc');
});

describe('early start', () => {
  it('asks the kernel whether fd 1 is a terminal, without making process.stdout', () => {
    expect(stdoutIsTerminal()).toBe(isatty(1));
  });

  it.skipIf(!addon)('the addon answers isatty like Node for stdin, stdout, stderr, a file and a closed fd', () => {
    expect(typeof addon?.isTerminal).toBe('function'); // built from these sources
    for (const fd of [0, 1, 2]) expect(addon?.isTerminal?.(fd), `fd ${fd}`).toBe(isatty(fd));
    const fd = openSync(fileURLToPath(import.meta.url), 'r');
    try {
      expect(addon?.isTerminal?.(fd)).toBe(false);
    } finally {
      closeSync(fd);
    }
    expect(addon?.isTerminal?.(fd)).toBe(false); // closed now
    expect(addon?.isTerminal?.(-1)).toBe(false);
  });

  it('starts nothing when stdout is not a terminal (the --watch batch mode samples on its own)', () => {
    startEarly(notTerminal);
    expect(takeEarlyStart()).toBe(false);
    expect(takeFirstRead('/proc')).toBeNull();
  });

  it('starts nothing for the JS backend (PROCTOP_BACKEND=js): the monitor times its first sample itself', () => {
    process.env.PROCTOP_BACKEND = 'js';
    startEarly(terminal);
    expect(takeEarlyStart()).toBe(false);
    expect(takeFirstRead('/proc')).toBeNull();
  });

  it.skipIf(!addon)('on a terminal, starts the native first read once and tells so once', () => {
    startEarly(terminal);
    startEarly(terminal); // a second call starts no second read
    expect(takeEarlyStart()).toBe(true);
    expect(takeEarlyStart()).toBe(false);
    expect(takeFirstRead('/proc')).not.toBeNull();
  });

  it.skipIf(!addon)('earlyReadFinished resolves once the early read has finished: its answer is then ready at once', async () => {
    startEarly(terminal);
    const source = takeFirstRead('/proc');
    expect(source).not.toBeNull();
    await earlyReadFinished(30_000);
    let answered = false;
    void source?.read().then(() => {
      answered = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(true);
  });
});

describe.skipIf(!addon)('first read (native)', () => {
  it('is adopted by the next native collector for the same /proc, whose first snapshot it answers', async () => {
    const readers = countReaders(addon as NativeAddon);
    expect(startFirstRead()).toBe(true);
    expect(startFirstRead()).toBe(false); // one waits already
    expect(readers.made()).toBe(1);
    const collector = createNativeCollector();
    expect(typeof collector).not.toBe('string');
    if (typeof collector === 'string') return;
    expect(readers.made()).toBe(1); // adopted, not a second reader
    const first = await collector.snapshot();
    expect(first.processes.some((p) => p.pid === process.pid)).toBe(true);
    const second = await collector.snapshot();
    expect(second.monotonicMs).toBeGreaterThan(first.monotonicMs);
    // The early read is stamped like any other: its pass over the processes began before it ended.
    expect(first.readStartMonotonicMs).toBeGreaterThan(0);
    expect(first.readStartMonotonicMs).toBeLessThanOrEqual(first.monotonicMs);
    expect(second.readStartMonotonicMs).toBeGreaterThanOrEqual(first.monotonicMs);
    // Handed over once: the next collector reads with a reader of its own.
    expect(typeof createNativeCollector()).not.toBe('string');
    expect(readers.made()).toBe(2);
  });

  it('is not adopted for another proc root, and a failed first read surfaces at the first snapshot', async () => {
    expect(startFirstRead('/nonexistent-proc-root')).toBe(true);
    expect(takeFirstRead('/proc')).toBeNull();
    const source = takeFirstRead('/nonexistent-proc-root');
    expect(source).not.toBeNull();
    await expect(source?.read()).rejects.toThrow();
    expect(takeFirstRead('/nonexistent-proc-root')).toBeNull();
  });
});
