// One contract, every backend: the native addon and the JS fallback must read the same /proc
// into the same records. Never skipped: a missing addon fails the native half loudly.
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, constants, copyFileSync, mkdtempSync, openSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJsCollector, createNativeCollector } from '../src/sys/collector.js';
import type { Collector, ProcessExtras, ProcessInspection, RawProcess, Snapshot } from '../src/sys/types.js';
import { inspectProcess } from '../src/sys/js/inspect.js';
import { fieldWarnings } from '../src/inspect/inspect-document.js';
import { killStartedChildren, killWithDescendants, startBusyLoop, settledSleepers, startChild, startSleeper, startWriter, waitFor } from './helpers/children.js';
import { builtCliPath, repoRoot, runNode, startTimeOf } from './helpers/cli.js';
import { startFdsHolder } from './helpers/fds-holder.js';
import { createProcFixture, limitsText, PITFALL_PROCESSES, type FixtureProcess, type ProcFixture } from './helpers/proc-fixture.js';
import { spawnSync } from 'node:child_process';
import { monotonicNowMs } from '../src/sys/clock.js';

type CollectorFactory = (procRoot?: string) => Collector;

function nativeOrFail(procRoot?: string, options?: { readerProcess?: boolean }): Collector {
  const native = createNativeCollector(procRoot, options);
  if (typeof native === 'string') throw new Error(`native backend unavailable: ${native} (run: npx node-gyp configure --nodedir=/usr && npx node-gyp build)`);
  return native;
}

/** [label, backend, factory]: the native backend twice, reading in its reader process (the default) and on its in-process thread. */
const BACKENDS: readonly (readonly [string, 'js' | 'native', CollectorFactory])[] = [
  ['js', 'js', (root) => createJsCollector(root)],
  ['native', 'native', (root) => nativeOrFail(root, { readerProcess: true })],
  ['native (reader thread)', 'native', (root) => nativeOrFail(root, { readerProcess: false })],
];

function byPid(snap: Snapshot, pid: number): RawProcess | undefined {
  return snap.processes.find((p) => p.pid === pid);
}

const isRoot = process.getuid?.() === 0;

/** Detached children spawned through the collector under test: killed by PID after each test. */
const spawnedPids = new Set<number>();
function trackForCleanup(pid: number): void {
  spawnedPids.add(pid);
}
afterEach(() => {
  // A spawned session leader's own children (its shell's sleeper) go too.
  for (const pid of spawnedPids) killWithDescendants(pid);
  spawnedPids.clear();
});

/** waitFor that returns the found value without null/undefined. */
async function waitForValue<T>(check: () => Promise<T | null | undefined>): Promise<T> {
  return (await waitFor(check)) as T;
}

