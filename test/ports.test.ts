import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPorts, pidsHoldingPort, type PortListing } from '../src/fds/ports.js';
import { createJsCollector, createNativeCollector } from '../src/sys/collector.js';
import type { Collector } from '../src/sys/types.js';
import { killStartedChildren } from './helpers/children.js';
import { startFdsHolder, startInNewNetns, type HeldFds } from './helpers/fds-holder.js';
import { builtCliPath, repoRoot as builtRoot, runCli, runNode, startTimeOf } from './helpers/cli.js';

const repoRoot = new URL('..', import.meta.url).pathname;
const ajv = new Ajv2020({ allErrors: true, strict: true });
// ajv-formats is CommonJS: under NodeNext its default import is the module object's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'assets', 'schemas', 'ports.schema.json'), 'utf8')) as object);

function nativeCollector(): Collector {
  const collector = createNativeCollector();
  if (typeof collector === 'string') throw new Error(collector);
  return collector;
}

let held: HeldFds;
let cli: string;

beforeAll(async () => {
  [cli, { held }] = await Promise.all([builtCliPath(), startFdsHolder()]);
});
afterAll(async () => {
  await killStartedChildren();
});

describe.each([
  ['native', nativeCollector],
  ['js', () => createJsCollector()],
])('listPorts (%s collector)', (_name, makeCollector) => {
  let listing: PortListing;
  beforeAll(async () => {
    listing = await listPorts(makeCollector());
  });

  it('finds the fixture\'s listening TCP port on 127.0.0.1 with its pid and name', () => {
    const rows = listing.bindings.filter((b) => b.localPort === held.listener.port && b.protocol === 'tcp' && b.family === 'ipv4');
    expect(rows).toEqual([
      expect.objectContaining({ localAddress: '127.0.0.1', state: 'LISTEN', pid: held.pid, processName: 'python3', fds: [held.listener.fd] }),
    ]);
  });

  it('finds the fixture\'s bound UDP port as UNCONN', () => {
    expect(listing.bindings.filter((b) => b.localPort === held.udp.port && b.protocol === 'udp')).toEqual([
      expect.objectContaining({ family: 'ipv4', localAddress: '127.0.0.1', state: 'UNCONN', pid: held.pid, fds: [held.udp.fd] }),
    ]);
  });

  it('finds the ::1 listener as tcp over ipv6', () => {
    expect(listing.bindings).toContainEqual(
      expect.objectContaining({ protocol: 'tcp', family: 'ipv6', localAddress: '::1', localPort: held.tcp6?.port, pid: held.pid }),
    );
  });

  it('leaves out established connections unless asked for all sockets', async () => {
    expect(listing.bindings.some((b) => b.localPort === held.client.port)).toBe(false);
    const all = await listPorts(makeCollector(), { all: true });
    expect(all.bindings).toContainEqual(expect.objectContaining({ protocol: 'tcp', localPort: held.client.port, state: 'ESTABLISHED', pid: held.pid }));
  });

  it('answers the :PORT question: which pids hold this port', () => {
    expect([...pidsHoldingPort(listing, held.listener.port)]).toEqual([held.pid]);
  });
});

describe('listPorts across network namespaces', () => {
  it.each([
    ['native', nativeCollector],
    ['js', () => createJsCollector()],
  ])('lists a port bound only inside another namespace, with its holder (%s)', async (_name, makeCollector) => {
    const [pid, port] = (await startInNewNetns(
      'import socket,os,sys\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0",0))\nprint(os.getpid(), s.getsockname()[1], flush=True)',
    )) as [number, number];
    const listing = await listPorts(makeCollector());
    expect(listing.bindings).toContainEqual(expect.objectContaining({ protocol: 'udp', localAddress: '0.0.0.0', localPort: port, state: 'UNCONN', pid }));
  });
});

describe('socket owners seen by a user who may not read every fd table', () => {
  it.each(['native', 'js'])('counts other users\' processes as denied, never kernel threads (%s)', async (backend) => {
    const kernelThreads = (await createJsCollector().snapshot()).processes.filter((p) => p.isKernelThread).map((p) => p.pid);
    expect(kernelThreads.length).toBeGreaterThan(0);
    const library = join(builtRoot, 'dist', 'index.js');
    const script = `import(${JSON.stringify(library)}).then(async (lib) => {
      const collector = process.argv[1] === 'js' ? lib.createJsCollector() : lib.createNativeCollector();
      const owners = await collector.listSocketOwners();
      console.log(JSON.stringify(owners.processes.map((p) => [p.pid, p.denied])));
    })`;
    const run = await runNode(['-e', script, backend], { uid: 65534, gid: 65534 });
    expect(run.stderr).toBe('');
    const seen = new Map(JSON.parse(run.stdout) as [number, boolean][]);
    expect(seen.get(held.pid)).toBe(true); // root's python3 holder: its fd table is root's
    expect(kernelThreads.filter((pid) => seen.has(pid))).toEqual([]);
  });
});

describe('proctop ports', () => {
  it('prints schema-valid JSON with the fixture\'s ports', async () => {
    const run = await runCli(cli, ['ports', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { bindings: { protocol: string; local_port: number; pid: number | null; process_name: string | null }[] };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.bindings).toContainEqual(
      expect.objectContaining({ protocol: 'tcp', family: 'ipv4', local_addr: '127.0.0.1', local_port: held.listener.port, state: 'LISTEN', pid: held.pid, start_time_ticks: startTimeOf(held.pid), process_name: 'python3' }),
    );
    expect(doc.bindings).toContainEqual(expect.objectContaining({ protocol: 'udp', local_port: held.udp.port, pid: held.pid }));
  });

  it('prints a table', async () => {
    const run = await runCli(cli, ['ports', '--table']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^PROTO\s+LOCAL\s+STATE\s+PID\s+USER\s+PROCESS$/);
    expect(run.stdout).toMatch(new RegExp(`^tcp\\s+127\\.0\\.0\\.1:${held.listener.port}\\s+LISTEN\\s+${held.pid}\\s+root\\s+python3$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^tcp6\\s+\\[::1\\]:${held.tcp6?.port}\\s+LISTEN\\s+${held.pid}\\s`, 'm'));
  });

  it('shows sockets it cannot attribute without a pid when not root, and says why', async () => {
    const run = await runCli(cli, ['ports', '--json'], { uid: 65534, gid: 65534 });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { bindings: { local_port: number; pid: number | null }[]; warnings: string[] };
    expect(validate(doc)).toBe(true);
    expect(doc.bindings).toContainEqual(expect.objectContaining({ local_port: held.listener.port, pid: null }));
    expect(doc.warnings.some((w) => /permission denied/.test(w))).toBe(true);
  });

  it('rejects unknown options with exit 2', async () => {
    const run = await runCli(cli, ['ports', '--udp-only']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('proctop: unknown option "--udp-only" (see proctop ports --help)\n');
  });
});
