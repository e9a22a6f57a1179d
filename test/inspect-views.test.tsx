// The details and open-files views, drawn with ink-testing-library from a fresh store.
import React from 'react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { MonitorApp } from '../src/components/MonitorApp.js';
import { formatLocalTime } from '../src/components/detail-lines.js';
import { inspectOverrides, inspectViewKeys } from '../src/keys/inspect-keys.js';
import { VIEW_GEOMETRY } from '../src/components/view-geometry.js';
import { createInspectStore, type InspectStore } from '../src/store/inspect-store.js';
import { createMonitorStore, topView, type MonitorStore } from '../src/store/monitor-store.js';
import { syntheticFrame, syntheticRow, syntheticSystem } from './helpers/synthetic-frames.js';
import type { ProcessRow } from '../src/sampler/types.js';
import { deniedListing, listingOf, MIXED_FDS } from './helpers/fd-fixtures.js';

afterEach(() => cleanup());
beforeAll(() => {
  process.env.TZ = 'UTC';
});

const SERVER = syntheticRow({
  pid: 4242,
  ppid: 300,
  comm: 'postgres',
  user: 'alice',
  argv: ['/usr/lib/postgresql/15/bin/postgres', '-D', '/var/lib/postgresql/15/main', '-c', 'config_file=/etc/postgresql/15/main/postgresql.conf'],
  exe: '/usr/lib/postgresql/15/bin/postgres',
  cpuPercent: 12.5,
  cpuPercentLifetime: 3.25,
  rssBytes: 50 * 1024 * 1024,
  threads: 3,
  nice: 5,
  utime: 6000,
  ageSeconds: 3725,
});
const ROWS: ProcessRow[] = [
  syntheticRow({ pid: 1, ppid: 0, comm: 'systemd', user: 'root', startTime: 1 }),
  syntheticRow({ pid: 300, ppid: 1, comm: 'bash', startTime: 200 }),
  SERVER,
  syntheticRow({ pid: 500, ppid: 1, comm: 'other', cpuPercent: 1 }),
];

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

async function show(columns: number, rows: number, mode: 'interactive' | 'watch' = 'interactive') {
  const store: MonitorStore = createMonitorStore({ columns, rows, backend: 'native', color: false, mode });
  const inspect: InspectStore = createInspectStore();
  store.getState().ingest(syntheticFrame(ROWS, { system: syntheticSystem(2) }));
  const app = render(<MonitorApp store={store} inspect={inspect} overrides={inspectOverrides(inspect)} viewKeys={inspectViewKeys(inspect, VIEW_GEOMETRY)} />);
  await tick();
  const press = async (keys: string) => {
    app.stdin.write(keys);
    await tick();
  };
  return { store, inspect, app, press, lines: () => (app.lastFrame() ?? '').split('\n') };
}

