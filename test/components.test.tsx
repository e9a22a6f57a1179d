import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { MonitorApp } from '../src/components/MonitorApp.js';
import { fitColumns } from '../src/components/table-columns.js';
import { meter, sparkline, formatBytes, formatCpuTime } from '../src/output/format.js';
import { createMonitorStore, type MonitorStore } from '../src/store/monitor-store.js';
import { syntheticFrame, syntheticRow, syntheticPopulation, syntheticSystem } from './helpers/synthetic-frames.js';

afterEach(() => cleanup());

const ROWS = [
  syntheticRow({ pid: 101, ppid: 1, cpuPercent: 97.5, user: 'alice', comm: 'busy', argv: ['node', '-e', 'for(;;){}'], rssBytes: 50 * 1024 * 1024, utime: 6000, threads: 7 }),
  syntheticRow({ pid: 202, ppid: 101, cpuPercent: 12.25, user: 'postgres', comm: 'postgres', argv: ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main'], rssBytes: 300 * 1024 * 1024 }),
  syntheticRow({ pid: 2, ppid: 0, cpuPercent: 0, user: 'root', comm: 'kthreadd', argv: [], isKernelThread: true, rssBytes: 0 }),
];

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

async function show(columns: number, rows: number, prepare?: (store: MonitorStore) => void, mode: 'interactive' | 'watch' = 'interactive') {
  const store = createMonitorStore({ columns, rows, backend: 'native', color: false, mode });
  store.getState().ingest(syntheticFrame(ROWS, { system: syntheticSystem(2) }));
  prepare?.(store);
  const app = render(<MonitorApp store={store} />);
  await tick();
  return { store, app, lines: () => (app.lastFrame() ?? '').split('\n') };
}

describe('MonitorApp at 40x10', () => {
  it('draws a one-line summary, fewer columns and the status bar, all within 40 columns', async () => {
    const { lines } = await show(40, 10);
    expect(lines()).toEqual([
      'CPU 25.0% Mem 1.00G/4.00G Load 0.50 0.2…',
      '     PID S  CPU%▼  MEM% COMMAND',
      '>    101 S   97.5   1.2 node -e for(;;)…',
      '     202 S   12.3   7.3 /usr/lib/postgr…',
      '       2 S    0.0   0.0 [kthreadd]',
      '',
      '',
      '',
      '? Help  / Filter  F6 Sort  … native 1.5s',
    ]);
  });
});

describe('MonitorApp on both sides of the 80-column breakpoint', () => {
  it('at 80 columns shows per-CPU meters beside the figures and every column', async () => {
    const { lines } = await show(80, 24);
    const frame = lines();
    expect(frame[0]).toMatch(/^ 0\[\|+ +40\.0%\]  Tasks: 3, 9 thr, 1 kthr; 0 running; /);
    expect(frame[1]).toMatch(/^ 1\[\|+ +10\.0%\]  Load average: 0\.50 0\.25 0\.13$/);
    expect(frame[2]).toMatch(/^Mem\[\|+ +1\.00G\/4\.00G\]  Uptime: 1 day, 01:01:01$/);
    expect(frame[4]).toBe('     PID USER       PRI  NI S  CPU%▼  MEM%    RSS  THR     TIME+ COMMAND');
    expect(frame[5]).toBe('>    101 alice       20   0 S   97.5   1.2  50.0M    7   1:00.00 node -e for(;;…');
    expect(frame.every((l) => l.length <= 80)).toBe(true);
    expect(frame).toHaveLength(23);
  });

  it('at 79 columns folds the CPUs into one total bar with a sparkline and drops PRI', async () => {
    const { lines } = await show(79, 24, (store) => {
      for (const pct of [10, 50, 90]) store.getState().ingest(syntheticFrame(ROWS, { cpuPercentTotal: pct }));
    });
    const frame = lines();
    expect(frame[0]).toMatch(/^CPU\[\|+ *90\.0%\] +.*▂▅▇$/);
    expect(frame[1]).toMatch(/^Mem\[/);
    expect(frame[2]).toMatch(/^Swp\[/);
    expect(frame[3]).toBe('Tasks 3, 0 run  Load 0.50 0.25 0.13  Up 1 day, 01:01:01');
    expect(frame[4]).toBe('     PID USER       NI S  CPU%▼  MEM%    RSS  THR     TIME+ COMMAND');
    expect(frame.every((l) => l.length <= 79)).toBe(true);
  });

  it('does not crash at 20x6 and keeps PID, CPU% and some command', async () => {
    const { lines } = await show(20, 6);
    expect(lines()).toEqual(['     PID CPU%▼ COMM…', '>    101  97.5 node…', '     202  12.3 /usr…', '       2   0.0 [kth…', '? Help  / Filter  F…']);
  });
});

describe('keys through the rendered app', () => {
  it('marks selected rows, filters as you type, and shows the prompt', async () => {
    const { app, lines, store } = await show(80, 24);
    expect(lines()[5]?.startsWith('>    101')).toBe(true);
    app.stdin.write(' ');
    await tick();
    expect(lines()[5]?.startsWith('*    101')).toBe(true);
    expect(lines()[6]?.startsWith('>    202')).toBe(true);
    expect(lines().at(-1)).toMatch(/1 selected native 1\.5s$/);
    app.stdin.write('/');
    await tick();
    app.stdin.write('post');
    await tick();
    expect(store.getState().filter).toBe('post');
    expect(lines()[5]).toMatch(/^> +202 postgres /);
    expect(lines()[6]?.trim()).toBe('');
    expect(lines().at(-1)).toMatch(/^Filter: post_/);
  });

  it('switches to tree view with indent guides', async () => {
    const { app, lines } = await show(80, 24);
    app.stdin.write('t');
    await tick();
    const body = lines().slice(5, 8);
    expect(body[0]).toMatch(/ 101 alice .* node -e for/);
    expect(body[1]).toMatch(/ 202 postgres .* └─ \/usr\/lib\/po…$/);
    expect(body[2]).toMatch(/ 2 root .* \[kthreadd\]$/);
  });

  it('shows help generated from the key table, and "read-only (--watch)" for F9 in watch mode', async () => {
    const { app, lines } = await show(140, 40, undefined, 'watch');
    expect(lines().at(-1)).toMatch(/^WATCH \(read-only\)/);
    app.stdin.write('\x1b[20~');
    await tick();
    expect(lines().at(-1)).toMatch(/^read-only \(--watch\)/);
    app.stdin.write('?');
    await tick();
    const help = lines().join('\n');
    expect(help).toContain('F9 x             send a signal (selected or cursor) (ro)');
    expect(help).toContain('t F5             tree view');
  });

  it('marks an exited process under the cursor', async () => {
    const { lines, store } = await show(80, 24);
    store.getState().moveCursor(1);
    store.getState().ingest(syntheticFrame(ROWS.filter((r) => r.pid !== 202), { timestampMs: 1_700_000_101_500 }));
    await tick();
    expect(lines()[6]).toMatch(/ 202 postgres .* X .*\(exited\) \/usr\/…$/);
  });

  it('renders only the visible rows of 10,000 processes', async () => {
    const { lines, store } = await show(100, 30, (s) => s.getState().ingest(syntheticFrame(syntheticPopulation(10_000))));
    expect(store.getState().display).toHaveLength(10_000);
    expect(lines()).toHaveLength(29);
  });
});

describe('drawing helpers', () => {
  it('formats meters, sparklines, sizes and CPU time', () => {
    expect(meter('CPU', 0.5, '50.0%', 20)).toBe('CPU[||||||||  50.0%]');
    expect(sparkline([0, 50, 100], 5)).toBe('  ▁▅█');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0M');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00G');
    expect(formatCpuTime(61.5)).toBe('1:01.50');
    expect(formatCpuTime(3 * 3600 + 62)).toBe('3:01:02');
  });

  it('fits columns to the width, COMMAND taking the rest', () => {
    expect(fitColumns(40).map((c) => c.title)).toEqual(['PID', 'S', 'CPU%', 'MEM%', 'COMMAND']);
    expect(fitColumns(120).map((c) => c.title)).toEqual(['PID', 'USER', 'PRI', 'NI', 'S', 'CPU%', 'MEM%', 'RSS', 'THR', 'TIME+', 'COMMAND']);
    expect(fitColumns(120).at(-1)?.width).toBe(120 - 65);
  });
});
