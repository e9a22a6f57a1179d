import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main, parsePstatArgs, type PstatIo } from '../src/commands/pstat.js';
import { UsageError } from '../src/output/usage-error.js';
import { createJsCollector, type CollectorChoice } from '../src/sys/collector.js';
import { killStartedChildren, startSleeper, waitFor } from './helpers/children.js';
import { builtCli, ensureBuilt, repoRoot, runCli } from './helpers/cli.js';
import { createProcFixture, PITFALL_PROCESSES, type FixtureProcess, type ProcFixture } from './helpers/proc-fixture.js';

const schema = JSON.parse(readFileSync(join(repoRoot, 'assets', 'schemas', 'pstat.schema.json'), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
// ajv-formats is CommonJS: under NodeNext its default import is the module object's default.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const validate = ajv.compile(schema);

function expectValid(output: unknown): void {
  const ok = validate(output);
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
  expect(ok).toBe(true);
}

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs pstat in-process against a collector, capturing output. */
async function runPstat(argv: readonly string[], choice: () => CollectorChoice, extra: Partial<PstatIo> = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stdoutIsTty: false,
    collector: choice,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    ...extra,
  });
  return { code, stdout, stderr };
}

interface PstatJson {
  backend: string;
  cpu_mode: string;
  sample_ms: number | null;
  processes: Array<Record<string, unknown> & { pid: number }>;
  warnings: string[];
}

