// The acting views of the TUI: kill dialog, tree dialog, action history. Real processes the test
// starts, a recording signaller, an audit log in a temporary directory.
import React from 'react';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { createFileAuditSink, readRecentActions, type AuditRecord } from '../src/storage/audit-log.js';
import { createSystemDeps, type ActionDeps } from '../src/actions/deps.js';
import { collectorWithSignaller, pretendSignaller, recordingSignaller, systemSignaller, type Signaller } from './helpers/recording-collector.js';
import type { KillManyResult } from '../src/actions/kill-many.js';
import { MonitorApp } from '../src/components/MonitorApp.js';
import type { Collector, SignalDelivery } from '../src/sys/types.js';
import { createActionsStore, LADDER_CHOICE, PICKER_SIGNALS } from '../src/store/actions-store.js';
import { createMonitorStore, topView, type MonitorStore } from '../src/store/monitor-store.js';
import { ActionsStoreContext } from '../src/store/use-actions-store.js';
import { killSummary } from '../src/components/action-messages.js';
import { captureKillTargets, createActionsController, type ActionsController, type ActionsControllerOptions } from '../src/tui/actions-controller.js';
import { syntheticFrame, syntheticRow, syntheticSystem } from './helpers/synthetic-frames.js';
import type { ProcessRow } from '../src/sampler/types.js';
import { isAlive, killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { startTimeOf } from './helpers/cli.js';

let stateDir: string;
beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'proctop-actions-tui-'));
});
afterEach(async () => {
  cleanup();
  await killStartedChildren();
});
afterAll(async () => {
  await killStartedChildren();
  rmSync(stateDir, { recursive: true, force: true });
});

const tick = (ms = 40) => new Promise((resolve) => setTimeout(resolve, ms));
let logCounter = 0;

/** A fresh audit log path per test. */
function freshLog(): string {
  logCounter += 1;
  return join(stateDir, `actions-${logCounter}.jsonl`);
}

async function realSignaller(): Promise<Signaller> {
  return systemSignaller();
}

function depsWith(signal: Signaller, auditPath: string, collector: Collector = collectorWithSignaller(signal)): () => Promise<ActionDeps> {
  return () => createSystemDeps({ collector, audit: createFileAuditSink(auditPath) });
}

/** A sleeper in its own process group (as a shell job is), so proctop's group guard does not apply. */
function sleeper(tag: string): { pid: number; startTime: number; exited: Promise<NodeJS.Signals | null> } {
  const child = startChild('sleep', ['300'], { detached: true, argv0: `sleep-${tag}` });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
  return { pid: child.pid!, startTime: startTimeOf(child.pid!), exited };
}

/** The row the sampler would show for a real process. */
function rowOf(p: { pid: number; startTime: number }, fields: Partial<ProcessRow> = {}): ProcessRow {
  return syntheticRow({ pid: p.pid, startTime: p.startTime, comm: 'sleep', argv: ['sleep', '300'], user: 'tester', ppid: process.pid, ...fields });
}

interface Harness {
  readonly monitor: MonitorStore;
  readonly controller: ActionsController;
  readonly app: ReturnType<typeof render>;
  readonly lines: () => string[];
  readonly press: (keys: string) => Promise<void>;
}

async function showApp(rows: readonly ProcessRow[], options: ActionsControllerOptions, setup: { columns?: number; rows?: number; mode?: 'interactive' | 'watch' } = {}): Promise<Harness> {
  const monitor = createMonitorStore({ columns: setup.columns ?? 100, rows: setup.rows ?? 24, backend: 'native', color: false, mode: setup.mode ?? 'interactive', sortColumn: 'pid', descending: false });
  monitor.getState().ingest(syntheticFrame(rows, { system: syntheticSystem(2) }));
  const controller = createActionsController(options);
  const app = render(
    <ActionsStoreContext.Provider value={controller.store}>
      <MonitorApp store={monitor} overrides={controller.overrides} viewKeys={controller.viewKeys} />
    </ActionsStoreContext.Provider>,
  );
  await tick();
  const press = async (keys: string): Promise<void> => {
    app.stdin.write(keys);
    await tick();
  };
  return { monitor, controller, app, lines: () => (app.lastFrame() ?? '').split('\n'), press };
}

