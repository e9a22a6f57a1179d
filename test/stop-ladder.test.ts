// Stop ladders on processes the tests start: each rung goes only to survivors, the result names
// the rung that ended each target, and a tree ladder catches what a member forks on the way.
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSystemDeps } from '../src/actions/deps.js';
import { DEFAULT_LADDER, formatLadder, ladderBoundMs, parseLadder } from '../src/actions/ladder.js';
import { stopExitCode, stopMany } from '../src/actions/stop-many.js';
import { parseStopArgs } from '../src/commands/stop.js';
import { isAlive, killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath, readJsonLines, runCli, startTimeOf, waitForValue } from './helpers/cli.js';
import { collectorWithSignaller, processTable, recordingSignaller, systemSignaller } from './helpers/recording-collector.js';

const listProcesses = processTable();
const ajv = new Ajv2020({ allErrors: true, strict: true });
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const loadSchema = (name: string) => JSON.parse(readFileSync(new URL(`../assets/schemas/${name}.schema.json`, import.meta.url), 'utf8'));
ajv.addSchema(loadSchema('terminate-tree'));
const validate = ajv.compile(loadSchema('stop'));

const TERM = 15;
const INT = 2;
const KILL = 9;

let cli: string;
let stateHome: string;
/** Every process a test started or saw in its trees, killed (identity-checked) afterwards. */
const spawned = new Map<number, number>();

beforeAll(async () => {
  cli = await builtCliPath();
  stateHome = mkdtempSync(join(tmpdir(), 'proctop-stop-'));
}, 60_000);
afterEach(async () => {
  const signal = systemSignaller();
  for (const [pid, startTime] of spawned) await signal({ pid, startTime }, KILL).catch(() => undefined);
  spawned.clear();
  await killStartedChildren();
});

const env = (): NodeJS.ProcessEnv => ({ ...process.env, XDG_STATE_HOME: stateHome });