describe('pstat on a fixture tree', () => {
  let fixture: ProcFixture;
  const onFixture = (): CollectorChoice => ({ collector: createJsCollector(fixture.root), notice: null });
  const json = async (argv: readonly string[]): Promise<PstatJson> => {
    const run = await runPstat(['--json', ...argv], onFixture);
    expect(run.stderr).toBe('');
    const parsed = JSON.parse(run.stdout) as PstatJson;
    expectValid(parsed);
    return parsed;
  };
  const pidsOf = async (argv: readonly string[]): Promise<number[]> => (await json(argv)).processes.map((p) => p.pid);

  beforeAll(async () => {
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
  });
  afterAll(() => fixture.cleanup());

  it('prints schema-valid JSON with peer and proctop fields for every process', async () => {
    const out = await json([]);
    expect(out).toMatchObject({ backend: 'js', cpu_mode: 'lifetime', sample_ms: null, warnings: [] });
    expect(out.processes.map((p) => p.pid)).toEqual([1, 2, 7, 100, 200, 400, 500]);
    expect(out.processes.find((p) => p.pid === 100)).toEqual({
      pid: 100,
      ppid: 1,
      name: 'a) b (c\nd',
      comm: 'a) b (c\nd',
      user: expect.any(String),
      cpu_percent: 0.02,
      memory_kb: 2000,
      elapsed_seconds: 12_295,
      start_time_unix_ms: 1_700_000_050_000,
      exe_path: '/opt/weird/a) b (c',
      state: 'sleeping',
      cmdline: ['/opt/weird/a) b (c', '--flag'],
      thread_count: 3,
      start_time_ticks: 5000,
      pgid: 100,
      sid: 100,
      uid: process.getuid?.(),
      nice: 0,
      priority: 20,
      tty_nr: 0,
      rss_bytes: 2_048_000,
      vsize_bytes: 10_000_000,
      mem_percent: 0.025,
      cpu_time_seconds: 3,
      state_code: 'S',
      kernel_thread: false,
    });
    const byPid = new Map(out.processes.map((p) => [p.pid, p]));
    expect(byPid.get(200)).toMatchObject({ state: 'zombie', state_code: 'Z', cmdline: [], exe_path: null, memory_kb: 0 });
    expect(byPid.get(7)).toMatchObject({ state: 'sleeping', state_code: 'I', kernel_thread: true });
    expect(byPid.get(500)).toMatchObject({ state: 'stopped', tty_nr: 34_816 });
  });

  it('filters by --pid (repeatable), --ppid and --name over comm and argv[0] basename, case-insensitively', async () => {
    expect(await pidsOf(['--pid', '500', '--pid', '100'])).toEqual([100, 500]);
    expect(await pidsOf(['--ppid', '2'])).toEqual([7]);
    expect(await pidsOf(['--ppid', '0'])).toEqual([1, 2]);
    expect(await pidsOf(['--name', 'A) B'])).toEqual([100]);
    // comm is "systemd" but argv[0] is /sbin/init
    expect(await pidsOf(['--name', 'INIT'])).toEqual([1]);
    expect(await pidsOf(['--name', 'sbin'])).toEqual([]);
  });

  it('filters by --user name or uid', async () => {
    const uid = String(process.getuid?.());
    if (uid === '0') {
      expect(await pidsOf(['--user', '54321'])).toEqual([500]);
      expect(await pidsOf(['--user', 'root'])).toEqual([1, 2, 7, 100, 200, 400]);
    } else {
      expect(await pidsOf(['--user', uid])).toEqual([1, 2, 7, 100, 200, 400, 500]);
    }
  });

  it('refuses a --user the password database does not know, naming it (not an empty match)', () => {
    expect(() => parsePstatArgs(['--user', 'nobody-here'], false)).toThrow(/--user: unknown user "nobody-here"/);
  });

  it('filters by --memory-above KB and --cpu-above PCT (lifetime)', async () => {
    expect(await pidsOf(['--memory-above', '2000'])).toEqual([400]);
    expect(await pidsOf(['--memory-above', '1999'])).toEqual([1, 100, 400, 500]);
    // bigmem burned 41 million CPU seconds in 3.4 hours: clamped to all cores (200%).
    const hot = await json(['--cpu-above', '50']);
    expect(hot.processes.map((p) => [p.pid, p.cpu_percent])).toEqual([[400, 200]]);
  });

  it('sorts by name, start, memory and cpu; --top keeps the first N (by cpu when unsorted)', async () => {
    expect(await pidsOf(['--sort', 'name'])).toEqual([100, 400, 200, 2, 7, 1, 500]);
    expect(await pidsOf(['--sort', 'start'])).toEqual([1, 2, 7, 100, 200, 400, 500]);
    expect(await pidsOf(['--sort', 'memory', '--top', '2'])).toEqual([400, 1]);
    expect(await pidsOf(['--top', '2'])).toEqual([400, 100]);
    expect(await pidsOf(['--sort', 'pid', '--top', '3'])).toEqual([1, 2, 7]);
  });

  it('exits 1 and warns when a requested --pid is missing', async () => {
    const run = await runPstat(['--json', '--pid', '100', '--pid', '999'], onFixture);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as PstatJson;
    expectValid(out);
    expect(out.processes.map((p) => p.pid)).toEqual([100]);
    expect(out.warnings).toEqual(['pid 999 not found']);
  });

  it('prints an aligned table on a terminal, flattening newlines in names', async () => {
    const run = await runPstat(['--pid', '100', '--pid', '2'], onFixture, { stdoutIsTty: true });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\s*PID\s+PPID\s+USER\s+S\s+CPU%\s+MEM%\s+RSS_KB\s+THR\s+TIME\s+ELAPSED\s+COMMAND$/);
    expect(lines[1]).toMatch(/^\s+2\s+0\s+\S+\s+S\s+0\.0\s+0\.0\s+0\s+1\s+00:00:00\s+03:25:45\s+\[kthreadd\]$/);
    expect(lines[2]).toMatch(/^\s*100\s+1\s.*\s2000\s+3\s+00:00:03\s+03:24:55\s+\/opt\/weird\/a\) b \(c --flag$/);
  });

  it('prints the fallback notice once on stderr and in warnings', async () => {
    const run = await runPstat(['--json', '--pid', '1'], () => ({ collector: createJsCollector(fixture.root), notice: 'using the JS fallback backend: test' }));
    expect(run.stderr).toBe('proctop: using the JS fallback backend: test\n');
    const out = JSON.parse(run.stdout) as PstatJson;
    expectValid(out);
    expect(out.warnings).toEqual(['using the JS fallback backend: test']);
  });
});

