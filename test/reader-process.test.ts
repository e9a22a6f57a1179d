// The native reader in a process of its own session (native/linux/reader_process.h, session 23):
// where it runs, that it reads what the in-process reader reads, where its handles live, how it
// relays stat marks, and what happens when it cannot start, ends, or its owner goes away. Only
// processes this test started are signalled: its sleepers, and the reader process its own
// SnapshotReader spawned (checked to be this process's child first).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readerProcessWanted, type NativeAddon } from '../src/sys/native-addon.js';
import { NativeSnapshotReader, READER_FALLBACK_WARNING } from '../src/sys/native-snapshot.js';
import { parseStat, type ParsedStat } from '../src/sys/js/proc-stat.js';
import { addonPath, requireAddon } from './helpers/native-addon.js';
import { procHandlesOf } from './helpers/proc-handles.js';
import { createProcFixture, PITFALL_PROCESSES } from './helpers/proc-fixture.js';
import { killStartedChildren, settledSleepers, startSleeper, waitFor } from './helpers/children.js';
import { builtCliPath, runCli, runNode, runProgram } from './helpers/cli.js';

/** A process's stat, parsed as the JS backend parses it (null once it is gone). */
function statOf(pid: number): ParsedStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

/** The reader process of `reader` after its first read, checked to be this process's own child. */
function ownReaderPid(reader: { readerProcess(): { pid: number } }): number {
  const pid = reader.readerProcess().pid;
  expect(pid).toBeGreaterThan(0);
  expect(statOf(pid)?.ppid).toBe(process.pid);
  return pid;
}

