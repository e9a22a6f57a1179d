// The native reader's run checks (issue 16 §1, fullStatEveryMs), on real children: a sleeping
// single-threaded process trades its kept stat handle for a kept /proc/PID/schedstat one, and its
// stat is not read again while its main thread has not run. What it does itself shows at once;
// what another process does to it (renice, a new parent) shows by the bound or the next read.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NativeAddon } from '../src/sys/native-addon.js';
import { NativeSnapshotReader } from '../src/sys/native-snapshot.js';
import { createNativeCollector } from '../src/sys/collector.js';
import type { RawProcess } from '../src/sys/types.js';
import { requireAddon } from './helpers/native-addon.js';
import { runScenario, runUnderLowLimit, startExecdSleepers } from './helpers/scenario.js';
import { procHandlesOf } from './helpers/proc-handles.js';
import { createMemoryCgroup, memoryCgroupAvailable } from './helpers/memory-cgroup.js';
import { killStartedChildren, killWithDescendants, settledSleepers, startChild, startSleeper, waitFor } from './helpers/children.js';

/** How many of this process's descriptors are open on /proc/PID/<file>, per pid, in the order asked. */
const handlesOf = (file: 'stat' | 'schedstat', pids: readonly number[]): number[] => [...procHandlesOf(file, pids).values()];

// Under `ulimit -n 256` (a budget of 128 handles, every one taken by 200 sleepers): reads 100 ms
// apart until the run checks stop growing, then what the reader holds and how many processes it listed.
const LOW_LIMIT_SCENARIO = `
import { createRequire } from 'node:module';
const [addonFile, pidList] = process.argv.slice(2);
const addon = createRequire(import.meta.url)(addonFile);
const children = pidList.split(',').length;
const reader = new addon.SnapshotReader('/proc');
let last = -1;
let listed = 0;
for (let i = 0; i < 60; i++) {
  listed = (await reader.read()).order.length;
  const stats = reader.handleStats();
  if (i > 5 && stats.runChecks === last && stats.unread > 0) break;
  last = stats.runChecks;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log(JSON.stringify({ stats: reader.handleStats(), listed, children }));
`;

// In a mount namespace of its own where the schedstat of the second third of the pids reads
// "0 0 0" (as on a kernel without CONFIG_SCHED_INFO) and that of the last third is refused
// (EACCES, as a security module may): reads 100 ms apart until the first third have their run
// checks, five more, then what the reader holds, with this process's handles per pid.
const REFUSED_SCENARIO = `
import { createRequire } from 'node:module';
import { readdirSync, readlinkSync } from 'node:fs';
const [addonFile, pidList] = process.argv.slice(2);
const addon = createRequire(import.meta.url)(addonFile);
const pids = pidList.split(',').map(Number);
const third = pids.length / 3;
const reader = new addon.SnapshotReader('/proc', { fullStatEveryMs: 60000 });
const handles = (file) => {
  const links = readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync('/proc/self/fd/' + fd); } catch { return ''; } });
  return pids.map((pid) => links.filter((link) => link === '/proc/' + pid + '/' + file).length);
};
for (let i = 0; i < 80; i++) {
  await reader.read();
  if (i > 5 && handles('schedstat').slice(0, third).every((n) => n === 1)) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
// Reads on: a process refused is not offered again, and stays refused.
for (let i = 0; i < 5; i++) {
  await reader.read();
  await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log(JSON.stringify({ stats: reader.handleStats(), stat: handles('stat'), schedstat: handles('schedstat') }));
`;

// Single-threaded: writes a 32 MiB file once told (its pages charged to its memory cgroup by
// then), maps it and touches every page, says "ready", and sleeps in read(2) until told again.
const MAPPER = `
import mmap, os, sys
sys.stdin.readline()
size = 32 << 20
with open(sys.argv[1], 'wb') as f:
    f.write(b'x' * size)
    f.flush()
    os.fsync(f.fileno())
m = mmap.mmap(os.open(sys.argv[1], os.O_RDONLY), size, prot=mmap.PROT_READ)
total = sum(m[at] for at in range(0, size, 4096))
print('ready', flush=True)
sys.stdin.readline()
`;

