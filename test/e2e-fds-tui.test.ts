// The built proctop in a real terminal (tmux): drill from the list into the details and open
// files of a process this test started, and find it by the port it listens on.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from './helpers/cli.js';
import { hasTmux, openFilterPrompt, tablePids, tmuxServer } from './helpers/tmux.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';

const SOCKET = `proctop-fds-test-${process.pid}`;
const TAG = `proctop-e2e-fds-${process.pid}`;
const tempFile = join(tmpdir(), `${TAG}-held.txt`);

/** Holds the temp file open and listens on 127.0.0.1; prints the port. The tag leads the script so it shows in COMMAND. */
const HOLDER = `/*${TAG}*/
const fs = require('node:fs');
const fd = fs.openSync(${JSON.stringify(tempFile)}, 'w');
const server = require('node:net').createServer().listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
setTimeout(() => process.exit(0), 120000);`;

const server = tmuxServer(SOCKET);
const { tmux, waitForScreen, startShell, killServer } = server;

describe.skipIf(!hasTmux)('open files in tmux', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  afterEach(async () => {
    await killStartedChildren();
  });

  afterAll(() => {
    killServer();
    rmSync(tempFile, { force: true });
  });

  it('filters to a spawned process, opens its details with Enter and its open files with o, and shows its temp file', async () => {
    const child = startChild(process.execPath, ['-e', HOLDER], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const port = await waitFor(() => Number(out.trim().split('\n')[0] ?? 0), 20_000);
    const pid = child.pid as number;

    const session = 'fds';
    startShell(session, 'node dist/cli.js --interval 1s');
    await waitForScreen(session, (s) => /CPU%▼/.test(s), 'the monitor');

    await openFilterPrompt(server, session);
    tmux('send-keys', '-t', session, '-l', TAG);
    await waitForScreen(session, (s) => tablePids(s).length === 1 && tablePids(s)[0] === pid, `only PID ${pid} after filtering`);
    tmux('send-keys', '-t', session, 'Enter');
    await waitForScreen(session, (s) => s.includes(`filter:"${TAG}"`), 'the kept filter');

    tmux('send-keys', '-t', session, 'Enter');
    const details = await waitForScreen(session, (s) => s.includes(`PID ${pid}  node`) && /open fds +\d+: .*file/.test(s), 'the details with fd counts');
    expect(details).toMatch(new RegExp(`command +.*${TAG}`));
    expect(details).toMatch(/exe +\/\S*node/);
    expect(details).toMatch(/parents +\d+ /);
    expect(details).toMatch(/open fds +\d+: \d+ file, \d+ socket/);

    tmux('send-keys', '-t', session, 'o');
    // The command line (in the details) names the file too: look for it as a row of the fd table.
    const fileRow = new RegExp(`^ +\\d+ file +w +${tempFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');
    const files = await waitForScreen(session, (s) => s.includes(`Open files of PID ${pid} node`) && fileRow.test(s), `the temp file ${tempFile} in the fd table`);
    expect(files).toMatch(new RegExp(`socket +\\S* +tcp 127\\.0\\.0\\.1:${port} +LISTEN`));

    // Kind filter: sockets only hides the file; 0 shows everything again.
    tmux('send-keys', '-t', session, '2');
    await waitForScreen(session, (s) => s.includes('[2 socket]') && !fileRow.test(s) && s.includes(`127.0.0.1:${port}`), 'sockets only');
    tmux('send-keys', '-t', session, '0');
    await waitForScreen(session, (s) => s.includes('[0 all]') && fileRow.test(s), 'all kinds again');

    // Esc twice: back to the details, then to the list.
    tmux('send-keys', '-t', session, 'Escape');
    await waitForScreen(session, (s) => s.includes(`PID ${pid}  node`) && s.includes('open fds'), 'the details again');
    tmux('send-keys', '-t', session, 'Escape');
    await waitForScreen(session, (s) => /CPU%▼/.test(s), 'the list again');

    // :PORT keeps the process holding the port.
    tmux('send-keys', '-t', session, 'Escape');
    await openFilterPrompt(server, session);
    tmux('send-keys', '-t', session, '-l', `:${port}`);
    await waitForScreen(session, (s) => tablePids(s).length === 1 && tablePids(s)[0] === pid, `only PID ${pid} for :${port}`);

    tmux('send-keys', '-t', session, 'Escape');
    tmux('send-keys', '-t', session, 'q');
    await waitFor(() => tmux('display-message', '-p', '-t', session, '#{alternate_on} #{pane_current_command}').trim() === '0 bash', 10_000, 100);
  }, 120_000);

  // Another user's process: proctop runs as nobody, the holder as the test's user (root).
  it.skipIf(process.getuid?.() !== 0)('shows "no access" for another user\'s process in the details and the open files, never an empty table', async () => {
    const child = startChild(process.execPath, ['-e', HOLDER], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => Number(out.trim().split('\n')[0] ?? 0), 20_000);
    const pid = child.pid as number;

    const session = 'nobody';
    startShell(session, 'setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp node dist/cli.js --interval 1s');
    await waitForScreen(session, (s) => /CPU%▼/.test(s), 'the monitor as nobody');
    await openFilterPrompt(server, session);
    tmux('send-keys', '-t', session, '-l', TAG);
    await waitForScreen(session, (s) => tablePids(s).length === 1 && tablePids(s)[0] === pid, `only PID ${pid} after filtering`);
    tmux('send-keys', '-t', session, 'Enter');
    tmux('send-keys', '-t', session, 'Enter');
    const details = await waitForScreen(session, (s) => s.includes(`PID ${pid}  node  (root)`) && /open fds +no access/.test(s), 'the details with "no access"');
    expect(details).toMatch(/cwd +no access \(run as the owner or root\)/);
    expect(details).toMatch(/open fds +no access: run as the owner or root/);
    tmux('send-keys', '-t', session, 'o');
    const files = await waitForScreen(session, (s) => s.includes(`Open files of PID ${pid} node (root)`) && s.includes('no access'), 'the open files with "no access"');
    expect(files).toContain(` no access: run as the owner or root (the fds of PID ${pid} are not readable by you)`);
    expect(files).toMatch(/ 0 of 0$/m);
    tmux('send-keys', '-t', session, 'C-c');
    await waitFor(() => tmux('display-message', '-p', '-t', session, '#{alternate_on} #{pane_current_command}').trim() === '0 bash', 10_000, 100);
  }, 120_000);
});
