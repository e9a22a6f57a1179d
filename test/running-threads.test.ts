// Issue 12 §7: the header counts running threads, as htop and top do. A process's state is its
// main thread's, so a two-thread spinner whose main thread sleeps reads "S" and counting
// processes in R said "0 running" while both CPUs were busy. proctop reads the kernel's
// procs_running from /proc/stat, which it reads anyway: no per-thread scan of /proc/PID/task.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sampler } from '../src/sampler/sampler.js';
import { createJsCollector, createNativeCollector } from '../src/sys/collector.js';
import type { Collector } from '../src/sys/types.js';
import { renderWatchText } from '../src/tui/watch-batch.js';
import { headerLines } from '../src/components/header-lines.js';
import { computeLayout } from '../src/store/layout.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { readdirSync, readFileSync } from 'node:fs';

// Two worker threads spin; the main thread only waits (state S). Ends by itself after 2 minutes.
const SPINNER = "const { Worker } = require('node:worker_threads'); for (let i = 0; i < 2; i++) new Worker('const end = Date.now() + 120000; while (Date.now() < end) {}', { eval: true }); setTimeout(() => process.exit(0), 120000);";

let pid = 0;
beforeAll(async () => {
  pid = startChild(process.execPath, ['-e', SPINNER]).pid as number;
  // Both workers started and runnable.
  await waitFor(() => taskStates(pid).filter((s) => s === 'R').length >= 2, 20_000);
});
afterAll(() => killStartedChildren());

function taskStates(p: number): string[] {
  return readdirSync(`/proc/${p}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${p}/task/${tid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  });
}

const native = createNativeCollector();
describe.each([
  ['js', createJsCollector() as Collector | string],
  ['native', native],
])('running threads (%s backend)', (_name, collector) => {
  it('counts a two-thread spinner whose main thread sleeps', async () => {
    if (typeof collector === 'string') throw new Error(collector);
    const sampler = new Sampler(collector);
    await sampler.sample();
    // A frame in which the spinner's main thread is asleep (as it is nearly always): its state is
    // then "S", and counting processes in R would not count it at all.
    const frame = await waitFor(async () => {
      const f = await sampler.sample();
      return f.rows.find((r) => r.pid === pid)?.state === 'S' ? f : null;
    }, 20_000);
    // Its two runnable workers plus this reader: runnable threads, whatever the machine's load.
    expect(frame.tasks.runningThreads).toBeGreaterThanOrEqual(3);
    expect(frame.tasks.runningThreads).toBe(frame.system.procsRunning);
    const header = headerLines(frame, [], computeLayout(200, 50, frame.system.cpus.length)).map((l) => l.text).join('\n');
    expect(header).toContain(`; ${frame.tasks.runningThreads} running`);
    const watch = renderWatchText(frame, { intervalMs: 1500, sortColumn: 'cpu', filter: '', user: null, tree: false, color: false, watch: true, iterations: 1, help: false, mouse: false, metrics: null, columns: null }, 'js');
    expect(watch).toContain(`, ${frame.tasks.runningThreads} running`);
  });
});
