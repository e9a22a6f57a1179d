// `proctop renice` on processes the tests start: up, set, and a lowering refused to nobody.
import { chownSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSystemDeps } from '../src/actions/deps.js';
import type { Collector } from '../src/sys/types.js';
import { parseReniceArgs, runRenice, type ReniceIo } from '../src/commands/renice.js';
import { killStartedChildren, startChild } from './helpers/children.js';
import { builtCliPath, readJsonLines, runCli, startTimeOf } from './helpers/cli.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(new URL('../assets/schemas/renice.schema.json', import.meta.url), 'utf8')));

const NOBODY = 65534;
const isRoot = process.geteuid?.() === 0;
let cli: string;
let stateHome: string;

beforeAll(async () => {
  cli = await builtCliPath();
  stateHome = mkdtempSync(join(tmpdir(), 'proctop-renice-'));
}, 60_000);
afterEach(killStartedChildren);

const env = (): NodeJS.ProcessEnv => ({ ...process.env, XDG_STATE_HOME: stateHome });

/** Nice value (field 19 of stat), read independently of the code under test. */
function niceOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[16]);
}

function sleeper(options: { uid?: number; gid?: number } = {}): number {
  return startChild('sleep', ['300'], { detached: true, ...options }).pid!;
}

describe('proctop renice', () => {
  it('moves a process up by --by +5 and then sets --nice 12, with JSON, schema and audit', async () => {
    const pid = sleeper();
    expect(niceOf(pid)).toBe(0);
    const up = await runCli(cli, ['renice', '--json', '--by', '+5', String(pid)], { env: env() });
    expect(up.code, up.stderr).toBe(0);
    const json = JSON.parse(up.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json).toMatchObject({ by: 5, nice: null, succeeded: [pid], failed: [], refused: false });
    expect(json.results[0]).toMatchObject({ pid, start_time: startTimeOf(pid), outcome: 'reniced', nice_before: 0, nice_after: 5 });
    expect(niceOf(pid)).toBe(5);

    const set = await runCli(cli, ['renice', '--json', '--nice', '12', `${pid}:${startTimeOf(pid)}`], { env: env() });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout).results[0]).toMatchObject({ outcome: 'reniced', nice_before: 5, nice_after: 12 });
    expect(niceOf(pid)).toBe(12);
    expect(readJsonLines(join(stateHome, 'proctop', 'actions.jsonl')).at(-1)).toMatchObject({
      action: 'renice',
      summary: 'nice = 12: 1 of 1 reniced',
      targets: [{ pid, outcome: 'reniced', reason: 'nice 5 -> 12' }],
    });
  });

  it.runIf(isRoot)('refuses a lowering to nobody (permission, exit 2) on a process nobody owns, leaving its nice alone', async () => {
    const pid = sleeper({ uid: NOBODY, gid: NOBODY });
    const nobodyState = mkdtempSync(join(tmpdir(), 'proctop-renice-nobody-'));
    chownSync(nobodyState, NOBODY, NOBODY);
    const run = await runCli(cli, ['renice', '--json', '--by', '-5', String(pid)], {
      env: { ...process.env, XDG_STATE_HOME: nobodyState },
      uid: NOBODY,
      gid: NOBODY,
    });
    expect(run.code).toBe(2);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.failed).toEqual([{ pid, outcome: 'permission', error: 'permission denied (raising priority needs root or CAP_SYS_NICE)' }]);
    expect(niceOf(pid)).toBe(0);
    // nobody may still move its own process up.
    const up = await runCli(cli, ['renice', '--json', '--by', '3', String(pid)], { env: { ...process.env, XDG_STATE_HOME: nobodyState }, uid: NOBODY, gid: NOBODY });
    expect(up.code).toBe(0);
    expect(niceOf(pid)).toBe(3);
    expect(readJsonLines(join(nobodyState, 'proctop', 'actions.jsonl')).map((r) => r.user)).toEqual(['nobody', 'nobody']);
  });
  if (!isRoot) console.log('[renice] skipped the nobody test: needs root to start processes as nobody');

  it('rejects bad input with one line (exit 2 through the CLI)', async () => {
    expect(() => parseReniceArgs(['12'])).toThrow(/--nice N \(set\) or --by ±N \(move\)/);
    expect(() => parseReniceArgs(['--nice', '3', '--by', '1', '12'])).toThrow(/not both/);
    expect(() => parseReniceArgs(['--nice', '25', '12'])).toThrow(/--nice must be between -20 and 19/);
    expect(() => parseReniceArgs(['--by', 'up', '12'])).toThrow(/--by must be a signed whole number/);
    expect(() => parseReniceArgs(['--by', '1', '12:7:x'])).toThrow(/invalid identity/);
    expect(parseReniceArgs(['--by', '-3', '12']).change).toEqual({ by: -3 });
    expect(parseReniceArgs(['--nice=-4', '12']).change).toEqual({ to: -4 });
    const run = await runCli(cli, ['renice', '--nice', 'x', '1'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^proctop: --nice must be a whole number, got "x"\n$/);
  });

  it('refuses PID 1 and proctop itself as a batch: nothing is reniced (recording priority calls)', async () => {
    const pid = sleeper();
    const calls: [string, number, number?][] = [];
    const base = await createSystemDeps({ audit: null });
    const collector: Collector = {
      ...base.collector,
      readPriority: async (p) => (calls.push(['get', p]), { nice: 0, error: null }),
      setPriority: async (t, n) => (calls.push(['set', t.pid, n]), { outcome: 'set', error: null }),
    };
    const out: string[] = [];
    const deps = { ...base, collector };
    const io: ReniceIo = { stdout: (t) => out.push(t), stderr: () => undefined, deps: async () => deps };
    expect(await runRenice(['--json', '--by', '1', '1', String(process.pid), String(pid)], io)).toBe(2);
    expect(calls).toEqual([]);
    const json = JSON.parse(out.join(''));
    expect(json.results.map((r: { outcome: string }) => r.outcome)).toEqual(['protected', 'protected', 'not-sent']);
    expect(json.refusal).toMatch(/PID 1: PID 1 \(init\) is protected; PID \d+: this is proctop itself/);
  });
});