/** A sleep that ignores the given signals (the disposition survives exec), leading its own group. */
async function stubborn(ignored: string): Promise<{ pid: number; startTime: number }> {
  const child = startChild('sh', ['-c', `trap '' ${ignored}; exec sleep 300`], { detached: true });
  const pid = child.pid!;
  // Wait until the exec happened: the ignored dispositions are in place once comm is "sleep".
  await waitFor(() => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep');
  const startTime = startTimeOf(pid);
  spawned.set(pid, startTime);
  return { pid, startTime };
}

describe('stop ladders (parsing)', () => {
  it('parses TERM:5s,INT:3s,KILL:2s and refuses what cannot be a rung', () => {
    expect(parseLadder('TERM:5s,INT:3s,KILL:2s')).toEqual([
      { signal: TERM, windowMs: 5000 },
      { signal: INT, windowMs: 3000 },
      { signal: KILL, windowMs: 2000 },
    ]);
    expect(formatLadder(DEFAULT_LADDER)).toBe('TERM:5s,KILL:2s');
    expect(ladderBoundMs(DEFAULT_LADDER)).toBe(7000);
    expect(parseLadder('TERM')).toMatch(/rung "TERM" is not SIGNAL:DURATION/);
    expect(parseLadder('FOO:1s')).toMatch(/unknown signal "FOO"/);
    expect(parseLadder('TERM:soon')).toMatch(/"soon" is not a duration/);
    expect(parseLadder('STOP:1s,KILL:1s')).toMatch(/SIGSTOP cannot be a rung/);
    expect(parseLadder('TERM:2h')).toMatch(/window must be between 0 and 1h/);
    expect(() => parseStopArgs(['--ladder', 'TERM:1s,CONT:1s', '12'])).toThrow(/SIGCONT cannot be a rung/);
    expect(() => parseStopArgs(['12:34:junk'])).toThrow(/invalid identity/);
    expect(parseStopArgs(['12']).ladder).toEqual(DEFAULT_LADDER);
  });
});

describe('proctop stop', () => {
  it('reports rung INT for a child that ignores TERM, and never sends KILL to it', async () => {
    const child = await stubborn('TERM');
    const signal = recordingSignaller(systemSignaller());
    const deps = await createSystemDeps({ collector: collectorWithSignaller(signal), audit: null });
    const result = await stopMany([{ pid: child.pid }], [{ signal: TERM, windowMs: 700 }, { signal: INT, windowMs: 5000 }, { signal: KILL, windowMs: 2000 }], deps);
    expect(result.results[0]).toMatchObject({ outcome: 'ended', endedBy: INT, rung: 1, signalsSent: [TERM, INT] });
    expect(result.results[0]!.elapsedMs).toBeGreaterThanOrEqual(700);
    expect(signal.calls.map((c) => c.signal)).toEqual([TERM, INT]);
    expect(stopExitCode(result)).toBe(0);
    expect(await isAlive(child.pid)).toBe(false);
  });

  it('without all-or-nothing (track kill), a PID:START naming another process is its own outcome and the rest climb the ladder', async () => {
    const [a, b] = [await stubborn('HUP'), await stubborn('HUP')];
    const signal = recordingSignaller(systemSignaller());
    const deps = await createSystemDeps({ collector: collectorWithSignaller(signal), audit: null });
    const targets = [{ pid: a.pid, startTime: a.startTime + 7 }, { pid: b.pid, startTime: b.startTime }];
    const result = await stopMany(targets, [{ signal: TERM, windowMs: 5000 }], deps, { allOrNothing: false });
    expect(result.refused).toBe(false);
    expect(result.results[0]).toMatchObject({ pid: a.pid, outcome: 'reused', signalsSent: [] });
    expect(result.results[1]).toMatchObject({ pid: b.pid, outcome: 'ended', endedBy: TERM });
    expect(signal.calls).toEqual([{ pid: b.pid, startTime: b.startTime, signal: TERM }]);
    expect(stopExitCode(result)).toBe(1);
    expect(await isAlive(a.pid)).toBe(true);
    // The default is all-or-nothing: the same batch sends nothing.
    const c = await stubborn('HUP');
    const refused = await stopMany([{ pid: a.pid, startTime: a.startTime + 7 }, { pid: c.pid }], [{ signal: TERM, windowMs: 1000 }], deps);
    expect(refused.refused).toBe(true);
    expect(signal.calls).toHaveLength(1);
    expect(await isAlive(c.pid)).toBe(true);
  });

  it('reports rung KILL for a child that ignores TERM and INT (CLI, JSON schema, audit)', async () => {
    const child = await stubborn('TERM INT');
    const quick = await stubborn('HUP'); // ends on TERM at rung 1
    const run = await runCli(cli, ['stop', '--json', '--ladder', 'TERM:600ms,INT:600ms,KILL:5s', String(child.pid), `${quick.pid}:${quick.startTime}`], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json).toMatchObject({ tree: false, refused: false, succeeded: [child.pid, quick.pid], failed: [], bound_ms: 6200 });
    expect(json.results[0]).toMatchObject({ pid: child.pid, outcome: 'ended', ended_by: KILL, ended_by_name: 'SIGKILL', rung: 2, signals_sent: [TERM, INT, KILL] });
    expect(json.results[1]).toMatchObject({ pid: quick.pid, outcome: 'ended', ended_by: TERM, rung: 0, signals_sent: [TERM] });
    const audit = readJsonLines(join(stateHome, 'proctop', 'actions.jsonl')).at(-1);
    expect(audit).toMatchObject({ action: 'stop', signal: TERM, kill_signal: KILL, summary: 'ladder TERM:600ms,INT:600ms,KILL:5s: 2 of 2 ended' });
  });

  it('goes on with the batch when one target is gone, exits 1, and refuses a protected target whole (exit 2, nothing sent)', async () => {
    const child = await stubborn('HUP');
    let missing = 4_000_000;
    while (await isAlive(missing)) missing -= 1;
    const run = await runCli(cli, ['stop', '--json', '--ladder', 'TERM:3s', String(missing), String(child.pid)], { env: env() });
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.results.map((r: { outcome: string }) => r.outcome)).toEqual(['exited', 'ended']);

    const other = await stubborn('HUP');
    const refused = await runCli(cli, ['stop', '--json', String(other.pid), '1'], { env: env() });
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ refused: true, refusal: 'PID 1: PID 1 (init) is protected', succeeded: [] });
    expect(await isAlive(other.pid)).toBe(true);
  });

  it('runs a ladder over a tree whose member re-forks on TERM and INT: the newcomers are caught and everything ends', async () => {
    // The inner shell answers TERM and INT by forking another sleep and carrying on: only KILL ends it.
    const inner = `trap 'sleep 300 &' TERM INT; while :; do sleep 0.2; done`;
    const root = startChild('sh', ['-c', `sh -c ${JSON.stringify(inner)} & wait`], { detached: true });
    spawned.set(root.pid!, startTimeOf(root.pid!));
    const shell = await waitForValue(async () => {
      const entries = await listProcesses();
      for (const e of entries) if (e.pgid === root.pid) spawned.set(e.pid, e.startTime);
      return entries.find((e) => e.ppid === root.pid && e.comm === 'sh');
    });
    const run = await runCli(cli, ['stop', '--tree', '--yes', '--json', '--ladder', 'TERM:1s,INT:1s,KILL:5s', String(root.pid)], { env: env(), timeoutMs: 30_000 });
    // Whatever happened, clean up every process of the group afterwards.
    for (const e of await listProcesses()) if (e.pgid === root.pid) spawned.set(e.pid, e.startTime);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json).toMatchObject({ tree: true, succeeded: [root.pid], failed: [] });
    const members: { pid: number; relation: string; fate: string; ended_by: number | null }[] = json.results[0].members;
    expect(members.find((m) => m.pid === shell.pid)).toMatchObject({ fate: 'killed', ended_by: KILL });
    // Its answers to TERM and INT were forked while the ladder ran: adopted as newcomers, and ended.
    expect(members.filter((m) => m.relation === 'newcomer').length).toBeGreaterThanOrEqual(1);
    for (const m of members) expect(['exited-after-signal', 'killed', 'already-gone']).toContain(m.fate);
    const left = (await listProcesses()).filter((e) => e.pgid === root.pid && e.state !== 'Z');
    expect(left).toEqual([]);
  }, 40_000);
});

