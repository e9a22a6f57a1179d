// Issue 12 §3, §6, §7: `ports --all` shows where each connection goes and in which network
// namespace, tells TIME_WAIT sockets apart (they all carry inode 0) as ss does, and warnings say
// what is missing: not "run as root" to root, and "hidden" under hidepid.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPorts } from '../src/fds/ports.js';
import { createJsCollector } from '../src/sys/collector.js';
import type { Collector } from '../src/sys/types.js';
import { killStartedChildren, startChild } from './helpers/children.js';
import { builtCliPath, runCli } from './helpers/cli.js';

const repoRoot = new URL('..', import.meta.url).pathname;
const ajv = new Ajv2020({ allErrors: true, strict: true });
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'assets', 'schemas', 'ports.schema.json'), 'utf8')) as object);

interface Binding {
  local_port: number;
  remote_addr: string;
  remote_port: number;
  state: string;
  netns: string | null;
  pid: number | null;
  inode: number;
}

// A server on 127.0.0.1 that keeps one connection open and whose other clients close first
// (the side that closes first holds TIME_WAIT): prints "PORT KEPT_CLIENT_PORT" when ready.
const SERVER = `
const net = require('net');
const server = net.createServer((s) => s.on('error', () => {})).listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => { const c = net.connect(port, '127.0.0.1', () => { c.destroy(); setTimeout(resolve, 50); }); });
  }
  const kept = net.connect(port, '127.0.0.1', () => process.stdout.write(port + ' ' + kept.localPort + '\\n'));
});
setTimeout(() => process.exit(0), 120000);
`;

let cli: string;
let port = 0;
let keptPort = 0;
let serverPid = 0;

beforeAll(async () => {
  cli = await builtCliPath();
  const child = startChild(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  serverPid = child.pid as number;
  const line = await new Promise<string>((resolve) => {
    let text = '';
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(text);
    });
  });
  [port, keptPort] = line.trim().split(' ').map(Number) as [number, number];
}, 60_000);
afterAll(() => killStartedChildren());

/** ss's count of TIME_WAIT sockets whose other end is the server's port (the oracle). */
function ssTimeWait(): number {
  const out = execFileSync('ss', ['-tan', 'state', 'time-wait', 'dst', `127.0.0.1:${port}`], { encoding: 'utf8' });
  return out.trim().split('\n').slice(1).filter((l) => l.trim() !== '').length;
}

describe('ports --all on real 127.0.0.1 connections', () => {
  it('lists every TIME_WAIT socket, keyed by its endpoints, as ss does (not one row for inode 0)', async () => {
    const run = await runCli(cli, ['ports', '--all', '--json']);
    const doc = JSON.parse(run.stdout) as { bindings: Binding[] };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const ours = doc.bindings.filter((b) => b.state === 'TIME_WAIT' && b.remote_port === port);
    const expected = ssTimeWait();
    expect(expected).toBeGreaterThanOrEqual(5);
    expect(ours).toHaveLength(expected);
    expect(new Set(ours.map((b) => b.local_port)).size).toBe(ours.length);
    for (const b of ours) expect(b).toMatchObject({ inode: 0, pid: null, remote_addr: '127.0.0.1' });
  });

  it('shows the remote endpoint and the network namespace of an established connection', async () => {
    const run = await runCli(cli, ['ports', '--all', '--json']);
    const doc = JSON.parse(run.stdout) as { bindings: Binding[] };
    const netns = readlinkSync(`/proc/${serverPid}/ns/net`);
    expect(doc.bindings).toContainEqual(expect.objectContaining({ state: 'ESTABLISHED', local_port: keptPort, remote_addr: '127.0.0.1', remote_port: port, pid: serverPid, netns }));
    expect(doc.bindings).toContainEqual(expect.objectContaining({ state: 'ESTABLISHED', local_port: port, remote_port: keptPort, pid: serverPid, netns }));
    const table = (await runCli(cli, ['ports', '--all', '--table'])).stdout.split('\n');
    expect(table[0]).toMatch(/^PROTO\s+LOCAL\s+REMOTE\s+STATE\s+PID\s+USER\s+PROCESS\s+NETNS$/);
    expect(table.find((l) => l.includes(`127.0.0.1:${keptPort}  127.0.0.1:${port}`))).toMatch(new RegExp(`ESTABLISHED\\s+${serverPid}\\s.*${netns.replace(/[[\]]/g, '\\$&')}$`));
  });
});

describe('ports warnings say what is missing', () => {
  // A collector whose scan finds one process it may not read, the way PID 1 is on a locked-down host.
  const denying = (): Collector => {
    const real = createJsCollector();
    return {
      ...real,
      listSocketOwners: async () => ({ ...(await real.listSocketOwners()), processes: [{ pid: 1, netns: null, denied: true, sockets: [] }] }),
      processesHidden: async () => false,
    };
  };

  it('does not tell root to run as root', async () => {
    const asRoot = await listPorts(denying(), { euid: 0 });
    expect(asRoot.warnings.join('\n')).toMatch(/although running as root \(the kernel's ptrace access check refused them/);
    expect(asRoot.warnings.join('\n')).not.toMatch(/run as .*root/);
    const asUser = await listPorts(denying(), { euid: 1000 });
    expect(asUser.warnings.join('\n')).toMatch(/permission denied\): their ports show without a pid; run as their owner or root/);
  });
});

describe('hidepid (a private mount namespace with /proc mounted hidepid=2)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'proctop-hidepid-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI as nobody inside a mount namespace whose /proc hides other users' processes. */
  function asNobodyUnderHidepid(args: readonly string[]): { stdout: string; stderr: string; status: number | null } {
    expect(process.getuid?.()).toBe(0); // mounting /proc needs root (CI runs the suite as root)
    const script = 'mount -t proc -o hidepid=2 proc /proc && home="$1" && shift && exec setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$home" "$@"';
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', dir, process.execPath, cli, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { stdout: r.stdout, stderr: r.stderr, status: r.status };
  }

  it('ports says other users\' processes are hidden, and the root server\'s listener has no pid', () => {
    const r = asNobodyUnderHidepid(['ports', '--json']);
    const doc = JSON.parse(r.stdout) as { bindings: Binding[]; warnings: string[] };
    expect(doc.bindings).toContainEqual(expect.objectContaining({ local_port: port, pid: null }));
    expect(doc.warnings.join('\n')).toMatch(/\/proc is mounted hidepid: other users' processes are hidden from this user, so \d+ sockets? shows? without a pid/);
  });

  it('kill of a live hidden process says "not permitted / hidden", not "exited"', () => {
    const sleeper = startChild('sleep', ['300'], { detached: true });
    const r = asNobodyUnderHidepid(['kill', String(sleeper.pid), '-s', '0', '--json']);
    const doc = JSON.parse(r.stdout) as { results: { pid: number; outcome: string; reason: string | null }[] };
    expect(doc.results).toContainEqual(expect.objectContaining({ pid: sleeper.pid, outcome: 'permission', reason: expect.stringMatching(/hidden from this user/) }));
  });
});

