// proctop track through the built CLI, on processes the tests start. Each test has its own
// registry (PROCTOP_REGISTRY) and state dir; every process signalled is one the test started.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, killStartedChildren, killWithDescendants, startChild, waitFor } from './helpers/children.js';
import { builtCliPath, readJsonLines, runCli, startTimeOf, type CliRun } from './helpers/cli.js';
import { schemaValidator } from './helpers/schema.js';

const validate = schemaValidator('track');
let cli: string;
/** PIDs that `track run` started for us: killed by PID after each test. */
const runChildren = new Set<number>();

beforeAll(async () => {
  cli = await builtCliPath();
}, 120_000);
afterEach(async () => {
  // With what they started in turn (a shell's sleeper).
  for (const pid of runChildren) killWithDescendants(pid);
  runChildren.clear();
  await killStartedChildren();
});
afterAll(killStartedChildren);

interface Sandbox {
  readonly dir: string;
  readonly registry: string;
  readonly env: NodeJS.ProcessEnv;
  track(...args: string[]): Promise<CliRun>;
  /** track ... --json, parsed and checked against the schema. */
  json(...args: string[]): Promise<{ run: CliRun; json: Record<string, any> }>;
}

function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'proctop-track-'));
  const registry = join(dir, 'state', 'proctop', 'registry.json');
  const env = { ...process.env, XDG_STATE_HOME: join(dir, 'state'), PROCTOP_REGISTRY: '', PROCTOP_LAST_SEEN_INTERVAL: '' };
  const track = (...args: string[]): Promise<CliRun> => runCli(cli, ['track', ...args], { env, timeoutMs: 60_000 });
  return {
    dir,
    registry,
    env,
    track,
    async json(...args) {
      const [sub = '', ...rest] = args;
      const run = await track(sub, '--json', ...rest);
      let json: Record<string, any>;
      try {
        json = JSON.parse(run.stdout);
      } catch {
        throw new Error(`not JSON (exit ${run.code}): ${run.stdout} ${run.stderr}`);
      }
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
      return { run, json };
    },
  };
}

function sleeper(seconds = 300): number {
  return startChild('sleep', [String(seconds)], { detached: true }).pid!;
}