describe.each(BACKENDS)('collector contract: %s backend', (_label, backend, create) => {
  describe('on the pitfall fixture tree', () => {
    let fixture: ProcFixture;
    let snap: Snapshot;
    beforeAll(async () => {
      fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
      const collector = create(fixture.root);
      expect(collector.backend).toBe(backend);
      snap = await collector.snapshot();
    });
    afterAll(() => fixture?.cleanup());

    it('lists every pid once in pid order, skipping the vanished one silently', () => {
      expect(snap.processes.map((p) => p.pid)).toEqual([1, 2, 7, 100, 200, 400, 500]);
      expect(snap.warnings).toEqual([]);
    });

    it('parses comm "a) b (c\\nd" and the fields after it', () => {
      expect(byPid(snap, 100)).toEqual({
        pid: 100,
        startTime: 5000,
        ppid: 1,
        pgid: 100,
        sid: 100,
        uid: process.getuid?.() ?? 0,
        user: expect.any(String),
        state: 'S',
        comm: 'a) b (c\nd',
        argv: ['/opt/weird/a) b (c', '--flag'],
        exe: '/opt/weird/a) b (c',
        utime: 250,
        stime: 50,
        rssBytes: 500 * snap.system.pageSize,
        vsizeBytes: 10_000_000,
        threads: 3,
        nice: 0,
        priority: 20,
        ttyNr: 0,
        isKernelThread: false,
      });
    });

    it('marks kernel threads by PF_KTHREAD with empty argv and null exe', () => {
      for (const pid of [2, 7]) expect(byPid(snap, pid)).toMatchObject({ isKernelThread: true, argv: [], exe: null });
    });

    it('reads a zombie as state Z without memory, argv or exe, and not a kernel thread', () => {
      expect(byPid(snap, 200)).toMatchObject({ state: 'Z', rssBytes: 0, vsizeBytes: 0, argv: [], exe: null, isKernelThread: false });
    });

    it('keeps 64-bit-sized values', () => {
      expect(byPid(snap, 400)).toMatchObject({ vsizeBytes: 140_737_488_355_328, rssBytes: 4_000_000 * snap.system.pageSize, utime: 4_000_000_000, stime: 123_456_789 });
    });

    it('takes uid from the /proc/PID owner; a uid without passwd entry is named by its number', () => {
      const stopped = byPid(snap, 500);
      expect(stopped?.uid).toBe(isRoot ? 54_321 : process.getuid?.());
      if (isRoot) expect(stopped?.user).toBe('54321');
      expect(byPid(snap, 1)?.user).toBe(isRoot ? 'root' : stopped?.user);
    });

    it('reads one process by pid, and null for a vanished or unknown one', async () => {
      const collector = create(fixture.root);
      expect(await collector.readProcess(100)).toEqual({
        pid: 100,
        startTime: 5000,
        ppid: 1,
        pgid: 100,
        sid: 100,
        state: 'S',
        comm: 'a) b (c\nd',
        uid: process.getuid?.() ?? 0,
        user: byPid(snap, 100)?.user,
        cpuTicks: 300,
        isKernelThread: false,
      });
      expect(await collector.readProcess(7)).toMatchObject({ isKernelThread: true, state: 'I' });
      expect(await collector.readProcess(300)).toBeNull();
      expect(await collector.readProcess(999_999)).toBeNull();
    });

    it('reads the parent chain nearest first, up to PID 1', async () => {
      const collector = create(fixture.root);
      expect((await collector.readAncestors(200)).map((p) => [p.pid, p.startTime])).toEqual([
        [100, 5000],
        [1, 1],
      ]);
      expect(await collector.readAncestors(1)).toEqual([]);
      expect(await collector.readAncestors(300)).toEqual([]);
    });

    it('reads links fresh, and says ENOENT for a link that is not there', async () => {
      const collector = create(fixture.root);
      expect(await collector.readLink(100, 'exe')).toEqual({ path: '/opt/weird/a) b (c', error: null });
      expect(await collector.readLink(2, 'exe')).toMatchObject({ path: null, error: 'ENOENT' });
    });

    it('reads the system figures alone, equal to the snapshot\'s', async () => {
      expect(await create(fixture.root).systemInfo()).toEqual(snap.system);
    });

    it('reads the system figures', () => {
      expect(snap.system).toMatchObject({
        cpuTotal: { user: 2200, nice: 30, system: 900, idle: 15900, iowait: 150, irq: 8, softirq: 11, steal: 0 },
        memTotalBytes: 8_000_000 * 1024,
        memAvailableBytes: 5_000_000 * 1024,
        memFreeBytes: 2_000_000 * 1024,
        buffersBytes: 100_000 * 1024,
        cachedBytes: 2_500_000 * 1024,
        swapTotalBytes: 1_000_000 * 1024,
        swapFreeBytes: 900_000 * 1024,
        loadAvg: [0.5, 0.25, 0.13],
        uptimeSeconds: 12_345.67,
        bootTimeMs: 1_700_000_000_000,
        procsRunning: 3,
      });
      expect(snap.system.cpus).toHaveLength(2);
      expect(snap.system.clockTicks).toBeGreaterThan(0);
      expect(snap.system.pageSize).toBeGreaterThanOrEqual(4096);
    });
  });

  describe('stamps', () => {
    let fixture: ProcFixture | undefined;
    afterAll(() => fixture?.cleanup());

    it('stamps a read when every process\'s figures are in, before it reads a new identity\'s command line', async () => {
      fixture = await createProcFixture({ processes: [{ pid: 1, comm: 'init' }, { pid: 4242, comm: 'late', argv: ['placeholder'] }] });
      // Its command line is a FIFO: reading it waits for the writer this test opens later.
      const cmdline = join(fixture.root, '4242', 'cmdline');
      unlinkSync(cmdline);
      execFileSync('mkfifo', [cmdline]);
      const reading = create(fixture.root).snapshot();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Non-blocking: ENXIO until the reader has the FIFO open (bounded by waitFor).
      const fd = await waitForValue(async () => {
        try {
          return openSync(cmdline, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch {
          return null;
        }
      });
      const released = monotonicNowMs();
      writeSync(fd, 'late\0--flag\0');
      closeSync(fd);
      const snap = await reading;
      expect(byPid(snap, 4242)?.argv).toEqual(['late', '--flag']);
      expect(snap.readStartMonotonicMs).toBeLessThanOrEqual(snap.monotonicMs);
      expect(snap.monotonicMs).toBeLessThan(released);
    });

    it('pairs a command line with the comm it was read with when the process exec\'d between the two passes', async () => {
      const exec = await createProcFixture({ processes: [{ pid: 1, comm: 'init' }, { pid: 4343, comm: 'sh', argv: ['sh', '-c', 'exec sleep 30'] }] });
      try {
        const dir = join(exec.root, '4343');
        const cmdline = join(dir, 'cmdline');
        unlinkSync(cmdline);
        execFileSync('mkfifo', [cmdline]);
        const reading = create(exec.root).snapshot();
        const fd = await waitForValue(async () => {
          try {
            return openSync(cmdline, constants.O_WRONLY | constants.O_NONBLOCK);
          } catch {
            return null;
          }
        });
        // The first pass has read comm "sh"; the process execs "sleep 30" now: its stat changes
        // in place (a kept handle sees it) and its command line is the new one.
        // Its session changes on the way (setsid, then exec), so the row's figures must be the new ones too.
        const stat = join(dir, 'stat');
        const before = readFileSync(stat, 'utf8');
        const fields = before.slice(before.lastIndexOf(')') + 2).split(' ');
        expect(fields[3]).not.toBe('777');
        fields[3] = '777';
        writeFileSync(stat, `4343 (sleep) ${fields.join(' ')}`);
        unlinkSync(cmdline);
        writeFileSync(cmdline, 'sleep\x0030\x00');
        writeSync(fd, 'sleep\x0030\x00');
        closeSync(fd);
        const row = byPid(await reading, 4343);
        expect(row?.argv).toEqual(['sleep', '30']);
        expect(row?.comm).toBe('sleep');
        expect(row?.sid).toBe(777);
      } finally {
        await exec.cleanup();
      }
    });
  });

  describe('tracking cold paths (boot id, identity probes, one process, detached spawn)', () => {
    let fixture: ProcFixture;
    beforeAll(async () => {
      fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
      await mkdir(join(fixture.root, 'sys', 'kernel', 'random'), { recursive: true });
      await writeFile(join(fixture.root, 'sys', 'kernel', 'random', 'boot_id'), '11111111-2222-3333-4444-555555555555\n');
    });
    afterAll(() => fixture?.cleanup());
    afterEach(() => killStartedChildren());

    it('reads the boot id of the proc root it was given', async () => {
      expect(await create(fixture.root).bootId()).toBe('11111111-2222-3333-4444-555555555555');
      expect(await create().bootId()).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    });

    it('probes identities: start times, zombies marked exited, missing and bad pids left out', async () => {
      const probes = await create(fixture.root).probeProcesses([100, 200, 999, 0, -3, 100]);
      expect([...probes.values()].sort((a, b) => a.pid - b.pid)).toEqual([
        { pid: 100, startTime: 5000, exited: false },
        { pid: 200, startTime: 6000, exited: true },
      ]);
    });

    it('reads one process exactly as a snapshot does, or null when it is gone', async () => {
      const collector = create(fixture.root);
      const snap = await collector.snapshot();
      expect(await collector.readProcessRecord(100)).toEqual(byPid(snap, 100));
      expect(await collector.readProcessRecord(999)).toBeNull();
    });

    it('spawns a detached session leader with its log, reporting its real identity and argv', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'proctop-spawn-'));
      const log = join(dir, 'out.log');
      const result = await create().spawnDetached({ command: 'sh', args: ['-c', 'echo out; echo err >&2; sleep 300'], cwd: dir, logPath: log });
      if (!result.ok) throw new Error(result.message);
      const { pid, startTime } = result.identity;
      trackForCleanup(pid);
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      expect(Number(fields[19])).toBe(startTime);
      expect(Number(fields[3])).toBe(pid); // session id: it leads a new session
      expect(result.argv).toEqual(['sh', '-c', 'echo out; echo err >&2; sleep 300']);
      expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(dir);
      expect(await waitFor(() => (readFileSync(log, 'utf8').includes('err') ? readFileSync(log, 'utf8') : null))).toBe('out\nerr\n');
      expect(statSync(log).mode & 0o777).toBe(0o600);
    });

    it('reports a program that cannot start as a value, starting nothing', async () => {
      const missing = await create().spawnDetached({ command: 'proctop-no-such-program', args: [], logPath: null });
      expect(missing).toEqual({ ok: false, code: 'ENOENT', message: 'cannot start proctop-no-such-program: not found' });
      const plain = join(mkdtempSync(join(tmpdir(), 'proctop-spawn-')), 'not-executable');
      await writeFile(plain, '#!/bin/sh\n', { mode: 0o644 });
      const denied = await create().spawnDetached({ command: plain, args: [], logPath: null });
      expect(denied).toMatchObject({ ok: false, code: 'EACCES' });
    });
  });

  describe('readExtras on a fixture tree', () => {
    const dockerId = 'a'.repeat(64);
    let fixture: ProcFixture;
    let collector: Collector;
    beforeAll(async () => {
      fixture = await createProcFixture({
        processes: [
          ...PITFALL_PROCESSES,
          {
            pid: 600,
            comm: 'web',
            argv: ['web'],
            exe: '/usr/bin/web',
            startTime: 9000,
            cgroupText: `1:name=systemd:/\n0::/system.slice/docker-${dockerId}.scope\n`,
            ioText: 'rchar: 11\nwchar: 22\nsyscr: 3\nsyscw: 4\nread_bytes: 8192\nwrite_bytes: 4096\ncancelled_write_bytes: 512\n',
            ctxSwitches: [123, 45],
            swapKb: 64,
            vmRssKb: 13_608, // exact; stat's approximate counter says 500 pages (2000 kB)
            faults: [777, 9],
            fdCount: 5,
            limitsText: limitsText('65536', '524288'),
            smapsRollupText: 'Rss:    9000 kB\nPss:    5000 kB\nSwapPss:   12 kB\n',
          },
          { pid: 602, comm: 'nolimit', argv: ['nolimit'], startTime: 9200, limitsText: limitsText('unlimited', 'unlimited') },
          { pid: 601, comm: 'old-kernel', argv: ['old-kernel'], startTime: 9100, ioText: null, cgroupText: '4:memory:/x\n' },
        ],
      });
      collector = create(fixture.root);
    });
    afterAll(() => fixture?.cleanup());

    it('reads every asked-for extra into the documented record', async () => {
      const [web] = await collector.readExtras([{ pid: 600, startTime: 9000 }], { io: true, status: true, fdCount: true, cgroup: true, faults: true, fdLimit: true, smapsRollup: true });
      const me = process.getuid?.() ?? 0;
      const ids = { real: me, effective: me, saved: me, filesystem: me };
      expect(web).toEqual({
        pid: 600,
        startTime: 9000,
        alive: true,
        comm: 'web',
        io: { readChars: 11, writeChars: 22, readSyscalls: 3, writeSyscalls: 4, readBytes: 8192, writeBytes: 4096, cancelledWriteBytes: 512 },
        status: { voluntaryCtxSwitches: 123, involuntaryCtxSwitches: 45, swapBytes: 64 * 1024, rssBytes: 13_608 * 1024, uids: ids, gids: ids },
        fdCount: 5,
        cgroup: { path: `/system.slice/docker-${dockerId}.scope`, unit: `docker-${dockerId}.scope`, slice: 'system.slice', containerId: dockerId, containerRuntime: 'docker' },
        faults: { minor: 777, major: 9 },
        fdLimit: 65536,
        smapsRollup: { pssBytes: 5000 * 1024, swapPssBytes: 12 * 1024, ussBytes: null, swapBytes: 0 },
        errors: [],
      });
    });

    it('an unlimited fd limit is null without an error; a missing smaps_rollup is an ENOENT error naming the file', async () => {
      const [p] = await collector.readExtras([{ pid: 602, startTime: 9200 }], { fdLimit: true, smapsRollup: true });
      expect(p).toMatchObject({ alive: true, fdLimit: null, smapsRollup: null });
      expect(p?.errors).toEqual([{ field: 'smapsRollup', code: 'ENOENT', message: expect.stringContaining('602/smaps_rollup') }]);
    });

    it('reads only what is asked: the rest is null without errors', async () => {
      const [web] = await collector.readExtras([{ pid: 600, startTime: 9000 }], { io: true });
      expect(web).toMatchObject({ alive: true, status: null, fdCount: null, cgroup: null, faults: null, errors: [] });
      expect(web?.io?.writeBytes).toBe(4096);
    });

    it('keeps the targets order, and reports gone, reused and vanished identities as not alive', async () => {
      const results = await collector.readExtras(
        [{ pid: 600, startTime: 9000 }, { pid: 600, startTime: 1 }, { pid: 300, startTime: 1300 }, { pid: 99_999, startTime: 5 }],
        { io: true, status: true, cgroup: true },
      );
      expect(results.map((r) => [r.pid, r.startTime, r.alive])).toEqual([[600, 9000, true], [600, 1, false], [300, 1300, false], [99_999, 5, false]]);
      for (const gone of results.slice(1)) expect(gone).toMatchObject({ io: null, status: null, cgroup: null, errors: [] });
    });

    it('gives null with a reason for a missing io file and a v1-only cgroup file', async () => {
      const [old] = await collector.readExtras([{ pid: 601, startTime: 9100 }], { io: true, cgroup: true, status: true });
      expect(old).toMatchObject({ alive: true, io: null, cgroup: null });
      expect(old?.status?.voluntaryCtxSwitches).toBe(10);
      expect(old?.errors.map((e) => [e.field, e.code])).toEqual([['io', 'ENOENT'], ['cgroup', 'ENOENT']]);
      expect(old?.errors[1]?.message).toMatch(/cgroup v1 only/);
    });

    it('gives kernel threads and zombies a null swap (no memory map) but their switches', async () => {
      const [kthread, zombie] = await collector.readExtras([{ pid: 2, startTime: 2 }, { pid: 200, startTime: 6000 }], { status: true });
      expect(kthread?.status).toMatchObject({ swapBytes: null, rssBytes: null, voluntaryCtxSwitches: 10 });
      expect(zombie?.status).toMatchObject({ swapBytes: null, rssBytes: null, involuntaryCtxSwitches: 2 });
    });

    it('caches the cgroup per identity: a move is not re-read, a new identity is', async () => {
      const local = create(fixture.root);
      const first = { pid: 500, startTime: 8000 };
      expect((await local.readExtras([first], { cgroup: true }))[0]?.cgroup?.path).toBe('/');
      await fixture.writeProcess({ pid: 500, comm: 'vim', startTime: 8000, cgroupText: '0::/user.slice/user-1000.slice/session-4.scope\n' });
      expect((await local.readExtras([first], { cgroup: true }))[0]?.cgroup?.path).toBe('/');
      await fixture.writeProcess({ pid: 500, comm: 'vim', startTime: 8001, cgroupText: '0::/user.slice/user-1000.slice/session-4.scope\n' });
      const reused = (await local.readExtras([{ pid: 500, startTime: 8001 }], { cgroup: true }))[0];
      expect(reused?.cgroup).toMatchObject({ unit: 'session-4.scope', slice: 'user-1000.slice', containerId: null });
    });
  });

  describe('inspect on a fixture tree', () => {
    let fixture: ProcFixture;
    beforeAll(async () => {
      fixture = await createProcFixture({ processes: [...PITFALL_PROCESSES, { pid: 700, comm: 'going', argv: ['going'], startTime: 9700 }] });
      // Listed with a stat, then gone before status and cmdline could be read.
      rmSync(join(fixture.root, '700', 'status'));
      rmSync(join(fixture.root, '700', 'cmdline'));
    });
    afterAll(() => fixture?.cleanup());

    it('reads what the tree has, names every missing file, and keeps the odd comm', async () => {
      const result = await create(fixture.root).inspect(100, 5000, { smaps: true, threads: true, lineage: true });
      const inspection = result.inspection;
      expect(result.error).toBeNull();
      expect(inspection?.identity).toMatchObject({ pid: 100, startTime: 5000, ppid: 1, ancestors: [{ pid: 1, startTime: 1, comm: 'systemd' }] });
      expect(inspection?.program).toMatchObject({ comm: 'a) b (c\nd', argv: ['/opt/weird/a) b (c', '--flag'], exe: '/opt/weird/a) b (c' });
      expect(inspection?.cpu).toMatchObject({ utimeTicks: 250, stimeTicks: 50, voluntaryCtxSwitches: 10, involuntaryCtxSwitches: 2, threads: 3 });
      expect(inspection?.io?.writeBytes).toBe(8192);
      expect(inspection?.cgroup?.path).toBe('/');
      const missing = inspection?.fieldErrors.map((e) => e.field) ?? [];
      expect(missing).toEqual(expect.arrayContaining(['limits', 'environment', 'memory.smaps_rollup', 'threads', 'program.cwd']));
      expect(inspection?.limits).toBeNull();
      expect(inspection?.exitedDuringRead).toBe(false);
    });

    it('keeps what was read from a process that exits mid-read, marked, with a warning', async () => {
      await fixture.writeProcess({ pid: 800, comm: 'leaving', argv: ['leaving'], startTime: 9800 });
      // The fd listing runs after status and cmdline were read: the process "exits" there.
      const exitDuringListing = async (pid: number) => {
        await fixture.removeProcess(pid);
        return { pid, fds: [], error: { code: 'ENOENT' as const, message: 'gone' }, warnings: [] };
      };
      const result = await inspectProcess(fixture.root, 800, 9800, {}, exitDuringListing);
      expect(result.error).toBeNull();
      expect(result.inspection).toMatchObject({ exitedDuringRead: true, program: { comm: 'leaving', argv: ['leaving'] } });
      expect(fieldWarnings(result.inspection as ProcessInspection)[0]).toMatch(/process 800 exited during the read/);
    });

    it('tells a missing, a reused and a vanished-before-read process apart', async () => {
      const collector = create(fixture.root);
      expect((await collector.inspect(300, null)).error?.code).toBe('ENOENT');
      expect((await collector.inspect(100, 4999)).error?.code).toBe('REUSED');
      expect((await collector.inspect(700, 9700)).error?.code).toBe('EXITED');
    });
  });

  describe('one collector across refreshes of a fixture tree (the native one reports changed rows only)', () => {
    let fixture: ProcFixture;
    beforeAll(async () => {
      fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    });
    afterAll(() => fixture?.cleanup());

    it('shows every stat figure that changes alone, on the very next snapshot', async () => {
      const collector = create(fixture.root);
      const base = { pid: 800, ppid: 1, pgid: 800, sid: 800, startTime: 9800, comm: 'steady', argv: ['steady', '-x'], exe: '/usr/bin/steady' };
      await fixture.writeProcess(base);
      try {
        expect(byPid(await collector.snapshot(), 800)).toMatchObject({ utime: 10, stime: 5, state: 'S', argv: ['steady', '-x'] });
        // Each step changes one figure from the previous step; the snapshot right after must show all of them.
        const steps: readonly [Partial<FixtureProcess>, Partial<RawProcess>][] = [
          [{ utime: 11 }, { utime: 11 }],
          [{ stime: 6 }, { stime: 6 }],
          [{ rssPages: 501 }, { rssBytes: 501 * 4096 }],
          [{ vsizeBytes: 10_000_001 }, { vsizeBytes: 10_000_001 }],
          [{ state: 'R' }, { state: 'R' }],
          [{ ppid: 7 }, { ppid: 7 }],
          [{ pgid: 801 }, { pgid: 801 }],
          [{ sid: 802 }, { sid: 802 }],
          [{ threads: 2 }, { threads: 2 }],
          [{ nice: 5, priority: 25 }, { nice: 5, priority: 25 }],
          [{ ttyNr: 34817 }, { ttyNr: 34817 }],
          [{ state: 'T' }, { state: 'T' }],
        ];
        let spec: FixtureProcess = base;
        let expected: Partial<RawProcess> = { pid: 800, startTime: 9800, comm: 'steady', argv: ['steady', '-x'], exe: '/usr/bin/steady' };
        for (const [change, shown] of steps) {
          spec = { ...spec, ...change };
          expected = { ...expected, ...shown };
          await fixture.writeProcess(spec);
          expect(byPid(await collector.snapshot(), 800)).toMatchObject(expected);
        }
        // Nothing changed: the same figures again.
        expect(byPid(await collector.snapshot(), 800)).toMatchObject(expected);
      } finally {
        await fixture.removeProcess(800);
      }
    });

    it('stamps each read\'s start and end on the monotonic clock, the next read starting after the previous ended', async () => {
      const collector = create(fixture.root);
      const before = monotonicNowMs();
      const first = await collector.snapshot();
      const second = await collector.snapshot();
      const after = monotonicNowMs();
      expect(first.readStartMonotonicMs).toBeGreaterThanOrEqual(before);
      expect(first.monotonicMs).toBeGreaterThanOrEqual(first.readStartMonotonicMs);
      expect(second.readStartMonotonicMs).toBeGreaterThanOrEqual(first.monotonicMs);
      expect(second.monotonicMs).toBeGreaterThanOrEqual(second.readStartMonotonicMs);
      expect(second.monotonicMs).toBeLessThanOrEqual(after);
    });

    it('drops a process that exits and shows a new one on the same pid with its own figures and details', async () => {
      const collector = create(fixture.root);
      await fixture.writeProcess({ pid: 810, startTime: 9810, comm: 'old', argv: ['old'], utime: 40 });
      await fixture.writeProcess({ pid: 811, startTime: 9811, comm: 'other', argv: ['other'] });
      try {
        expect(byPid(await collector.snapshot(), 810)).toMatchObject({ comm: 'old', utime: 40 });
        await fixture.removeProcess(810);
        const without = await collector.snapshot();
        expect(byPid(without, 810)).toBeUndefined();
        expect(byPid(without, 811)).toMatchObject({ comm: 'other', argv: ['other'] });
        // The pid comes back as another process: a later start time, same comm, other figures.
        await fixture.writeProcess({ pid: 810, startTime: 9900, comm: 'old', argv: ['old', '--again'], utime: 1 });
        expect(byPid(await collector.snapshot(), 810)).toMatchObject({ startTime: 9900, comm: 'old', argv: ['old', '--again'], utime: 1 });
        // Reused between two refreshes (no refresh saw it gone), while another pid appears in the same refresh.
        await fixture.writeProcess({ pid: 810, startTime: 9950, comm: 'new', argv: ['new'], utime: 2 });
        await fixture.writeProcess({ pid: 812, startTime: 9951, comm: 'third', argv: ['third'], utime: 3 });
        const reused = await collector.snapshot();
        expect(byPid(reused, 810)).toMatchObject({ startTime: 9950, comm: 'new', argv: ['new'], utime: 2 });
        expect(byPid(reused, 812)).toMatchObject({ startTime: 9951, comm: 'third', argv: ['third'], utime: 3 });
        expect(byPid(reused, 811)).toMatchObject({ comm: 'other', argv: ['other'] });
        expect(reused.processes.map((p) => p.pid)).toEqual([...reused.processes.map((p) => p.pid)].sort((a, b) => a - b));
      } finally {
        await Promise.all([810, 811, 812].map((pid) => fixture.removeProcess(pid)));
      }
    });
  });

  describe('on live /proc', () => {
    afterEach(() => killStartedChildren());

    it('sees our children with their ppid, argv and a sane rss', async () => {
      const children = [startSleeper(), startSleeper(), startSleeper()];
      const pids = children.map((c) => c.pid as number);
      const collector = create();
      const snap = await waitForValue(async () => {
        const s = await collector.snapshot();
        // Sleeping in sleep(1) itself: exec is done and its pages are mapped (rss is 0 right after exec).
        return pids.every((pid) => byPid(s, pid)?.comm === 'sleep' && byPid(s, pid)?.state === 'S') ? s : null;
      });
      for (const pid of pids) {
        const p = byPid(snap, pid);
        expect(p).toMatchObject({ ppid: process.pid, comm: 'sleep', argv: ['sleep', '300'], isKernelThread: false, uid: process.getuid?.() });
        expect(p?.rssBytes).toBeGreaterThan(0);
        expect(p?.exe).toMatch(/sleep|coreutils|busybox/);
      }
      expect(byPid(snap, process.pid)).toMatchObject({ pid: process.pid, ppid: process.ppid });
    });

    it('reads the extras of a live child: its ids, fds, faults, io and the cgroup /proc/PID/cgroup names', async () => {
      const child = startSleeper();
      const pid = child.pid as number;
      const collector = create();
      const identity = await waitForValue(async () => {
        const p = byPid(await collector.snapshot(), pid);
        // Asleep in sleep(1) itself, not just past exec: its first voluntary switch has happened
        // (a read between exec and that sleep found voluntary_ctxt_switches 0 on a busy CI run).
        return p?.comm === 'sleep' && p.state === 'S' ? { pid, startTime: p.startTime } : null;
      });
      const [extras] = await collector.readExtras([identity], { io: true, status: true, fdCount: true, cgroup: true, faults: true, smapsRollup: true });
      const me = process.getuid?.() ?? 0;
      expect(extras).toMatchObject({ ...identity, alive: true, errors: [] });
      const smaps = extras?.smapsRollup;
      expect(smaps?.ussBytes).toBeGreaterThan(0);
      expect(smaps?.ussBytes).toBeLessThanOrEqual(smaps?.pssBytes ?? 0);
      expect(extras?.status?.uids).toEqual({ real: me, effective: me, saved: me, filesystem: me });
      expect(extras?.status?.voluntaryCtxSwitches).toBeGreaterThanOrEqual(1);
      expect(extras?.fdCount).toBeGreaterThanOrEqual(3);
      expect(extras?.faults?.minor).toBeGreaterThan(0);
      expect(extras?.io?.readChars).toBeGreaterThan(0);
      // The fd soft limit the child inherited from us, as the shell's ulimit reports it; Pss within RSS.
      const [withLimits] = await collector.readExtras([identity], { fdLimit: true, smapsRollup: true });
      const ulimit = spawnSync('bash', ['-c', 'ulimit -Sn'], { encoding: 'utf8' }).stdout.trim();
      expect(withLimits?.fdLimit).toBe(ulimit === 'unlimited' ? null : Number(ulimit));
      const rss = byPid(await collector.snapshot(), pid)?.rssBytes ?? 0;
      expect(withLimits?.smapsRollup?.pssBytes).toBeGreaterThan(0);
      expect(withLimits?.smapsRollup?.pssBytes).toBeLessThanOrEqual(rss + 64 * 1024);
      const unified = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((line) => line.startsWith('0::'));
      expect(extras?.cgroup?.path).toBe(unified?.slice(3));
    });

    it('tells a hidden live process from a gone one (hidepid; the hidden case runs in ports-connections.test.ts)', async () => {
      const collector = create();
      const child = startSleeper();
      await waitFor(async () => (await collector.readProcess(child.pid as number)) !== null);
      expect(await collector.isHiddenProcess(child.pid as number)).toBe(false);
      expect(await collector.isHiddenProcess(2 ** 22 + 7)).toBe(false);
      expect(await collector.processesHidden()).toBe(false); // this /proc has no hidepid (or we are root)
    });

    it('reads the exact RSS ps shows (VmRSS), where stat carries the approximate counter', async () => {
      const child = startSleeper();
      const pid = child.pid as number;
      const collector = create();
      const identity = await waitForValue(async () => {
        const p = byPid(await collector.snapshot(), pid);
        return p?.comm === 'sleep' && p.state === 'S' ? { pid, startTime: p.startTime } : null;
      });
      const [extras] = await collector.readExtras([identity], { status: true });
      // ps (procps) is the oracle: its RSS column is VmRSS in KiB. A sleeping sleep(1) keeps its pages.
      const ps = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
      expect(extras?.status?.rssBytes).toBe(ps * 1024);
    });

    it('counts the bytes a child wrote in io.writeChars and io.writeBytes', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'proctop-io-'));
      try {
        const bytes = 3 * 1024 * 1024;
        const child = await startWriter(join(dir, 'out'), bytes);
        const collector = create();
        const identity = { pid: child.pid as number, startTime: startTimeOf(child.pid as number) };
        const [extras] = await collector.readExtras([identity], { io: true });
        expect(extras?.io?.writeChars).toBeGreaterThanOrEqual(bytes);
        expect(extras?.io?.writeBytes).toBeGreaterThanOrEqual(bytes);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.runIf(isRoot)('run as nobody, gives a root process null io and fd count with EACCES, status still read', async () => {
      const index = join(repoRoot, 'dist', 'index.js');
      await builtCliPath();
      const script = `const m = await import(${JSON.stringify(index)});
        const c = ${JSON.stringify(backend)} === 'js' ? m.createJsCollector() : m.createNativeCollector();
        const r = await c.readExtras([{ pid: ${process.pid}, startTime: ${startTimeOf(process.pid)} }], { io: true, fdCount: true, status: true, cgroup: true, smapsRollup: true });
        console.log(JSON.stringify(r));`;
      const run = await runNode(['--input-type=module', '-e', script], { uid: 65534, gid: 65534 });
      expect(run.stderr).toBe('');
      const [extras] = JSON.parse(run.stdout) as ProcessExtras[];
      expect(extras).toMatchObject({ alive: true, io: null, fdCount: null });
      expect(extras?.status?.uids.real).toBe(0);
      expect(extras?.cgroup).not.toBeNull();
      expect(extras?.errors.map((e) => [e.field, e.code])).toEqual([['io', 'EACCES'], ['fdCount', 'EACCES'], ['smapsRollup', 'EACCES']]);
      expect(extras?.errors[0]?.message).toMatch(/permission denied .*\/io/);
    });

    it('reads a fresh exe link that carries the kernel\'s " (deleted)" mark once the binary is removed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'proctop-contract-'));
      const copy = join(dir, 'sleep-copy');
      copyFileSync(realpathSync('/bin/sleep'), copy);
      chmodSync(copy, 0o755);
      const pid = startChild(copy, ['300']).pid as number;
      const collector = create();
      await waitFor(async () => (await collector.readLink(pid, 'exe')).path === copy);
      unlinkSync(copy);
      expect(await collector.readLink(pid, 'exe')).toEqual({ path: `${copy} (deleted)`, error: null });
      expect(await collector.readLink(pid, 'cwd')).toEqual({ path: process.cwd(), error: null });
      expect((await collector.readLink(2 ** 22 + 1, 'cwd')).error).toBe('ENOENT');
      expect(await collector.resolvePath(dir)).toBe(realpathSync(dir));
      expect(await collector.resolvePath(copy)).toBe(copy); // gone: the path itself
      rmSync(dir, { recursive: true, force: true });
    });

    it('knows who the caller is: its pid and its parent chain up to PID 1', async () => {
      const self = await create().selfContext();
      expect(self.pid).toBe(process.pid);
      expect(self.ancestors[0]?.pid).toBe(process.ppid);
      expect(self.ancestors.at(-1)?.pid).toBe(1);
      expect(self.ancestors[0]?.startTime).toBe((await create().readProcess(process.ppid))?.startTime);
    });

    it('reads and sets the nice value of exactly the identity given', async () => {
      const child = startSleeper();
      const pid = child.pid as number;
      const collector = create();
      const entry = await waitForValue(() => collector.readProcess(pid));
      const before = await collector.readPriority(pid);
      expect(before).toEqual({ nice: expect.any(Number), error: null });
      const lower = Math.min(19, (before.nice ?? 0) + 1);
      expect(await collector.setPriority({ pid, startTime: entry.startTime + 1 }, lower)).toMatchObject({ outcome: 'reused' });
      expect(await collector.readPriority(pid)).toEqual(before);
      expect(await collector.setPriority({ pid, startTime: entry.startTime }, lower)).toEqual({ outcome: 'set', error: null });
      expect(await collector.readPriority(pid)).toEqual({ nice: lower, error: null });
      expect(await collector.readPriority(2 ** 22 + 1)).toEqual({ nice: null, error: 'ESRCH' });
      expect(await collector.setPriority({ pid: 2 ** 22 + 1, startTime: 1 }, 5)).toMatchObject({ outcome: 'exited' });
    });

    it('signals synchronously only the identity given (signal 0 probes)', async () => {
      const pid = startSleeper().pid as number;
      const collector = create();
      const entry = await waitForValue(() => collector.readProcess(pid));
      expect(collector.signalSync({ pid, startTime: entry.startTime + 1 }, 0)).toBe('reused');
      expect(collector.signalSync({ pid, startTime: entry.startTime }, 0)).toBe('sent');
      expect(collector.signalSync({ pid: 2 ** 22 + 1, startTime: 1 }, 0)).toBe('exited');
    });

    it('starts a freeze watchdog that continues what it was told is stopped when its caller dies, and only that identity', async () => {
      await builtCliPath(); // the watchdog is a built file (dist/freeze-watchdog.js)
      const [a, b] = [startSleeper().pid as number, startSleeper().pid as number];
      const collector = create();
      const [ea, eb] = [await waitForValue(() => collector.readProcess(a)), await waitForValue(() => collector.readProcess(b))];
      // The caller: a process that starts the watchdog, tells it both identities (b's is stale, as
      // if its PID had been reused), stops both, and is then SIGKILLed by this test.
      const script = `
        const { createCollector } = await import(${JSON.stringify(join(repoRoot, 'dist', 'index.js'))});
        const collector = createCollector({ backend: ${JSON.stringify(backend)} }).collector;
        const dog = collector.startFreezeWatchdog();
        if (typeof dog === 'string') throw new Error(dog);
        if (!(await dog.stopping([{ pid: ${a}, startTime: ${ea.startTime} }, { pid: ${b}, startTime: ${eb.startTime + 1} }]))) throw new Error('not taken');
        collector.signalSync({ pid: ${a}, startTime: ${ea.startTime} }, 19);
        collector.signalSync({ pid: ${b}, startTime: ${eb.startTime} }, 19);
        console.log('stopped');
        setInterval(() => {}, 1000);`;
      const caller = startChild(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => caller.stdout?.on('data', (d: Buffer) => d.toString().includes('stopped') && resolve()));
      await waitFor(async () => (await collector.readProcess(a))?.state === 'T' && (await collector.readProcess(b))?.state === 'T');
      caller.kill('SIGKILL'); // the caller this test started: its end of the pipe closes without "done"
      await waitFor(async () => (await collector.readProcess(a))?.state !== 'T', 10_000);
      expect((await collector.readProcess(b))?.state).toBe('T');
      collector.signalSync({ pid: b, startTime: eb.startTime }, 18);
    });

    it('finds the holder of a listening socket and the socket in its namespace\'s tables', async () => {
      const { held } = await startFdsHolder();
      const port = held.listener.port;
      const collector = create();
      const owners = await collector.listSocketOwners();
      expect(owners.ownNetns).toMatch(/^net:\[\d+\]$/);
      const holder = owners.processes.find((p) => p.pid === held.pid);
      expect(holder).toMatchObject({ denied: false, netns: owners.ownNetns });
      const tables = await collector.listInetSockets(null);
      const listening = tables.find((r) => r.protocol === 'tcp' && r.localPort === port && r.state === 'LISTEN');
      expect(listening?.localAddress).toBe('127.0.0.1');
      expect(holder?.sockets).toContainEqual([listening?.inode, held.listener.fd]);
      expect((await collector.listInetSockets(held.pid)).map((r) => r.inode)).toContain(listening?.inode);
    });

    it('follows one child through CPU, RSS, name and state changes on consecutive refreshes', async () => {
      // The child changes itself when told on stdin and answers "ok" once the change is made.
      const script = [
        "const { writeFileSync } = require('node:fs');",
        'const kept = [];',
        "require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {",
        // CPU time, not wall time: on a loaded machine 300 ms of wall clock may hold no tick of CPU.
        "  if (line === 'spin') { const from = process.cpuUsage(); while (process.cpuUsage(from).user < 100_000) {} }",
        "  if (line === 'grow') kept.push(Buffer.alloc(32 << 20, 1));",
        "  if (line.startsWith('name ')) writeFileSync('/proc/self/comm', line.slice(5));",
        "  process.stdout.write('ok\\n');",
        '});',
      ].join('\n');
      const child = startChild(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'ignore'] });
      const pid = child.pid as number;
      // Counted on everything read so far: a pipe may split one "ok\n" across two chunks.
      let output = '';
      let answers = 0;
      child.stdout!.on('data', (chunk: Buffer) => {
        output += String(chunk);
        answers = output.split('ok\n').length - 1;
      });
      const tell = async (line: string): Promise<void> => {
        const want = answers + 1;
        child.stdin!.write(`${line}\n`);
        await waitFor(() => answers >= want, 20_000);
      };
      const collector = create();
      // Ready: it has answered once, so node is up and reading stdin.
      await tell('hello');
      const before = await waitForValue(async () => byPid(await collector.snapshot(), pid));
      expect(before.comm).not.toBe('renamed-kid');
      // Changes made before a snapshot starts are in that snapshot (no polling: the very next one).
      await tell('spin');
      const spun = byPid(await collector.snapshot(), pid)!;
      expect(spun.utime + spun.stime).toBeGreaterThan(before.utime + before.stime);
      await tell('grow');
      const grown = byPid(await collector.snapshot(), pid)!;
      // stat's rss is the kernel's batched counter: a few pages either way of the 32 MB touched.
      expect(grown.rssBytes).toBeGreaterThanOrEqual(before.rssBytes + 16 * 1024 * 1024);
      await tell('name renamed-kid');
      const renamed = byPid(await collector.snapshot(), pid)!;
      expect(renamed).toMatchObject({ comm: 'renamed-kid', startTime: before.startTime, argv: before.argv });
      // A stop is delivered when the kernel next runs the child: poll (bounded) for it, then back.
      process.kill(pid, 'SIGSTOP');
      expect((await waitForValue(async () => byPid(await collector.snapshot(), pid)?.state === 'T' || null))).toBe(true);
      process.kill(pid, 'SIGCONT');
      const resumed = await waitForValue(async () => {
        const row = byPid(await collector.snapshot(), pid);
        return row && row.state !== 'T' ? row : null;
      });
      expect(resumed).toMatchObject({ comm: 'renamed-kid', startTime: before.startTime });
      // Gone: the very next snapshot after its exit was seen no longer lists it.
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      expect(byPid(await collector.snapshot(), pid)?.startTime === before.startTime).toBe(false);
    }, 60_000);

    it('reports cpu ticks that never go backwards for the same identity', async () => {
      const busy = startBusyLoop();
      const collector = create();
      const first = await waitForValue(async () => byPid(await collector.snapshot(), busy.pid as number));
      const second = await waitForValue(async () => {
        const p = byPid(await collector.snapshot(), busy.pid as number);
        return p && p.utime + p.stime > first.utime + first.stime ? p : null;
      });
      expect(second.startTime).toBe(first.startTime);
      expect(second.utime).toBeGreaterThanOrEqual(first.utime);
      expect(second.stime).toBeGreaterThanOrEqual(first.stime);
    });
  });
});

