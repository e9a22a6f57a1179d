import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSystemDeps } from '../src/actions/deps.js';
import { runTerminateTree, type TerminateTreeIo } from '../src/commands/terminate-tree.js';
import { isAlive, killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath, readJsonLines, runCli, startTimeOf, waitForValue } from './helpers/cli.js';
import { collectorWithSignaller, processTable, recordingSignaller, systemSignaller } from './helpers/recording-collector.js';

const listProcesses = processTable();

const schema = JSON.parse(readFileSync(new URL('../assets/schemas/terminate-tree.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
// ajv-formats is CommonJS: its default export sits one level deeper under NodeNext typing.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const validate = ajv.compile(schema);

let cli: string;
let stateHome: string;
const spawned = new Map<number, number>();

beforeAll(async () => {
  cli = await builtCliPath();
  stateHome = mkdtempSync(join(tmpdir(), 'proctop-tt-cli-'));
}, 60_000);
afterEach(async () => {
  const signal = systemSignaller();
  for (const [pid, startTime] of spawned) await signal({ pid, startTime }, 9).catch(() => undefined);
  spawned.clear();
  await killStartedChildren();
});
afterAll(() => {
});

const env = (): NodeJS.ProcessEnv => ({ ...process.env, XDG_STATE_HOME: stateHome });

/** A shell leading its own group with two sleeping children. */
async function smallTree(): Promise<{ pid: number; children: number[] }> {
  const root = startChild('sh', ['-c', 'sleep 300 & sleep 300 & wait'], { detached: true });
  spawned.set(root.pid!, startTimeOf(root.pid!));
  const children = await waitForValue(async () => {
    const kids = (await listProcesses()).filter((e) => e.ppid === root.pid);
    for (const k of kids) spawned.set(k.pid, k.startTime);
    return kids.length === 2 ? kids.map((k) => k.pid) : undefined;
  });
  return { pid: root.pid!, children };
}

describe('proctop terminate-tree (CLI)', () => {
  it('terminates the tree with --yes and prints the terminate-tree JSON', async () => {
    const tree = await smallTree();
    const run = await runCli(cli, ['terminate-tree', String(tree.pid), '--yes', '--json', '--grace', '3s', '--kill-after', '2s'], { env: env() });
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json).toMatchObject({
      pid: tree.pid,
      pgid: tree.pid,
      signal_sent: 15,
      kill_signal: 9,
      escalated: false,
      exited: true,
      timed_out: false,
      tree_kill_reliability: 'guaranteed',
      grace_ms: 3000,
      kill_after_ms: 2000,
    });
    expect(json.members.map((m: { pid: number }) => m.pid).sort()).toEqual([tree.pid, ...tree.children].sort());
    expect(json.members.every((m: { fate: string }) => m.fate === 'exited-after-signal')).toBe(true);
    for (const pid of [tree.pid, ...tree.children]) expect(await isAlive(pid)).toBe(false);
    const line = readJsonLines(join(stateHome, 'proctop', 'actions.jsonl')).at(-1);
    expect(line).toMatchObject({ action: 'terminate-tree', signal: 15, kill_signal: 9 });
    expect((line?.targets as { pid: number; start_time: number; outcome: string }[]).find((t) => t.pid === tree.pid)).toMatchObject({
      start_time: expect.any(Number),
      outcome: 'exited-after-signal',
    });
  });

  it('refuses without --yes when stdin is not a terminal, sending nothing', async () => {
    const tree = await smallTree();
    const run = await runCli(cli, ['terminate-tree', String(tree.pid)], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/pass --yes when stdin is not a terminal \(nothing was sent\)/);
    for (const pid of [tree.pid, ...tree.children]) expect(await isAlive(pid)).toBe(true);
  });

  it('refuses on an --require-exe-path mismatch with exit 2 and the tree intact', async () => {
    const tree = await smallTree();
    const run = await runCli(cli, ['terminate-tree', String(tree.pid), '--yes', '--require-exe-path', '/usr/bin/no-such-thing'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^proctop: --require-exe-path: PID \d+ runs \S+, not \/usr\/bin\/no-such-thing \(nothing was sent\)$/);
    for (const pid of [tree.pid, ...tree.children]) expect(await isAlive(pid)).toBe(true);
  });

  const badInputs: [string, string[], RegExp][] = [
    ['non-numeric PID', ['abc', '--yes'], /PID must be a positive integer, got "abc"/],
    ['negative PID', ['-7', '--yes'], /negative/],
    ['PID 0', ['0', '--yes'], /PID 0/],
    ['two PIDs', ['12', '13', '--yes'], /exactly one PID/],
    ['bad duration', ['12', '--grace', 'soon', '--yes'], /--grace must be a duration/],
    ['unknown signal', ['12', '--signal', 'NOPE', '--yes'], /unknown signal "NOPE"/],
    ['STOP as kill signal', ['12', '--kill-signal', 'STOP', '--yes'], /--kill-signal cannot be SIGSTOP/],
    ['relative exe path', ['12', '--require-exe-path', 'sleep', '--yes'], /absolute path/],
    ['bad start time', ['12', '--require-start-time-ms', 'yesterday', '--yes'], /Unix time in milliseconds/],
  ];
  it.each(badInputs)('rejects %s with exit 2', async (_name, args, message) => {
    const run = await runCli(cli, ['terminate-tree', ...args], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('refuses a PID that does not exist', async () => {
    let missing = 4_100_000;
    while (existsSync(`/proc/${missing}`)) missing -= 1;
    const run = await runCli(cli, ['terminate-tree', String(missing), '--yes'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no running process with PID/);
  });
});

describe('terminate-tree confirmation on a terminal (in-process)', () => {
  async function io(answer: boolean): Promise<{ io: TerminateTreeIo; calls: { pid: number; signal: number }[]; err: string[]; questions: string[] }> {
    const signal = recordingSignaller(systemSignaller());
    const base = await createSystemDeps({ collector: collectorWithSignaller(signal), audit: null });
    const err: string[] = [];
    const questions: string[] = [];
    return {
      io: {
        stdout: () => undefined,
        stderr: (t) => err.push(t),
        stdinIsTty: true,
        confirm: async (q) => {
          questions.push(q);
          return answer;
        },
        deps: async () => base,
      },
      calls: signal.calls,
      err,
      questions,
    };
  }

  it('lists the members and sends nothing when the answer is no', async () => {
    const tree = await smallTree();
    const t = await io(false);
    expect(await runTerminateTree([String(tree.pid)], t.io)).toBe(2);
    expect(t.calls).toEqual([]);
    const shown = t.err.join('');
    expect(shown).toMatch(new RegExp(`Tree of PID ${tree.pid} \\(sh\\): 3 process\\(es\\)`));
    for (const pid of tree.children) expect(shown).toContain(String(pid));
    expect(t.questions[0]).toMatch(/Run the ladder TERM:5s,KILL:10s over it\? \[y\/N\]/);
    expect(shown).toMatch(/cancelled, nothing was sent/);
    for (const pid of [tree.pid, ...tree.children]) expect(await isAlive(pid)).toBe(true);
  });

  it('terminates after a yes', async () => {
    const tree = await smallTree();
    const t = await io(true);
    expect(await runTerminateTree([String(tree.pid), '--grace', '3s'], t.io)).toBe(0);
    expect(t.calls.filter((c) => c.signal === 15).map((c) => c.pid).sort()).toEqual([tree.pid, ...tree.children].sort());
    for (const pid of [tree.pid, ...tree.children]) expect(await isAlive(pid)).toBe(false);
  });
});