describe('interrupted operations', () => {
  it('a stop interrupted by SIGTERM after it sent signals still writes its record, saying so', async () => {
    const child = await stubborn('TERM');
    const state = mkdtempSync(join(tmpdir(), 'proctop-stop-int-'));
    const proctop = startChild(process.execPath, [cli, 'stop', '--table', '--ladder', 'TERM:30s,KILL:1s', String(child.pid)], {
      env: { ...process.env, XDG_STATE_HOME: state },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proctop.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => proctop.once('exit', (code) => resolve(code)));
    await waitFor(() => stderr.includes('rung 1/2: sent SIGTERM to 1'), 20_000);
    proctop.kill('SIGTERM'); // the proctop this test started
    expect(await exited).toBe(143);
    const record = readJsonLines(join(state, 'proctop', 'actions.jsonl')).at(-1);
    expect(record).toMatchObject({
      action: 'stop',
      summary: 'interrupted by SIGTERM: ladder TERM:30s,KILL:1s, signals sent to 1 of 1',
      targets: [{ pid: child.pid, outcome: 'interrupted', reason: 'interrupted by SIGTERM' }],
    });
    expect(await isAlive(child.pid)).toBe(true); // KILL never went out
  }, 40_000);

  it('a terminate-tree interrupted during its grace window still writes its record', async () => {
    const child = await stubborn('TERM');
    const state = mkdtempSync(join(tmpdir(), 'proctop-tt-int-'));
    const proctop = startChild(process.execPath, [cli, 'terminate-tree', '--yes', '--table', '--grace', '30s', String(child.pid)], {
      env: { ...process.env, XDG_STATE_HOME: state },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proctop.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => proctop.once('exit', (code) => resolve(code)));
    await waitFor(() => stderr.includes('rung 1: sent SIGTERM to 1'), 20_000);
    proctop.kill('SIGINT');
    expect(await exited).toBe(130);
    const record = readJsonLines(join(state, 'proctop', 'actions.jsonl')).at(-1);
    expect(record).toMatchObject({
      action: 'terminate-tree',
      summary: expect.stringMatching(/^interrupted by SIGINT: ladder TERM:30s,KILL:10s, signals sent to 1 of 1$/),
      targets: [{ pid: child.pid, outcome: 'failed', reason: 'interrupted by SIGINT' }],
    });
    // Never left stopped: continued after the signals, and on the way out.
    expect(readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.charAt(0)).not.toBe('T');
  }, 40_000);
});