describe('backends agree', () => {
  afterEach(() => killStartedChildren());

  it('produce identical snapshots of the same fixture tree', async () => {
    const fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    try {
      const [js, native] = await Promise.all([createJsCollector(fixture.root).snapshot(), nativeOrFail(fixture.root).snapshot()]);
      expect(native.processes).toEqual(js.processes);
      expect(native.system).toEqual(js.system);
      expect(native.warnings).toEqual(js.warnings);
    } finally {
      await fixture.cleanup();
    }
  });

  it('see the same live children: pid set, ppid, rss within tolerance, ticks monotonic', async () => {
    const sleepers = [startSleeper(), startSleeper(), startSleeper(), startSleeper()];
    const pids = sleepers.map((c) => c.pid as number);
    const jsCollector = createJsCollector();
    const nativeCollector = nativeOrFail();
    const ours = (s: Snapshot): RawProcess[] => s.processes.filter((p) => p.ppid === process.pid && pids.includes(p.pid));
    await settledSleepers(() => jsCollector.snapshot(), pids);
    const js = ours(await jsCollector.snapshot());
    const native = ours(await nativeCollector.snapshot());
    const later = ours(await jsCollector.snapshot());
    expect(native.map((p) => p.pid)).toEqual(js.map((p) => p.pid));
    expect(js.map((p) => p.pid).sort((a, b) => a - b)).toEqual([...pids].sort((a, b) => a - b));
    for (const [i, n] of native.entries()) {
      const j = js[i] as RawProcess;
      expect(n).toMatchObject({ pid: j.pid, startTime: j.startTime, ppid: j.ppid, uid: j.uid, user: j.user, comm: j.comm, argv: j.argv, exe: j.exe });
      // rss can move a few pages between two reads.
      expect(Math.abs(n.rssBytes - j.rssBytes)).toBeLessThanOrEqual(Math.max(256 * 1024, j.rssBytes * 0.1));
      const l = later[i] as RawProcess;
      expect(n.utime + n.stime).toBeGreaterThanOrEqual(j.utime + j.stime);
      expect(l.utime + l.stime).toBeGreaterThanOrEqual(n.utime + n.stime);
    }
  });
});
