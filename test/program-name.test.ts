// Node 24 names its main thread "MainThread", so every Node process's comm reads that. proctop
// shows the program's name where people look for one and keeps the kernel's comm in the JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as pstatMain } from '../src/commands/pstat.js';
import { parentChain } from '../src/components/detail-lines.js';
import { programName } from '../src/sampler/program-name.js';
import { matchesFilter } from '../src/store/process-list.js';
import { createJsCollector } from '../src/sys/collector.js';
import { syntheticRow } from './helpers/synthetic-frames.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath, runCli, waitForValue } from './helpers/cli.js';
import { createProcFixture, type ProcFixture } from './helpers/proc-fixture.js';

describe('programName', () => {
  it('keeps a comm that names the program', () => {
    expect(programName({ comm: 'postgres', argv: ['postgres: checkpointer'], exe: '/usr/lib/postgresql/bin/postgres' })).toBe('postgres');
    expect(programName({ comm: 'node', argv: ['/usr/bin/node', 'x.js'], exe: '/usr/bin/node' })).toBe('node');
  });

  it('replaces MainThread with argv[0]’s basename, else the executable’s, else keeps comm', () => {
    expect(programName({ comm: 'MainThread', argv: ['/opt/node24/bin/node', 'server.js'], exe: '/opt/node24/bin/node' })).toBe('node');
    expect(programName({ comm: 'MainThread', argv: ['nodejs'], exe: '/usr/bin/node' })).toBe('nodejs');
    // argv unreadable (another user's process) or rewritten to nothing: the executable names it.
    expect(programName({ comm: 'MainThread', argv: [], exe: '/usr/bin/node' })).toBe('node');
    expect(programName({ comm: 'MainThread', argv: [''], exe: '/usr/bin/node (deleted)' })).toBe('node');
    // A zombie keeps neither.
    expect(programName({ comm: 'MainThread', argv: [], exe: null })).toBe('MainThread');
  });
});

describe('where people look for a name', () => {
  const node24 = syntheticRow({ pid: 4242, comm: 'MainThread', argv: ['/opt/node24/bin/node', 'server.js'], exe: '/opt/node24/bin/node' });

  it('the list filter finds a Node 24 process by "node" (and still by its comm)', () => {
    expect(node24.name).toBe('node');
    expect(matchesFilter({ ...node24, argv: [] }, 'node')).toBe(true);
    expect(matchesFilter(node24, 'mainthread')).toBe(true);
  });

  it('the details parent chain names the program', () => {
    const child = syntheticRow({ pid: 4243, ppid: 4242, startTime: 99_999 });
    const rows = new Map([node24, child].map((r) => [r.key, r]));
    expect(parentChain(child, rows)).toContain('4242 node');
  });
});

describe('pstat on a Node 24 fixture', () => {
  let fixture: ProcFixture;
  beforeAll(async () => {
    fixture = await createProcFixture({
      processes: [
        { pid: 1, comm: 'systemd', ppid: 0, argv: ['/sbin/init'], exe: '/usr/lib/systemd/systemd', startTime: 1 },
        { pid: 600, comm: 'MainThread', ppid: 1, argv: ['/opt/node24/bin/node', 'server.js'], exe: '/opt/node24/bin/node', startTime: 100 },
        { pid: 601, comm: 'MainThread', state: 'Z', ppid: 1, argv: [], exe: null, startTime: 200 },
      ],
    });
  });
  afterAll(() => fixture.cleanup());

  const pstat = async (argv: readonly string[]) => {
    let stdout = '';
    const code = await pstatMain(['--json', ...argv], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
      stdoutIsTty: false,
      collector: () => ({ collector: createJsCollector(fixture.root), notice: null }),
      sleep: async () => undefined,
    });
    expect(code).toBe(0);
    return (JSON.parse(stdout) as { processes: { pid: number; name: string; comm: string }[] }).processes;
  };

  it('reports name "node" and keeps comm "MainThread"', async () => {
    const processes = await pstat([]);
    expect(processes.map((p) => [p.pid, p.name, p.comm])).toEqual([
      [1, 'systemd', 'systemd'],
      [600, 'node', 'MainThread'],
      [601, 'MainThread', 'MainThread'],
    ]);
  });

  it('--name node finds it, and --sort name orders by the program name', async () => {
    expect((await pstat(['--name', 'node'])).map((p) => p.pid)).toEqual([600]);
    expect((await pstat(['--sort', 'name'])).map((p) => p.pid)).toEqual([601, 600, 1]);
  });
});

describe('a real process whose comm is MainThread (built CLI)', () => {
  let cli: string;
  let pid: number;
  beforeAll(async () => {
    cli = await builtCliPath();
    // prctl(PR_SET_NAME) does to python3 what Node 24 does to itself, on whatever Node runs the tests.
    // It listens on a loopback port too, for `proctop ports`.
    const script = "import ctypes, socket, time; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); ctypes.CDLL(None).prctl(15, b'MainThread', 0, 0, 0); time.sleep(300)";
    const child = startChild('python3', ['-c', script]);
    pid = child.pid as number;
    await waitFor(async () => {
      const { readFile } = await import('node:fs/promises');
      return (await readFile(`/proc/${pid}/comm`, 'utf8')) === 'MainThread\n';
    });
  });
  afterAll(() => killStartedChildren());

  it('pstat --json shows name python3 and comm MainThread', async () => {
    const run = await runCli(cli, ['pstat', '--json', '--pid', String(pid)]);
    expect(run.code).toBe(0);
    const [proc] = (JSON.parse(run.stdout) as { processes: { name: string; comm: string }[] }).processes;
    expect(proc).toMatchObject({ name: 'python3', comm: 'MainThread' });
  });

  it('ports names the holder of its port python3, with comm MainThread', async () => {
    const bindings = await waitForValue(async () => {
      const run = await runCli(cli, ['ports', '--json']);
      const found = (JSON.parse(run.stdout) as { bindings: { pid: number | null; process_name: string | null; comm: string | null }[] }).bindings.filter((b) => b.pid === pid);
      return found.length > 0 ? found : null;
    });
    expect(bindings).toEqual([expect.objectContaining({ pid, process_name: 'python3', comm: 'MainThread' })]);
  });

  it('a kill preview by --name lists it under its program name and sends nothing', async () => {
    const json = await runCli(cli, ['kill', '--json', '--ppid', String(process.pid), '--name', 'python3']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { dry_run: boolean; preview: { pid: number; name: string; comm: string; outcome: string }[] };
    expect(doc.dry_run).toBe(true);
    expect(doc.preview).toEqual([expect.objectContaining({ pid, name: 'python3', comm: 'MainThread', outcome: 'not-sent' })]);
    const table = await runCli(cli, ['kill', '--table', '--ppid', String(process.pid), '--name', 'python3']);
    expect(table.stdout).toMatch(new RegExp(`^\\s*${pid}\\s+\\S+\\s+python3\\s+not-sent`, 'm'));
    expect(table.stdout).toMatch(/^\s*PID\s+USER\s+NAME\s+OUTCOME/m);
  });
});
