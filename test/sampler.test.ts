import { readFileSync } from 'node:fs';
import { loadavg, setPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuBusyPercent, countTasks, Sampler } from '../src/sampler/sampler.js';
import { plainRow, rowWith } from '../src/sampler/sampled-row.js';
import { withExactRow } from '../src/sampler/exact-rss.js';
import { displayRows, type ListQuery } from '../src/store/process-list.js';
import { createCollector, createJsCollector } from '../src/sys/collector.js';
import type { Collector, CpuTimes, RawProcess, Snapshot, SystemInfo } from '../src/sys/types.js';
import { killStartedChildren, startBusyLoop, startSleeper, waitFor } from './helpers/children.js';

const cpu = (busy: number, idle: number): CpuTimes => ({ user: busy, nice: 0, system: 0, idle, iowait: 0, irq: 0, softirq: 0, steal: 0 });

function system(overrides: Partial<SystemInfo> = {}): SystemInfo {
  return {
    cpuTotal: cpu(0, 0),
    cpus: [cpu(0, 0), cpu(0, 0)],
    memTotalBytes: 1000 * 1024 * 1024,
    memAvailableBytes: 0,
    memFreeBytes: 0,
    buffersBytes: 0,
    cachedBytes: 0,
    swapTotalBytes: 0,
    swapFreeBytes: 0,
    loadAvg: [0, 0, 0],
    uptimeSeconds: 1000,
    bootTimeMs: 1_700_000_000_000,
    clockTicks: 100,
    pageSize: 4096,
    procsRunning: 1,
    ...overrides,
  };
}

function proc(pid: number, overrides: Partial<RawProcess> = {}): RawProcess {
  return {
    pid,
    startTime: 10_000,
    ppid: 1,
    pgid: pid,
    sid: pid,
    uid: 0,
    user: 'root',
    state: 'S',
    comm: `p${pid}`,
    argv: [`p${pid}`],
    exe: null,
    utime: 0,
    stime: 0,
    rssBytes: 0,
    vsizeBytes: 0,
    threads: 1,
    nice: 0,
    priority: 20,
    ttyNr: 0,
    isKernelThread: false,
    ...overrides,
  };
}

/** A snapshot whose read ended at `monotonicMs` and took `readMs` (0: an instant read). */
function snap(monotonicMs: number, processes: RawProcess[], sys: Partial<SystemInfo> = {}, readMs = 0): Snapshot {
  return { timestampMs: 1_800_000_000_000 + monotonicMs, monotonicMs, readStartMonotonicMs: monotonicMs - readMs, processes, system: system(sys), warnings: [] };
}

/** A collector that hands out prepared snapshots in order. */
function scripted(snapshots: Snapshot[]): Pick<Collector, 'snapshot'> {
  let next = 0;
  return {
    snapshot: async () => {
      const s = snapshots[next++];
      if (!s) throw new Error('scripted collector ran out of snapshots');
      return s;
    },
  };
}