describe('details view', () => {
  it('at 120 columns shows command, exe, cwd, user, state, start and age, parents, CPU/RSS history and fd counts', async () => {
    const { store, inspect, press, lines } = await show(120, 30);
    expect(store.getState().display[0]?.row.pid).toBe(4242);
    await press('\r');
    expect(topView(store.getState())).toBe('detail');
    expect(inspect.getState().target).toEqual({ key: SERVER.key, pid: 4242, startTime: SERVER.startTime });
    for (const cpu of [10, 50, 90]) inspect.getState().recordSample({ ...SERVER, cpuPercent: cpu });
    inspect.getState().setLinks(SERVER.key, { cwd: { path: '/var/lib/postgresql', error: null }, exe: { path: '/usr/lib/postgresql/15/bin/postgres (deleted)', error: null } });
    inspect.getState().setListing(SERVER.key, listingOf(4242), 0);
    await tick();
    expect(lines().slice(0, 13)).toEqual([
      'PID 4242  postgres  (alice)',
      '  command  /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c',
      '           config_file=/etc/postgresql/15/main/postgresql.conf',
      '  exe      /usr/lib/postgresql/15/bin/postgres (deleted)  ← binary deleted or replaced since it started',
      '  cwd      /var/lib/postgresql',
      '  user     alice (uid 1000)',
      '  state    S sleeping   threads 3   nice 5   priority 20',
      `  started  ${formatLocalTime(SERVER.startTimeMs)}   age 1h 02m`,
      '  parents  300 bash ← 1 systemd',
      '  CPU      12.5%  ▂▅▇   lifetime 3.3%   time 1:00.00',
      '  RSS      50.0M (1.2%)  ███   virtual 100M',
      '  open fds 9: 3 file, 4 socket, 1 pipe, 1 anon   (o: open files)',
      '',
    ]);
    expect(lines().at(-1)).toMatch(/^Esc\/q: back {2}o: open files/);
  });

  it('at 40 columns wraps the command and keeps every line within 40 columns', async () => {
    const { press, lines, inspect } = await show(40, 24);
    await press('\r');
    inspect.getState().setLinks(SERVER.key, { cwd: { path: null, error: 'EACCES', message: 'EACCES' }, exe: { path: null, error: 'EACCES', message: 'EACCES' } });
    inspect.getState().setListing(SERVER.key, deniedListing(4242), 0);
    await tick();
    const frame = lines();
    expect(frame).toEqual([
      'PID 4242  postgres  (alice)',
      // No space within the first 29 characters: a hard break; later breaks fall on spaces.
      '  command  /usr/lib/postgresql/15/bin/po',
      '           stgres -D /var/lib/postgresql',
      '           /15/main -c',
      '           config_file=/etc/postgresql/1',
      '           5/main/postgresql.conf',
      // The fresh exe link was refused: the snapshot's cached exe is shown.
      '  exe      /usr/lib/postgresql/15/bin/po',
      '           stgres',
      '  cwd      no access (run as the owner',
      '           or root)',
      '  user     alice (uid 1000)',
      '  state    S sleeping   threads 3   nice',
      '           5   priority 20',
      `  started  ${formatLocalTime(SERVER.startTimeMs)}   age 1h`,
      '           02m',
      '  parents  300 bash ← 1 systemd',
      '  CPU      12.5%   lifetime 3.3%   time',
      '           1:00.00',
      '  RSS      50.0M (1.2%)   virtual 100M',
      '  open fds no access: run as the owner',
      '           or root',
      '',
      'Esc/q: back  o: open files   native 1.5s',
    ]);
    expect(frame.every((l) => l.length <= 40)).toBe(true);
  });

  it('keeps showing the captured process (marked exited) when it leaves the list', async () => {
    const { store, inspect, press, lines } = await show(100, 24);
    await press('\r');
    store.getState().ingest(syntheticFrame(ROWS.filter((r) => r.pid !== 4242), { timestampMs: 1_700_000_200_000 }));
    inspect.getState().observeTarget(null);
    await tick();
    expect(lines()[0]).toBe('PID 4242  postgres  (alice)  — exited (last seen values)');
    expect(store.getState().cursorKey).not.toBe(null);
  });

  it('o goes on to the open files; Esc returns to details, then to the list', async () => {
    const { store, press } = await show(100, 24);
    await press('\r');
    await press('o');
    expect(store.getState().views).toEqual(['list', 'detail', 'fds']);
    await press('\x1b');
    expect(store.getState().views).toEqual(['list', 'detail']);
    await press('q');
    expect(store.getState().views).toEqual(['list']);
  });
});

