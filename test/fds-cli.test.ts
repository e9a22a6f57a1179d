import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { main as fdsMain } from '../src/commands/fds.js';
import type { CollectorChoice } from '../src/sys/collector.js';
import type { Collector } from '../src/sys/types.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { startFdsHolder, type HeldFds } from './helpers/fds-holder.js';
import { builtCliPath, runCli } from './helpers/cli.js';

const repoRoot = new URL('..', import.meta.url).pathname;
const ajv = new Ajv2020({ allErrors: true, strict: true });
// ajv-formats is CommonJS: under NodeNext its default import is the module object's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'assets', 'schemas', 'fds.schema.json'), 'utf8')) as object);

interface FdJsonOut {
  schema_id: string;
  pid: number;
  fds: { fd: number; kind: string; path: string | null; deleted: boolean; memfd: boolean; anon_type: string | null; socket: Record<string, unknown> | null; pipe_peers: unknown[] | null }[];
  warnings: string[];
}

let cli: string;
let held: HeldFds;

beforeAll(async () => {
  [cli, { held }] = await Promise.all([builtCliPath(), startFdsHolder()]);
});
afterAll(async () => {
  await killStartedChildren();
});

describe.each(['native', 'js'])('proctop fds (%s backend)', (backend) => {
  const env = { ...process.env, PROCTOP_BACKEND: backend };

  it('prints schema-valid JSON (the default when piped) with every fixture fd resolved', async () => {
    const run = await runCli(cli, ['fds', '--pid', String(held.pid)], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as FdJsonOut;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.schema_id).toBe('urn:proctop:schema:fds:v1');
    expect(doc.pid).toBe(held.pid);
    const byFd = new Map(doc.fds.map((e) => [e.fd, e]));
    expect(byFd.get(held.named.fd)).toMatchObject({ kind: 'file', path: held.named.path });
    expect(byFd.get(held.deleted.fd)).toMatchObject({ kind: 'file', path: held.deleted.path, deleted: true });
    expect(byFd.get(held.memfd)).toMatchObject({ kind: 'file', memfd: true });
    expect(byFd.get(held.eventfd)).toMatchObject({ kind: 'anon', anon_type: 'eventfd' });
    expect(byFd.get(held.listener.fd)?.socket).toEqual({
      protocol: 'tcp',
      local_addr: '127.0.0.1',
      local_port: held.listener.port,
      remote_addr: '0.0.0.0',
      remote_port: 0,
      state: 'LISTEN',
      unix_path: null,
      netlink_protocol: null,
    });
    expect(byFd.get(held.udp.fd)?.socket).toMatchObject({ protocol: 'udp', local_port: held.udp.port, state: 'UNCONN' });
    expect(byFd.get(held.unix.fd)?.socket).toMatchObject({ protocol: 'unix', unix_path: held.unix.path });
    expect(byFd.get(held.pipe.fd)?.pipe_peers).toContainEqual({ pid: held.pipe.peerPid, comm: 'cat', fd: 0, mode: 'r' });
  });

  it('filters by --kind', async () => {
    const run = await runCli(cli, ['fds', '--pid', String(held.pid), '--kind', 'socket', '--json'], { env });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as FdJsonOut;
    expect(validate(doc)).toBe(true);
    expect(doc.fds.length).toBeGreaterThanOrEqual(7);
    expect(doc.fds.every((e) => e.kind === 'socket')).toBe(true);
    expect(doc.fds.map((e) => e.fd)).toContain(held.client.fd);
  });

  it('prints a table with addresses and states', async () => {
    const run = await runCli(cli, ['fds', '--pid', String(held.pid), '--table'], { env });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^\s*FD\s+KIND\s+MODE\s+POS\s+STATE\s+NAME$/);
    const line = (fd: number): string => lines.find((l) => new RegExp(`^\\s*${fd}\\s`).test(l)) ?? '';
    // MODE rw for sockets and anon inodes, as lsof's "u" (issue 12 §7: it was blank).
    expect(line(held.listener.fd)).toMatch(new RegExp(`socket\\s+rw\\s+LISTEN\\s+tcp 127\\.0\\.0\\.1:${held.listener.port}$`));
    expect(line(held.client.fd)).toContain(`tcp 127.0.0.1:${held.client.port}->127.0.0.1:${held.listener.port}`);
    expect(line(held.named.fd)).toMatch(new RegExp(`file\\s+rw\\s+5\\s+${held.named.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(line(held.deleted.fd)).toContain(`${held.deleted.path} (deleted)`);
    expect(line(held.eventfd)).toMatch(/anon\s+rw\s+eventfd$/);
  });

  it('exits 1 with a clear message for a process that does not exist', async () => {
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const run = await runCli(cli, ['fds', '--pid', String(pidMax + 1)], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`proctop: process ${pidMax + 1} does not exist\n`);
  });

  it('exits 1 with "permission denied ... run as the owner or root" for another user\'s process', async () => {
    // The CLI runs as nobody; the fixture runs as root (the test's user).
    expect(process.getuid?.()).toBe(0);
    const run = await runCli(cli, ['fds', '--pid', String(held.pid)], { env, uid: 65534, gid: 65534 });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`proctop: permission denied listing the fds of process ${held.pid}: run as the owner of process ${held.pid} or root\n`);
  });
});

describe.each(['native', 'js'])('netlink sockets and MODE against lsof (%s backend, issue 12 §7)', (backend) => {
  it('names the netlink protocol and shows rw (lsof: u) like lsof does', async () => {
    // `ip monitor` holds NETLINK_ROUTE sockets until killed.
    const child = startChild('ip', ['monitor', 'link'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const lsofLines = await waitFor(() => {
      const out = spawnSync('lsof', ['-n', '-P', '-p', String(pid)], { encoding: 'utf8' }).stdout ?? '';
      const lines = out.split('\n').filter((l) => /\snetlink\s/.test(l));
      return lines.length > 0 ? lines : null;
    });
    const run = await runCli(cli, ['fds', '--pid', String(pid), '--json'], { env: { ...process.env, PROCTOP_BACKEND: backend } });
    const doc = JSON.parse(run.stdout) as FdJsonOut;
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    for (const line of lsofLines) {
      // "ip  PID root  3u  netlink  0t0  INODE ROUTE"
      const [, fdText, lsofMode] = /^\S+\s+\d+\s+\S+\s+(\d+)([rwu])\s/.exec(line) ?? [];
      const entry = doc.fds.find((e) => e.fd === Number(fdText));
      expect(entry?.socket).toMatchObject({ protocol: 'netlink', netlink_protocol: line.trim().split(/\s+/).at(-1) });
      expect({ r: 'r', w: 'w', u: 'rw' }[lsofMode ?? '']).toBe((entry as { mode?: string } | undefined)?.mode);
    }
    const table = await runCli(cli, ['fds', '--pid', String(pid), '--table'], { env: { ...process.env, PROCTOP_BACKEND: backend } });
    expect(table.stdout).toMatch(/socket\s+rw\s+netlink ROUTE/);
  });
});

describe('proctop fds says what is actually missing (issue 12 §3)', () => {
  const denied = (): CollectorChoice => ({
    notice: null,
    collector: { listFds: async (pid: number) => ({ pid, fds: [], error: { code: 'EACCES', message: 'EACCES' }, warnings: [] }) } as unknown as Collector,
  });
  async function fdsAs(euid: number): Promise<string> {
    let stderr = '';
    await fdsMain(['--pid', '1'], { stdout: () => undefined, stderr: (t) => (stderr += t), stdoutIsTty: false, collector: denied, euid });
    return stderr;
  }

  it('tells root which check refused it instead of "run as root"', async () => {
    const message = await fdsAs(0);
    expect(message).toBe("proctop: permission denied listing the fds of process 1 although running as root: the kernel's ptrace access check refused it (a security module, a container boundary or a missing CAP_SYS_PTRACE)\n");
    expect(message).not.toMatch(/run as .*root/);
  });

  it('tells another user to run as the owner or root', async () => {
    expect(await fdsAs(1000)).toBe('proctop: permission denied listing the fds of process 1: run as the owner of process 1 or root\n');
  });

  it('--kind socket does not scan for (or warn about) pipe peers; --kind pipe does', async () => {
    // A process of nobody holding a pipe, looked at by nobody: every root process is out of reach.
    // (Node's stdio 'pipe' is a socketpair, so bash's process substitution makes the real pipe.)
    const child = startChild('bash', ['-c', 'exec sleep 300 < <(exec sleep 300)'], { uid: 65534, gid: 65534 });
    await waitFor(async () => (await readFile(`/proc/${child.pid}/cmdline`, 'utf8')).startsWith('sleep'));
    const asNobody = { uid: 65534, gid: 65534 };
    const sockets = await runCli(cli, ['fds', '--pid', String(child.pid), '--kind', 'socket', '--table'], asNobody);
    expect(sockets.code).toBe(0);
    expect(sockets.stderr).toBe('');
    const pipes = await runCli(cli, ['fds', '--pid', String(child.pid), '--kind', 'pipe', '--table'], asNobody);
    expect(pipes.code).toBe(0);
    expect(pipes.stdout).toMatch(/^\s*0\s+pipe\s/m);
    expect(pipes.stderr).toMatch(/warning: pipe peers: \d+ other process/);
  });
});

describe('proctop fds input errors', () => {
  it.each([
    [['fds'], 'proctop: fds needs --pid PID (see proctop fds --help)'],
    [['fds', '--pid', 'abc'], 'proctop: --pid must be a positive integer, got "abc"'],
    [['fds', '--pid', '0'], 'proctop: --pid must be a positive integer, got "0"'],
    [['fds', '--pid=-5'], 'proctop: --pid must be a positive integer, got "-5"'],
    [['fds', '--pid', '1.5'], 'proctop: --pid must be a positive integer, got "1.5"'],
    [['fds', '--pid'], 'proctop: --pid needs a value'],
    [['fds', '--pid', '1', '--kind', 'door'], 'proctop: --kind must be one of file, socket, pipe, anon, unknown, got "door"'],
    [['fds', '--pid', '1', '--json', '--table'], 'proctop: --json and --table cannot be used together'],
    [['fds', '--pid', '1', '--colour'], 'proctop: unknown option "--colour" (see proctop fds --help)'],
  ])('%j exits 2 with one line naming the problem', async (args, message) => {
    const run = await runCli(cli, args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`${message}\n`);
  });

  it('prints usage for --help and exits 0', async () => {
    const run = await runCli(cli, ['fds', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: proctop fds --pid PID');
  });
});