describe('sampler arithmetic', () => {
  it('starts at 0% with intervalMs 0 and every identity appeared', async () => {
    const sampler = new Sampler(scripted([snap(5000, [proc(10, { utime: 500 }), proc(11)])]));
    const frame = await sampler.sample();
    expect(frame.intervalMs).toBe(0);
    expect(frame.rows.map((r) => r.cpuPercent)).toEqual([0, 0]);
    expect(frame.appeared).toEqual(['10:10000', '11:10000']);
    expect(frame.exited).toEqual([]);
  });

  it('computes CPU% as tick delta / clock ticks / wall seconds x 100 (100 = one core)', async () => {
    const sampler = new Sampler(
      scripted([
        snap(1000, [proc(10, { utime: 100, stime: 50 }), proc(11, { utime: 7 }), proc(12, { threads: 4 })]),
        // 2 s later: pid 10 used 150 ticks = 1.5 s of CPU → 75%; pid 12 used 2 cores → 200%.
        snap(3000, [proc(10, { utime: 200, stime: 100 }), proc(11, { utime: 7 }), proc(12, { utime: 400, threads: 4 })]),
      ]),
    );
    await sampler.sample();
    const frame = await sampler.sample();
    expect(frame.intervalMs).toBe(2000);
    expect(frame.rows.map((r) => [r.pid, r.cpuPercent])).toEqual([
      [10, 75],
      [11, 0],
      [12, 200],
    ]);
    expect(frame.appeared).toEqual([]);
  });

  it('times CPU% between the two reads\' midpoints: a slow first read and a fast second one', async () => {
    // The first read took 40 ms (ending at 1040), the second 10 ms (ending at 1150): the midpoints
    // are 1020 and 1145, 125 ms apart (from the ends it would be 110 ms). 25 ticks of 10 ms = 250 ms of CPU.
    const sampler = new Sampler(
      scripted([snap(1040, [proc(10, { utime: 100 })], {}, 40), snap(1150, [proc(10, { utime: 125 })], {}, 10)]),
    );
    await sampler.sample();
    const frame = await sampler.sample();
    expect(frame.intervalMs).toBe(125);
    expect(frame.rows[0]?.cpuPercent).toBeCloseTo(200, 6);
  });

  it('treats a reused pid as a new process: 0%, appeared, and the old one exited', async () => {
    const sampler = new Sampler(
      scripted([snap(0, [proc(10, { startTime: 100, utime: 900 })]), snap(1000, [proc(10, { startTime: 5000, utime: 950 })])]),
    );
    await sampler.sample();
    const frame = await sampler.sample();
    expect(frame.rows[0]).toMatchObject({ pid: 10, startTime: 5000, key: '10:5000', cpuPercent: 0 });
    expect(frame.appeared).toEqual(['10:5000']);
    expect(frame.exited.map((r) => r.key)).toEqual(['10:100']);
  });

  it('lists its rows as their own lines in the flat list (no line object per process), tombstones and tree lines apart', async () => {
    const sampler = new Sampler(scripted([snap(0, [proc(10, { rssBytes: 8192 }), proc(11, { ppid: 10, rssBytes: 4096 }), proc(12)])]));
    const frame = await sampler.sample();
    const query: ListQuery = { sortColumn: 'rss', descending: true, filter: '', user: null, hideKernelThreads: false, tree: false };
    const flat = displayRows(frame.rows, query);
    expect(flat.map((d) => d.key)).toEqual(['10:10000', '11:10000', '12:10000']);
    for (const d of flat) {
      expect(frame.rows).toContain(d);
      expect(d.row).toBe(d);
      expect([d.depth, d.treePrefix, d.exited]).toEqual([0, '', false]);
    }
    // The tombstone under the cursor is its own line, marked exited; the row itself stays a live row.
    const withTombstone = displayRows(frame.rows, query, '11:10000');
    expect(withTombstone[1]).toMatchObject({ key: '11:10000', depth: 0, treePrefix: '', exited: true });
    expect(withTombstone[1]?.row).toBe(frame.rows[1]);
    expect(frame.rows[1]).toMatchObject({ exited: false });
    // Tree lines carry their depth and guides.
    const tree = displayRows(frame.rows, { ...query, tree: true });
    expect(tree.map((d) => [d.key, d.depth, d.treePrefix])).toEqual([
      ['10:10000', 0, ''],
      ['11:10000', 1, '└─ '],
      ['12:10000', 0, ''],
    ]);
    // A row that is not the sampler's (a plain copy) gets a line of its own.
    const plain = plainRow(frame.rows[0]!);
    const [line] = displayRows([plain], query);
    expect(line).not.toBe(plain);
    expect(line).toMatchObject({ key: '10:10000', row: plain, depth: 0, treePrefix: '', exited: false });
  });

  it('reports exited rows as last seen', async () => {
    const sampler = new Sampler(scripted([snap(0, [proc(10), proc(11, { comm: 'gone', rssBytes: 4096 })]), snap(1000, [proc(10)])]));
    await sampler.sample();
    const frame = await sampler.sample();
    expect(frame.exited).toHaveLength(1);
    expect(frame.exited[0]).toMatchObject({ pid: 11, comm: 'gone', rssBytes: 4096 });
  });

  it('compares each process with the previous sample only, across many samples of PIDs coming and going', async () => {
    const sampler = new Sampler(
      scripted([
        snap(0, [proc(10, { utime: 100 }), proc(11, { utime: 100 }), proc(12)]),
        // 11 exits; 13 starts.
        snap(1000, [proc(10, { utime: 150 }), proc(12), proc(13, { startTime: 20_000, utime: 10 })]),
        // 11 is back as a new process (a reused PID after a sample without it): new, at 0%, not compared with its
        // figures of two samples ago; 12 exits.
        snap(2000, [proc(10, { utime: 150 }), proc(11, { startTime: 30_000, utime: 400 }), proc(13, { startTime: 20_000, utime: 60 })]),
        snap(3000, [proc(10, { utime: 250 }), proc(11, { startTime: 30_000, utime: 450 }), proc(13, { startTime: 20_000, utime: 60 })]),
      ]),
    );
    await sampler.sample();
    const second = await sampler.sample();
    expect(second.rows.map((r) => [r.pid, r.cpuPercent])).toEqual([
      [10, 50],
      [12, 0],
      [13, 0],
    ]);
    expect(second.appeared).toEqual(['13:20000']);
    expect(second.exited.map((r) => r.key)).toEqual(['11:10000']);
    const third = await sampler.sample();
    expect(third.rows.map((r) => [r.pid, r.cpuPercent])).toEqual([
      [10, 0],
      [11, 0],
      [13, 50],
    ]);
    expect(third.appeared).toEqual(['11:30000']);
    expect(third.exited.map((r) => r.key)).toEqual(['12:10000']);
    const fourth = await sampler.sample();
    expect(fourth.rows.map((r) => [r.pid, r.cpuPercent])).toEqual([
      [10, 100],
      [11, 50],
      [13, 0],
    ]);
    expect(fourth.appeared).toEqual([]);
    expect(fourth.exited).toEqual([]);
  });

  it('derives memory %, lifetime CPU %, CPU time, start time and age', async () => {
    const frame = await new Sampler(
      scripted([snap(0, [proc(10, { startTime: 50_000, utime: 3000, stime: 1000, rssBytes: 250 * 1024 * 1024 })], { uptimeSeconds: 1000 })]),
    ).sample();
    const row = frame.rows[0];
    // started 500 s after boot, now 1000 s after boot: 40 s of CPU over 500 s = 8%.
    expect(row).toMatchObject({ memPercent: 25, cpuTimeSeconds: 40, ageSeconds: 500, startTimeMs: 1_700_000_000_000 + 500_000 });
    expect(row?.cpuPercentLifetime).toBeCloseTo(8, 10);
  });

  it("points each row at the snapshot's record instead of copying it, and a copy keeps every field", async () => {
    const raw = proc(10, { startTime: 50_000, utime: 3000, stime: 1000, rssBytes: 250 * 1024 * 1024, exe: '/usr/bin/p10', argv: ['p10', '-x'] });
    const frame = await new Sampler(scripted([snap(0, [raw], { uptimeSeconds: 1000 })])).sample();
    const row = frame.rows[0]!;
    expect(row.argv).toBe(raw.argv);
    // Every ProcessRow field survives the copy that spreads and exact RSS make (getters do not spread).
    const copy = plainRow(row);
    expect(Object.keys(copy).sort()).toEqual(
      [...Object.keys(raw), 'key', 'name', 'cpuPercent', 'cpuPercentLifetime', 'memPercent', 'cpuTimeSeconds', 'startTimeMs', 'ageSeconds'].sort(),
    );
    expect(copy).toMatchObject({ ...raw, key: '10:50000', name: 'p10', cpuPercent: 0, memPercent: 25, cpuTimeSeconds: 40, ageSeconds: 500 });
    expect({ ...rowWith(row, { cpuPercent: 5 }) }).toEqual({ ...copy, cpuPercent: 5 });
    // Exact RSS rescales MEM% on the copy and leaves the frame's row as it was.
    expect(withExactRow(row, 125 * 1024 * 1024)).toMatchObject({ rssBytes: 125 * 1024 * 1024, memPercent: 12.5, pid: 10, cpuTimeSeconds: 40 });
    expect(row.rssBytes).toBe(250 * 1024 * 1024);
  });

  it('computes per-CPU and total busy % from /proc/stat deltas, idle + iowait as idle', async () => {
    const first = { cpuTotal: cpu(100, 100), cpus: [cpu(50, 50), cpu(50, 50)] };
    const second = {
      cpuTotal: { ...cpu(250, 150), iowait: 100 },
      cpus: [cpu(150, 50), { ...cpu(100, 100), iowait: 100 }],
    };
    const sampler = new Sampler(scripted([snap(0, [], first), snap(1000, [], second)]));
    const initial = await sampler.sample();
    // First frame: share since boot.
    expect(initial.cpuPercentPerCpu).toEqual([50, 50]);
    const frame = await sampler.sample();
    // cpu0: +100 busy, +0 idle → 100%; cpu1: +50 busy, +50 idle +100 iowait → 25%.
    expect(frame.cpuPercentPerCpu).toEqual([100, 25]);
    expect(frame.cpuPercentTotal).toBe(50);
  });

  it('reports 0 busy when counters step back', () => {
    expect(cpuBusyPercent(cpu(100, 100), cpu(50, 50))).toBe(0);
  });

  it('counts tasks like top: D and I sleep, T and t stop, other letters in no state count', () => {
    const counts = countTasks([
      proc(1, { state: 'R', threads: 3 }),
      proc(2, { state: 'S' }),
      proc(3, { state: 'D' }),
      proc(4, { state: 'I', isKernelThread: true }),
      proc(5, { state: 'T' }),
      proc(6, { state: 't' }),
      proc(7, { state: 'Z' }),
      proc(8, { state: 'X' }),
    ], { procsRunning: 4 });
    // Running threads are the kernel's procs_running, not processes in state R (a process's state is its main thread's).
    expect(counts).toEqual({ total: 8, running: 1, runningThreads: 4, sleeping: 3, stopped: 2, zombie: 1, kernelThreads: 1, threads: 10 });
  });
});

