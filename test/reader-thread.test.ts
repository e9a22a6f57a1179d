// The native reader's own thread (native/linux/reader_thread.h): every read runs there, niced
// kReaderNiceIncrement (5) above the process, so the JS thread wins a CPU it shares with the
// read. Checked through the OS boundary (getpriority, the thread list of `inspect`), and in a
// child process that must still end by itself once its reader is idle or collected.
import { beforeAll, describe, expect, it } from 'vitest';
import { createJsCollector } from '../src/sys/collector.js';
import type { NativeAddon } from '../src/sys/native-addon.js';
import { addonPath, requireAddon } from './helpers/native-addon.js';
import { NativeSnapshotReader } from '../src/sys/native-snapshot.js';
import { runNode } from './helpers/cli.js';
import { startSleeper, killStartedChildren, waitFor } from './helpers/children.js';

/** kReaderNiceIncrement of native/linux/reader_thread.h. */
const NICE_INCREMENT = 5;

// A child that reads twice, prints what it read and its reader thread, optionally lets the reader
// be collected (and waits, bounded, for its thread to be gone), then leaves the loop empty: the
// process must end by itself. argv: addon path, "idle" | "collected".
const CHILD = `
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
const [addonPath, mode] = process.argv.slice(1);
const addon = createRequire(import.meta.url)(addonPath);
let reader = new addon.SnapshotReader('/proc');
await reader.read();
const again = await reader.read();
const thread = reader.readerThread();
const named = () => readdirSync('/proc/self/task').filter((tid) => {
  try { return readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim() === 'proctop-read'; } catch { return false; }
});
let gone = null;
if (mode === 'collected') {
  reader = null;
  const deadline = Date.now() + 20_000;
  while (named().length > 0 && Date.now() < deadline) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  gone = named().length === 0;
}
process.stdout.write(JSON.stringify({ processes: again.order.length, thread, threadsNamed: named().length, gone }) + '\\n');
`;

describe('the native reader thread', () => {
  let addon: NativeAddon;
  beforeAll(() => {
    addon = requireAddon();
  });

  it('reads on one thread of its own, named proctop-read, niced 5 above the process', async () => {
    const os = createJsCollector('/proc');
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc'));
    expect(reader.readerThread().started).toBe(false);
    const sleeper = startSleeper(300);
    try {
      const snapshot = await waitFor(async () => {
        const read = await reader.snapshot();
        return read.processes.some((p) => p.pid === sleeper.pid && p.comm === 'sleep') ? read : undefined;
      });
      expect(snapshot.processes.some((p) => p.pid === process.pid)).toBe(true);
      const thread = reader.readerThread();
      expect(thread.started).toBe(true);
      expect(thread.tid).toBeGreaterThan(0);
      expect(thread.tid).not.toBe(process.pid);

      // The kernel's word, through the OS boundary: its nice, and its name among this process's threads.
      const own = await os.readPriority(process.pid);
      const its = await os.readPriority(thread.tid);
      expect(own.error).toBeNull();
      expect(its).toEqual({ nice: Math.min(19, own.nice! + NICE_INCREMENT), error: null });
      expect(thread.nice).toBe(its.nice);
      const inspection = await os.inspect(process.pid, null, { threads: true });
      expect(inspection.inspection?.threads?.find((t) => t.tid === thread.tid)?.name).toBe('proctop-read');

      // Later reads use the same thread: one per reader, not one per read.
      await reader.snapshot();
      expect(reader.readerThread().tid).toBe(thread.tid);
      // And the JS thread itself was left as it was.
      expect(await os.readPriority(process.pid)).toEqual(own);
    } finally {
      await killStartedChildren();
    }
  });

  it('gives each reader its own thread', async () => {
    const one = new NativeSnapshotReader(new addon.SnapshotReader('/proc'));
    const two = new NativeSnapshotReader(new addon.SnapshotReader('/proc'));
    await Promise.all([one.snapshot(), two.snapshot()]);
    expect(one.readerThread().tid).not.toBe(two.readerThread().tid);
  });

  it('lets a process end by itself while its reader thread is idle', async () => {
    const run = await runNode(['--input-type=module', '-e', CHILD, addonPath(), 'idle']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.processes).toBeGreaterThan(0);
    expect(result.thread.started).toBe(true);
    expect(result.threadsNamed).toBe(1);
  });

  it('ends the thread once its reader is collected', async () => {
    const run = await runNode(['--expose-gc', '--input-type=module', '-e', CHILD, addonPath(), 'collected']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ gone: true, threadsNamed: 0 });
  });
});