describe('pstat --running-for and monitor mode', () => {
  let fixture: ProcFixture;
  const young: FixtureProcess = { pid: 20, comm: 'young', startTime: 90_000, utime: 0, stime: 0 };
  const old: FixtureProcess = { pid: 10, comm: 'old', startTime: 10_000, utime: 100 };
  beforeAll(async () => {
    // uptime 1000 s: "old" started at 100 s (age 900 s), "young" at 900 s (age 100 s).
    fixture = await createProcFixture({ processes: [old, young], system: { uptimeSeconds: 1000 } });
  });
  afterAll(() => fixture.cleanup());
  const onFixture = (): CollectorChoice => ({ collector: createJsCollector(fixture.root), notice: null });

  it('keeps processes running for at least the duration', async () => {
    const pids = async (dur: string): Promise<number[]> =>
      (JSON.parse((await runPstat(['--running-for', dur], onFixture)).stdout) as PstatJson).processes.map((p) => p.pid);
    expect(await pids('5m')).toEqual([10]);
    expect(await pids('100s')).toEqual([10, 20]);
    expect(await pids('1h')).toEqual([]);
  });

  it('measures CPU between two samples --sample apart in monitor mode', async () => {
    // Between the samples "young" burns 20 ticks (0.2 s) in a window of at least 500 ms → at most
    // 40%; a loaded machine stretches the window (the sleep is a lower bound), so the floor is loose.
    const run = await runPstat(['--sample', '500ms', '--sort', 'cpu'], onFixture, {
      sleep: async (ms) => {
        await new Promise((r) => setTimeout(r, ms));
        await fixture.writeProcess({ ...young, utime: 20 });
      },
    });
    const out = JSON.parse(run.stdout) as PstatJson;
    expectValid(out);
    expect(out).toMatchObject({ cpu_mode: 'monitor', sample_ms: 500 });
    const [first, second] = out.processes;
    expect(first?.pid).toBe(20);
    expect(first?.cpu_percent).toBeGreaterThan(10);
    expect(first?.cpu_percent).toBeLessThanOrEqual(40);
    expect(second).toMatchObject({ pid: 10, cpu_percent: 0 });
  });
});