describe('proctop track (CLI round trips)', () => {
  it('adds with name, tags and groups, lists with live figures, and filters by every selector', async () => {
    const box = sandbox();
    const [a, b, c] = [sleeper(), sleeper(), sleeper()];
    const added = await box.json('add', String(a), '--name', 'db', '--tag', 'x', '--tag', 'y', '--group', 'prod');
    expect(added.run.code).toBe(0);
    expect(added.json).toMatchObject({ command: 'add', status: 'added', entry: { id: 1, pid: a, start_time: startTimeOf(a), name: 'db', tags: ['x', 'y'], groups: ['prod'], cmdline: ['sleep', '300'], alive: true, origin: 'add' } });
    expect(added.json.entry.boot_id).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect((await box.json('add', `${b}:${startTimeOf(b)}`, '--tag', 'x')).json.entry.id).toBe(2);
    expect((await box.json('add', String(c), '--group', 'prod', '--group', 'dev')).json.entry.id).toBe(3);

    const list = await box.json('list');
    expect(list.run.code).toBe(0);
    expect(list.json.entries.map((e: { id: number }) => e.id)).toEqual([1, 2, 3]);
    expect(list.json.entries[0]).toMatchObject({ alive: true, dead_reason: null, state: 'S', rss_bytes: expect.any(Number), cpu_percent: expect.any(Number) });
    const ids = async (...sel: string[]): Promise<number[]> => (await box.json('list', ...sel)).json.entries.map((e: { id: number }) => e.id);
    expect(await ids('--tag', 'x')).toEqual([1, 2]);
    expect(await ids('--tag-all', 'x', '--tag-all', 'y')).toEqual([1]);
    expect(await ids('--group', 'dev', '--group', 'prod')).toEqual([1, 3]);
    expect(await ids('--group-all', 'dev', '--group-all', 'prod')).toEqual([3]);
    expect(await ids('--name', 'db')).toEqual([1]);
    expect(await ids('--id', '2', '--id', '3')).toEqual([2, 3]);
    expect(await ids('--pid', String(c))).toEqual([3]);
    expect(await ids('--search', 'sleep 3')).toEqual([1, 2, 3]);
    expect(await ids('--tag', 'x', '--group', 'prod')).toEqual([1]);

    const table = await box.track('list', '--table');
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+PID\s+NAME\s+ALIVE\s+LAST-SEEN\s+TAGS\s+GROUPS\s+CPU%\s+RSS\s+COMMAND$/);
    expect(table.stdout).toMatch(new RegExp(`\\b1\\s+${a}\\s+db\\s+yes\\s+now\\s+x,y\\s+prod\\b`));

    // The file: versioned, readable (one entry per line), 0600 in a 0700 directory.
    const text = readFileSync(box.registry, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'proctop-registry', version: 2, next_id: 4 });
    expect(text.split('\n').filter((line) => line.startsWith('{"id":')).map((line) => JSON.parse(line.replace(/,$/, '')).id)).toEqual([1, 2, 3]);
    expect(statSync(box.registry).mode & 0o777).toBe(0o600);
    expect(statSync(join(box.dir, 'state', 'proctop')).mode & 0o777).toBe(0o700);
  });

  it('answers an already tracked process with its id (exit 1) and refuses a name in use (exit 2)', async () => {
    const box = sandbox();
    const [a, b] = [sleeper(), sleeper()];
    await box.json('add', String(a), '--name', 'web');
    const again = await box.json('add', String(a));
    expect(again.run.code).toBe(1);
    expect(again.json).toMatchObject({ status: 'exists', entry: { id: 1, name: 'web' } });
    expect(again.run.stderr).toMatch(/already tracked as id 1/);
    const taken = await box.track('add', String(b), '--name', 'web');
    expect(taken.code).toBe(2);
    expect(taken.stderr).toBe('proctop: name "web" is already used by id 1, PID ' + a + ' (web)\n');
    const stale = await box.track('add', `${b}:${startTimeOf(b) + 5}`);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/PID reused/);
    expect((await box.json('list')).json.entries).toHaveLength(1);
  });

  it('rejects bad input with one line and exit 2, changing nothing', async () => {
    const box = sandbox();
    const a = sleeper();
    await box.json('add', String(a), '--tag', 'keep');
    const before = readFileSync(box.registry, 'utf8');
    const cases: [string[], RegExp][] = [
      [['add'], /needs a PID/],
      [['add', 'abc'], /PID must be a positive integer/],
      [['add', String(a), '--name', 'a b'], /whitespace/],
      [['add', String(a), '--tag', 'x\u001b[2J'], /control character/],
      [['add', String(a), '--name', '42'], /all digits/],
      [['rm'], /needs a selector/],
      [['kill'], /needs a selector/],
      [['rm', '--id', 'zero'], /--id must be a positive integer/],
      [['list', '--alive', '--dead'], /cannot be used together/],
      [['reset'], /--confirm RESET/],
      [['reset', '--confirm', 'yes'], /--confirm RESET/],
      [['kill', '--tag', 'keep', '-s', 'NOPE'], /unknown signal/],
      [['run', 'sleep', '1'], /needs a command after --/],
      [['run', '--cwd', '/nonexistent-dir', '--', 'true'], /not a directory/],
      [['frobnicate'], /unknown track command/],
      [['list', '--bogus'], /unknown option "--bogus"/],
    ];
    for (const [args, message] of cases) {
      const run = await box.track(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(readFileSync(box.registry, 'utf8')).toBe(before);
    expect(await isAlive(a)).toBe(true);
  });

  it('refuses rm and kill when a selector matches more than one entry, unless --all', async () => {
    const box = sandbox();
    const [a, b] = [sleeper(), sleeper()];
    await box.json('add', String(a), '--tag', 'batch');
    await box.json('add', String(b), '--tag', 'batch');
    const before = readFileSync(box.registry, 'utf8');
    for (const sub of ['rm', 'kill']) {
      const run = await box.track(sub, '--tag', 'batch', ...(sub === 'kill' ? ['--yes'] : []));
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^proctop: 2 tracked processes match; add --all/);
    }
    expect(readFileSync(box.registry, 'utf8')).toBe(before);
    expect(await isAlive(a)).toBe(true);
    expect(await isAlive(b)).toBe(true);
    const none = await box.track('rm', '--tag', 'nothing-has-this');
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('proctop: no tracked process matches\n');
    const rm = await box.json('rm', '--tag', 'batch', '--all');
    expect(rm.run.code).toBe(0);
    expect(rm.json.removed.map((e: { pid: number }) => e.pid)).toEqual([a, b]);
    expect((await box.json('list')).json.entries).toEqual([]);
    expect(await isAlive(a)).toBe(true);
  });

  it('kills the alive entries a selector picks, identity-checked, forgets them unless --keep, and reports dead ones', async () => {
    const box = sandbox();
    const victim = startChild('sleep', ['300'], { detached: true });
    const kept = startChild('sleep', ['300'], { detached: true });
    const gone = startChild('sleep', ['300'], { detached: true });
    for (const [child, name] of [[victim, 'v'], [kept, 'k'], [gone, 'g']] as const) await box.json('add', String(child.pid), '--name', name, '--group', 'job');
    const goneExit = new Promise((r) => gone.once('exit', r));
    gone.kill('SIGKILL');
    await goneExit;
    const victimExit = new Promise<NodeJS.Signals | null>((r) => victim.once('exit', (_c, sig) => r(sig)));
    const run = await box.json('kill', '--name', 'v', '--name', 'g', '--all', '-s', 'INT');
    expect(run.run.code).toBe(0);
    expect(await victimExit).toBe('SIGINT');
    expect(run.json).toMatchObject({ command: 'kill', signal_sent: 2, signal_name: 'SIGINT', removed: [1] });
    expect(run.json.results).toEqual([
      { id: 1, name: 'v', pid: victim.pid, start_time: expect.any(Number), outcome: 'sent', reason: null, via_pidfd: true, ended_by: null, removed: true },
      { id: 3, name: 'g', pid: gone.pid, start_time: expect.any(Number), outcome: 'dead', reason: 'not signalled: exited', via_pidfd: false, ended_by: null, removed: false },
    ]);
    expect(await isAlive(kept.pid!)).toBe(true);
    const keptRun = await box.json('kill', '--name', 'k', '--keep');
    expect(keptRun.run.code).toBe(0);
    expect(keptRun.json.results[0]).toMatchObject({ outcome: 'sent', removed: false });
    await waitFor(async () => !(await isAlive(kept.pid!)));
    const after = (await box.json('list')).json.entries;
    expect(after.map((e: { name: string; alive: boolean; dead_reason: string }) => [e.name, e.alive, e.dead_reason])).toEqual([
      ['k', false, 'exited'],
      ['g', false, 'exited'],
    ]);
    expect(after[0].first_seen_dead).toEqual(expect.any(String));
    // Nothing alive: nothing sent, exit 2 like proctop kill.
    const nothing = await box.json('kill', '--name', 'g');
    expect(nothing.run.code).toBe(2);
    expect(nothing.json.results[0].outcome).toBe('dead');
    expect(nothing.run.stderr).toMatch(/nothing sent/);
  });

  it('kill --ladder climbs a stop ladder: a process that ignores TERM is ended by KILL and forgotten', async () => {
    const box = sandbox();
    const stubborn = startChild(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { detached: true });
    const exited = new Promise<NodeJS.Signals | null>((r) => stubborn.once('exit', (_c, sig) => r(sig)));
    // Wait until node has installed its TERM handler (its SigCgt mask shows signal 15).
    await waitFor(() => (BigInt(`0x${/SigCgt:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${stubborn.pid}/status`, 'utf8'))?.[1] ?? '0'}`) & (1n << 14n)) !== 0n);
    await box.json('add', String(stubborn.pid), '--name', 'stubborn');
    const both = await box.track('kill', '--name', 'stubborn', '-s', 'TERM', '--ladder', 'TERM:200ms,KILL:2s');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/-s and --ladder cannot be used together/);
    const run = await box.json('kill', '--name', 'stubborn', '--ladder', 'TERM:300ms,KILL:2s');
    expect(run.run.code).toBe(0);
    expect(await exited).toBe('SIGKILL');
    expect(run.json.ladder).toEqual([
      { signal: 15, signal_name: 'SIGTERM', window_ms: 300 },
      { signal: 9, signal_name: 'SIGKILL', window_ms: 2000 },
    ]);
    expect(run.json.results).toEqual([expect.objectContaining({ id: 1, outcome: 'ended', ended_by: 'SIGKILL', removed: true })]);
    expect((await box.json('list')).json.entries).toEqual([]);
    expect(readJsonLines(join(box.dir, 'state', 'proctop', 'actions.jsonl')).at(-1)).toMatchObject({ action: 'track-kill', summary: 'ladder TERM:300ms,KILL:2s: 1 of 1 ended' });
  });

  it('lists, renames and reports missing tags and groups; reset forgets all and restarts ids', async () => {
    const box = sandbox();
    const [a, b] = [sleeper(), sleeper()];
    await box.json('add', String(a), '--tag', 'old', '--group', 'g1');
    await box.json('add', String(b), '--tag', 'old', '--tag', 'new', '--group', 'g1');
    const tag = await box.json('tag', 'old');
    expect(tag.json).toMatchObject({ command: 'tag', label: 'old', renamed_to: null });
    expect(tag.json.entries.map((e: { id: number }) => e.id)).toEqual([1, 2]);
    const renamed = await box.json('tag', 'old', '--rename', 'new');
    expect(renamed.json.entries.map((e: { tags: string[] }) => e.tags)).toEqual([['new'], ['new']]);
    const group = await box.json('group', 'g1', '--rename', 'g2');
    expect(group.json.entries.map((e: { groups: string[] }) => e.groups)).toEqual([['g2'], ['g2']]);
    const missing = await box.track('group', 'g1', '--table');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('proctop: no tracked process has the group "g1"\n');
    const reset = await box.json('reset', '--confirm', 'RESET');
    expect(reset.json.forgotten).toBe(2);
    expect((await box.json('add', String(a))).json.entry.id).toBe(1);
  });

  it('run starts a detached child in its own session that outlives proctop and writes its log', async () => {
    const box = sandbox();
    const started = await box.json('run', '--name', 'job', '--tag', 'bg', '--', 'sh', '-c', 'echo started; echo oops >&2; sleep 300');
    expect(started.run.code).toBe(0);
    const entry = started.json.entry;
    runChildren.add(entry.pid);
    expect(entry).toMatchObject({ id: 1, name: 'job', tags: ['bg'], origin: 'run', cmdline: ['sh', '-c', 'echo started; echo oops >&2; sleep 300'], exe: realpathSync('/bin/sh'), cwd: process.cwd() });
    expect(entry.log_path).toBe(join(box.dir, 'state', 'proctop', 'logs', '1.log'));
    // proctop has exited (runCli resolved); the child lives on, leading its own session, adopted away from proctop.
    const stat = readFileSync(`/proc/${entry.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(fields[3])).toBe(entry.pid); // session id (field 6) = its own pid
    expect(Number(fields[19])).toBe(entry.start_time);
    const log = await waitFor(() => {
      const text = existsSync(entry.log_path) ? readFileSync(entry.log_path, 'utf8') : '';
      return text.includes('oops') ? text : null;
    });
    expect(log).toBe('started\noops\n');
    expect(statSync(entry.log_path).mode & 0o777).toBe(0o600);
    expect((await box.json('list', '--alive')).json.entries.map((e: { pid: number }) => e.pid)).toEqual([entry.pid]);

    const custom = join(box.dir, 'custom.log');
    const second = await box.json('run', '--log', custom, '--cwd', box.dir, '--', 'sh', '-c', 'pwd; sleep 300');
    runChildren.add(second.json.entry.pid);
    expect(second.json.entry).toMatchObject({ id: 2, log_path: custom, cwd: box.dir });
    expect(await waitFor(() => (existsSync(custom) && readFileSync(custom, 'utf8')) || null)).toBe(`${box.dir}\n`);
    const quiet = await box.json('run', '--no-log', '--', 'sleep', '300');
    runChildren.add(quiet.json.entry.pid);
    expect(quiet.json.entry.log_path).toBeNull();
  });

  it('run refuses a command that cannot start (exit 2) and registers nothing', async () => {
    const box = sandbox();
    const notFound = await box.track('run', '--', 'proctop-no-such-program-xyz');
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toBe('proctop: cannot start proctop-no-such-program-xyz: not found\n');
    const notExec = join(box.dir, 'not-executable');
    writeFileSync(notExec, '#!/bin/sh\n', { mode: 0o644 });
    const denied = await box.track('run', '--', notExec);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/not executable/);
    expect((await box.json('list')).json.entries).toEqual([]);
  });

  it('reports a registry that does not parse, naming it, exit 1, and never replaces it', async () => {
    const box = sandbox();
    const a = sleeper();
    await box.json('add', String(a));
    const corrupt = '{"format":"proctop-registry","version":1,"next_id":2,"entries":[{"id":1\u001b[2J';
    writeFileSync(box.registry, corrupt);
    for (const args of [['list'], ['add', String(sleeper())], ['rm', '--id', '1'], ['tag', 'x', '--rename', 'y'], ['reset', '--confirm', 'RESET']]) {
      const run = await box.track(...args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr).toBe(`proctop: registry ${box.registry} does not parse as JSON (at byte 71); it was left as it is: fix it or move it away\n`);
    }
    expect(readFileSync(box.registry, 'utf8')).toBe(corrupt);
    writeFileSync(box.registry, '{"format":"proctop-registry","version":9,"next_id":1,"entries":[]}');
    const newer = await box.track('list');
    expect(newer.code).toBe(1);
    expect(newer.stderr).toMatch(/version 9, written by a newer proctop/);
  });
});

