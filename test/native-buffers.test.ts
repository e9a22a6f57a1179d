// The native reader's buffers across reads (native/snapshot_binding.cc, Kept): a read larger than
// the buffers kept from earlier reads hands the worker's own memory over (the first read, and any
// later one with more rows, slots or text than ever before); a smaller one is copied into the kept
// buffers. On one fixture tree that grows, shrinks and grows again, every read must decode to
// what the JS backend reads from the same tree.
import { afterEach, describe, expect, it } from 'vitest';
import { createJsCollector } from '../src/sys/collector.js';
import { loadNativeAddon } from '../src/sys/native-addon.js';
import { NativeSnapshotReader } from '../src/sys/native-snapshot.js';
import type { Snapshot } from '../src/sys/types.js';
import { createProcFixture, type FixtureProcess, type ProcFixture } from './helpers/proc-fixture.js';

/** The fields each backend reads from the tree, per process in pid order. */
const rows = (snapshot: Snapshot) =>
  snapshot.processes.map(({ pid, startTime, ppid, comm, argv, exe, utime, stime, rssBytes, state }) => ({ pid, startTime, ppid, comm, argv, exe, utime, stime, rssBytes, state }));

/** A process with its own long command line (so the text grows with the count). */
const member = (pid: number, utime = 1): FixtureProcess => ({
  pid,
  comm: `w${pid}`,
  argv: [`/opt/worker-${pid}`, '--name', `member-${pid}-${'x'.repeat(pid % 97)}`],
  exe: `/opt/worker-${pid}`,
  startTime: 1000 + pid,
  utime,
});

describe('native reader buffers across growing and shrinking reads', () => {
  let fixture: ProcFixture | undefined;
  afterEach(async () => {
    await fixture?.cleanup();
    fixture = undefined;
  });

  it('decodes every read like the JS backend when the table grows past, falls below and grows past the kept buffers', async () => {
    const load = loadNativeAddon();
    if (!load.addon) throw new Error(load.error);
    fixture = await createProcFixture({ processes: [2, 3, 4].map((pid) => member(pid)) });
    const native = new NativeSnapshotReader(new load.addon.SnapshotReader(fixture.root));
    const js = createJsCollector(fixture.root);
    const same = async (count: number) => {
      const [a, b] = [await native.snapshot(), await js.snapshot()];
      expect(rows(a)).toEqual(rows(b));
      expect(a.processes).toHaveLength(count);
    };

    await same(3);
    // Grows past every kept buffer: rows, slots and text all handed over again, not on a first read.
    for (let pid = 10; pid < 210; pid++) await fixture.writeProcess(member(pid));
    await same(203);
    // Shrinks, with every survivor's figures moved: a few rows copied into the larger kept buffers.
    for (let pid = 10; pid < 200; pid++) await fixture.removeProcess(pid);
    for (let pid = 200; pid < 210; pid++) await fixture.writeProcess(member(pid, 50));
    await same(13);
    // Nothing changed: no rows at all, the kept records listed again.
    await same(13);
    // Grows past them once more.
    for (let pid = 300; pid < 700; pid++) await fixture.writeProcess(member(pid));
    await same(413);
  });
});
