// The kill dialog of the built proctop in a real terminal (tmux): select two of three sleepers
// the test started, kill them through the dialog; the cancel path leaves all alive.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/cli.js';
import { hasTmux, tableRowLines, tmuxServer } from './helpers/tmux.js';
import { readRecentActions } from '../src/storage/audit-log.js';
import { isAlive, killStartedChildren, startChild, waitFor } from './helpers/children.js';

const SOCKET = `proctop-actions-${process.pid}`;
const TAG = `h7tag${process.pid}`;

const { tmux, waitForScreen, startShell, killServer } = tmuxServer(SOCKET);

/** Rows of the process table as [mark, pid, line] (mark: '*' selected, '>' cursor, ' '). */
function tableRows(text: string): Array<[string, number, string]> {
  return tableRowLines(text).map((r) => [r.mark, r.pid, r.line]);
}

let workDir: string;
let stateHome: string;
let script: string;

/** Three node sleepers whose command line carries the tag (so `/` can find exactly them), by PID order. */
function startSleepers(): ChildProcess[] {
  // argv0 "node": the dialog's COMMAND column keeps the TAG in view wherever this Node is installed.
  const children = [0, 1, 2].map(() => startChild(process.execPath, [script, TAG], { detached: true, argv0: 'node' }));
  return children.sort((a, b) => a.pid! - b.pid!);
}

/** Starts proctop in a tmux session, sorted by PID, filtered to the tag, cursor on the first row. */
async function openFiltered(session: string, pids: readonly number[]): Promise<void> {
  startShell(session, `XDG_STATE_HOME=${stateHome} node dist/cli.js --interval 1s`);
  await waitForScreen(session, (s) => /CPU%/.test(s) && tableRows(s).length > 3, 'the monitor');
  // One key at a time: keys that arrive together reach proctop as one unknown sequence.
  tmux('send-keys', '-t', session, 'N');
  await waitForScreen(session, (s) => /PID[▲▼]/.test(s), 'the PID sort');
  tmux('send-keys', '-t', session, '/');
  await waitForScreen(session, (s) => s.includes('Filter: _'), 'the filter prompt');
  tmux('send-keys', '-t', session, '-l', TAG);
  await waitForScreen(session, (s) => s.includes(`Filter: ${TAG}_`), 'the typed filter');
  tmux('send-keys', '-t', session, 'Enter');
  const shown = (s: string) => tableRows(s).map(([, pid]) => pid);
  await waitForScreen(session, (s) => s.includes(`filter:"${TAG}"`) && JSON.stringify(shown(s)) === JSON.stringify(pids), `exactly the three sleepers ${pids.join(', ')}`);
  tmux('send-keys', '-t', session, 'g');
  await waitForScreen(session, (s) => tableRows(s)[0]?.[0] === '>', 'the cursor on the first sleeper');
}

/** Space twice: the first two sleepers are selected. */
async function selectFirstTwo(session: string, pids: readonly number[]): Promise<void> {
  tmux('send-keys', '-t', session, 'Space');
  await waitForScreen(session, (s) => tableRows(s)[0]?.[0] === '*', 'the first sleeper selected');
  tmux('send-keys', '-t', session, 'Space');
  const selected = await waitForScreen(session, (s) => s.includes('2 selected'), 'two selected');
  expect(tableRows(selected).filter(([mark]) => mark === '*').map(([, pid]) => pid)).toEqual(pids.slice(0, 2));
}

async function quit(session: string): Promise<void> {
  tmux('send-keys', '-t', session, 'q');
  await waitFor(() => tmux('display-message', '-p', '-t', session, '#{alternate_on} #{pane_current_command}').trim() === '0 bash', 15_000, 150);
}

