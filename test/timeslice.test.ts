// The JS thread's scheduler slice (preferShortTimeslice in src/sys/first-read.ts over
// native/linux/timeslice.cc): asked of the kernel on the calling thread only, keeping its policy
// and nice, with reset-on-fork at nice >= 0; checked
// against what the kernel itself reports in /proc/<tid>/sched and through chrt, in this test's
// thread and in child processes started under nice and chrt, and in the built CLI's long-running
// modes (the monitor's --watch and serve-metrics).
import { spawnSync } from 'node:child_process';
import nodeGypBuild from 'node-gyp-build';
import { readFileSync, readdirSync } from 'node:fs';
import { release } from 'node:os';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SHORT_TIMESLICE_NS, preferShortTimeslice } from '../src/sys/first-read.js';
import { loadNativeAddon } from '../src/sys/native-addon.js';
import { builtCliPath, repoRoot } from './helpers/cli.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';

afterAll(killStartedChildren);
afterEach(() => {
  vi.doUnmock('../src/sys/native-addon.js');
  vi.resetModules();
});

/** Linux 6.12 brought a slice per thread (sched_setattr's sched_runtime for fair threads). */
const [major = 0, minor = 0] = release().split('.').map(Number);
const kernelKeepsSlices = major > 6 || (major === 6 && minor >= 12);

/** A thread's `name : value` line from /proc/<pid>/task/<tid>/sched (the kernel's own account). */
function schedField(path: string, name: string): number | null {
  const match = new RegExp(`^${name.replace('.', '\\.')}\\s*:\\s*(\\d+)`, 'm').exec(readFileSync(path, 'utf8'));
  return match ? Number(match[1]) : null;
}

// A child that loads the addon, asks for the slice on its main thread, prints the result with its
// own nice and policy as the kernel reports them, then waits (bounded) for stdin to close.
const CHILD = `
const { readFileSync } = require('node:fs');
const os = require('node:os');
const addon = require(process.argv[1]);
const result = addon.requestTimeslice(${SHORT_TIMESLICE_NS});
const sched = readFileSync('/proc/thread-self/sched', 'utf8');
const field = (name) => Number(new RegExp('^' + name.replace('.', '\\\\.') + '\\\\s*:\\\\s*(\\\\d+)', 'm').exec(sched)?.[1]);
console.log(JSON.stringify({ result, nice: os.getPriority(), policy: field('policy'), slice: field('se.slice') }));
const timer = setTimeout(() => process.exit(3), 20000);
process.stdin.on('data', () => {});
process.stdin.on('end', () => { clearTimeout(timer); process.exit(0); });
`;

/** The addon the library loads (a build from source, else the prebuild), as node-gyp-build finds it. */
function addonPath(): string {
  return nodeGypBuild.path(repoRoot);
}

interface ChildReport {
  readonly result: { applied: boolean; sliceNs: number; reason: string | null };
  readonly nice: number;
  readonly policy: number;
  readonly slice: number;
}