describe('the reader process', () => {
  let addon: NativeAddon;
  beforeAll(() => {
    addon = requireAddon();
  });
  afterEach(async () => {
    await killStartedChildren();
  });

  it('reads in a child of proctop, in a session and scheduling group of its own, niced, with nothing of proctop open', async () => {
    const reader = new addon.SnapshotReader('/proc', { readerProcess: true });
    expect(reader.readerProcess()).toEqual({ asked: true, pid: 0, failure: null, passBreaks: 0, yields: 0, yieldSleeps: 0, yieldedMs: 0 });
    const packed = await reader.read();
    expect(packed.order.length).toBeGreaterThan(1);
    const pid = ownReaderPid(reader);
    expect(reader.readerProcess()).toMatchObject({ asked: true, pid, failure: null });
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8')).toBe('proctop-reader\n');
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(join(dirname(addonPath()), 'proctop-reader'));
    // setsid: it leads a session of its own, and with it an autogroup, niced like its thread.
    expect(statOf(pid)?.sid).toBe(pid);
    expect(readFileSync(`/proc/${pid}/autogroup`, 'utf8')).toMatch(/^\/autogroup-\d+ nice 5\n$/);
    const thread = reader.readerThread();
    expect(thread.started).toBe(true);
    expect(existsSync(`/proc/${pid}/task/${thread.tid}`)).toBe(true);
    expect(thread.nice).toBe(getPriority(0) + 5);
    // Its descriptors: /dev/null for 0-2, its socket, and what it reads under /proc; no terminal,
    // pipe or file of proctop's.
    const targets = readdirSync(`/proc/${pid}/fd`).map((fd) => [Number(fd), readlinkSync(`/proc/${pid}/fd/${fd}`)] as const);
    expect(targets.filter(([fd]) => fd <= 2).map(([, target]) => target)).toEqual(['/dev/null', '/dev/null', '/dev/null']);
    expect(targets.find(([fd]) => fd === 3)?.[1]).toMatch(/^socket:\[\d+\]$/);
    expect(targets.filter(([fd, target]) => fd > 3 && !/^\/proc(\/|$)/.test(target))).toEqual([]);
  });

  it('answers with the same snapshots as the in-process reader, first and changed reads, on the pitfall fixture tree', async () => {
    const fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    try {
      const remote = new NativeSnapshotReader(new addon.SnapshotReader(fixture.root, { readerProcess: true }));
      const local = new NativeSnapshotReader(new addon.SnapshotReader(fixture.root, { readerProcess: false }));
      for (let read = 0; read < 2; read++) {
        const [a, b] = [await remote.snapshot(), await local.snapshot()];
        expect(a.processes.length).toBeGreaterThan(3);
        expect([...a.processes]).toEqual([...b.processes]);
        expect(a.system).toEqual(b.system);
        expect(a.warnings).toEqual(b.warnings);
      }
      expect(remote.readerProcess().pid).toBeGreaterThan(0);
      expect(local.readerProcess()).toEqual({ asked: false, pid: 0, failure: null, passBreaks: 0, yields: 0, yieldSleeps: 0, yieldedMs: 0 });
    } finally {
      await fixture.cleanup();
    }
  });

  it('a read that fails in the reader process fails with the in-process reader\'s message, and the process reads on', async () => {
    const fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    const remote = new addon.SnapshotReader(fixture.root, { readerProcess: true });
    const local = new addon.SnapshotReader(fixture.root, { readerProcess: false });
    await Promise.all([remote.read(), local.read()]);
    const pid = ownReaderPid(remote);
    await fixture.cleanup(); // its proc root is gone
    const [a, b] = await Promise.allSettled([remote.read(), local.read()]);
    expect(a.status).toBe('rejected');
    expect(b.status).toBe('rejected');
    expect(String((a as PromiseRejectedResult).reason)).toBe(String((b as PromiseRejectedResult).reason));
    expect(String((a as PromiseRejectedResult).reason)).toContain(fixture.root);
    // Not a broken process: the same one still answers (and fails again the same way).
    expect(remote.readerProcess()).toMatchObject({ pid, failure: null });
    await expect(remote.read()).rejects.toThrow(fixture.root);
    expect(remote.readerProcess().pid).toBe(pid);
  });

  it('keeps the stat handles in its own descriptor table, none in proctop\'s, and reports them', async () => {
    const pids = Array.from({ length: 12 }, () => startSleeper(300).pid!);
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { readerProcess: true }));
    await settledSleepers(() => reader.snapshot(), pids);
    await reader.snapshot();
    const readerPid = ownReaderPid(reader);
    // A kept stat handle each, or the run check a sleeper trades it for (test/run-checks.test.ts;
    // mid-trade, in the reader process's idle time, it holds both for a moment).
    const held = (holder: number | 'self') => {
      const [stat, schedstat] = [procHandlesOf('stat', pids, holder), procHandlesOf('schedstat', pids, holder)];
      return pids.map((pid) => stat.get(pid)! + schedstat.get(pid)!);
    };
    expect(held('self')).toEqual(pids.map(() => 0));
    expect(held(readerPid).filter((n) => n < 1 || n > 2)).toEqual([]);
    const stats = reader.handleStats();
    expect(stats.enabled).toBe(true);
    expect(stats.kept).toBeGreaterThanOrEqual(pids.length);
    // Its limit is proctop's, inherited: the same budget the in-process reader would have.
    expect(stats.limit).toBeGreaterThan(0);
  });

  it('relays stat marks: a nice value set through proctop shows on the next read, not before the mark', async () => {
    const pid = startSleeper(300).pid!;
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { readerProcess: true, fullStatEveryMs: 60_000 }));
    await settledSleepers(() => reader.snapshot(), [pid]);
    const readerPid = ownReaderPid(reader);
    // Reads 50 ms apart until the reader process trades its stat handle for a run check.
    await waitFor(async () => {
      await reader.snapshot();
      return procHandlesOf('schedstat', [pid], readerPid).get(pid) === 1 || undefined;
    });
    await reader.snapshot();
    setPriority(pid, 6);
    // Asleep and well inside the 60 s bound: without a mark its stat is not read.
    expect((await reader.snapshot()).processes.find((p) => p.pid === pid)?.nice).toBe(0);
    addon.markStatDue!(pid);
    expect((await reader.snapshot()).processes.find((p) => p.pid === pid)).toMatchObject({ nice: 6, state: 'S' });
  });

  it('takes a break every passBreakMs of a pass (none at 0), and refuses a bad value', async () => {
    // 72 sleepers beside whatever runs: at least 128 processes.
    const pids = Array.from({ length: 72 }, () => startSleeper(300).pid!);
    const breaking = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { readerProcess: true, passBreakMs: 1e-9 }));
    const steady = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { readerProcess: true, passBreakMs: 0 }));
    const [first] = await Promise.all([breaking.snapshot(), steady.snapshot()]);
    expect(pids.every((pid) => first.processes.some((p) => p.pid === pid))).toBe(true);
    // The first pass looks at the clock every 32 processes, the details pass every 32 new ones and
    // the packing every 32 rows: with an interval that has always passed, each look is a break
    // (each loop can see a process or so fewer than the snapshot lists).
    const listed = first.processes.length;
    expect(listed).toBeGreaterThanOrEqual(128);
    expect(breaking.readerProcess().passBreaks).toBeGreaterThanOrEqual(3 * Math.floor(listed / 32) - 3);
    expect(steady.readerProcess().passBreaks).toBe(0);
    await Promise.all([breaking.snapshot(), steady.snapshot()]);
    expect(breaking.readerProcess().passBreaks).toBeGreaterThanOrEqual(4 * Math.floor(listed / 32) - 4);
    expect(steady.readerProcess().passBreaks).toBe(0);
    for (const bad of [-1, Number.NaN, Infinity, '1']) {
      expect(() => new addon.SnapshotReader('/proc', { readerProcess: true, passBreakMs: bad as number })).toThrow(/^SnapshotReader: passBreakMs must be a finite number >= 0$/);
    }
  });

  /**
   * Runs a script that makes two readers (one with yieldToJsThread: false), reads once with each,
   * then reads four times while the JS thread spins, with proctop (all its threads, and so its
   * reader processes) on `cpu`; `readerCpu` moves the reader processes to that CPU after their
   * first read. The JS thread's name is hostile to a stat parser that does not look for the last ')'.
   */
  async function spinWhileReading(cpu: string, readerCpu: string | null) {
    for (let i = 0; i < 72; i++) startSleeper(300);
    const script = `
      const addon = require(${JSON.stringify(addonPath())});
      const { spawnSync } = require('node:child_process');
      process.title = 'y) R 1 2 (';
      const spin = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
      (async () => {
        const yielding = new addon.SnapshotReader('/proc', { readerProcess: true, passBreakMs: 1e-9 });
        const plain = new addon.SnapshotReader('/proc', { readerProcess: true, passBreakMs: 1e-9, yieldToJsThread: false });
        await Promise.all([yielding.read(), plain.read()]);
        const idle = { yielding: yielding.readerProcess(), plain: plain.readerProcess() };
        const readerCpu = ${JSON.stringify(readerCpu)};
        if (readerCpu !== null) {
          for (const reader of [yielding, plain]) {
            const moved = spawnSync('taskset', ['-a', '-p', '-c', readerCpu, String(reader.readerProcess().pid)], { encoding: 'utf8' });
            if (moved.status !== 0) throw new Error('taskset: ' + moved.stderr);
          }
        }
        let listed = 0;
        for (let round = 0; round < 4; round++) {
          const reads = Promise.all([yielding.read(), plain.read()]);
          spin(150);
          const [a, b] = await reads;
          listed = Math.min(a.order.length, b.order.length);
        }
        console.log(JSON.stringify({ idle, listed, yielding: yielding.readerProcess(), plain: plain.readerProcess() }));
        process.exit(0);
      })();`;
    const run = await runProgram('taskset', ['-c', cpu, process.execPath, '-e', script], { timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    type Info = { pid: number; passBreaks: number; yields: number; yieldSleeps: number; yieldedMs: number };
    const seen = JSON.parse(run.stdout) as { idle: { yielding: Info; plain: Info }; listed: number; yielding: Info; plain: Info };
    expect(seen.listed).toBeGreaterThanOrEqual(128);
    expect(seen.yielding.pid).toBeGreaterThan(0);
    // Both took breaks while the JS thread spun; the one told not to never yielded.
    expect(seen.yielding.passBreaks).toBeGreaterThan(seen.idle.yielding.passBreaks);
    expect(seen.plain.passBreaks).toBeGreaterThan(seen.idle.plain.passBreaks);
    expect(seen.plain).toMatchObject({ yields: 0, yieldSleeps: 0, yieldedMs: 0 });
    return seen;
  }

  /** The CPUs this test may run on (its own affinity). */
  function allowedCpus(): number[] {
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'latin1'))![1]!;
    return list.split(',').flatMap((part) => {
      const [from, to = from] = part.split('-').map(Number) as [number, number?];
      return Array.from({ length: to! - from + 1 }, (_, i) => from + i);
    });
  }

  it('gives its CPU to the JS thread while that thread waits behind it (yieldToJsThread), bounded per break', async () => {
    const seen = await spinWhileReading(String(allowedCpus()[0]), null);
    // The JS thread spun on the CPU the readers ran on, so it waited behind them: the reads while
    // it spun yielded (the first, while it slept awaiting it, had nothing to yield to, unless the
    // JS thread happened to wake meanwhile).
    expect(seen.yielding.yields).toBeGreaterThan(seen.idle.yielding.yields);
    // A yield sleeps 50 µs at a time, at most 20 times (and stops once 1 ms has passed); each
    // sleep lasts until the scheduler gives the reader the CPU back, which the JS thread holds.
    expect(seen.yielding.yieldSleeps).toBeGreaterThanOrEqual(seen.yielding.yields);
    expect(seen.yielding.yieldSleeps).toBeLessThanOrEqual(seen.yielding.yields * 20);
    expect(seen.yielding.yieldedMs).toBeGreaterThanOrEqual(seen.yielding.yieldSleeps * 0.05);
    expect(() => new addon.SnapshotReader('/proc', { readerProcess: true, yieldToJsThread: 1 as unknown as boolean })).toThrow(/^SnapshotReader: yieldToJsThread must be true or false$/);
  });

  it('yields to the main thread also when its SnapshotReader was made on a worker thread (serve-metrics samples on one)', async (context) => {
    const cpus = allowedCpus();
    if (cpus.length < 2) context.skip('needs two CPUs');
    for (let i = 0; i < 72; i++) startSleeper(300);
    // The main thread spins on the first CPU, beside the reader process; the worker thread that
    // made the SnapshotReader is moved to the second, so it never waits behind the reader.
    const script = `
      const { Worker } = require('node:worker_threads');
      const { spawnSync } = require('node:child_process');
      const spin = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
      const pin = (args) => {
        const moved = spawnSync('taskset', args, { encoding: 'utf8' });
        if (moved.status !== 0) throw new Error('taskset: ' + moved.stderr);
      };
      const worker = new Worker(\`
        const { parentPort } = require('node:worker_threads');
        const { readlinkSync } = require('node:fs');
        const addon = require(${JSON.stringify(addonPath())});
        (async () => {
          const reader = new addon.SnapshotReader('/proc', { readerProcess: true, passBreakMs: 1e-9 });
          await reader.read();
          const idle = reader.readerProcess();
          parentPort.once('message', async () => {
            for (let i = 0; i < 6; i++) await reader.read();
            parentPort.postMessage({ idle, info: reader.readerProcess() });
          });
          parentPort.postMessage({ tid: readlinkSync('/proc/thread-self').split('/').pop(), reader: idle.pid });
        })();\`, { eval: true });
      worker.once('message', ({ tid, reader }) => {
        pin(['-p', '-c', '${cpus[1]}', tid]);
        pin(['-a', '-p', '-c', '${cpus[0]}', String(reader)]);
        worker.once('message', (result) => {
          console.log(JSON.stringify(result));
          process.exit(0);
        });
        worker.postMessage('go');
        for (let i = 0; i < 6; i++) spin(100);
      });`;
    const run = await runProgram('taskset', ['-c', String(cpus[0]), process.execPath, '-e', script], { timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as { idle: { yields: number; passBreaks: number }; info: { yields: number; passBreaks: number } };
    expect(seen.info.passBreaks).toBeGreaterThan(seen.idle.passBreaks);
    expect(seen.info.yields).toBeGreaterThan(seen.idle.yields);
  });

  it('does not yield to a JS thread that runs on another CPU (it waits behind nobody)', async (context) => {
    const cpus = allowedCpus();
    if (cpus.length < 2) context.skip('needs two CPUs');
    const seen = await spinWhileReading(String(cpus[0]), String(cpus[1]));
    expect(seen.yielding.yields).toBe(seen.idle.yielding.yields);
  });

  it('falls back to the in-process reader when the executable cannot be started, and says why', async () => {
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { readerProcess: true, readerExecutable: '/nonexistent/proctop-reader' }));
    const snapshot = await reader.snapshot();
    expect(snapshot.processes.some((p) => p.pid === process.pid)).toBe(true);
    expect(reader.readerProcess()).toEqual({ asked: true, pid: 0, failure: '/nonexistent/proctop-reader: No such file or directory', passBreaks: 0, yields: 0, yieldSleeps: 0, yieldedMs: 0 });
    // Said on the snapshot, where pstat's JSON and the monitor's status bar show it, and on every one after.
    const fallback = `${READER_FALLBACK_WARNING} (/nonexistent/proctop-reader: No such file or directory)`;
    expect(snapshot.warnings).toContain(fallback);
    expect((await reader.snapshot()).warnings).toContain(fallback);
    expect(reader.readerThread().started).toBe(true);
    expect(reader.readerThread().tid).not.toBe(process.pid);
  });

  it('a reader process that ends: the next read fails with a line naming it, reaped, and the in-process reader reads the one after anew', async () => {
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { readerProcess: true }));
    const first = await reader.snapshot();
    const pid = ownReaderPid(reader);
    const startTime = statOf(pid)!.startTime;
    process.kill(pid, 'SIGKILL');
    // However the kernel tells the socket's end (end of file, a reset, a refused send).
    await expect(reader.snapshot()).rejects.toThrow(new RegExp(`^proctop-reader ${pid}: ended( while reading)?$`));
    // Reaped by the addon (on the read's pool thread): no zombie of it left behind.
    const left = statOf(pid);
    expect(left === null || left.startTime !== startTime).toBe(true);
    expect(reader.readerProcess()).toMatchObject({ asked: true, pid: 0 });
    expect(reader.readerProcess().failure).toMatch(new RegExp(`^proctop-reader ${pid}: `));
    const after = await reader.snapshot();
    expect(after.processes.some((p) => p.pid === process.pid)).toBe(true);
    expect(after.warnings.filter((w) => w.startsWith(READER_FALLBACK_WARNING))).toEqual([`${READER_FALLBACK_WARNING} (${reader.readerProcess().failure})`]);
    expect(first.warnings.some((w) => w.startsWith(READER_FALLBACK_WARNING))).toBe(false);
    // Read anew and whole: every process of the first read that is still the same process now was
    // alive through the read after, so it is in it (a count would move with the rest of the suite).
    const afterIds = new Set(after.processes.map((p) => `${p.pid}/${p.startTime}`));
    const stillHere = first.processes.filter((p) => statOf(p.pid)?.startTime === p.startTime);
    expect(stillHere.length).toBeGreaterThan(2);
    expect(stillHere.filter((p) => !afterIds.has(`${p.pid}/${p.startTime}`))).toEqual([]);
    expect(reader.readerThread().started).toBe(true);
  });

  it('ends when its SnapshotReader is collected (reaped by proctop) and when proctop ends', async () => {
    const script = `
      const addon = require(${JSON.stringify(addonPath())});
      const statOf = (pid) => { try { return require('fs').readFileSync('/proc/' + pid + '/stat', 'latin1'); } catch { return null; } };
      (async () => {
        let collected = new addon.SnapshotReader('/proc', { readerProcess: true });
        await collected.read();
        const first = collected.readerProcess().pid;
        collected = null;
        for (let i = 0; i < 10; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
        let gone = false;
        for (let waited = 0; waited < 3000 && !gone; waited += 20) {
          gone = statOf(first) === null;
          if (!gone) await new Promise((r) => setTimeout(r, 20));
        }
        const kept = new addon.SnapshotReader('/proc', { readerProcess: true });
        await kept.read();
        console.log(JSON.stringify({ first, gone, second: kept.readerProcess().pid }));
        process.exit(0);
      })();`;
    const run = await runNode(['--expose-gc', '-e', script]);
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as { first: number; gone: boolean; second: number };
    expect(seen.first).toBeGreaterThan(0);
    expect(seen.gone).toBe(true);
    // Its owner exited without a word: the socket's end of file ends the second one (gone, or a
    // zombie waiting for whoever adopted it).
    await waitFor(() => {
      const left = statOf(seen.second);
      return left === null || left.state === 'Z' || undefined;
    }, 5_000);
  });

  it('refuses bad options with one line naming them, and refuses to run by hand', () => {
    expect(() => new addon.SnapshotReader('/proc', { readerProcess: 'yes' as unknown as boolean })).toThrow(/^SnapshotReader: readerProcess must be true or false$/);
    expect(() => new addon.SnapshotReader('/proc', { readerProcess: true, readerExecutable: '' })).toThrow(/^SnapshotReader: readerExecutable must be a non-empty path$/);
    const byHand = spawnSync(join(dirname(addonPath()), 'proctop-reader'), ['/proc'], { encoding: 'utf8', timeout: 10_000 });
    expect(byHand.status).toBe(2);
    expect(byHand.stdout).toBe('');
    expect(byHand.stderr).toBe("proctop-reader: started by proctop's addon only (a socket on fd 3 and 10 arguments)\n");
  });

  it('PROCTOP_READER: thread reads in proctop\'s own process, a bad value gets one line and exit 2', async () => {
    expect(readerProcessWanted({})).toBe(true);
    expect(readerProcessWanted({ PROCTOP_READER: 'process' })).toBe(true);
    expect(readerProcessWanted({ PROCTOP_READER: 'thread' })).toBe(false);
    const cli = await builtCliPath();
    const threaded = await runCli(cli, ['pstat', '--json', '--pid', String(process.pid)], { env: { ...process.env, PROCTOP_READER: 'thread', PROCTOP_BACKEND: '' } });
    expect(threaded.stderr).toBe('');
    expect(threaded.code).toBe(0);
    expect((JSON.parse(threaded.stdout) as { backend: string }).backend).toBe('native');
    const bad = await runCli(cli, ['pstat', '--json'], { env: { ...process.env, PROCTOP_READER: 'fast\u001b[2J' } });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^proctop: PROCTOP_READER must be "process" or "thread", got "fast[^\u001b\n]*"\n$/);
  }, 60_000);
});
