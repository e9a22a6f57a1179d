// What is specific to the native snapshot reader (the shared contract suite covers both backends):
// real children, the event loop staying free, exec under one identity, vanished pids, the odd
// comm of a fixture tree, 64-bit values, serialized overlapping calls.
import { realpathSync } from 'node:fs';
import { userInfo } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NativeAddon } from '../src/sys/native-addon.js';
import { requireAddon } from './helpers/native-addon.js';
import { checkSnapshotLayout, NativeSnapshotReader, type PackedSnapshot, type PackedSnapshotSource } from '../src/sys/native-snapshot.js';
import { createJsCollector } from '../src/sys/collector.js';
import { HOSTILE_ARGV0, startHostileProcess } from './helpers/hostile.js';
import { readStartTime } from '../src/sys/js/proc-stat.js';
import type { RawProcess, Snapshot } from '../src/sys/types.js';
import { BUSY_LOOP_SCRIPT, killStartedChildren, startBusyLoop, startChild, startSleeper, waitFor } from './helpers/children.js';
import { createProcFixture, FIXTURE_PF_KTHREAD, PITFALL_PROCESSES, type ProcFixture } from './helpers/proc-fixture.js';

/** The native reader as the collector makes it: the addon's packed reads through the TypeScript decoder. */
function nativeReader(addon: NativeAddon, procRoot: string): NativeSnapshotReader {
  return new NativeSnapshotReader(new addon.SnapshotReader(procRoot));
}

function findPid(snapshot: Snapshot, pid: number): RawProcess | undefined {
  return snapshot.processes.find((p) => p.pid === pid);
}