/** Runs CHILD under `prefix` (e.g. nice -n 7), returns its report and what chrt -p says of it meanwhile. */
async function childUnder(prefix: readonly string[]): Promise<{ report: ChildReport; chrt: string }> {
  const child = startChild(prefix[0] as string, [...prefix.slice(1), process.execPath, '-e', CHILD, addonPath()], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const line = await waitFor(() => (out.includes('\n') ? out.trim() : null), 15_000);
  const chrt = spawnSync('chrt', ['-p', String(child.pid)], { encoding: 'utf8' }).stdout;
  child.stdin?.end();
  await new Promise((resolve) => child.once('exit', resolve));
  return { report: JSON.parse(line) as ChildReport, chrt };
}

describe('preferShortTimeslice', () => {
  it('sets 0.1 ms on the calling thread only, as the kernel reports it (before Linux 6.12: says it cannot)', () => {
    const before = schedField('/proc/thread-self/sched', 'se.slice');
    const result = preferShortTimeslice();
    if (!kernelKeepsSlices) {
      expect(result.applied).toBe(false);
      expect(result.reason).toMatch(/6\.12/);
      return;
    }
    expect(result).toEqual({ applied: true, sliceNs: SHORT_TIMESLICE_NS, reason: null });
    expect(schedField('/proc/thread-self/sched', 'se.slice')).toBe(SHORT_TIMESLICE_NS);
    expect(before).not.toBe(SHORT_TIMESLICE_NS);
    // Another thread of this process (any of Node's own) keeps the default.
    const self = readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0];
    const others = readdirSync('/proc/self/task').filter((tid) => tid !== self);
    expect(others.length).toBeGreaterThan(0);
    for (const tid of others) expect(schedField(`/proc/self/task/${tid}/sched`, 'se.slice'), tid).not.toBe(SHORT_TIMESLICE_NS);
  });

  it.runIf(kernelKeepsSlices)('keeps the nice it was started with, and what it starts does not inherit the slice (nice -n 7)', async () => {
    const { report, chrt } = await childUnder(['nice', '-n', '7']);
    expect(report.result.applied).toBe(true);
    expect(report.nice).toBe(7);
    expect(report.slice).toBe(SHORT_TIMESLICE_NS);
    expect(chrt).toMatch(/SCHED_OTHER\|SCHED_RESET_ON_FORK/);
  });

  it.runIf(kernelKeepsSlices && process.getuid?.() === 0)('below nice 0 (root) sets no reset-on-fork, which would reset the nice of what it starts', async () => {
    const { report, chrt } = await childUnder(['nice', '-n', '-3']);
    expect(report.result.applied).toBe(true);
    expect(report.nice).toBe(-3);
    expect(chrt).toMatch(/SCHED_OTHER\n/);
    expect(chrt).not.toMatch(/RESET_ON_FORK/);
  });

  it.runIf(kernelKeepsSlices)('keeps SCHED_BATCH and its reset-on-fork flag (chrt --reset-on-fork --batch 0)', async () => {
    const { report, chrt } = await childUnder(['chrt', '--reset-on-fork', '--batch', '0']);
    expect(report.result.applied).toBe(true);
    expect(report.policy).toBe(3);
    expect(report.slice).toBe(SHORT_TIMESLICE_NS);
    expect(chrt).toMatch(/SCHED_BATCH\|SCHED_RESET_ON_FORK/);
  });

  it('leaves a SCHED_IDLE thread as it is and says why (chrt --idle 0)', async () => {
    const { report, chrt } = await childUnder(['chrt', '--idle', '0']);
    expect(report.result.applied).toBe(false);
    expect(report.result.reason).toMatch(/policy 5, left as it is/);
    expect(report.policy).toBe(5);
    expect(chrt).toMatch(/SCHED_IDLE/);
  });

  it('refuses a slice that is not a positive number of nanoseconds', () => {
    expect(() => preferShortTimeslice(0)).toThrow(RangeError);
    expect(() => preferShortTimeslice(Number.NaN)).toThrow(/positive number of nanoseconds/);
    const addon = loadNativeAddon().addon;
    expect(() => addon?.requestTimeslice?.('fast' as unknown as number)).toThrow(TypeError);
    expect(() => addon?.requestTimeslice?.(-1)).toThrow(RangeError);
  });

  it('without the addon says so instead of failing', async () => {
    vi.doMock('../src/sys/native-addon.js', () => ({ loadNativeAddon: () => ({ addon: null, error: 'native addon not built (tried x)' }) }));
    const fresh = await import('../src/sys/first-read.js');
    expect(fresh.preferShortTimeslice()).toEqual({ applied: false, sliceNs: 0, reason: 'needs the native addon (native addon not built (tried x))' });
  });
});