const rowOf = (processes: readonly RawProcess[], pid: number): RawProcess | undefined => processes.find((p) => p.pid === pid);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('run checks of the native reader', () => {
  let addon: NativeAddon;
  beforeAll(() => {
    addon = requireAddon();
  });
  afterEach(async () => {
    await killStartedChildren();
  });

  /** A reader whose sleepers among pids have their run checks, and a read that left them all unread. */
  async function withRunChecks(pids: readonly number[], fullStatEveryMs = 60_000) {
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullStatEveryMs }));
    const settled = await settledSleepers(() => reader.snapshot(), pids);
    // Once two reads in a row find them asleep with the same figures, the reader thread trades
    // each stat handle for a run check in its idle time, paired there with the figures the stat
    // still shows, so the very next read reads none of their stats.
    await waitFor(async () => {
      await reader.snapshot();
      return handlesOf('schedstat', pids).every((n) => n === 1) || undefined;
    });
    const unread = await reader.snapshot();
    return { reader, settled, unread };
  }

  it('keeps a run check instead of the stat handle of a sleeper, and does not read its stat again while it sleeps', async () => {
    const pids = Array.from({ length: 6 }, () => startSleeper(300).pid!);
    const { reader, settled, unread } = await withRunChecks(pids);
    expect(handlesOf('stat', pids)).toEqual(pids.map(() => 0));
    expect(handlesOf('schedstat', pids)).toEqual(pids.map(() => 1));
    expect(reader.handleStats().runChecks).toBeGreaterThanOrEqual(pids.length);
    expect(reader.handleStats().unread).toBeGreaterThanOrEqual(pids.length);
    // Their rows are as read while they slept: same identity and figures.
    for (const pid of pids) {
      const before = rowOf(settled.processes, pid)!;
      expect(rowOf(unread.processes, pid)).toMatchObject({ pid, startTime: before.startTime, state: 'S', rssBytes: before.rssBytes, utime: before.utime, comm: 'sleep' });
    }
  });

  it('reads a sleeper that wakes at once: its state and CPU time move on the next read, and it gets its stat handle back', async () => {
    // Sleeps in read(2) until a line comes, then spins on builtins alone (bounded: it counts to
    // 50 million, a minute or so, should the test be torn down before it is killed).
    const child = startChild('sh', ['-c', 'read line; i=0; while [ $i -lt 50000000 ]; do i=$((i+1)); done'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const pid = child.pid!;
    await waitFor(() => readFileSync(`/proc/${pid}/stat`, 'latin1').includes(') S ') || undefined);
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullStatEveryMs: 60_000 }));
    await waitFor(async () => {
      await reader.snapshot();
      return handlesOf('schedstat', [pid])[0] === 1 || undefined;
    });
    await reader.snapshot();
    const asleep = rowOf((await reader.snapshot()).processes, pid)!;
    expect(asleep.state).toBe('S');
    child.stdin!.write('go\n');
    await sleep(300);
    const awake = rowOf((await reader.snapshot()).processes, pid)!;
    expect(awake.startTime).toBe(asleep.startTime);
    expect(awake.utime + awake.stime).toBeGreaterThan(asleep.utime + asleep.stime);
    expect(awake.state).not.toBe('S');
    expect(handlesOf('stat', [pid])).toEqual([1]);
    expect(handlesOf('schedstat', [pid])).toEqual([0]);
  });

  it('shows a nice value another process set on a sleeper by fullStatEveryMs', async () => {
    const pids = [startSleeper(300).pid!];
    const { reader } = await withRunChecks(pids, 700);
    setPriority(pids[0]!, 7);
    // Asleep, it has not run since: only the bound has its stat read again.
    const seen = await waitFor(
      async () => {
        const row = rowOf((await reader.snapshot()).processes, pids[0]!);
        return row?.nice === 7 ? row : undefined;
      },
      5_000,
      100,
    );
    expect(seen.state).toBe('S');
  });

  it('shows a nice value set through proctop on the next read, the bound notwithstanding', async () => {
    const pid = startSleeper(300).pid!;
    // On its reader thread, whose handles this test can see (a reader process relays the mark:
    // test/reader-process.test.ts).
    const collector = createNativeCollector('/proc', { readerProcess: false });
    if (typeof collector === 'string') throw new Error(collector);
    const settled = await settledSleepers(() => collector.snapshot(), [pid]);
    // Reads 50 ms apart until its stat handle is traded for a run check, and one read after that.
    await waitFor(async () => {
      await collector.snapshot();
      return handlesOf('schedstat', [pid])[0] === 1 || undefined;
    });
    expect(rowOf((await collector.snapshot()).processes, pid)?.nice).toBe(0);
    const change = await collector.setPriority({ pid, startTime: rowOf(settled.processes, pid)!.startTime }, 6);
    expect(change).toEqual({ outcome: 'set', error: null });
    // Asleep and well inside the 10 s bound: only setPriority's mark has the next read read its stat.
    expect(rowOf((await collector.snapshot()).processes, pid)).toMatchObject({ nice: 6, state: 'S' });
  });

  it('reads a sleeper again on the read after its parent exits, with its new parent', async () => {
    // sh starts a sleeper, says its PID, and waits for a line; given none (stdin closed), it exits.
    const parent = startChild('sh', ['-c', 'sleep 300 & echo $!; read line'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const orphan = await new Promise<number>((resolve) => parent.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim()))));
    try {
      const { reader, unread } = await withRunChecks([orphan]);
      expect(rowOf(unread.processes, orphan)?.ppid).toBe(parent.pid);
      const exited = new Promise((resolve) => parent.once('exit', resolve));
      parent.stdin!.end();
      await exited;
      // The read that finds the parent gone; the next reads the orphan's stat for its new parent.
      await waitFor(async () => !rowOf((await reader.snapshot()).processes, parent.pid!) || undefined);
      const adopted = rowOf((await reader.snapshot()).processes, orphan)!;
      expect(adopted.ppid).not.toBe(parent.pid);
      expect(adopted.ppid).toBe(Number(readFileSync(`/proc/${orphan}/stat`, 'latin1').split(') ')[1]!.split(' ')[1]));
    } finally {
      killWithDescendants(orphan);
    }
  });

  it('ends the row of a sleeper that exits while only its run check is kept, and closes that handle', async () => {
    const children = Array.from({ length: 3 }, () => startSleeper(300));
    const pids = children.map((child) => child.pid!);
    const { reader } = await withRunChecks(pids);
    // (The reader's count of run checks is the whole machine's: other processes trade meanwhile.)
    const exited = new Promise((resolve) => children[0]!.once('exit', resolve));
    children[0]!.kill('SIGKILL');
    await exited;
    const after = await reader.snapshot();
    expect(rowOf(after.processes, pids[0]!)).toBeUndefined();
    expect(rowOf(after.processes, pids[1]!)?.comm).toBe('sleep');
    expect(handlesOf('schedstat', pids)).toEqual([0, 1, 1]);
  });

  it('keeps no run check for a multi-threaded process, whose main thread is not all of it', async () => {
    // Node runs V8's and libuv's threads beside the main one.
    const child = startChild(process.execPath, ['-e', 'setTimeout(() => {}, 300000)']);
    const pid = child.pid!;
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullStatEveryMs: 60_000 }));
    const row = await waitFor(async () => {
      const found = rowOf((await reader.snapshot()).processes, pid);
      return found && found.threads > 1 && found.state === 'S' ? found : undefined;
    });
    expect(row.threads).toBeGreaterThan(1);
    for (let i = 0; i < 4; i++) {
      await reader.snapshot();
      await sleep(50);
    }
    expect(handlesOf('schedstat', [pid])).toEqual([0]);
    expect(handlesOf('stat', [pid])).toEqual([1]);
  });

  it('trades only where reads come within a quarter of the bound, and trades back once they come more than a third of it apart', async () => {
    const pids = Array.from({ length: 3 }, () => startSleeper(300).pid!);
    // A quarter of 3,000 ms is 750 ms; a third of it, 1,000 ms (gaps by a running mean). Each
    // read below also lists this process's descriptors (handlesOf) and may wait for a CPU on a
    // loaded machine: the gaps run up to ~150 ms past their sleeps, well inside these margins.
    // (With a 600 ms bound, reads "50 ms apart" came ~150 ms apart on a loaded CI machine, at the
    // quarter itself, and the trade waited for them.)
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullStatEveryMs: 3000 }));
    await settledSleepers(async () => {
      await sleep(1100);
      return reader.snapshot();
    }, pids);
    for (let i = 0; i < 3; i++) {
      await sleep(1100);
      await reader.snapshot();
    }
    expect(handlesOf('schedstat', pids)).toEqual([0, 0, 0]);
    expect(handlesOf('stat', pids)).toEqual([1, 1, 1]);
    // Reads 50 ms apart: traded (in the reader thread's idle time; a failure names what the
    // reader held, to tell a slow trade from none).
    await waitFor(
      async () => {
        await reader.snapshot();
        return handlesOf('schedstat', pids).every((n) => n === 1) || undefined;
      },
      20_000,
      50,
    ).catch((error: Error) => {
      const held = { stats: reader.handleStats(), schedstat: handlesOf('schedstat', pids), stat: handlesOf('stat', pids) };
      throw new Error(`${error.message}; reader: ${JSON.stringify(held)}`);
    });
    // Reads ~850 ms apart (between the two thresholds), past the bound: they stay traded.
    for (let i = 0; i < 4; i++) {
      await sleep(850);
      await reader.snapshot();
    }
    expect(handlesOf('schedstat', pids)).toEqual([1, 1, 1]);
    // Slower: the read the bound makes due keeps the stat handle it opens.
    await waitFor(
      async () => {
        await sleep(1600);
        await reader.snapshot();
        return handlesOf('stat', pids).every((n) => n === 1) || undefined;
      },
      20_000,
      0,
    );
    expect(handlesOf('schedstat', pids)).toEqual([0, 0, 0]);
  }, 60_000);

  it('reads every stat every time at fullStatEveryMs 0, and refuses a bad value', async () => {
    const pids = Array.from({ length: 3 }, () => startSleeper(300).pid!);
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullStatEveryMs: 0 }));
    await settledSleepers(() => reader.snapshot(), pids);
    for (let i = 0; i < 3; i++) {
      await sleep(50);
      await reader.snapshot();
    }
    expect(reader.handleStats()).toMatchObject({ runChecks: 0, unread: 0 });
    expect(handlesOf('stat', pids)).toEqual([1, 1, 1]);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
      expect(() => new addon.SnapshotReader('/proc', { fullStatEveryMs: bad as number })).toThrow(/fullStatEveryMs must be a finite number >= 0/);
    }
  });

  it('trades stat handles for run checks with every handle of the budget taken (ulimit -n 256), and lists every process', async () => {
    const pids = await startExecdSleepers(200);
    const run = runUnderLowLimit(LOW_LIMIT_SCENARIO, pids);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { stats, listed } = run.outcome;
    expect(listed).toBeGreaterThanOrEqual(pids.length);
    expect(stats).toMatchObject({ limit: 256, reserve: 128, budget: 128 });
    expect(stats.runChecks).toBeGreaterThan(0);
    expect(stats.unread).toBeGreaterThan(0);
    // Still one handle per process, within the budget.
    expect(stats.kept + stats.runChecks).toBeLessThanOrEqual(128);
  }, 120_000);

  it.runIf(memoryCgroupAvailable)('shows the memory the kernel reclaimed from a sleeper with a run check on the next read (vmstat pgsteal)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctop-reclaim-'));
    const child = startChild('python3', ['-c', MAPPER, join(dir, 'mapped')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = child.pid!;
    const cgroup = createMemoryCgroup('proctop-test-reclaim');
    try {
      cgroup.add(pid);
      const ready = new Promise((resolve) => child.stdout!.once('data', resolve));
      child.stdin!.write('go\n');
      await ready;
      const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullStatEveryMs: 60_000 }));
      await waitFor(async () => {
        await reader.snapshot();
        return handlesOf('schedstat', [pid])[0] === 1 || undefined;
      });
      const before = rowOf((await reader.snapshot()).processes, pid)!;
      expect(before.rssBytes).toBeGreaterThan(32 << 20);
      const runBefore = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0];
      cgroup.reclaim();
      const after = rowOf((await reader.snapshot()).processes, pid)!;
      // It did not run: only the kernel's counters could tell the reader its memory moved.
      expect(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]).toBe(runBefore);
      expect(after.startTime).toBe(before.startTime);
      expect(after.rssBytes).toBeLessThan(before.rssBytes - (16 << 20));
    } finally {
      // Its cgroup can go once it has exited.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      cgroup.remove();
    }
  });

  it.runIf(process.getuid?.() === 0)('never offers a run check again to a process whose schedstat counts no runs (no CONFIG_SCHED_INFO) or is refused', async () => {
    const pids = await startExecdSleepers(9);
    const dir = mkdtempSync(join(tmpdir(), 'proctop-schedstat-'));
    writeFileSync(join(dir, 'zero'), '0 0 0\n');
    writeFileSync(join(dir, 'refused'), '1 0 1\n', { mode: 0o000 });
    // Only in the scenario's mount namespace; its Node runs without the capabilities that would
    // let root open a file of mode 000 (its children's stat files stay readable: same owner).
    const mounts = [
      ...pids.slice(3, 6).map((pid) => `mount --bind ${dir}/zero /proc/${pid}/schedstat`),
      ...pids.slice(6).map((pid) => `mount --bind ${dir}/refused /proc/${pid}/schedstat`),
    ].join(' && ');
    const run = runScenario(REFUSED_SCENARIO, pids, {
      setup: `set -e; ${mounts}`,
      wrapper: ['unshare', '--mount', '--propagation', 'private'],
      execVia: ['setpriv', '--bounding-set', '-dac_override,-dac_read_search'],
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { stats, stat, schedstat } = run.outcome;
    // The first third traded their stat handles for run checks; the rest kept theirs.
    expect(schedstat).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(stat).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(stats.runChecks).toBeGreaterThanOrEqual(3);
    // Marked once (when the pairing read found no runs, or the open was refused), never offered again.
    expect(stats.runChecksRefused).toBe(6);
  }, 60_000);
});