describe('registry under concurrency', () => {
  it('50 concurrent track add of different processes leave 50 entries with unique ids', async () => {
    const box = sandbox();
    const pids = Array.from({ length: 50 }, () => sleeper());
    const runs = await Promise.all(pids.map((pid) => box.track('add', String(pid), '--json')));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const acked = runs.map((r) => JSON.parse(r.stdout).entry.id as number);
    expect(new Set(acked).size).toBe(50);
    const entries = (await box.json('list')).json.entries as { id: number; pid: number }[];
    expect(entries).toHaveLength(50);
    expect(entries.map((e) => e.id).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => e.pid))).toEqual(new Set(pids));
  }, 180_000);

  // A separate process starts the 200 writers (so only it can reap them: a PID it kills is still
  // its child) and SIGKILLs 40% of them at a random moment of their life, many in the middle of a
  // locked write. The moment is drawn from how long finished writers took, so a slow, loaded
  // machine gets its kills spread over the whole run just as a fast one does.
  const CHAOS = `
    const { spawn } = require('node:child_process');
    const [cli, ...pids] = process.argv.slice(1);
    const results = [];
    const durations = [];
    let running = 0;
    let next = 0;
    let killed = 0;
    const typical = () => (durations.length === 0 ? 400 : [...durations].sort((a, b) => a - b)[Math.floor(durations.length / 2)]);
    const startOne = () => {
      if (next >= pids.length) return;
      const pid = pids[next++];
      const started = Date.now();
      const child = spawn(process.execPath, [cli, 'track', 'add', pid, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      running++;
      const timer = Math.random() < 0.4 ? setTimeout(() => { if (child.kill('SIGKILL')) killed++; }, Math.random() * typical() * 1.1) : null;
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        running--;
        if (code === 0) durations.push(Date.now() - started);
        results.push({ pid: Number(pid), code, signal, out, err });
        startOne();
        if (running === 0 && next >= pids.length) process.stdout.write(JSON.stringify({ killed, results }));
      });
    };
    for (let i = 0; i < 6; i++) startOne();
  `;

  it('200 writes while another process SIGKILLs writers at random: the registry parses and keeps every acknowledged entry', async () => {
    const box = sandbox();
    const pids = Array.from({ length: 200 }, () => sleeper());
    const chaos = spawn(process.execPath, ['-e', CHAOS, cli, ...pids.map(String)], { env: box.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    chaos.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => chaos.once('close', r));
    const { killed, results } = JSON.parse(out) as { killed: number; results: { pid: number; code: number | null; signal: string | null; out: string; err: string }[] };
    expect(results).toHaveLength(200);
    expect(killed).toBeGreaterThan(0);
    const acked = results.filter((r) => r.code === 0).map((r) => ({ pid: r.pid, id: JSON.parse(r.out).entry.id as number }));
    // A writer either finished (acknowledged) or was killed; none failed on its own.
    for (const r of results) if (r.code !== 0) expect(r.signal, r.err).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThan(0);
    const file = JSON.parse(readFileSync(box.registry, 'utf8'));
    const entries = file.entries as { id: number; pid: number }[];
    for (const a of acked) expect(entries).toContainEqual(expect.objectContaining({ id: a.id, pid: a.pid }));
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    expect(new Set(entries.map((e) => e.pid)).size).toBe(entries.length);
    // Still usable afterwards: a stale lock or temp file left by a killed writer is dealt with.
    const after = await box.json('add', String(sleeper()));
    expect(after.run.code).toBe(0);
    expect(after.json.entry.id).toBeGreaterThan(Math.max(...entries.map((e) => e.id)));
  }, 300_000);
});
