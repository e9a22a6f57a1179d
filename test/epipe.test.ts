// Issue 12 §2: `proctop pstat --json | head -1` must end quietly once the reader goes away, as
// other command line tools do, for every subcommand and the batch --watch, JSON and tables alike.
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtCliPath } from './helpers/cli.js';

let cli: string;
beforeAll(async () => {
  cli = await builtCliPath();
});

/** Runs the CLI with a stdout pipe whose reader is gone before the CLI writes a byte. */
function runIntoClosedPipe(args: readonly string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.destroy(); // the reader goes away (like `| head -1` after its line)
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

describe('a reader that goes away', () => {
  it.each([
    ['pstat', '--json'],
    ['pstat', '--table'],
    ['fds', '--pid', String(process.pid), '--json'],
    ['fds', '--pid', String(process.pid), '--table'],
    ['ports', '--json'],
    ['ports', '--table'],
    ['kill', '-l'],
    ['kill', '--name', 'no-such-process-name-x', '--json'],
    ['terminate-tree', '--help'],
    ['help'],
    ['--version'],
    ['--watch', '--interval', '250ms'],
  ].map((args) => [args.join(' '), args] as const))('ends `proctop %s` quietly with status 0 and no error on stderr', async (_label, args) => {
    const r = await runIntoClosedPipe(args);
    // Warnings a table run gives (unreadable processes) may still come; an EPIPE trace may not.
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    for (const line of r.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^proctop: warning: /);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  });

  it('ends `pstat --json | head -1` quietly in a real shell pipeline (output bigger than the pipe buffer)', async () => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${cli}" pstat --json | head -c 1 >/dev/null; echo "status=$?"`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('status=0');
  });
});