describe('sampler on real processes', () => {
  afterEach(() => killStartedChildren());

  // Both backends through the default chooser and the forced fallback.
  it.each([
    { name: 'default backend', make: (): Collector => createCollector().collector },
    { name: 'js backend', make: (): Collector => createJsCollector() },
  ])('shows a busy loop near 100% and a sleeper near 0% over a ~1 s sample ($name)', { timeout: 60_000 }, async ({ make }) => {
    const busy = startBusyLoop();
    const sleeper = startSleeper();
    const sampler = new Sampler(make());
    await waitFor(async () => {
      const frame = await sampler.sample();
      return frame.rows.some((r) => r.pid === busy.pid && r.name === 'node') && frame.rows.some((r) => r.pid === sleeper.pid && r.comm === 'sleep');
    });
    // The machine is shared (other suites, autogroup scheduling): measure up to eight ~1.2 s
    // windows and keep the first where the child got its core. A sampler that misreads ticks
    // fails every window; a saturated machine shows in the load average of the failure message.
    try {
      setPriority(busy.pid as number, -10);
    } catch {
      // not root: measure at normal priority
    }
    await new Promise((r) => setTimeout(r, 300));
    const firstStarted = performance.now();
    let frame = await sampler.sample();
    const firstPassMs = performance.now() - firstStarted;
    const seen: number[] = [];
    // The child's own tick count over each window, read apart from the sampler: on a saturated
    // machine the child gets less than a core, and the sampler must then show what it got.
    const ticksOf = (pid: number): number => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]);
    };
    let independent = 0;
    // The sampler reads the child's stat somewhere inside each pass, so its window and this one
    // differ by up to both passes' durations: on a loaded machine a pass takes a good part of a
    // second, and the tolerance grows by what the child could have run in that time.
    let previousPassMs = firstPassMs;
    let slack = 0;
    for (let window = 0; window < 8; window++) {
      const ticksBefore = ticksOf(busy.pid as number);
      await new Promise((r) => setTimeout(r, 1200));
      const passStarted = performance.now();
      frame = await sampler.sample();
      const passMs = performance.now() - passStarted;
      const ticksAfter = ticksOf(busy.pid as number);
      slack = (100 * (previousPassMs + passMs)) / frame.intervalMs;
      previousPassMs = passMs;
      independent = ((ticksAfter - ticksBefore) * (1000 / frame.system.clockTicks) * 100) / frame.intervalMs;
      seen.push(Math.round(frame.rows.find((r) => r.pid === busy.pid)?.cpuPercent ?? 0));
      if ((seen.at(-1) ?? 0) > 60) break;
    }
    const context = `busy child per window: ${seen.join(', ')}%; its own ticks said ${independent.toFixed(0)}% (slack ${slack.toFixed(0)}%); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
    const busyRow = frame.rows.find((r) => r.pid === busy.pid);
    const sleeperRow = frame.rows.find((r) => r.pid === sleeper.pid);
    expect(frame.intervalMs).toBeGreaterThan(1000);
    // A core when the machine had one to give; otherwise what the child's own ticks say it got.
    if ((busyRow?.cpuPercent ?? 0) <= 60) expect(Math.abs((busyRow?.cpuPercent ?? 0) - independent), context).toBeLessThan(15 + slack);
    expect(busyRow?.cpuPercent, context).toBeGreaterThan(Math.min(60, independent - 15 - slack));
    expect(busyRow?.cpuPercent).toBeLessThanOrEqual(200);
    expect(sleeperRow?.cpuPercent).toBeLessThan(5);
    expect(frame.cpuPercentTotal).toBeGreaterThan(20);
    expect(frame.tasks.total).toBe(frame.rows.length);
  });

  it('reports a child that exited between samples', async () => {
    const sleeper = startSleeper();
    const sampler = new Sampler(createCollector().collector);
    await waitFor(async () => (await sampler.sample()).rows.some((r) => r.pid === sleeper.pid && r.comm === 'sleep'));
    await killStartedChildren();
    const frame = await sampler.sample();
    expect(frame.exited.map((r) => r.pid)).toContain(sleeper.pid);
  });
});
