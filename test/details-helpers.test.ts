// The native reader's details pass on helper threads (detailsHelpersFrom, detailsHelpers): a read
// with many new identities reads their owner, command line and executable on threads beside its
// own. What it reads must be exactly what one thread reads, and what the JS reader reads.
import { availableParallelism } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AddonSnapshotReader, NativeAddon, SnapshotReaderOptions } from '../src/sys/native-addon.js';
import { NativeSnapshotReader } from '../src/sys/native-snapshot.js';
import { createJsCollector } from '../src/sys/collector.js';
import type { RawProcess, Snapshot } from '../src/sys/types.js';
import { requireAddon } from './helpers/native-addon.js';
import { createProcFixture, manyPitfalls, type ProcFixture } from './helpers/proc-fixture.js';
import { killStartedChildren, settledSleepers, startChild } from './helpers/children.js';

/** Helper threads a read starts here by itself: two fewer than the CPUs this process may run on, at most 3. */
const DEFAULT_HELPERS = Math.min(3, Math.max(0, availableParallelism() - 2));
/** Helper threads the tests below ask for, so the helpers' path runs on a 2-CPU machine too. */
const ASKED_HELPERS = 2;

/** One fresh native reader's first snapshot, and how it read the details. */
async function firstRead(root: string, options: SnapshotReaderOptions, addon: NativeAddon): Promise<{ snapshot: Snapshot; stats: ReturnType<AddonSnapshotReader['detailsStats']> }> {
  const source = new addon.SnapshotReader(root, options);
  const snapshot = await new NativeSnapshotReader(source).snapshot();
  // Plain records (a large read hands out a lazy list) for toEqual.
  return { snapshot: { ...snapshot, processes: [...snapshot.processes] }, stats: source.detailsStats() };
}

describe('details on helper threads (native reader)', () => {
  let addon: NativeAddon;
  let fixture: ProcFixture;
  let js: Snapshot;
  beforeAll(async () => {
    addon = requireAddon();
    // 160 copies: 1,120 processes with details to read (the vanished pids are not listed).
    fixture = await createProcFixture({ processes: manyPitfalls(160) });
    js = await createJsCollector(fixture.root).snapshot();
  });
  afterAll(() => fixture?.cleanup());
  afterEach(async () => {
    await killStartedChildren();
  });

  it('reads the same records on helper threads as the JS reader does, and the helpers read a share', async () => {
    expect(js.processes.length).toBe(1120);
    // Whether a helper gets a batch before the reader's thread has taken them all is up to the
    // scheduler: a few fresh readers, each checked in full, until one's helpers read some.
    let byHelpers = 0;
    for (let attempt = 0; attempt < 5 && byHelpers === 0; attempt++) {
      const { snapshot, stats } = await firstRead(fixture.root, { detailsHelpersFrom: 1, detailsHelpers: ASKED_HELPERS }, addon);
      expect(snapshot.processes).toEqual(js.processes);
      expect(snapshot.warnings).toEqual(js.warnings);
      expect(stats).toMatchObject({ read: 1120, helpers: ASKED_HELPERS });
      expect(stats.byHelpers).toBeLessThanOrEqual(1120);
      byHelpers = stats.byHelpers;
    }
    expect(byHelpers).toBeGreaterThan(0);
  });

  it('starts two fewer helpers than the CPUs by itself (at most 3), and none when asked for none', async () => {
    const { snapshot, stats } = await firstRead(fixture.root, { detailsHelpersFrom: 1 }, addon);
    expect(snapshot.processes).toEqual(js.processes);
    expect(stats).toMatchObject({ read: 1120, helpers: DEFAULT_HELPERS });
    if (DEFAULT_HELPERS === 0) expect(stats.byHelpers).toBe(0);
    const none = await firstRead(fixture.root, { detailsHelpersFrom: 1, detailsHelpers: 0 }, addon);
    expect(none.snapshot.processes).toEqual(js.processes);
    expect(none.stats).toEqual({ read: 1120, helpers: 0, byHelpers: 0 });
  });

  it('reads them on its own thread below detailsHelpersFrom, with the same records', async () => {
    const { snapshot, stats } = await firstRead(fixture.root, { detailsHelpersFrom: 1121 }, addon);
    expect(snapshot.processes).toEqual(js.processes);
    expect(stats).toEqual({ read: 1120, helpers: 0, byHelpers: 0 });
    const never = await firstRead(fixture.root, { detailsHelpersFrom: Number.POSITIVE_INFINITY }, addon);
    expect(never.stats).toEqual({ read: 1120, helpers: 0, byHelpers: 0 });
  });

  it('reads only the new identities of a later read', async () => {
    const source = new addon.SnapshotReader(fixture.root, { detailsHelpersFrom: 1, detailsHelpers: ASKED_HELPERS });
    const reader = new NativeSnapshotReader(source);
    await reader.snapshot();
    const again = await reader.snapshot();
    expect([...again.processes]).toEqual(js.processes);
    // Nothing new on an unchanged tree: no details read, no thread started.
    expect(source.detailsStats()).toEqual({ read: 0, helpers: 0, byHelpers: 0 });
  });

  it('reads live children on helper threads as they are', async () => {
    // Sleepers with command lines of their own, so a record paired with another's details shows.
    const children = Array.from({ length: 48 }, (_, i) => startChild('sleep', [`${300 + i}`]));
    const pids = children.map((c) => c.pid as number);
    const source = new addon.SnapshotReader('/proc', { detailsHelpersFrom: 1, detailsHelpers: ASKED_HELPERS });
    const reader = new NativeSnapshotReader(source);
    // A fresh reader reads every process's details in its first read.
    await settledSleepers(() => new NativeSnapshotReader(new addon.SnapshotReader('/proc')).snapshot(), pids);
    const snapshot = await reader.snapshot();
    // Every listed process's details were read; a process that ended after its details were read
    // (other tests' children, run in parallel) is read but not listed.
    expect(source.detailsStats().read).toBeGreaterThanOrEqual(snapshot.processes.length);
    expect(source.detailsStats().read).toBeLessThanOrEqual(snapshot.processes.length + 16);
    expect(source.detailsStats().helpers).toBe(ASKED_HELPERS);
    const byPid = new Map<number, RawProcess>(snapshot.processes.map((p) => [p.pid, p]));
    pids.forEach((pid, i) => {
      const p = byPid.get(pid);
      expect(p, `sleeper ${pid}`).toBeDefined();
      expect(p?.comm).toBe('sleep');
      expect(p?.argv).toEqual(['sleep', `${300 + i}`]);
      expect(p?.exe).toMatch(/\/sleep$/);
      expect(p?.ppid).toBe(process.pid);
    });
  });

  it('refuses a detailsHelpersFrom that is not a whole number >= 1 or Infinity', () => {
    for (const bad of [0, -1, 2.5, Number.NaN, '4', null]) {
      expect(() => new addon.SnapshotReader('/proc', { detailsHelpersFrom: bad as number })).toThrow(/detailsHelpersFrom must be a whole number >= 1 or Infinity/);
    }
  });

  it('refuses a detailsHelpers that is not a whole number from 0 to 16', () => {
    for (const bad of [-1, 2.5, 17, Number.POSITIVE_INFINITY, Number.NaN, '2', null]) {
      expect(() => new addon.SnapshotReader('/proc', { detailsHelpers: bad as number })).toThrow(/detailsHelpers must be a whole number from 0 to 16/);
    }
    expect(() => new addon.SnapshotReader('/proc', { detailsHelpers: 16 })).not.toThrow();
  });
});