/** Waits until the rendered frame satisfies `check`. */
async function frameShows(h: Harness, check: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  let last = '';
  try {
    return await waitFor(() => {
      last = h.app.lastFrame() ?? '';
      return check(last) ? last : '';
    }, timeoutMs, 50);
  } catch {
    throw new Error(`frame never showed ${what}; last frame:\n${last}`);
  }
}

describe('actions store', () => {
  it('opens on TERM every time, even after a STOP was sent; the picker stops at its ends (no wrap)', () => {
    const store = createActionsStore();
    const target = { key: '5:1', pid: 5, startTime: 1, user: 'u', command: 'c' };
    store.getState().openKillDialog([target]);
    const pick = () => {
      const d = store.getState().dialog;
      return d?.kind === 'kill' ? (d.signalIndex === LADDER_CHOICE ? 'ladder' : PICKER_SIGNALS[d.signalIndex]?.name) : null;
    };
    expect(pick()).toBe('TERM');
    store.getState().moveSignal(-1);
    expect(pick()).toBe('TERM');
    for (let i = 0; i < PICKER_SIGNALS.length + 3; i++) store.getState().moveSignal(1);
    expect(pick()).toBe('ladder');
    store.getState().moveSignal(-1);
    expect(pick()).toBe('USR2');
    store.getState().closeDialog();
    store.getState().openKillDialog([target]);
    expect(pick()).toBe('TERM');
  });
});

describe('kill targets', () => {
  const rows = [syntheticRow({ pid: 300 }), syntheticRow({ pid: 100 }), syntheticRow({ pid: 200 })];

  it('are the selected processes in screen order, else the cursor process', () => {
    const monitor = createMonitorStore({ sortColumn: 'pid', descending: false });
    monitor.getState().ingest(syntheticFrame(rows));
    const first = captureKillTargets(monitor.getState());
    expect(typeof first !== 'string' && first.map((t) => t.pid)).toEqual([100]);
    monitor.getState().moveCursor(2);
    monitor.getState().toggleSelect();
    monitor.getState().moveCursor(-2);
    monitor.getState().toggleSelect();
    const selected = captureKillTargets(monitor.getState());
    expect(typeof selected !== 'string' && selected.map((t) => [t.pid, t.startTime, t.command])).toEqual([
      [100, 1100, '/usr/bin/proc100 --serve'],
      [300, 1300, '/usr/bin/proc300 --serve'],
    ]);
  });

  it('are refused with a reason when nothing is under the cursor', () => {
    const monitor = createMonitorStore();
    expect(captureKillTargets(monitor.getState())).toBe('no process under the cursor');
  });
});

describe('status-bar summaries', () => {
  const base = { startTime: 1, comm: 'x', uid: 0, user: 'root', viaPidfd: true };
  const result = (outcomes: Array<[number, KillManyResult['results'][number]['outcome'], string | null]>): KillManyResult => ({
    signal: 15,
    refused: false,
    refusal: null,
    warnings: [],
    results: outcomes.map(([pid, outcome, reason]) => ({ ...base, pid, outcome, reason })),
  });

  it('says what was sent and why each failure failed', () => {
    expect(killSummary(result([[1, 'sent', null], [2, 'sent', null]]))).toBe('sent TERM to 2 processes');
    expect(killSummary(result([[1, 'sent', null], [123, 'permission', 'EPERM']]))).toBe('sent TERM to 1 process; 1 failed: permission denied (pid 123)');
    expect(killSummary(result([[5, 'exited', 'no such process'], [6, 'exited', null], [7, 'reused', 'x']]))).toBe(
      'TERM: nothing sent; 3 failed: gone (pid 5, 6); PID reused (pid 7)',
    );
  });
});

