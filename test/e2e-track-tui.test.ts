// Tracked processes in the built proctop in a real terminal (tmux): track the process under the
// cursor with the form (a), see it in the TRACK column and the registry, filter by tag:, open the
// tracked view (A); in --watch the track key is refused.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, ensureBuilt } from './helpers/cli.js';
import { hasTmux, tableRowLines, tmuxServer } from './helpers/tmux.js';
import { killStartedChildren, startChild } from './helpers/children.js';

const SOCKET = `proctop-track-${process.pid}`;
const TAG = `t13mark${process.pid}`;

const { tmux, waitForScreen, startShell, waitForShell, killServer } = tmuxServer(SOCKET);

/** Rows of the process table as [mark, pid, line]. */
const tableRows = (text: string): Array<[string, number, string]> => tableRowLines(text).map((r) => [r.mark, r.pid, r.line]);

async function quit(session: string): Promise<void> {
  tmux('send-keys', '-t', session, 'q');
  await waitForShell(session);
}


let workDir: string;
let env: string;
let script: string;
let registry: string;

function startSleepers(): ChildProcess[] {
  return [0, 1].map(() => startChild(process.execPath, [script, TAG], { detached: true })).sort((a, b) => a.pid! - b.pid!);
}

function trackJson(...args: string[]): Record<string, any> {
  const run = spawnSync(process.execPath, [builtCli, 'track', ...args, '--json'], { encoding: 'utf8', env: { ...process.env, PROCTOP_REGISTRY: registry } });
  return JSON.parse(run.stdout);
}

async function typeFilter(session: string, text: string): Promise<void> {
  tmux('send-keys', '-t', session, '/');
  await waitForScreen(session, (s) => s.includes('Filter: _'), 'the filter prompt');
  tmux('send-keys', '-t', session, '-l', text);
  await waitForScreen(session, (s) => s.includes(`Filter: ${text}_`), 'the typed filter');
  tmux('send-keys', '-t', session, 'Enter');
}


describe.skipIf(!hasTmux)('tracking from the TUI in tmux', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'proctop-e2e-track-'));
    mkdirSync(join(workDir, 'state'));
    registry = join(workDir, 'registry.json');
    env = `XDG_STATE_HOME=${join(workDir, 'state')} PROCTOP_REGISTRY=${registry}`;
    script = join(workDir, `sleeper-${TAG}.js`);
    writeFileSync(script, 'setTimeout(() => {}, 3_000_000);\n');
    await ensureBuilt();
  }, 120_000);
  afterEach(killStartedChildren);
  afterAll(() => {
    killServer();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('tracks the process under the cursor with the form, shows TRACK, filters by tag: and lists it in the tracked view', async () => {
    const [first, second] = startSleepers().map((c) => c.pid!) as [number, number];
    const session = 'track';
    startShell(session, `${env} node dist/cli.js --interval 1s`);
    await waitForScreen(session, (s) => /CPU%/.test(s) && tableRows(s).length > 3, 'the monitor');
    tmux('send-keys', '-t', session, 'N');
    await waitForScreen(session, (s) => /PID[▲▼]/.test(s), 'the PID sort');
    await typeFilter(session, TAG);
    await waitForScreen(session, (s) => JSON.stringify(tableRows(s).map(([, pid]) => pid)) === JSON.stringify([first, second]), 'the two sleepers');
    expect(tmux('capture-pane', '-p', '-t', session)).not.toMatch(/TRACK/);
    tmux('send-keys', '-t', session, 'g');
    await waitForScreen(session, (s) => tableRows(s)[0]?.[0] === '>', 'the cursor on the first sleeper');

    tmux('send-keys', '-t', session, 'a');
    await waitForScreen(session, (s) => s.includes(`Track PID ${first}`) && s.includes('> name'), 'the track form');
    tmux('send-keys', '-t', session, '-l', 'e2ejob');
    await waitForScreen(session, (s) => s.includes('name   : e2ejob_'), 'the typed name');
    tmux('send-keys', '-t', session, 'Tab');
    await waitForScreen(session, (s) => s.includes('> tags'), 'the tags field');
    tmux('send-keys', '-t', session, '-l', 'web t13');
    await waitForScreen(session, (s) => s.includes('tags   : web t13_'), 'the typed tags');
    tmux('send-keys', '-t', session, 'Enter');
    const tracked = await waitForScreen(session, (s) => /TRACK/.test(s) && s.includes(`tracking PID ${first} as #1 (e2ejob)`), 'the TRACK column and the result');
    const firstRow = tableRows(tracked).find(([, pid]) => pid === first)?.[2] ?? '';
    expect(firstRow).toMatch(/e2ejob t13,web/);
    expect(tableRows(tracked).find(([, pid]) => pid === second)?.[2]).not.toMatch(/e2ejob/);

    // The registry has it, pinned to the identity the form captured.
    const list = trackJson('list');
    expect(list.entries).toEqual([expect.objectContaining({ id: 1, pid: first, name: 'e2ejob', tags: ['t13', 'web'], alive: true })]);

    // tag: keeps only tracked processes carrying the tag (the filter text becomes the token).
    await typeFilter(session, 'tag:t13');
    await waitForScreen(session, (s) => JSON.stringify(tableRows(s).map(([, pid]) => pid)) === JSON.stringify([first]), 'only the tracked sleeper');
    await typeFilter(session, 'tag:nothing');
    await waitForScreen(session, (s) => s.includes('no processes match'), 'no match for another tag');

    // The tracked view lists the entry; a CLI-tracked second one appears too, dead ones stay.
    trackJson('add', String(second), '--name', 'second');
    tmux('send-keys', '-t', session, 'A');
    const view = await waitForScreen(session, (s) => s.includes('Tracked processes: 2 (2 alive)'), 'the tracked view');
    expect(view).toMatch(new RegExp(`#1 +${first} e2ejob +alive`));
    expect(view).toMatch(new RegExp(`#2 +${second} second +alive`));
    // d untracks the entry under the cursor (#1).
    tmux('send-keys', '-t', session, 'd');
    await waitForScreen(session, (s) => s.includes('Tracked processes: 1 (1 alive)'), 'one entry left');
    expect(trackJson('list').entries.map((e: { id: number }) => e.id)).toEqual([2]);
    tmux('send-keys', '-t', session, 'Escape');
    await waitForScreen(session, (s) => /CPU%/.test(s), 'the list again');
    await quit(session);
  }, 180_000);

  it('refuses the track key in --watch', async () => {
    startSleepers();
    const session = 'watch';
    startShell(session, `${env} node dist/cli.js --watch --interval 1s`);
    await waitForScreen(session, (s) => /CPU%/.test(s) && tableRows(s).length > 3, 'the monitor');
    tmux('send-keys', '-t', session, 'a');
    await waitForScreen(session, (s) => s.includes('read-only (--watch)'), 'the read-only answer');
    expect(tmux('capture-pane', '-p', '-t', session)).not.toMatch(/Track PID/);
    await quit(session);
  }, 120_000);
});
