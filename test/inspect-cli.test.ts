// proctop inspect on processes the tests start: secrets stay out of every output, prlimit'd
// limits read back, deleted and replaced binaries told apart and hashed, named threads, a process
// in its own cgroup, another user's process, bytes written, USS <= PSS <= RSS. Both backends.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killStartedChildren, startChild, startWriter, waitFor } from './helpers/children.js';
import { builtCliPath, repoRoot, runCli, startTimeOf, type CliRun } from './helpers/cli.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const loadSchema = (name: string): object => JSON.parse(readFileSync(join(repoRoot, 'assets', 'schemas', `${name}.schema.json`), 'utf8')) as object;
ajv.addSchema(loadSchema('fds'));
const validate = ajv.compile(loadSchema('inspect'));

const isRoot = process.getuid?.() === 0;
const SLEEP = '/bin/sleep';

/** The parts of the document the tests look at. */
interface InspectJson {
  schema_id: string;
  identity: { pid: number; start_time_ticks: number; ancestors: { pid: number }[] | null };
  program: { argv: string[]; exe: string | null; exe_status: string | null; sha256: string | null; path_sha256: string | null; same_as_path: boolean | null };
  environment: { disclosure: string; variables: { name: string; value: string | null; redacted: boolean }[] } | null;
  limits: { name: string; soft: number | string; hard: number | string; unit: string }[] | null;
  memory: { rss_bytes: number; uss_bytes: number | null; pss_bytes: number | null };
  io: { write_bytes: number; write_chars: number } | null;
  cgroup: { path: string; memory_max: string | null } | null;
  threads: { tid: number; name: string }[] | null;
  fds: unknown[] | null;
  fd_counts: Record<string, number> | null;
  field_errors: { field: string; code: string }[];
  warnings: string[];
}

let cli: string;
beforeAll(async () => {
  cli = await builtCliPath();
});
afterEach(() => killStartedChildren());

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Waits until pid has exec'd `comm` (a fresh child briefly still runs node's or prlimit's image). */
async function execd(pid: number, comm: string): Promise<void> {
  await waitFor(() => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  });
}

function parseValid(run: CliRun): InspectJson {
  expect(run.code, run.stderr).toBe(0);
  const doc = JSON.parse(run.stdout) as InspectJson;
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  return doc;
}