describe.runIf(kernelKeepsSlices)('no other thread gets it', () => {
  interface ThreadSlice {
    readonly tid: number;
    readonly comm: string;
    readonly slice: number;
  }

  /**
   * A child (under `prefix`, e.g. nice) whose first library call asks for the slice, before any
   * async I/O (libuv makes its pool on the first work queued), then takes a native snapshot:
   * every thread's slice afterwards.
   */
  function childThreads(prefix: readonly string[]): { asked: { applied: boolean }; pid: number; threads: ThreadSlice[] } {
    const script = `
      import { readdirSync, readFileSync } from 'node:fs';
      import { readFile } from 'node:fs/promises';
      const lib = await import(${JSON.stringify(`${repoRoot}/dist/index.js`)});
      const asked = lib.preferShortTimeslice();
      await readFile('/proc/self/stat');
      const collector = lib.createNativeCollector('/proc');
      await collector.snapshot();
      // This process's threads and its reader process's (where the collector reads).
      const readers = readdirSync('/proc/self/task').flatMap((tid) => readFileSync('/proc/self/task/' + tid + '/children', 'utf8').split(' ').filter(Boolean));
      const threadsOf = (pid) => readdirSync('/proc/' + pid + '/task').map((tid) => ({
        tid: Number(tid),
        comm: readFileSync('/proc/' + pid + '/task/' + tid + '/comm', 'utf8').trim(),
        slice: Number(/^se\\.slice\\s*:\\s*(\\d+)/m.exec(readFileSync('/proc/' + pid + '/task/' + tid + '/sched', 'utf8'))[1]),
      }));
      const threads = [process.pid, ...readers].flatMap(threadsOf);
      console.log(JSON.stringify({ asked, pid: process.pid, threads }));
    `;
    const run = spawnSync(prefix[0] as string, [...prefix.slice(1), process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as { asked: { applied: boolean }; pid: number; threads: ThreadSlice[] };
  }

  it("libuv's pool, the reader thread, V8's workers and a program it starts keep the default", async () => {
    await builtCliPath();
    // This thread asks first: the child below is made by it, and must not inherit it (reset on fork).
    expect(preferShortTimeslice().applied).toBe(true);
    const { asked, pid, threads } = childThreads(['env']);
    expect(asked.applied).toBe(true);
    expect(threads.length).toBeGreaterThan(5);
    expect(threads.find((t) => t.comm === 'proctop-reader')).toBeDefined();
    expect(threads.find((t) => t.comm === 'proctop-read')).toBeDefined();
    for (const thread of threads) expect(thread.slice === SHORT_TIMESLICE_NS, JSON.stringify({ pid, threads })).toBe(thread.tid === pid);
  });

  it.runIf(process.getuid?.() === 0)('below nice 0 (no reset-on-fork) the threads the addon starts still take the default (StartThread)', async () => {
    // CommonJS and the addon alone, so nothing queues work to libuv's pool before the call: the
    // pool is made by the first read, from the JS thread with its short slice, and inherits it (the
    // documented exception below nice 0); the reader thread, started from a pool thread, would
    // inherit it too but for StartThread.
    const script = `
      const { readdirSync, readFileSync } = require('node:fs');
      const addon = require(process.argv[1]);
      const asked = addon.requestTimeslice(${SHORT_TIMESLICE_NS});
      new addon.SnapshotReader('/proc').read().then(() => {
        const threads = readdirSync('/proc/self/task').map((tid) => ({
          tid: Number(tid),
          comm: readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').trim(),
          slice: Number(/^se\\.slice\\s*:\\s*(\\d+)/m.exec(readFileSync('/proc/self/task/' + tid + '/sched', 'utf8'))[1]),
        }));
        console.log(JSON.stringify({ asked, pid: process.pid, threads }));
      });
    `;
    const run = spawnSync('nice', ['-n', '-3', process.execPath, '-e', script, addonPath()], { encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    const { asked, pid, threads } = JSON.parse(run.stdout) as { asked: { applied: boolean }; pid: number; threads: ThreadSlice[] };
    expect(asked.applied).toBe(true);
    expect(threads.find((t) => t.tid === pid)?.slice).toBe(SHORT_TIMESLICE_NS);
    // The pool did inherit it (else this test proves nothing about the reader).
    expect(threads.some((t) => t.tid !== pid && t.comm !== 'proctop-read' && t.slice === SHORT_TIMESLICE_NS), JSON.stringify(threads)).toBe(true);
    const readers = threads.filter((t) => t.comm === 'proctop-read');
    expect(readers.length).toBeGreaterThan(0);
    for (const reader of readers) expect(reader.slice, JSON.stringify(threads)).not.toBe(SHORT_TIMESLICE_NS);
  });
});

describe.runIf(kernelKeepsSlices)("the CLI's long-running modes ask for it on their JS thread", () => {
  /** se.slice of pid's main thread, and of the reader's threads (in pid, and in its reader process). */
  function slices(pid: number): { main: number | null; reader: number[] } {
    const reader: number[] = [];
    const tasks = readdirSync(`/proc/${pid}/task`);
    const readers = tasks.flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter((c) => c !== ''));
    for (const holder of [String(pid), ...readers]) {
      for (const tid of readdirSync(`/proc/${holder}/task`)) {
        const comm = readFileSync(`/proc/${holder}/task/${tid}/comm`, 'utf8').trim();
        if (comm === 'proctop-read' || comm === 'proctop-reader') reader.push(schedField(`/proc/${holder}/task/${tid}/sched`, 'se.slice') ?? -1);
      }
    }
    return { main: schedField(`/proc/${pid}/task/${pid}/sched`, 'se.slice'), reader };
  }

  it('proctop --watch: the JS thread at 0.1 ms, its reader thread at the default', async () => {
    const cli = await builtCliPath();
    const child = startChild(process.execPath, [cli, '--watch', '--interval', '300ms', '--iterations', '40'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.length > 0, 15_000);
    const seen = await waitFor(() => {
      const now = slices(child.pid as number);
      return now.reader.length > 0 ? now : null;
    }, 15_000);
    expect(seen.main).toBe(SHORT_TIMESLICE_NS);
    for (const slice of seen.reader) expect(slice, JSON.stringify(seen)).not.toBe(SHORT_TIMESLICE_NS);
    child.kill('SIGTERM');
  });

  it('proctop serve-metrics: the JS thread that answers scrapes at 0.1 ms', async () => {
    const cli = await builtCliPath();
    const child = startChild(process.execPath, [cli, 'serve-metrics', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const main = await waitFor(() => (schedField(`/proc/${child.pid}/task/${child.pid}/sched`, 'se.slice') === SHORT_TIMESLICE_NS ? true : null), 15_000).catch(() => false);
    expect(main, err).toBe(true);
    child.kill('SIGTERM');
  });
});