describe('kill dialog', () => {
  it('lists every selected target with PID, USER and COMMAND and preselects TERM (exact frame at 100x24)', async () => {
    const rows = [
      syntheticRow({ pid: 4101, user: 'alice', argv: ['node', '/srv/app/server.js', '--port', '8080'] }),
      syntheticRow({ pid: 4102, user: 'bob', argv: ['python3', '-m', 'http.server'] }),
      syntheticRow({ pid: 4103, user: 'carol', argv: ['sleep', '1000'] }),
    ];
    const h = await showApp(rows, { deps: depsWith(pretendSignaller(), freshLog()) });
    await h.press(' ');
    await h.press(' ');
    await h.press('x');
    expect(topView(h.monitor.getState())).toBe('confirm');
    await frameShows(h, (f) => f.includes('Send SIGTERM to 2 processes'), 'the dialog');
    expect(h.lines()).toEqual([
      'Send SIGTERM to 2 processes (captured when this dialog opened)',
      '     PID USER       COMMAND',
      '    4101 alice      node /srv/app/server.js --port 8080',
      '    4102 bob        python3 -m http.server',
      'Signal:',
      '  > TERM  terminate politely (default)',
      '    KILL  kill; cannot be caught or ignored',
      '    INT   interrupt (Ctrl-C)',
      '    HUP   hangup; many daemons reload',
      '    QUIT  quit with core dump (Ctrl-\\)',
      '    STOP  stop; cannot be caught or ignored',
      '    CONT  continue a stopped process',
      '    USR1  user-defined 1',
      '    USR2  user-defined 2',
      '    stop  (ladder) TERM:5s,KILL:2s: each rung only for survivors',
      'Enter/y: send SIGTERM   Esc/n/q: cancel   ↑/k ↓/j: signal',
      '',
      '',
      '',
      '',
      '',
      '',
      expect.stringMatching(/^Esc: cancel\/close +2 selected native 1\.5s$/),
    ]);
    await h.press('j');
    await frameShows(h, (f) => f.includes('  > KILL'), 'KILL picked');
    expect(h.lines()).toContain('  > KILL  kill; cannot be caught or ignored');
    expect(h.lines()).toContain('Enter/y: send SIGKILL   Esc/n/q: cancel   ↑/k ↓/j: signal');
    // The title names the signal Enter sends.
    expect(h.lines()[0]).toBe('Send SIGKILL to 2 processes (captured when this dialog opened)');
  });

  it('keeps its targets when a refresh changes the list, and signals exactly the identities captured at open', async () => {
    const a = sleeper('a');
    const signal = pretendSignaller();
    const h = await showApp([rowOf(a, { argv: ['sleep', '300', 'target-a'] })], { deps: depsWith(signal, freshLog()) });
    await h.press('x');
    await frameShows(h, (f) => f.includes('target-a'), 'the dialog');
    const before = h.lines().slice(0, 3);
    expect(before[2]).toMatch(new RegExp(`^ +${a.pid} tester +sleep 300 target-a$`));
    // A refresh where the target is gone from the frame and another process took the cursor's place.
    h.monitor.getState().ingest(syntheticFrame([syntheticRow({ pid: 999_999, argv: ['intruder'] })], { timestampMs: 1_700_000_200_000 }));
    await tick();
    expect(h.lines().slice(0, 3)).toEqual(before);
    await h.press('\r');
    await h.controller.idle();
    expect(signal.calls).toEqual([{ pid: a.pid, startTime: a.startTime, signal: 15 }]);
    expect(topView(h.monitor.getState())).toBe('list');
  });

  it('sends the picked signal to both selected sleepers, clears the selection, reports in the status bar, and opens on TERM next time', async () => {
    const [a, b, c] = [sleeper('a'), sleeper('b'), sleeper('c')];
    const signal = recordingSignaller(await realSignaller());
    const log = freshLog();
    const h = await showApp([rowOf(a), rowOf(b), rowOf(c)], { deps: depsWith(signal, log) });
    await h.press(' ');
    await h.press(' ');
    await h.press('x');
    await h.press('j'); // KILL
    await h.press('y');
    await h.controller.idle();
    expect(await a.exited).toBe('SIGKILL');
    expect(await b.exited).toBe('SIGKILL');
    expect(await isAlive(c.pid)).toBe(true);
    expect(signal.calls.map((call) => [call.pid, call.signal])).toEqual([
      [a.pid, 9],
      [b.pid, 9],
    ]);
    expect(h.monitor.getState().selection.size).toBe(0);
    await frameShows(h, (f) => f.split('\n').at(-1)?.startsWith('sent KILL to 2 processes') === true, 'the result in the status bar');
    const logged = await readRecentActions(10, log);
    expect(logged.map((r) => [r.action, r.signal, r.targets.map((t) => [t.pid, t.outcome])])).toEqual([['kill', 9, [[a.pid, 'sent'], [b.pid, 'sent']]]]);
    // The cursor is on c now: the next dialog targets it, on TERM again (never the last signal used).
    await h.press('x');
    await frameShows(h, (f) => f.includes(`to PID ${c.pid}`), 'the next dialog');
    expect(h.lines()).toContain('  > TERM  terminate politely (default)');
    expect(h.lines()[0]).toBe(`Send SIGTERM to PID ${c.pid} (captured when this dialog opened)`);
    await h.press('\x1b');
    await tick(100);
    expect(topView(h.monitor.getState())).toBe('list');
    expect(await isAlive(c.pid)).toBe(true);
  });

  it('reports a reused PID and a gone process without signalling them', async () => {
    const a = sleeper('a');
    const signal = recordingSignaller(await realSignaller());
    // The row's identity is stale: same PID, another start time (what a recycled PID looks like).
    let free = 4_194_000;
    while (existsSync(`/proc/${free}`)) free -= 1;
    const h = await showApp([rowOf({ pid: a.pid, startTime: a.startTime - 1 }), rowOf({ pid: free, startTime: 42 })], { deps: depsWith(signal, freshLog()) });
    await h.press(' ');
    await h.press(' ');
    await h.press('x');
    await h.press('\r');
    await h.controller.idle();
    expect(signal.calls).toEqual([]);
    expect(await isAlive(a.pid)).toBe(true);
    const status = (await frameShows(h, (f) => f.includes('nothing sent'), 'the result')).split('\n').at(-1) ?? '';
    expect(status).toContain(`TERM: nothing sent; 2 failed: `);
    expect(status).toContain(`PID reused (pid ${a.pid})`);
    expect(h.monitor.getState().message?.text).toContain(`gone (pid ${free})`);
    // Nothing was sent, so the selection stays for another try.
    expect(h.monitor.getState().selection.size).toBe(2);
  });

  it('cancels with n and with Esc: nothing is sent', async () => {
    const a = sleeper('a');
    const signal = pretendSignaller();
    const h = await showApp([rowOf(a)], { deps: depsWith(signal, freshLog()) });
    for (const cancel of ['n', '\x1b']) {
      await h.press('x');
      expect(topView(h.monitor.getState())).toBe('confirm');
      await h.press(cancel);
      await tick(100);
      expect(topView(h.monitor.getState())).toBe('list');
      expect(h.controller.store.getState().dialog).toBeNull();
    }
    await h.controller.idle();
    expect(signal.calls).toEqual([]);
  });

  it('opens on TERM after a STOP and a CONT: F9 + Enter sends TERM, not the last signal used', async () => {
    const a = sleeper('a');
    const signal = recordingSignaller(await realSignaller());
    const h = await showApp([rowOf(a)], { deps: depsWith(signal, freshLog()) });
    const send = async (name: string): Promise<void> => {
      await h.press('\x1b[20~'); // F9
      await frameShows(h, (f) => f.includes('  > TERM'), 'the dialog on TERM');
      for (let i = 0; i < PICKER_SIGNALS.findIndex((s) => s.name === name); i++) await h.press('j');
      await frameShows(h, (f) => f.includes(`Send SIG${name} to PID ${a.pid}`), `${name} in the title`);
      await h.press('\r');
      await h.controller.idle();
    };
    await send('STOP');
    await waitFor(() => readFileSync(`/proc/${a.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T'));
    await send('CONT');
    await send('TERM');
    expect(signal.calls.map((c) => c.signal)).toEqual([19, 18, 15]);
    expect(await a.exited).toBe('SIGTERM');
  });

  it('offers "stop (ladder)": runs it with progress per rung and each target\'s fate, then closes on Enter', async () => {
    // Ignores TERM (the disposition survives exec): the second rung, KILL, ends it.
    const child = startChild('sh', ['-c', "trap '' TERM; exec sleep 300"], { detached: true });
    await waitFor(() => readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim() === 'sleep');
    const target = { pid: child.pid!, startTime: startTimeOf(child.pid!) };
    const signal = recordingSignaller(await realSignaller());
    const log = freshLog();
    const h = await showApp([rowOf(target)], { deps: depsWith(signal, log), ladder: [{ signal: 15, windowMs: 400 }, { signal: 9, windowMs: 5000 }] });
    await h.press('x');
    for (let i = 0; i < PICKER_SIGNALS.length; i++) await h.press('j');
    await frameShows(h, (f) => f.includes(`Stop PID ${target.pid} with the ladder TERM:400ms,KILL:5s`), 'the ladder in the title');
    expect(h.lines()).toContain('  > stop  (ladder) TERM:400ms,KILL:5s: each rung only for survivors');
    const progress: string[] = [];
    const unsubscribe = h.controller.store.subscribe((s) => {
      if (s.dialog?.kind === 'kill' && s.dialog.run && progress.at(-1) !== s.dialog.run.progress) progress.push(s.dialog.run.progress);
    });
    await h.press('\r');
    const done = await frameShows(h, (f) => f.includes('stopped 1 of 1'), 'the fate and the result');
    unsubscribe();
    expect(progress).toContain('rung 1/2 (TERM): sent to 1 process');
    expect(progress.some((p) => /^rung 1\/2 \(TERM\): 1 still running, /.test(p))).toBe(true);
    expect(progress).toContain('rung 2/2 (KILL): sent to 1 process');
    expect(done).toMatch(new RegExp(`^ +${target.pid} tester +\\[ended by KILL \\(rung 2\\) in [\\d.]+m?s\\] sleep 300`, 'm'));
    expect(done).toContain('Ladder:');
    expect(done).toMatch(/stopped 1 of 1 \(TERM:400ms,KILL:5s\)/);
    expect(signal.calls.map((c) => c.signal)).toEqual([15, 9]);
    await h.press('\r');
    await tick(100);
    expect(topView(h.monitor.getState())).toBe('list');
    expect((await readRecentActions(10, log)).map((r) => r.action)).toEqual(['stop']);
  });

  it('folds the signal picker into one line on a small screen (40x12) and keeps the keys visible', async () => {
    const rows = [syntheticRow({ pid: 4101, user: 'alice', argv: ['node', 'server.js'] })];
    const h = await showApp(rows, { deps: depsWith(pretendSignaller(), freshLog()) }, { columns: 40, rows: 12 });
    await h.press('x');
    await frameShows(h, (f) => f.includes('< TERM >'), 'the folded picker');
    const frame = h.lines();
    expect(frame.slice(0, 5)).toEqual([
      'Send SIGTERM to PID 4101 (captured when…',
      '     PID USER       COMMAND',
      '    4101 alice      node server.js',
      'Signal:',
      '  < TERM >  terminate politely (default…',
    ]);
    expect(frame.some((l) => l.startsWith('Enter/y: send SIGTERM'))).toBe(true);
    expect(frame.every((l) => l.length <= 40)).toBe(true);
  });
});

describe('--watch', () => {
  it('answers x, F9 and T with "read-only (--watch)" and opens no dialog; H still shows the history', async () => {
    const log = freshLog();
    const signal = pretendSignaller();
    const h = await showApp([syntheticRow({ pid: 4101 })], { deps: depsWith(signal, log), auditPath: log }, { mode: 'watch' });
    for (const key of ['x', '\x1b[20~', 'T']) {
      h.monitor.getState().showMessage('');
      await h.press(key);
      expect(topView(h.monitor.getState())).toBe('list');
      expect(h.lines().at(-1)).toMatch(/^read-only \(--watch\)/);
    }
    await h.press('H');
    expect(topView(h.monitor.getState())).toBe('history');
    await frameShows(h, (f) => f.includes('No actions recorded yet.'), 'the empty history');
    expect(signal.calls).toEqual([]);
  });
});

describe('action history (H)', () => {
  it('shows earlier actions from the audit log and this session\'s, newest first', async () => {
    const log = freshLog();
    const earlier: AuditRecord = {
      time: '2026-01-02T03:04:05.000Z',
      user: 'alice',
      uid: 1000,
      sudoUser: null,
      proctopPid: 1,
      action: 'terminate-tree',
      signal: 15,
      killSignal: 9,
      targets: [{ pid: 777, startTime: 5, comm: 'worker', outcome: 'killed', reason: null }],
      summary: 'SIGTERM then SIGKILL: 1 of 1 gone',
      warnings: [],
    };
    expect(await createFileAuditSink(log).append(earlier)).toBeNull();
    const a = sleeper('a');
    const h = await showApp([rowOf(a)], { deps: depsWith(await realSignaller(), log), auditPath: log });
    await h.press('x');
    await h.press('\r');
    await h.controller.idle();
    expect(await a.exited).toBe('SIGTERM');
    await h.press('H');
    const text = await frameShows(h, (f) => f.includes('terminate-tree'), 'the history');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Action history, newest first (audit log plus this session)');
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}kill {2}SIGTERM sent to 1 of 1 {2}\(.+, this session\)$/);
    expect(lines[2]).toBe(`    ${String(a.pid).padStart(7)} sleep           sent`);
    expect(lines[3]).toMatch(/ {2}terminate-tree {2}SIGTERM then SIGKILL: 1 of 1 gone {2}\(alice\)$/);
    expect(lines[4]).toBe('        777 worker          killed');
    await h.press('j');
    expect(h.lines()[1]).toBe(lines[2]);
    await h.press('q');
    expect(topView(h.monitor.getState())).toBe('list');
  });

  it('still lists this session\'s action when the audit log cannot be written', async () => {
    // A log path under a regular file: mkdir fails, the action still happens and says so.
    const blocked = join(stateDir, `not-a-dir-${process.pid}`);
    await createFileAuditSink(join(stateDir, 'x.jsonl')).append({ time: 't', user: 'u', uid: 0, sudoUser: null, proctopPid: 0, action: 'kill', signal: 0, killSignal: null, targets: [], summary: '', warnings: [] });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(blocked, 'file');
    const log = join(blocked, 'actions.jsonl');
    const a = sleeper('a');
    const h = await showApp([rowOf(a)], { deps: depsWith(await realSignaller(), log), auditPath: log });
    await h.press('x');
    await h.press('\r');
    await h.controller.idle();
    expect(await a.exited).toBe('SIGTERM');
    expect(h.monitor.getState().message?.text).toMatch(/^sent TERM to 1 process; audit log not written/);
    await h.press('H');
    const text = await frameShows(h, (f) => f.includes('this session'), 'the session action');
    expect(text).toContain('warning: audit log not written');
  });
});

/** Children of a process right now (by /proc/PID/task/PID/children). */
async function childrenOf(pid: number): Promise<number[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim() === '' ? [] : text.trim().split(/\s+/).map(Number);
}

/** A shell (own process group) with `count` sleeping children; with ignoreTerm all of them ignore SIGTERM. */
async function shellTree(count: number, ignoreTerm: boolean): Promise<{ pid: number; startTime: number; script: string; exited: Promise<NodeJS.Signals | null> }> {
  const script = `${ignoreTerm ? 'trap "" TERM; ' : ''}${'sleep 300 & '.repeat(count)}wait`;
  const child = startChild('sh', ['-c', script], { detached: true });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
  await waitFor(async () => (await childrenOf(child.pid!)).length === count, 10_000);
  return { pid: child.pid!, startTime: startTimeOf(child.pid!), script, exited };
}

describe('tree dialog (T)', () => {
  it('shows the tree, runs the escalation with a live progress line, then every member\'s fate', async () => {
    const root = await shellTree(2, true);
    const kids = await childrenOf(root.pid);
    const signal = recordingSignaller(await realSignaller());
    const h = await showApp([rowOf(root, { comm: 'sh', argv: ['sh', '-c', root.script] })], {
      deps: depsWith(signal, freshLog()),
      tree: { graceMs: 1500, killAfterMs: 8000 },
    }, { columns: 120 });
    await h.press('T');
    const plan = await frameShows(h, (f) => f.includes('3 processes?'), 'the planned tree');
    const lines = plan.split('\n');
    expect(lines[0]).toBe(`Terminate the tree of PID ${root.pid} (sh -c ${root.script}): 3 processes?`);
    expect(lines[1]).toBe('Stops them all, sends TERM, waits up to 1.5s, then KILL to survivors (up to 8s).');
    expect(lines[2]).toBe('     PID USER       RELATION   COMMAND');
    expect(lines[3]).toMatch(new RegExp(`^ +${root.pid} tester +root +sh -c `));
    for (const kid of kids) expect(lines.some((l) => new RegExp(`^ +${kid} \\S+ +descendant +\\[sleep\\]$`).test(l))).toBe(true);
    expect(signal.calls).toEqual([]);

    const progress: string[] = [];
    const stop = h.controller.store.subscribe((s) => {
      if (s.dialog?.kind === 'tree' && progress.at(-1) !== s.dialog.progress) progress.push(s.dialog.progress);
    });
    await h.press('\r');
    await frameShows(h, (f) => f.includes('Terminating the tree of'), 'the running dialog');
    await h.controller.idle();
    stop();
    expect(await root.exited).toBe('SIGKILL');
    expect(progress).toContain('stopped 3 of 3 (SIGSTOP, so none can fork away)');
    expect(progress).toContain('sent TERM to 3 processes');
    expect(progress.some((p) => /^grace window: 3 still running, /.test(p))).toBe(true);
    expect(progress, progress.join('\n')).toContain('grace window over: sending KILL to 3 survivors');

    const done = await frameShows(h, (f) => f.includes(': done'), 'the fates');
    const doneLines = done.split('\n');
    expect(doneLines[0]).toBe(`Tree of PID ${root.pid} (sh -c ${root.script}): done`);
    expect(doneLines[1]).toMatch(new RegExp(`^tree of PID ${root.pid} \\(sh\\): 3 of 3 gone \\(TERM then KILL\\) in \\d`));
    expect(doneLines[2]).toBe('     PID USER       RELATION   FATE         COMMAND');
    for (const pid of [root.pid, ...kids]) expect(doneLines.some((l) => new RegExp(`^ +${pid} .* killed +`).test(l))).toBe(true);
    expect(h.monitor.getState().message?.text).toBe(doneLines[1]?.trimEnd());
    await h.press('\x1b');
    expect(topView(h.monitor.getState())).toBe('list');
    expect(h.controller.store.getState().dialog).toBeNull();
  }, 60_000);

  it('goes on in the background when closed while running, and reports in the status bar', async () => {
    const root = await shellTree(1, false);
    const h = await showApp([rowOf(root, { comm: 'sh', argv: ['sh', '-c', root.script] })], {
      deps: depsWith(await realSignaller(), freshLog()),
      tree: { graceMs: 5000, killAfterMs: 5000 },
    });
    await h.press('T');
    await frameShows(h, (f) => f.includes('2 processes?'), 'the planned tree');
    await h.press('\r');
    await h.press('\x1b');
    expect(topView(h.monitor.getState())).toBe('list');
    // While it runs, a second T waits for the first.
    if (h.controller.busy()) {
      await h.press('T');
      expect(topView(h.monitor.getState())).toBe('list');
    }
    await h.controller.idle();
    expect(await root.exited).toBe('SIGTERM');
    expect(h.monitor.getState().message?.text).toMatch(new RegExp(`^tree of PID ${root.pid} \\(sh\\): 2 of 2 gone \\(TERM\\) in `));
    expect(h.controller.store.getState().dialog).toBeNull();
  }, 60_000);

  it('says in the kill dialog, before Enter, that proctop itself will not be signalled', async () => {
    const signal = pretendSignaller();
    const self = { pid: process.pid, startTime: startTimeOf(process.pid) };
    const h = await showApp([rowOf(self, { comm: 'node', argv: ['node', 'vitest'] })], { deps: depsWith(signal, freshLog()) });
    await h.press('x');
    const text = await frameShows(h, (f) => f.includes('[not signalled:'), 'the refusal mark');
    expect(text).toMatch(new RegExp(`^ +${process.pid} tester +\\[not signalled: this is proctop itself\\] node vitest`, 'm'));
    await h.press('\r');
    await h.controller.idle();
    expect(signal.calls).toEqual([]);
  });

  it('refuses a tree rooted at proctop itself and sends nothing (recording fake signaller)', async () => {
    const signal = pretendSignaller();
    const self = { pid: process.pid, startTime: startTimeOf(process.pid) };
    const h = await showApp([rowOf(self, { comm: 'node', argv: ['node', 'vitest'] })], { deps: depsWith(signal, freshLog()) });
    await h.press('T');
    const text = await frameShows(h, (f) => f.includes('Cannot terminate'), 'the refusal');
    expect(text.split('\n').slice(0, 3)).toEqual([
      `Cannot terminate the tree of PID ${process.pid} (node vitest)`,
      'this is proctop itself',
      'Nothing was sent.',
    ]);
    await h.press('\r');
    expect(topView(h.monitor.getState())).toBe('list');
    await h.controller.idle();
    expect(signal.calls).toEqual([]);
  });
});

/** The nice value of a process now (field 19 of /proc/PID/stat). */
async function niceOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('renice (F7/F8, [ and ])', () => {
  it('moves the nice value of the cursor process, identity-checked, and logs it', async () => {
    const a = sleeper('a');
    const log = freshLog();
    const h = await showApp([rowOf(a)], { deps: depsWith(pretendSignaller(), log), auditPath: log });
    expect(await niceOf(a.pid)).toBe(0);
    await h.press('\x1b[19~'); // F8: nice +1
    await h.controller.idle();
    expect(await niceOf(a.pid)).toBe(1);
    expect(h.monitor.getState().message?.text).toBe(`PID ${a.pid}: nice 0 → 1`);
    await h.press(']');
    await h.controller.idle();
    expect(await niceOf(a.pid)).toBe(2);
    const logged = await readRecentActions(10, log);
    expect(logged.map((r) => [r.action, r.targets.map((t) => [t.pid, t.outcome, t.reason])])).toEqual([
      ['renice', [[a.pid, 'reniced', 'nice 0 -> 1']]],
      ['renice', [[a.pid, 'reniced', 'nice 1 -> 2']]],
    ]);
  });

  it('does not touch a reused PID and explains a permission refusal', async () => {
    const a = sleeper('a');
    const b = sleeper('b');
    const calls: Array<[string, number, number?]> = [];
    const signal = pretendSignaller();
    const denying: Collector = {
      ...collectorWithSignaller(signal),
      readPriority: async (pid) => {
        calls.push(['get', pid]);
        return { nice: 0, error: null };
      },
      setPriority: async (target, nice) => {
        calls.push(['set', target.pid, nice]);
        return { outcome: 'permission', error: 'EACCES' };
      },
    };
    const h = await showApp([rowOf({ pid: a.pid, startTime: a.startTime - 1 }), rowOf(b)], { deps: depsWith(signal, freshLog(), denying) });
    await h.press(' ');
    await h.press(' ');
    await h.press('[');
    await h.controller.idle();
    expect(calls).toEqual([
      ['get', b.pid],
      ['set', b.pid, -1],
    ]);
    const text = h.monitor.getState().message?.text ?? '';
    expect(text).toContain('nothing reniced; 2 failed: ');
    expect(text).toContain(`PID reused (pid ${a.pid})`);
    expect(text).toContain(`permission denied (raising priority needs root or CAP_SYS_NICE) (pid ${b.pid})`);
  });

  it('answers read-only in --watch', async () => {
    const h = await showApp([syntheticRow({ pid: 4101 })], { deps: depsWith(pretendSignaller(), freshLog()) }, { mode: 'watch' });
    await h.press(']');
    expect(h.monitor.getState().message?.text).toBe('read-only (--watch)');
    await h.controller.idle();
  });
});