describe.each(['native', 'js'])('proctop inspect (%s backend)', (backend) => {
  const env = { ...process.env, PROCTOP_BACKEND: backend };
  const inspect = (args: readonly string[], extra: Parameters<typeof runCli>[2] = {}): Promise<CliRun> => runCli(cli, ['inspect', ...args], { env, ...extra });

  it('never prints a secret-looking value unless redaction is off; names always, values only when asked', async () => {
    const child = startChild(SLEEP, ['300'], { env: { API_TOKEN: 's3cr3t', HOME: '/home/inspect-test', PATH: '/usr/bin:/bin' } });
    const pid = child.pid as number;
    await execd(pid, 'sleep');
    const outputs: CliRun[] = [];
    for (const args of [[], ['--text'], ['--env-values'], ['--env-values', '--text'], ['--env-values', '--fds', '--threads', '--sha256'], ['--env-values', '--fds', '--threads', '--sha256', '--text']]) {
      const json = !args.includes('--text');
      outputs.push(await inspect([String(pid), ...(json ? ['--json'] : []), ...args]));
    }
    for (const run of outputs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).not.toContain('s3cr3t');
      expect(run.stdout).toContain('API_TOKEN');
    }
    const namesOnly = parseValid(outputs[0] as CliRun);
    expect(namesOnly.environment).toEqual({
      disclosure: 'names',
      variables: [
        { name: 'API_TOKEN', value: null, redacted: false },
        { name: 'HOME', value: null, redacted: false },
        { name: 'PATH', value: null, redacted: false },
      ],
    });
    expect(outputs[1]?.stdout).not.toContain('/home/inspect-test');
    const values = parseValid(outputs[2] as CliRun);
    expect(values.environment?.variables).toContainEqual({ name: 'API_TOKEN', value: '[redacted]', redacted: true });
    expect(values.environment?.variables).toContainEqual({ name: 'HOME', value: '/home/inspect-test', redacted: false });
    expect(outputs[3]?.stdout).toMatch(/API_TOKEN\s+\[redacted\]/);
    expect(outputs[3]?.stdout).toContain('/home/inspect-test');
    parseValid(outputs[4] as CliRun);

    const unredacted = await inspect([String(pid), '--json', '--env-values', '--no-redact']);
    expect(parseValid(unredacted).environment?.variables).toContainEqual({ name: 'API_TOKEN', value: 's3cr3t', redacted: false });
  });

  it('reads back limits set with prlimit', async () => {
    const child = startChild('prlimit', ['--nofile=123:456', '--core=0:1048576', SLEEP, '300']);
    const pid = child.pid as number;
    await execd(pid, 'sleep');
    const doc = parseValid(await inspect([String(pid), '--json']));
    expect(doc.limits).toContainEqual({ name: 'Max open files', soft: 123, hard: 456, unit: 'files' });
    expect(doc.limits).toContainEqual({ name: 'Max core file size', soft: 0, hard: 1_048_576, unit: 'bytes' });
    expect(doc.limits).toContainEqual({ name: 'Max cpu time', soft: 'unlimited', hard: 'unlimited', unit: 'seconds' });
  });

  describe('a binary changed after start', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'proctop-exe-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const original = (): string => spawnSync('sha256sum', [SLEEP], { encoding: 'utf8' }).stdout.split(' ')[0] as string;

    it('is "deleted" when its file is gone, and still hashes to the original through /proc/PID/exe', async () => {
      const path = join(dir, `gone-${backend}`);
      copyFileSync(SLEEP, path);
      const child = startChild(path, ['300']);
      await execd(child.pid as number, `gone-${backend}`);
      unlinkSync(path);
      const doc = parseValid(await inspect([String(child.pid), '--json', '--sha256']));
      expect(doc.program).toMatchObject({ exe: path, exe_status: 'deleted', sha256: original(), path_sha256: null, same_as_path: null });
      const text = await inspect([String(child.pid), '--text', '--sha256']);
      expect(text.stdout).toContain('[deleted: no file at this path any more]');
    });

    it('is "replaced" when the path now names another file, and the hashes differ', async () => {
      const path = join(dir, `swapped-${backend}`);
      copyFileSync(SLEEP, path);
      const child = startChild(path, ['300']);
      await execd(child.pid as number, `swapped-${backend}`);
      // An upgrade: a new file renamed over the old path (writing into a running binary is ETXTBSY).
      writeFileSync(`${path}.new`, '#!/bin/sh\necho new version\n', { mode: 0o755 });
      renameSync(`${path}.new`, path);
      const doc = parseValid(await inspect([String(child.pid), '--json', '--sha256']));
      expect(doc.program).toMatchObject({ exe: path, exe_status: 'replaced', sha256: original(), path_sha256: sha256File(path), same_as_path: false });
      const text = await inspect([String(child.pid), '--text', '--sha256']);
      expect(text.stdout).toContain('[replaced: the path now names another file]');
    });

    it('is "ok" with the same hash when nothing changed', async () => {
      const child = startChild(SLEEP, ['300']);
      await execd(child.pid as number, 'sleep');
      const doc = parseValid(await inspect([String(child.pid), '--json', '--sha256']));
      expect(doc.program).toMatchObject({ exe_status: 'ok', sha256: original(), same_as_path: true });
    });
  });

  it('lists threads by the names they gave themselves with prctl(PR_SET_NAME)', async () => {
    const script = [
      'import ctypes, threading, time',
      'libc = ctypes.CDLL(None)',
      'def work(name):',
      '    libc.prctl(15, name, 0, 0, 0)',
      '    time.sleep(300)',
      'for n in (b"io-worker", b"gc-\\x1b[31mred"):',
      '    threading.Thread(target=work, args=(n,), daemon=True).start()',
      'time.sleep(0.2); print("ready", flush=True); time.sleep(300)',
    ].join('\n');
    const child = startChild('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    const doc = parseValid(await inspect([String(child.pid), '--json', '--threads']));
    const names = doc.threads?.map((t) => t.name) ?? [];
    expect(names).toContain('io-worker');
    expect(names).toContain('gc-\x1b[31mred');
    expect(doc.threads?.map((t) => t.tid)).toContain(child.pid);
    const text = await inspect([String(child.pid), '--text', '--threads']);
    expect(text.stdout).toMatch(/S\s+\d+:\d\d\.\d\d\s+io-worker/);
    // The escape a thread put in its own name is shown, never sent to the terminal.
    expect(text.stdout).toContain('gc-\\x1b[31mred');
    expect(text.stdout).not.toContain('\x1b');
  });

  it('counts the bytes a child wrote: write_bytes >= N', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctop-inspect-io-'));
    try {
      const bytes = 2 * 1024 * 1024;
      const child = await startWriter(join(dir, 'out'), bytes);
      const doc = parseValid(await inspect([String(child.pid), '--json']));
      expect(doc.io?.write_bytes).toBeGreaterThanOrEqual(bytes);
      expect(doc.io?.write_chars).toBeGreaterThanOrEqual(bytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports USS <= PSS <= RSS, fd counts by kind, and the lineage up to its parent', async () => {
    const child = startChild(SLEEP, ['300']);
    await execd(child.pid as number, 'sleep');
    await waitFor(() => readFileSync(`/proc/${child.pid}/stat`, 'utf8').includes(') S '));
    const doc = parseValid(await inspect([`${child.pid}:${startTimeOf(child.pid as number)}`, '--json']));
    const { uss_bytes: uss, pss_bytes: pss, rss_bytes: rss } = doc.memory;
    expect(uss).toBeGreaterThan(0);
    expect(uss as number).toBeLessThanOrEqual(pss as number);
    expect(pss as number).toBeLessThanOrEqual(rss);
    expect(doc.fds).toBeNull();
    expect(doc.fd_counts?.file).toBeGreaterThanOrEqual(1);
    expect(doc.identity.ancestors?.[0]?.pid).toBe(process.pid);
    expect(doc.identity.ancestors?.at(-1)?.pid).toBe(1);
    const withFds = parseValid(await inspect([String(child.pid), '--json', '--fds']));
    expect(withFds.fds?.length).toBe(Object.values(withFds.fd_counts ?? {}).reduce((a, b) => a + b, 0));
  });

  it.runIf(isRoot)("run as another user, gives null fields with warnings naming them for a root process's private files", async () => {
    const child = startChild(SLEEP, ['300'], { env: { API_TOKEN: 's3cr3t', PATH: '/usr/bin:/bin' } });
    await execd(child.pid as number, 'sleep');
    const run = await inspect([String(child.pid), '--json', '--env-values', '--sha256', '--fds'], { uid: 65534, gid: 65534 });
    const doc = parseValid(run);
    expect(doc).toMatchObject({ environment: null, io: null, fds: null, fd_counts: null });
    expect(doc.program).toMatchObject({ exe: null, exe_status: null, sha256: null });
    expect(doc.memory).toMatchObject({ uss_bytes: null, pss_bytes: null });
    const fields = doc.field_errors.filter((e) => e.code === 'EACCES').map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['environment', 'io', 'program.exe', 'program.cwd', 'memory.smaps_rollup', 'fds']));
    for (const field of ['environment', 'io', 'program.exe', 'memory.smaps_rollup']) {
      expect(doc.warnings.some((w) => w.startsWith(`${field}: permission denied`))).toBe(true);
    }
    expect(run.stdout).not.toContain('s3cr3t');
    // The world-readable parts are still there.
    expect(doc.limits?.length).toBeGreaterThan(10);
    const text = await inspect([String(child.pid), '--text'], { uid: 65534, gid: 65534 });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/exe\s+no access \(run as the owner or root\)/);
    expect(text.stderr).toMatch(/warning: io: permission denied/);
  });

  it('refuses bad input with exit 2, and a missing or reused process with exit 1', async () => {
    for (const args of [[], ['abc'], ['1', '2'], ['-5'], ['1:x'], ['1', '--no-redact'], ['1', '--json', '--text'], ['1', '--bogus']]) {
      const run = await inspect(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    const child = startChild(SLEEP, ['300']);
    await execd(child.pid as number, 'sleep');
    const reused = await inspect([`${child.pid}:${startTimeOf(child.pid as number) + 1}`]);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(/now names another process/);
    const exited = startChild(SLEEP, ['300']);
    const exitedPid = exited.pid as number;
    await new Promise<void>((resolve) => {
      exited.once('exit', () => resolve());
      exited.kill('SIGKILL');
    });
    const gone = await inspect([String(exitedPid)]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(new RegExp(`no process ${exitedPid}`));
  });
});

/** The cgroup2 mount point when we may make a cgroup under it, or why not. */
function cgroupTestRoot(): { mount: string } | { reason: string } {
  if (!isRoot) return { reason: 'not root: cannot create a cgroup' };
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.includes(' - cgroup2 '));
  if (!line) return { reason: 'no cgroup2 filesystem mounted' };
  const mount = line.split(' ')[4] as string;
  const probe = join(mount, `proctop-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (err) {
    return { reason: `${mount} is not writable: ${(err as Error).message}` };
  }
  return { mount };
}

const cgroupRoot = cgroupTestRoot();
if ('reason' in cgroupRoot) console.warn(`inspect cgroup test skipped: ${cgroupRoot.reason}`);

describe.runIf('mount' in cgroupRoot)('proctop inspect: a process in its own cgroup', () => {
  const mount = 'mount' in cgroupRoot ? cgroupRoot.mount : '';
  const name = `proctop-inspect-${process.pid}`;
  const dir = join(mount, name);
  afterAll(async () => {
    await killStartedChildren();
    // The cgroup can be removed once its last process is reaped.
    await waitFor(() => {
      try {
        if (existsSync(dir)) rmdirSync(dir);
        return true;
      } catch {
        return false;
      }
    });
  });

  it('reports the cgroup path, and memory.max when the memory controller is enabled there (null with a warning otherwise)', async () => {
    mkdirSync(dir);
    const child = startChild(SLEEP, ['300']);
    writeFileSync(join(dir, 'cgroup.procs'), String(child.pid));
    const run = await runCli(cli, ['inspect', String(child.pid), '--json']);
    const doc = parseValid(run);
    expect(doc.cgroup?.path).toBe(`/${name}`);
    const parentControllers = readFileSync(join(mount, 'cgroup.subtree_control'), 'utf8');
    if (parentControllers.split(/\s+/).includes('memory')) {
      expect(doc.cgroup?.memory_max).toBe('max');
    } else {
      expect(doc.cgroup?.memory_max).toBeNull();
      expect(doc.warnings.some((w) => w.startsWith('cgroup.memory_max:'))).toBe(true);
    }
    const text = await runCli(cli, ['inspect', String(child.pid), '--text']);
    expect(text.stdout).toMatch(new RegExp(`path\\s+/${name}`));
  });
});