describe('pstat argument errors', () => {
  const cases: ReadonlyArray<readonly [string, readonly string[], string]> = [
    ['a non-numeric pid', ['--pid', 'abc'], '--pid must be a positive integer, got "abc"'],
    ['pid 0', ['--pid', '0'], '--pid must be a positive integer, got "0"'],
    ['a negative ppid', ['--ppid=-3'], '--ppid must be a non-negative integer, got "-3"'],
    ['an unknown flag', ['--bogus'], 'unknown option "--bogus" (see proctop pstat --help)'],
    ['a missing value', ['--top'], '--top needs a value'],
    ['a positional argument', ['extra'], 'unexpected argument "extra" (pstat takes only options)'],
    ['both formats', ['--json', '--table'], '--json and --table cannot be used together'],
    ['a bad cpu mode', ['--cpu-mode', 'average'], '--cpu-mode must be "lifetime" or "monitor", got "average"'],
    ['--sample in lifetime mode', ['--cpu-mode', 'lifetime', '--sample', '1s'], '--sample only applies to --cpu-mode monitor'],
    ['a bad duration', ['--sample', 'soon'], '--sample must be a duration such as 250ms, 2s, 5m or 1h, got "soon"'],
    ['a zero sample', ['--sample', '0ms'], '--sample must be between 1ms and 10m, got "0ms"'],
    ['a bad running-for', ['--running-for', '5 weeks'], '--running-for must be a duration such as 250ms, 2s, 5m or 1h, got "5 weeks"'],
    ['a bad sort key', ['--sort', 'rss'], '--sort must be one of pid, name, cpu, memory, start, got "rss"'],
    ['a bad top', ['--top', '2.5'], '--top must be a positive integer, got "2.5"'],
    ['a bad cpu threshold', ['--cpu-above', 'lots'], '--cpu-above must be a non-negative number, got "lots"'],
    ['a bad memory threshold', ['--memory-above', '1e3'], '--memory-above must be a non-negative number, got "1e3"'],
    ['an empty name', ['--name', ''], '--name must not be empty'],
  ];

  it.each(cases)('rejects %s with a one-line message', (_what, argv, message) => {
    let thrown: unknown;
    try {
      parsePstatArgs(argv, false);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toBe(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('prints help and exits 0', async () => {
    const run = await runPstat(['--help'], () => {
      throw new Error('help must not read processes');
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: proctop pstat');
    expect(run.stdout).toContain('--cpu-mode');
  });
});


/** Runs the built CLI from the repository with these variables added to the environment. */
function runBuilt(args: readonly string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof runCli> {
  return runCli(builtCli, args, { cwd: repoRoot, env: { ...process.env, ...env } });
}

describe('built CLI: proctop pstat', () => {
  beforeAll(() => ensureBuilt(), 180_000);
  afterEach(() => killStartedChildren());

  it('lists our sleeping child as schema-valid JSON when stdout is a pipe', async () => {
    const sleeper = startSleeper();
    await waitFor(async () => (JSON.parse((await runBuilt(['pstat', '--pid', String(sleeper.pid)])).stdout) as PstatJson).processes[0]?.name === 'sleep');
    const run = await runBuilt(['pstat', '--pid', String(sleeper.pid), '--ppid', String(process.pid), '--name', 'SLEEP']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as PstatJson;
    expectValid(out);
    expect(out.processes).toHaveLength(1);
    expect(out.processes[0]).toMatchObject({ pid: sleeper.pid, ppid: process.pid, name: 'sleep', state: 'sleeping', cmdline: ['sleep', '300'] });
    expect(['native', 'js']).toContain(out.backend);
  });

  it('runs a monitor sample with every filter and sort flag and stays schema-valid', async () => {
    const run = await runBuilt(['pstat', '--json', '--cpu-mode', 'monitor', '--sample', '200ms', '--sort', 'memory', '--top', '5', '--running-for', '0s', '--cpu-above', '0', '--memory-above', '0']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as PstatJson;
    expectValid(out);
    expect(out.sample_ms).toBe(200);
    expect(out.processes.length).toBeLessThanOrEqual(5);
    const rss = out.processes.map((p) => p.rss_bytes as number);
    expect(rss).toEqual([...rss].sort((a, b) => b - a));
  });

  it('uses the JS backend when PROCTOP_BACKEND=js', async () => {
    const run = await runBuilt(['pstat', '--json', '--pid', String(process.pid)], { PROCTOP_BACKEND: 'js' });
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as PstatJson;
    expect(out.backend).toBe('js');
    expect(out.processes[0]?.pid).toBe(process.pid);
  });

  it('prints a table with --table', async () => {
    const run = await runBuilt(['pstat', '--table', '--pid', String(process.pid)]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/^\s*PID\s+PPID\s+USER/);
    expect(run.stdout).toContain(String(process.pid));
  });

  it.each([
    [['pstat', '--pid', 'abc'], 'proctop: --pid must be a positive integer, got "abc"\n'],
    [['pstat', '--sort', 'size'], 'proctop: --sort must be one of pid, name, cpu, memory, start, got "size"\n'],
    [['pstat', '--frobnicate'], 'proctop: unknown option "--frobnicate" (see proctop pstat --help)\n'],
  ])('exits 2 with one line on stderr for %j', async (args, message) => {
    const run = await runBuilt(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(message);
    expect(run.stdout).toBe('');
  });

  it('shows the exact RSS ps shows (VmRSS), not stat\'s approximate counter (issue 12 §6)', async () => {
    const sleeper = startSleeper();
    const pid = sleeper.pid as number;
    await waitFor(async () => (JSON.parse((await runBuilt(['pstat', '--pid', String(pid)])).stdout) as PstatJson).processes[0]?.state === 'sleeping');
    for (const backend of ['native', 'js']) {
      const out = JSON.parse((await runBuilt(['pstat', '--json', '--pid', String(pid)], { PROCTOP_BACKEND: backend })).stdout) as PstatJson;
      const ps = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
      expect(out.processes[0]).toMatchObject({ memory_kb: ps, rss_bytes: ps * 1024 });
      const table = (await runBuilt(['pstat', '--table', '--pid', String(pid)], { PROCTOP_BACKEND: backend })).stdout;
      expect(table.split('\n')[1]).toMatch(new RegExp(`^\\s*${pid}\\s.*\\s${ps}\\s+1\\s`));
    }
  });

  it('leaves its own process out unless --include-self (issue 12 §6)', async () => {
    const run = (args: readonly string[]) =>
      new Promise<{ pid: number; out: PstatJson }>((resolve, reject) => {
        const child = spawn(process.execPath, [builtCli, 'pstat', '--json', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('error', reject);
        child.on('close', () => resolve({ pid: child.pid as number, out: JSON.parse(stdout) as PstatJson }));
      });
    const plain = await run(['--top', '3']);
    expect(plain.out.processes.map((p) => p.pid)).not.toContain(plain.pid);
    expect((await run([])).out.processes.some((p) => p.pid === process.pid)).toBe(true);
    const withSelf = await run(['--include-self', '--ppid', String(process.pid)]);
    expect(withSelf.out.processes.map((p) => p.pid)).toContain(withSelf.pid);
    const without = await run(['--ppid', String(process.pid)]);
    expect(without.out.processes.map((p) => p.pid)).not.toContain(without.pid);
  });

  it('sorts --sort memory by the RSS it prints', async () => {
    const out = JSON.parse((await runBuilt(['pstat', '--json', '--sort', 'memory', '--top', '20'])).stdout) as PstatJson;
    const rss = out.processes.map((p) => p.rss_bytes as number);
    expect(rss).toEqual([...rss].sort((a, b) => b - a));
  });

  it('exits 2 for an invalid PROCTOP_BACKEND, in every mode alike (one line, no stack)', async () => {
    for (const args of [['pstat'], ['fds', '--pid', String(process.pid)], ['--watch', '--iterations', '1']]) {
      const run = await runBuilt(args, { PROCTOP_BACKEND: 'fast' });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('proctop: PROCTOP_BACKEND must be "native" or "js", got "fast"\n');
    }
  });
});

describe('pstat --with and the cgroup filters', () => {
  const dockerId = 'b'.repeat(64);
  let fixture: ProcFixture;
  const onFixture = (): CollectorChoice => ({ collector: createJsCollector(fixture.root), notice: null });
  beforeAll(async () => {
    fixture = await createProcFixture({
      processes: [
        { pid: 1, comm: 'systemd', ppid: 0, startTime: 1, cgroupText: '0::/init.scope\n' },
        { pid: 10, comm: 'nginx', startTime: 100, cgroupText: '0::/system.slice/nginx.service\n', ctxSwitches: [7, 3] },
        { pid: 11, comm: 'app', startTime: 110, cgroupText: `0::/system.slice/docker-${dockerId}.scope\n` },
        { pid: 12, comm: 'bash', startTime: 120, cgroupText: '0::/user.slice/user-1000.slice/session-3.scope\n', ioText: null },
      ],
    });
  });
  afterAll(() => fixture?.cleanup());

  it('filters by unit or slice name and by cgroup path, case-insensitively', async () => {
    const pids = async (argv: readonly string[]): Promise<number[]> => {
      const run = await runPstat(['--json', ...argv], onFixture);
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as PstatJson).processes.map((p) => p.pid);
    };
    expect(await pids(['--unit', 'NGINX'])).toEqual([10]);
    expect(await pids(['--unit', 'system.slice'])).toEqual([10, 11]);
    expect(await pids(['--cgroup', 'docker-bbbb'])).toEqual([11]);
    expect(await pids(['--cgroup', '/user.slice/', '--unit', 'session'])).toEqual([12]);
    expect(await pids(['--unit', 'nothing'])).toEqual([]);
  });

  it('adds only the asked-for fields, null with one warning per field where unreadable', async () => {
    const run = await runPstat(['--json', '--with', 'io,cgroup,ctxsw,uss'], onFixture);
    const doc = JSON.parse(run.stdout) as PstatJson;
    expectValid(doc);
    const byPid = (pid: number) => doc.processes.find((p) => p.pid === pid);
    expect(byPid(10)).toMatchObject({
      io: { read_bytes: 4096, write_bytes: 8192, read_chars: 1000, write_chars: 2000 },
      cgroup: { path: '/system.slice/nginx.service', unit: 'nginx.service', slice: 'system.slice', container_id: null },
      ctx_switches: { voluntary: 7, involuntary: 3 },
      uss_bytes: null,
    });
    expect(byPid(11)?.cgroup).toMatchObject({ container_id: dockerId, container_runtime: 'docker' });
    expect(byPid(12)?.io).toBeNull();
    expect(doc.warnings).toContain('io of 1 process(es): not available');
    expect(doc.warnings).toContain('smapsRollup of 4 process(es): not available');
    const plain = JSON.parse((await runPstat(['--json'], onFixture)).stdout) as PstatJson;
    expect(Object.keys(plain.processes[0] ?? {})).not.toContain('io');
  });

  it('shows the extra columns in the table, the container shortened', async () => {
    const run = await runPstat(['--table', '--with', 'cgroup,ctxsw,io'], onFixture);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/IO_R\s+IO_W\s+CTXSW\s+CGROUP\s+COMMAND$/);
    expect(rows.find((r) => r.includes('nginx'))).toMatch(/\s10\s+nginx\.service\s/);
    expect(rows.find((r) => / 11 /.test(r))).toContain(`docker:${'b'.repeat(12)} `);
  });

  it('refuses an unknown --with field and empty filters', () => {
    expect(() => parsePstatArgs(['--with', 'io,disk'], false)).toThrow(UsageError);
    expect(() => parsePstatArgs(['--unit', ''], false)).toThrow(/--unit must not be empty/);
    expect(() => parsePstatArgs(['--cgroup', ''], false)).toThrow(/--cgroup must not be empty/);
  });
});