/** Refreshes reader until pid shows up and matches; returns that row. */
async function waitForRow(
  reader: { snapshot(): Promise<Snapshot> },
  pid: number,
  matches: (row: RawProcess) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<RawProcess> {
  const found = await waitFor(async () => {
    const row = findPid(await reader.snapshot(), pid);
    return row && matches(row) ? row : undefined;
  }, timeoutMs);
  return found as RawProcess;
}

const sleepPath = realpathSync('/usr/bin/sleep');

describe('native SnapshotReader on the live /proc', () => {
  let addon: NativeAddon;
  beforeAll(() => {
    addon = requireAddon();
  });
  afterEach(async () => {
    await killStartedChildren();
  });

  it('shows a spawned sleeper with its ppid, argv, exe, user and identity', async () => {
    const child = startSleeper(120);
    const pid = child.pid!;
    const reader = nativeReader(addon, '/proc');
    // Right after spawn the child may still be node's fork, before exec made it "sleep"; right
    // after exec its rss is still 0. Sleeping in sleep(1) means both are behind it.
    const row = await waitForRow(reader, pid, (found) => found.comm === 'sleep' && found.state === 'S');
    expect(row).toMatchObject({
      pid,
      ppid: process.pid,
      comm: 'sleep',
      argv: ['sleep', '120'],
      exe: sleepPath,
      uid: process.getuid!(),
      user: userInfo().username,
      isKernelThread: false,
    });
    expect(row.startTime).toBe(await readStartTime('/proc', pid));
    expect(row.rssBytes).toBeGreaterThan(0);
    expect(row.rssBytes % 4096).toBe(0);
    expect(row.vsizeBytes).toBeGreaterThan(row.rssBytes);
    expect(row.threads).toBe(1);
    expect(row.state).toMatch(/^[RSD]$/);
  });

  it('counts CPU ticks of a busy child upward across refreshes of one reader', async () => {
    const child = startBusyLoop();
    const pid = child.pid!;
    const reader = nativeReader(addon, '/proc');
    const first = await waitForRow(reader, pid);
    // A busy loop accrues ~100 ticks/s; wait until at least 20 more were counted.
    const later = await waitForRow(reader, pid, (row) => row.utime + row.stime >= first.utime + first.stime + 20, 20_000);
    expect(later.startTime).toBe(first.startTime);
    expect(later.argv).toEqual([process.execPath, '-e', BUSY_LOOP_SCRIPT]);
  });

  it('reads system figures consistent with the live machine', async () => {
    const snapshot = await nativeReader(addon, '/proc').snapshot();
    const { system } = snapshot;
    expect(system.cpus.length).toBeGreaterThan(0);
    const sumUser = system.cpus.reduce((sum, cpu) => sum + cpu.user, 0);
    // The aggregate line is the sum of the per-CPU lines (read in the same instant, small drift allowed).
    expect(Math.abs(system.cpuTotal.user - sumUser)).toBeLessThanOrEqual(system.cpus.length * 5);
    expect(system.memTotalBytes).toBeGreaterThan(system.memAvailableBytes);
    expect(system.memTotalBytes % 1024).toBe(0);
    expect(system.clockTicks).toBe(100);
    expect(system.pageSize).toBe(4096);
    expect(system.uptimeSeconds).toBeGreaterThan(0);
    // Boot time + uptime ≈ now (to a few seconds).
    expect(Math.abs(system.bootTimeMs + system.uptimeSeconds * 1000 - Date.now())).toBeLessThan(5_000);
    expect(Math.abs(snapshot.timestampMs - Date.now())).toBeLessThan(5_000);
    expect(snapshot.monotonicMs).toBeGreaterThan(0);
    const kthreadd = findPid(snapshot, 2);
    if (kthreadd) expect(kthreadd).toMatchObject({ isKernelThread: true, argv: [], exe: null });
    expect(findPid(snapshot, process.pid)?.isKernelThread).toBe(false);
  });

  it('keeps the event loop ticking while a snapshot runs on the worker thread', async () => {
    // A larger /proc makes each read last long enough for the loop to turn during it.
    for (let i = 0; i < 150; i++) startSleeper(120);
    const counts: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      // A fresh reader reads stat, cmdline, exe and the dir owner of every process: the longest read.
      const reader = nativeReader(addon, '/proc');
      let ticks = 0;
      let done = false;
      const tick = (): void => {
        if (done) return;
        ticks++;
        setImmediate(tick);
      };
      setImmediate(tick);
      const snapshot = await reader.snapshot();
      done = true;
      counts.push(ticks);
      expect(snapshot.processes.length).toBeGreaterThan(150);
    }
    // A snapshot() that read /proc on the JS thread would resolve before any immediate could run.
    expect(Math.max(...counts)).toBeGreaterThan(0);
  });

  it('re-reads argv and exe when exec keeps the pid and start time but changes comm', async () => {
    // The shell execs once the test has seen it (a line on its stdin), however slow reads are.
    const child = startChild('sh', ['-c', 'read go; exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = child.pid!;
    const reader = nativeReader(addon, '/proc');
    // Skip the instant between node's fork and its exec of sh.
    // Read in the middle of an exec, the new comm comes with an empty command line (read again next refresh).
    const before = await waitForRow(reader, pid, (row) => row.comm === 'sh' && row.argv.length > 0);
    expect(before.comm).toBe('sh');
    expect(before.argv).toEqual(['sh', '-c', 'read go; exec sleep 30']);
    child.stdin!.end('go\n');
    const after = await waitForRow(reader, pid, (row) => row.comm === 'sleep' && row.argv.length > 0);
    expect(after.startTime).toBe(before.startTime);
    expect(after.argv).toEqual(['sleep', '30']);
    expect(after.exe).toBe(sleepPath);
  });

  it('drops exited processes and never shows a stale cached argv for a new process', async () => {
    const reader = nativeReader(addon, '/proc');
    const first = startSleeper(111);
    const firstPid = first.pid!;
    await waitFor(async () => findPid(await reader.snapshot(), firstPid)?.comm === 'sleep');
    await killStartedChildren();
    await waitFor(async () => !findPid(await reader.snapshot(), firstPid));
    // The freed cache slot is handed to the next new identity: its details must be its own.
    const second = startSleeper(222);
    const row = await waitForRow(reader, second.pid!, (found) => found.comm === 'sleep' && found.argv.length > 0);
    expect(row.argv).toEqual(['sleep', '222']);
  });

  it('serializes overlapping snapshot() calls on one reader', async () => {
    const reader = nativeReader(addon, '/proc');
    const results = await Promise.all([reader.snapshot(), reader.snapshot(), reader.snapshot(), reader.snapshot()]);
    for (let i = 1; i < results.length; i++) {
      expect(results[i]!.monotonicMs).toBeGreaterThan(results[i - 1]!.monotonicMs);
    }
    const self = results.map((s) => findPid(s, process.pid));
    for (const row of self) expect(row?.argv).toEqual(self[0]?.argv);
    expect(self[0]?.argv.length).toBeGreaterThan(0);
  });

  it('rejects with the path when the proc root cannot be read, and refuses a non-string root', async () => {
    const reader = nativeReader(addon, '/nonexistent/proctop-proc');
    await expect(reader.snapshot()).rejects.toThrow(/\/nonexistent\/proctop-proc/);
    expect(() => new (addon.SnapshotReader as unknown as new (root: unknown) => unknown)(42)).toThrow(TypeError);
  });
});

describe('the addon\'s snapshot layout', () => {
  it('is what the decoder reads, and an addon packing other columns or every row is refused by name', () => {
    const layout = requireAddon().snapshotLayout;
    expect(checkSnapshotLayout(layout)).toBeNull();
    // An addon built before changed-rows delivery packs every process: decoding it as changes would be wrong.
    expect(checkSnapshotLayout({ ...layout, delivery: undefined })).toMatch(/delivers snapshot rows as "every row", .* reads "changed-rows"/);
    expect(checkSnapshotLayout({ ...layout, processColumns: [...layout.processColumns].reverse() })).toMatch(/process columns .* differ/);
    expect(checkSnapshotLayout(undefined)).toMatch(/no snapshotLayout/);
  });
});

describe('native SnapshotReader on a fixture /proc', () => {
  let addon: NativeAddon;
  let fixture: ProcFixture;
  beforeAll(async () => {
    addon = requireAddon();
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('parses a comm of "a) b (c\\nd" from the last parenthesis', async () => {
    const snapshot = await nativeReader(addon, fixture.root).snapshot();
    expect(findPid(snapshot, 100)).toMatchObject({
      comm: 'a) b (c\nd',
      state: 'S',
      ppid: 1,
      argv: ['/opt/weird/a) b (c', '--flag'],
      exe: '/opt/weird/a) b (c',
      utime: 250,
      stime: 50,
      threads: 3,
      startTime: 5000,
      rssBytes: 500 * 4096,
      vsizeBytes: 10_000_000,
    });
  });

  it('lists only pid directories, skips the vanished one, and sorts by pid', async () => {
    const snapshot = await nativeReader(addon, fixture.root).snapshot();
    expect(snapshot.processes.map((p) => p.pid)).toEqual([1, 2, 7, 100, 200, 400, 500]);
    expect(snapshot.warnings).toEqual([]);
  });

  it('flags kernel threads by PF_KTHREAD and gives zombies no memory and no argv', async () => {
    const snapshot = await nativeReader(addon, fixture.root).snapshot();
    expect(findPid(snapshot, 2)).toMatchObject({ isKernelThread: true, argv: [], exe: null, rssBytes: 0 });
    expect(findPid(snapshot, 7)).toMatchObject({ isKernelThread: true, state: 'I', nice: -20, priority: 0, comm: 'kworker/0:1-events' });
    expect(findPid(snapshot, 200)).toMatchObject({ state: 'Z', rssBytes: 0, argv: [], exe: null, isKernelThread: false });
    expect(findPid(snapshot, 1)).toMatchObject({ isKernelThread: false, ppid: 0, argv: ['/sbin/init', 'splash'] });
  });

  it('keeps 64-bit values exact and resolves an unknown uid to its number', async () => {
    const snapshot = await nativeReader(addon, fixture.root).snapshot();
    expect(findPid(snapshot, 400)).toMatchObject({
      vsizeBytes: 140_737_488_355_328,
      rssBytes: 4_000_000 * 4096,
      utime: 4_000_000_000,
      stime: 123_456_789,
      threads: 64,
      nice: 19,
      priority: 39,
    });
    const vim = findPid(snapshot, 500)!;
    expect(vim).toMatchObject({ state: 'T', ttyNr: 34816 });
    if (process.getuid!() === 0) expect(vim).toMatchObject({ uid: 54_321, user: '54321' });
    else expect(vim.uid).toBe(process.getuid!());
  });

  it('reads the system files of the fixture root', async () => {
    const { system } = await nativeReader(addon, fixture.root).snapshot();
    expect(system.cpus).toEqual([
      { user: 1000, nice: 10, system: 500, idle: 8000, iowait: 100, irq: 5, softirq: 7, steal: 0 },
      { user: 1200, nice: 20, system: 400, idle: 7900, iowait: 50, irq: 3, softirq: 4, steal: 0 },
    ]);
    expect(system.cpuTotal).toEqual({ user: 2200, nice: 30, system: 900, idle: 15900, iowait: 150, irq: 8, softirq: 11, steal: 0 });
    expect(system).toMatchObject({
      memTotalBytes: 8_000_000 * 1024,
      memFreeBytes: 2_000_000 * 1024,
      memAvailableBytes: 5_000_000 * 1024,
      buffersBytes: 100_000 * 1024,
      cachedBytes: 2_500_000 * 1024,
      swapTotalBytes: 1_000_000 * 1024,
      swapFreeBytes: 900_000 * 1024,
      loadAvg: [0.5, 0.25, 0.13],
      uptimeSeconds: 12_345.67,
      bootTimeMs: 1_700_000_000_000,
    });
  });

  it('re-reads details after a comm change under the same identity, and caches them otherwise', async () => {
    const reader = nativeReader(addon, fixture.root);
    const base = { pid: 600, ppid: 1, startTime: 9000 };
    await fixture.writeProcess({ ...base, comm: 'launcher', argv: ['launcher', '--go'], exe: '/usr/bin/launcher' });
    try {
      expect(findPid(await reader.snapshot(), 600)).toMatchObject({ comm: 'launcher', argv: ['launcher', '--go'], exe: '/usr/bin/launcher' });
      // Same comm, new cmdline: the identity cache answers (steady state reads stat only).
      await fixture.writeProcess({ ...base, comm: 'launcher', argv: ['changed'], exe: '/usr/bin/launcher' });
      expect(findPid(await reader.snapshot(), 600)?.argv).toEqual(['launcher', '--go']);
      // exec: same pid and start time, new comm → argv and exe re-read.
      await fixture.writeProcess({ ...base, comm: 'worker', argv: ['worker', '-n', '4'], exe: '/usr/bin/worker' });
      expect(findPid(await reader.snapshot(), 600)).toMatchObject({ comm: 'worker', argv: ['worker', '-n', '4'], exe: '/usr/bin/worker', startTime: 9000 });
      // A new identity on the same pid (pid reuse) is read afresh even with the same comm.
      await fixture.writeProcess({ ...base, startTime: 9500, comm: 'worker', argv: ['worker', '-n', '8'], exe: '/usr/bin/worker' });
      expect(findPid(await reader.snapshot(), 600)).toMatchObject({ argv: ['worker', '-n', '8'], startTime: 9500 });
    } finally {
      await fixture.removeProcess(600);
    }
  });

  it('hands back the same frozen record while a process is unchanged, a new one once its stat moves', async () => {
    const reader = nativeReader(addon, fixture.root);
    const base = { pid: 610, ppid: 1, startTime: 9100, comm: 'idler', argv: ['idler'], exe: '/usr/bin/idler', utime: 5, stime: 2 };
    await fixture.writeProcess(base);
    try {
      const first = findPid(await reader.snapshot(), 610);
      const steady = findPid(await reader.snapshot(), 610);
      expect(first).toBeDefined();
      expect(steady).toBe(first);
      expect(Object.isFrozen(steady)).toBe(true);
      await fixture.writeProcess({ ...base, utime: 6 });
      const moved = findPid(await reader.snapshot(), 610);
      expect(moved).not.toBe(first);
      expect(moved).toMatchObject({ utime: 6, stime: 2, argv: ['idler'] });
      await fixture.writeProcess({ ...base, utime: 6, state: 'R' });
      expect(findPid(await reader.snapshot(), 610)).toMatchObject({ utime: 6, state: 'R' });
    } finally {
      await fixture.removeProcess(610);
    }
  });

  it('keeps a title rewritten without NULs as one argument and an empty argument in the middle', async () => {
    const reader = nativeReader(addon, fixture.root);
    await fixture.writeProcess({ pid: 700, comm: 'nginx', cmdlineRaw: 'nginx: worker process', exe: '/usr/sbin/nginx' });
    await fixture.writeProcess({ pid: 701, comm: 'tool', cmdlineRaw: 'tool\0\0last\0' });
    await fixture.writeProcess({ pid: 702, comm: 'kt', flags: FIXTURE_PF_KTHREAD, cmdlineRaw: 'ignored\0' });
    try {
      const snapshot = await reader.snapshot();
      expect(findPid(snapshot, 700)).toMatchObject({ argv: ['nginx: worker process'], exe: '/usr/sbin/nginx' });
      expect(findPid(snapshot, 701)).toMatchObject({ argv: ['tool', '', 'last'], exe: null });
      // Kernel threads have no argv, whatever their cmdline file says.
      expect(findPid(snapshot, 702)?.argv).toEqual([]);
    } finally {
      await Promise.all([700, 701, 702].map((pid) => fixture.removeProcess(pid)));
    }
  });
});

/** Two sources handing out the same reads of one addon reader: the first side reads, the second gets that read too. */
function tee(inner: PackedSnapshotSource): [PackedSnapshotSource, PackedSnapshotSource] {
  let last: Promise<PackedSnapshot> | undefined;
  const side = (reads: boolean): PackedSnapshotSource => ({
    read: () => {
      if (reads) return (last = inner.read());
      if (last === undefined) throw new Error('tee: the reading side must read first');
      return last;
    },
    forgetAll: () => inner.forgetAll(),
    handleStats: () => inner.handleStats(),
    listingStats: () => inner.listingStats(),
    readerThread: () => inner.readerThread(),
  });
  return [side(true), side(false)];
}

/**
 * Three reads of one addon reader decoded eagerly and lazily: the eager records are copied out at
 * once, the lazy lists read only after the last read (the addon has refilled its buffers by then).
 */
async function eagerAndLazyReads(addon: NativeAddon, procRoot: string, between: () => Promise<void> = async () => {}): Promise<{ eager: RawProcess[][]; lazy: Snapshot[] }> {
  const [reading, following] = tee(new addon.SnapshotReader(procRoot));
  const eagerReader = new NativeSnapshotReader(reading, Infinity);
  const lazyReader = new NativeSnapshotReader(following, 0);
  const eager: RawProcess[][] = [];
  const lazy: Snapshot[] = [];
  for (let i = 0; i < 3; i++) {
    eager.push([...(await eagerReader.snapshot()).processes]);
    lazy.push(await lazyReader.snapshot());
    await between();
  }
  return { eager, lazy };
}

describe('native lazy lists against eager decoding of the same reads', () => {
  let addon: NativeAddon;
  beforeAll(() => {
    addon = requireAddon();
  });
  afterEach(async () => {
    await killStartedChildren();
  });

  it('give the same records on the live /proc, a hostile argv[0] and a busy child included', async () => {
    const hostileChild = await startHostileProcess();
    const busy = startBusyLoop();
    const js = createJsCollector();
    const { eager, lazy } = await eagerAndLazyReads(addon, '/proc', async () => {
      // Let the busy child's CPU ticks move, so later reads carry changed rows for it.
      const ticks = async (): Promise<number> => (await js.readProcess(busy.pid!))?.cpuTicks ?? 0;
      const before = await ticks();
      await waitFor(async () => (await ticks()) > before, 10_000, 10);
    });
    for (let i = 0; i < 3; i++) {
      expect([...lazy[i]!.processes]).toEqual(eager[i]);
      expect(JSON.stringify(lazy[i]!.processes)).toBe(JSON.stringify(eager[i]));
    }
    const shown = lazy[0]!.processes.find((p) => p.pid === hostileChild.pid);
    expect(shown?.argv[0]).toBe(HOSTILE_ARGV0);
    const ticks = lazy.map((snapshot) => snapshot.processes.find((p) => p.pid === busy.pid)!.utime + snapshot.processes.find((p) => p.pid === busy.pid)!.stime);
    expect(ticks[2]).toBeGreaterThan(ticks[0]!);
  });

  it('give the same records on a fixture /proc whose processes change and exit between reads', async () => {
    const fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    try {
      let step = 0;
      const { eager, lazy } = await eagerAndLazyReads(addon, fixture.root, async () => {
        step++;
        const moved = PITFALL_PROCESSES.find((p) => p.pid === 100)!;
        if (step === 1) await fixture.writeProcess({ ...moved, utime: 999 });
        if (step === 2) await fixture.removeProcess(500);
      });
      for (let i = 0; i < 3; i++) expect([...lazy[i]!.processes]).toEqual(eager[i]);
      expect(lazy[0]!.processes.find((p) => p.pid === 100)).toMatchObject({ comm: 'a) b (c\nd', utime: 250 });
      expect(lazy[1]!.processes.find((p) => p.pid === 100)).toMatchObject({ comm: 'a) b (c\nd', utime: 999 });
      expect(lazy[2]!.processes.map((p) => p.pid)).not.toContain(500);
      expect(lazy[1]!.processes.map((p) => p.pid)).toContain(500);
    } finally {
      await fixture.cleanup();
    }
  });
});