describe('open-files view', () => {
  it('at 120 columns lists FD, KIND, MODE, name or address and state', async () => {
    const { store, inspect, press, lines } = await show(120, 20);
    await press('o');
    expect(topView(store.getState())).toBe('fds');
    expect(lines()[3]).toBe(' reading open files…');
    inspect.getState().setListing(SERVER.key, listingOf(4242), 0);
    await tick();
    expect(lines().slice(0, 13)).toEqual([
      'Open files of PID 4242 postgres (alice) — 9 fds: 3 file, 4 socket, 1 pipe, 1 anon',
      '[0 all] 1 file  2 socket  3 pipe  4 anon  5 unknown    / search                                                 1-9 of 9',
      `   FD KIND   MODE NAME${' '.repeat(86)} STATE`,
      '    0 pipe   r    pipe:[123] <-> cat[4567]:1w',
      '    1 file   rw   /dev/pts/3',
      '    3 file   w    /tmp/proctop-data.txt',
      '    4 file   rw   /tmp/gone.log (deleted)',
      `    5 socket rw   tcp 127.0.0.1:5432${' '.repeat(72)} LISTEN`,
      `    6 socket rw   tcp 127.0.0.1:5432->10.0.0.2:51234${' '.repeat(56)} ESTABLISHED`,
      `    7 socket rw   unix /run/app.sock${' '.repeat(72)} LISTEN`,
      '    8 anon   rw   eventfd',
      `    9 socket rw   udp *:53${' '.repeat(82)} UNCONN`,
      '',
    ]);
    expect(lines().at(-1)).toMatch(/^Esc back {2}\/ search {2}0-5 kind/);
  });

  it('at 40 columns folds state into the name and stays within 40 columns', async () => {
    const { inspect, press, lines } = await show(40, 16);
    await press('o');
    inspect.getState().setListing(SERVER.key, listingOf(4242), 0);
    await tick();
    const frame = lines();
    expect(frame).toEqual([
      'Open files of PID 4242 postgres (alice)…',
      'kind all (0-5)  / search        1-9 of 9',
      '  FD KIND   NAME',
      '   0 pipe   pipe:[123] <-> cat[4567]:1w',
      '   1 file   /dev/pts/3',
      '   3 file   /tmp/proctop-data.txt',
      '   4 file   /tmp/gone.log (deleted)',
      '   5 socket tcp 127.0.0.1:5432 LISTEN',
      '   6 socket tcp 127.0.0.1:5432->10.0.0.…',
      '   7 socket unix /run/app.sock LISTEN',
      '   8 anon   eventfd',
      '   9 socket udp *:53 UNCONN',
      '',
      '',
      'Esc back  / search  0-5 kin… native 1.5s',
    ]);
    expect(frame.every((l) => l.length <= 40)).toBe(true);
  });

  it('filters by kind with 2/s and 0, and searches with /', async () => {
    const { inspect, press, lines } = await show(100, 20);
    await press('o');
    inspect.getState().setListing(SERVER.key, listingOf(4242), 0);
    await press('2');
    const rows = () => lines().slice(3).filter((l) => /^ +\d+ /.test(l));
    expect(rows().map((l) => Number(l.trim().split(' ')[0]))).toEqual([5, 6, 7, 9]);
    expect(lines()[1]).toMatch(/^ 0 all \[2 socket\]|^ 0 all  1 file \[2 socket\]/);
    await press('f');
    expect(rows().map((l) => Number(l.trim().split(' ')[0]))).toEqual([1, 3, 4]);
    await press('0');
    expect(rows()).toHaveLength(9);
    await press('/');
    await press('5432');
    expect(lines()[1]).toContain('search: 5432_');
    expect(rows().map((l) => Number(l.trim().split(' ')[0]))).toEqual([5, 6]);
    await press('\r');
    expect(lines()[1]).toContain('search:"5432"');
    await press('\x1b');
    expect(rows()).toHaveLength(9);
    await press('3');
    await press('/');
    await press('nothing-like-this');
    expect(lines()[3]).toBe(' no open files match (0: all kinds, Esc: clear search)');
  });

  it('shows "no access" for another user\'s process, never an empty table', async () => {
    const { inspect, press, lines } = await show(120, 20);
    await press('o');
    inspect.getState().setListing(SERVER.key, deniedListing(4242), 0);
    await tick();
    expect(lines()[0]).toBe('Open files of PID 4242 postgres (alice)');
    expect(lines()[3]).toBe(' no access: run as the owner or root (the fds of PID 4242 are not readable by you)');
  });

  it('says when the process has exited', async () => {
    const { inspect, press, lines } = await show(120, 20);
    await press('o');
    inspect.getState().setListing(SERVER.key, { pid: 4242, fds: [], error: { code: 'ENOENT', message: 'process 4242 does not exist' }, warnings: [] }, 0);
    await tick();
    expect(lines()[0]).toBe('Open files of PID 4242 postgres (alice)  [exited]');
    expect(lines()[3]).toBe(' process 4242 has exited');
  });

  it('scrolls with j/k, PgDn/PgUp and G/g over many fds', async () => {
    const { inspect, press, lines } = await show(100, 14);
    await press('o');
    const many = Array.from({ length: 50 }, (_, i) => ({ ...MIXED_FDS[1]!, fd: i, path: `/tmp/f${i}` }));
    inspect.getState().setListing(SERVER.key, listingOf(4242, many), 0);
    await tick();
    // 14 rows: 13 drawn, 1 status line, 3 head lines → 9 fd rows.
    const firstFd = () => Number(lines()[3]?.trim().split(' ')[0]);
    expect(firstFd()).toBe(0);
    expect(lines()[1]).toMatch(/1-9 of 50$/);
    await press('j');
    expect(firstFd()).toBe(1);
    await press('\x1b[6~');
    expect(firstFd()).toBe(10);
    await press('G');
    expect(firstFd()).toBe(41);
    expect(lines()[1]).toMatch(/42-50 of 50$/);
    await press('\x1b[5~');
    expect(firstFd()).toBe(32);
    await press('g');
    expect(firstFd()).toBe(0);
    await press('k');
    expect(firstFd()).toBe(0);
  });

  it('works in --watch mode (read-only views) and lists its keys in help', async () => {
    const { store, press, lines } = await show(140, 60, 'watch');
    await press('o');
    expect(topView(store.getState())).toBe('fds');
    await press('?');
    const help = lines().join('\n');
    expect(help).toContain('Open files view:');
    expect(help).toContain('2 s              sockets only');
    expect(help).toContain('0                all kinds');
    expect(help).toContain('/ F3             search fds');
    await press('x');
    expect(topView(store.getState())).toBe('fds');
  });
});