describe.skipIf(!hasTmux)('kill dialog in tmux', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'proctop-e2e-actions-'));
    stateHome = join(workDir, 'state');
    mkdirSync(stateHome);
    script = join(workDir, `sleeper-${TAG}.js`);
    // Sleeps ~50 minutes unless signalled; ends by itself so a torn-down test leaves nothing for long.
    writeFileSync(script, 'setTimeout(() => {}, 3_000_000);\n');
    await ensureBuilt();
  }, 120_000);

  afterEach(async () => {
    await killStartedChildren();
  });

  afterAll(() => {
    killServer();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('kills the two selected sleepers through the dialog (F9, Enter) and leaves the third alive', async () => {
    const sleepers = startSleepers();
    const pids = sleepers.map((c) => c.pid!);
    const exits = sleepers.map((c) => new Promise<NodeJS.Signals | null>((resolve) => c.once('exit', (_code, sig) => resolve(sig))));
    const session = 'kill';
    await openFiltered(session, pids);
    await selectFirstTwo(session, pids);

    tmux('send-keys', '-t', session, 'F9');
    const dialog = await waitForScreen(session, (s) => s.includes('Send SIGTERM to 2 processes'), 'the kill dialog');
    const listed = dialog.split('\n').flatMap((l) => (l.includes(TAG) && /^\s*(\d+) /.test(l) ? [Number(/^\s*(\d+) /.exec(l)?.[1])] : []));
    expect(listed).toEqual(pids.slice(0, 2));
    expect(dialog).toMatch(/^ {2}> TERM {2}terminate politely/m);

    tmux('send-keys', '-t', session, 'Enter');
    await waitForScreen(session, (s) => s.split('\n').some((l) => l.startsWith('sent TERM to 2 processes')), 'the result in the status bar');
    expect(await exits[0]).toBe('SIGTERM');
    expect(await exits[1]).toBe('SIGTERM');
    expect(await isAlive(pids[2]!)).toBe(true);
    // Their rows leave the table and the selection is cleared; the third stays.
    await waitForScreen(session, (s) => JSON.stringify(tableRows(s).map(([, pid]) => pid)) === JSON.stringify([pids[2]]) && !s.includes('selected'), 'only the third sleeper left');

    const logged = await readRecentActions(10, join(stateHome, 'proctop', 'actions.jsonl'));
    expect(logged.map((r) => [r.action, r.signal, r.targets.map((t) => [t.pid, t.outcome])])).toEqual([['kill', 15, [[pids[0], 'sent'], [pids[1], 'sent']]]]);

    tmux('send-keys', '-t', session, 'H');
    const history = await waitForScreen(session, (s) => s.includes('Action history'), 'the history view');
    expect(history).toMatch(/kill {2}SIGTERM sent to 2 of 2 {2}\(.+, this session\)/);
    tmux('send-keys', '-t', session, 'Escape');
    await waitForScreen(session, (s) => /CPU%/.test(s), 'the list again');
    await quit(session);
    expect(await isAlive(pids[2]!)).toBe(true);
  }, 120_000);

  it('terminates a shell tree with T and shows every member\'s fate', async () => {
    // The tag rides in the shell's argv (a comment), so the filter finds the root only.
    const root = startChild('sh', ['-c', `sleep 600 & sleep 600 & wait # ${TAG}-tree`], { detached: true });
    const rootExit = new Promise<NodeJS.Signals | null>((resolve) => root.once('exit', (_code, sig) => resolve(sig)));
    const kids = await waitFor(() => {
      const text = spawnSync('cat', [`/proc/${root.pid}/task/${root.pid}/children`], { encoding: 'utf8' }).stdout.trim();
      const pids = text === '' ? [] : text.split(/\s+/).map(Number);
      return pids.length === 2 ? pids : null;
    }, 10_000);
    const session = 'tree';
    startShell(session, `XDG_STATE_HOME=${stateHome} node dist/cli.js --interval 1s`);
    await waitForScreen(session, (s) => /CPU%/.test(s) && tableRows(s).length > 3, 'the monitor');
    tmux('send-keys', '-t', session, '/');
    await waitForScreen(session, (s) => s.includes('Filter: _'), 'the filter prompt');
    tmux('send-keys', '-t', session, '-l', `${TAG}-tree`);
    await waitForScreen(session, (s) => s.includes(`Filter: ${TAG}-tree_`), 'the typed filter');
    tmux('send-keys', '-t', session, 'Enter');
    await waitForScreen(session, (s) => JSON.stringify(tableRows(s).map(([, pid]) => pid)) === JSON.stringify([root.pid]), 'only the shell');
    tmux('send-keys', '-t', session, 'T');
    const plan = await waitForScreen(session, (s) => s.includes('3 processes?'), 'the planned tree');
    for (const pid of [root.pid!, ...kids]) expect(plan).toMatch(new RegExp(`^ +${pid} \\S+ +(root|descendant) `, 'm'));
    tmux('send-keys', '-t', session, 'Enter');
    const done = await waitForScreen(session, (s) => s.includes(': done'), 'the fates');
    expect(done).toMatch(new RegExp(`^tree of PID ${root.pid} \\(sh\\): 3 of 3 gone \\(TERM\\)`, 'm'));
    for (const pid of [root.pid!, ...kids]) expect(done).toMatch(new RegExp(`^ +${pid} .* exited +`, 'm'));
    expect(await rootExit).toBe('SIGTERM');
    for (const pid of kids) expect(await isAlive(pid)).toBe(false);
    tmux('send-keys', '-t', session, 'Escape');
    await waitForScreen(session, (s) => /CPU%/.test(s), 'the list again');
    await quit(session);
  }, 120_000);

  it('cancel paths (Esc, n) leave all three alive and the selection in place', async () => {
    const sleepers = startSleepers();
    const pids = sleepers.map((c) => c.pid!);
    const session = 'cancel';
    await openFiltered(session, pids);
    await selectFirstTwo(session, pids);
    for (const cancel of ['Escape', 'n']) {
      tmux('send-keys', '-t', session, 'x');
      await waitForScreen(session, (s) => s.includes('Send SIGTERM to 2 processes'), 'the kill dialog');
      tmux('send-keys', '-t', session, cancel);
      await waitForScreen(session, (s) => /CPU%/.test(s) && s.includes('2 selected'), `the list after ${cancel}`);
    }
    // Give a wrongly sent signal time to land before checking.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const pid of pids) expect(await isAlive(pid)).toBe(true);
    expect(sleepers.every((c) => c.exitCode === null && c.signalCode === null)).toBe(true);
    await quit(session);
  }, 120_000);
});
