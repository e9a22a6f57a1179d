import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createSystemDeps } from '../src/actions/deps.js';
import { collectorWithSignaller, pretendSignaller } from './helpers/recording-collector.js';
import { runKill, type KillIo } from '../src/commands/kill.js';
import { UsageError } from '../src/output/usage-error.js';
import type { SignalDelivery } from '../src/sys/types.js';
import { BUSY_LOOP_SCRIPT, isAlive, killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath, readJsonLines, runCli, startTimeOf } from './helpers/cli.js';

const schema = JSON.parse(readFileSync(new URL('../assets/schemas/kill.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
// ajv-formats is CommonJS: its default export sits one level deeper under NodeNext typing.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const validate = ajv.compile(schema);

let cli: string;
let stateHome: string;
let uniqueBinary: string;

beforeAll(async () => {
  cli = await builtCliPath();
  stateHome = mkdtempSync(join(tmpdir(), 'proctop-kill-cli-'));
  // A sleep binary under a name nobody else runs: filter tests can only ever match our own processes.
  uniqueBinary = join(stateHome, `pkt${process.pid % 100000}`);
  copyFileSync('/bin/sleep', uniqueBinary);
  chmodSync(uniqueBinary, 0o755);
}, 60_000);
afterEach(killStartedChildren);
afterAll(async () => {
  await killStartedChildren();
});

const env = (): NodeJS.ProcessEnv => ({ ...process.env, XDG_STATE_HOME: stateHome });
const auditPath = (): string => join(stateHome, 'proctop', 'actions.jsonl');
const auditLines = (): number => (existsSync(auditPath()) ? readJsonLines(auditPath()).length : 0);

function sleeper(options: { uid?: number; gid?: number; command?: string } = {}): { pid: number; exited: Promise<NodeJS.Signals | null> } {
  const child = startChild(options.command ?? 'sleep', ['300'], { detached: true, ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}) });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
  return { pid: child.pid!, exited };
}

describe('proctop kill (CLI)', () => {
  it('signals several PIDs and prints the batch-kill JSON', async () => {
    const [a, b] = [sleeper(), sleeper()];
    const before = auditLines();
    const run = await runCli(cli, ['kill', '--json', '-s', 'sigterm', String(a.pid), String(b.pid)], { env: env() });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json).toMatchObject({ signal_sent: 15, signal_name: 'SIGTERM', succeeded: [a.pid, b.pid], failed: [], refused: false });
    expect(json.results.map((r: { start_time: number }) => r.start_time)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(await a.exited).toBe('SIGTERM');
    expect(await b.exited).toBe('SIGTERM');
    const lines = readJsonLines(auditPath());
    expect(lines).toHaveLength(before + 1);
    expect(lines.at(-1)).toMatchObject({ action: 'kill', signal: 15, user: 'root', targets: [{ pid: a.pid, outcome: 'sent' }, { pid: b.pid, outcome: 'sent' }] });
  });

  const badInputs: [string, (pid: number) => string[], RegExp][] = [
    ['non-numeric', (pid) => [String(pid), 'abc'], /PID must be a positive integer, got "abc"/],
    ['negative', (pid) => [String(pid), '-5'], /invalid PID "-5": negative/],
    ['zero', (pid) => [String(pid), '0'], /invalid PID "0": PID 0/],
    ['huge', (pid) => [String(pid), '99999999999'], /above the kernel limit/],
    ['duplicate', (pid) => [String(pid), String(pid)], /duplicate PID/],
    ['PID:START:junk', (pid) => [`${pid}:${startTimeOf(pid)}:junk`], /invalid identity "\d+:\d+:junk": use PID or PID:START_TICKS/],
    ['non-numeric START', (pid) => [`${pid}:soon`], /invalid identity "\d+:soon"/],
    ['unknown user', () => ['--user', 'no-such-user-xyz'], /--user: unknown user "no-such-user-xyz"/],
    ['unknown signal', (pid) => ['-s', 'FOO', String(pid)], /unknown signal "FOO"/],
    ['signal out of range', (pid) => ['--signal', '65', String(pid)], /unknown signal "65"/],
    ['unknown option', (pid) => ['--frobnicate', String(pid)], /unknown option "--frobnicate"/],
    ['no target', () => [], /no target/],
  ];
  it.each(badInputs)('rejects %s input with one clear line, exit 2, nothing sent', async (_name, args, message) => {
    const a = sleeper();
    const before = auditLines();
    const run = await runCli(cli, ['kill', ...args(a.pid)], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^proctop: /);
    expect(auditLines()).toBe(before);
    expect(await isAlive(a.pid)).toBe(true);
  });

  it('signals the others when one PID has exited, says which, and exits 1', async () => {
    const [a, b] = [sleeper(), sleeper()];
    let missing = 4_000_000;
    while (existsSync(`/proc/${missing}`)) missing -= 1;
    const run = await runCli(cli, ['kill', '--json', String(a.pid), String(missing), String(b.pid)], { env: env() });
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.refused).toBe(false);
    expect(json.succeeded).toEqual([a.pid, b.pid]);
    expect(json.failed).toEqual([{ pid: missing, error: 'no such process', outcome: 'exited' }]);
    expect(await a.exited).toBe('SIGTERM');
    expect(await b.exited).toBe('SIGTERM');
  });

  it('kills a background job of a non-interactive script without --force (same process group)', async () => {
    // `sleep 300 & proctop kill $!`: in a script, every job shares the script's process group.
    const script = `sleep 300 & job=$!; ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} kill $job; echo "kill=$?"; wait $job; echo "job=$?"`;
    const run = await promisify(execFile)('bash', ['-c', script], { env: env(), timeout: 30_000 });
    expect(run.stdout).toMatch(/^kill=0$/m);
    expect(run.stdout).toMatch(/^job=143$/m); // 128 + SIGTERM
  });

  it('refuses a stale PID:START_TICKS identity as reused', async () => {
    const a = sleeper();
    const run = await runCli(cli, ['kill', '--json', `${a.pid}:${startTimeOf(a.pid) + 3}`], { env: env() });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).failed[0]).toMatchObject({ pid: a.pid, outcome: 'reused' });
    expect(await isAlive(a.pid)).toBe(true);
  });

  it('reports permission denied when nobody signals a root process (partial: exit 1)', async () => {
    const mine = sleeper();
    const theirs = sleeper({ uid: 65534, gid: 65534 });
    // nobody keeps its own audit log (the root one is 0700); XDG_STATE_HOME counts only when it is nobody's own.
    const nobodyState = mkdtempSync(join(tmpdir(), 'proctop-kill-nobody-'));
    chownSync(nobodyState, 65534, 65534);
    const run = await runCli(cli, ['kill', '--json', String(mine.pid), String(theirs.pid)], {
      env: { ...process.env, XDG_STATE_HOME: nobodyState },
      uid: 65534,
      gid: 65534,
    });
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(validate(json)).toBe(true);
    expect(json.succeeded).toEqual([theirs.pid]);
    expect(json.failed).toEqual([{ pid: mine.pid, error: 'EPERM', outcome: 'permission' }]);
    expect(await theirs.exited).toBe('SIGTERM');
    expect(await isAlive(mine.pid)).toBe(true);
    expect(run.stderr).not.toMatch(/audit log not written/);
    expect(readJsonLines(join(nobodyState, 'proctop', 'actions.jsonl'))).toEqual([
      expect.objectContaining({ user: 'nobody', uid: 65534, targets: [expect.objectContaining({ pid: mine.pid, outcome: 'permission' }), expect.objectContaining({ pid: theirs.pid, outcome: 'sent' })] }),
    ]);
  });

  it('still signals when the audit log cannot be written, with a warning', async () => {
    const a = sleeper();
    const run = await runCli(cli, ['kill', String(a.pid)], { env: { ...process.env, XDG_STATE_HOME: '/proc/version' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: audit log not written/);
    expect(await a.exited).toBe('SIGTERM');
  });

  it('previews a filter selection without --yes and signals it with --yes', async () => {
    const parent = startChild('sh', ['-c', `${uniqueBinary} 300 & ${uniqueBinary} 300 & sleep 300 & wait`], { detached: true });
    const name = uniqueBinary.split('/').pop()!;
    const children = await waitFor(async () => {
      const out = await runCli(cli, ['kill', '--json', '--ppid', String(parent.pid), '--name', name], { env: env() });
      const json = JSON.parse(out.stdout);
      return json.preview.length === 2 ? json : null;
    });
    expect(validate(children), JSON.stringify(validate.errors)).toBe(true);
    expect(children.dry_run).toBe(true);
    // A preview is not a failure: its targets are in preview[], not failed[].
    expect(children).toMatchObject({ succeeded: [], failed: [], results: [] });
    const pids: number[] = children.preview.map((r: { pid: number }) => r.pid);
    for (const pid of pids) expect(await isAlive(pid)).toBe(true);

    const text = await runCli(cli, ['kill', '--ppid', String(parent.pid), '--name', name, '--user', 'root'], { env: env() });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Preview: SIGTERM would go to 2 process\(es\); add --yes to send/);

    const go = await runCli(cli, ['kill', '--json', '--yes', '-s', 'KILL', '--ppid', String(parent.pid), '--name', name], { env: env() });
    expect(go.code).toBe(0);
    const json = JSON.parse(go.stdout);
    expect(validate(json)).toBe(true);
    expect(json.succeeded.sort()).toEqual([...pids].sort());
    await waitFor(async () => !(await isAlive(pids[0]!)) && !(await isAlive(pids[1]!)));
    expect(await isAlive(parent.pid!)).toBe(true);
  });

  it('selects by --cpu-above over a sample window', async () => {
    const parent = startChild('sh', ['-c', `${JSON.stringify(process.execPath)} -e ${JSON.stringify(BUSY_LOOP_SCRIPT)} & sleep 300 & wait`], { detached: true });
    // The busy grandchild is not tracked by the helpers: end the whole (detached) group after the test.
    onTestFinished(() => {
      try {
        process.kill(-parent.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    const busy = await waitFor(async () => {
      const run = await runCli(cli, ['kill', '--json', '--ppid', String(parent.pid), '--cpu-above', '10', '--sample', '1s'], { env: env() });
      const json = JSON.parse(run.stdout);
      return json.preview.length === 1 ? json.preview[0] : null;
    }, 20_000);
    expect(busy.name).toBe('node');
  });

  it('uses check-then-kill on the JS backend and says so', async () => {
    const a = sleeper();
    const run = await runCli(cli, ['kill', '--json', String(a.pid)], { env: { ...env(), PROCTOP_BACKEND: 'js' } });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.results[0]).toMatchObject({ outcome: 'sent', via_pidfd: false });
    expect(json.warnings.join('\n')).toMatch(/check-then-kill/);
    expect(run.stderr).toMatch(/warning: pidfd unavailable/);
    expect(await a.exited).toBe('SIGTERM');
  });

  it('lists signals with -l', async () => {
    const run = await runCli(cli, ['kill', '-l']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\s*15\s+TERM\s/m);
    expect(run.stdout).toMatch(/^\s*9\s+KILL\s/m);
  });
});

describe('proctop kill protection (in-process, recording fake signaller: never a real signal to PID 1)', () => {
  async function ioWithFake(): Promise<{ io: KillIo; calls: { pid: number }[]; out: string[]; err: string[] }> {
    const signal = pretendSignaller();
    const out: string[] = [];
    const err: string[] = [];
    const deps = await createSystemDeps({ collector: collectorWithSignaller(signal), audit: null });
    return {
      io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), deps: async () => deps, sampleRows: async () => [] },
      calls: signal.calls,
      out,
      err,
    };
  }

  it('refuses PID 1 and sends nothing to the other targets either', async () => {
    const a = sleeper();
    const { io, calls, out } = await ioWithFake();
    expect(await runKill(['--json', '1', String(a.pid)], io)).toBe(2);
    expect(calls).toEqual([]);
    const json = JSON.parse(out.join(''));
    expect(json.failed).toEqual([
      { pid: 1, error: 'PID 1 (init) is protected', outcome: 'protected' },
      { pid: a.pid, error: 'not sent: the batch was refused', outcome: 'not-sent' },
    ]);
  });

  it("refuses proctop's parent without --force and signals it with --force (fake signaller)", async () => {
    const { io, calls, err } = await ioWithFake();
    expect(await runKill([String(process.ppid)], io)).toBe(2);
    expect(calls).toEqual([]);
    expect(err.join('')).toMatch(/nothing sent: PID \d+: proctop's parent process \(use --force\)/);
    const forced = await ioWithFake();
    expect(await runKill(['--force', String(process.ppid)], forced.io)).toBe(0);
    expect(forced.calls.map((c) => c.pid)).toEqual([process.ppid]);
  });

  it('refuses proctop itself', async () => {
    const { io, calls, out } = await ioWithFake();
    expect(await runKill([String(process.pid)], io)).toBe(2);
    expect(calls).toEqual([]);
    expect(out.join('')).toMatch(/protected\s+this is proctop itself/);
  });

  it('throws a usage error for bad input before building anything', async () => {
    const { io, calls } = await ioWithFake();
    await expect(runKill(['12', 'x'], io)).rejects.toThrow(UsageError);
    await expect(runKill(['--name', 'x', '12'], io)).rejects.toThrow(/not both/);
    expect(calls).toEqual([]);
  });
});
