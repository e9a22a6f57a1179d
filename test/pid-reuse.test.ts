import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtCliPath } from './helpers/cli.js';
import { reuseBlocker } from './helpers/pid-namespace.js';

const libraryPath = new URL('../dist/index.js', import.meta.url).pathname;

const blocker = reuseBlocker();
if (blocker) console.log(`pid-reuse: skipped — ${blocker}`);

// Runs as PID 1 of a fresh PID namespace: start a sleeper, remember its identity, kill it, make
// the kernel hand the same PID to a new sleeper (ns_last_pid = pid - 1), then aim the stale
// identity at it through the native collector's signal and through the CLI.
const SCENARIO = `
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
const [cli, libraryPath] = process.argv.slice(2);
const { createCollector } = await import(libraryPath);
const { collector } = createCollector({ backend: 'native' });
const startTime = (pid) => { const t = readFileSync('/proc/' + pid + '/stat', 'utf8'); return Number(t.slice(t.lastIndexOf(')') + 2).split(' ')[19]); };
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
const first = spawn('sleep', ['300'], { stdio: 'ignore' });
const pid = first.pid;
const staleStart = startTime(pid);
const cliJson = (...args) => { const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' }); return { status: r.status, json: r.stdout ? JSON.parse(r.stdout) : null, stderr: r.stderr }; };
const trackAdd = cliJson('track', 'add', String(pid), '--name', 'original');
const gone = new Promise((r) => first.once('exit', r));
first.kill('SIGKILL');
await gone;
await pause(50); // let the clock advance at least one tick
let second;
for (let attempt = 0; attempt < 5; attempt++) {
  writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
  second = spawn('sleep', ['300'], { stdio: 'ignore' });
  if (second.pid === pid) break;
  second.kill('SIGKILL');
}
const freshStart = startTime(second.pid);
const native = await collector.signal({ pid, startTime: staleStart }, 9);
const trackList = cliJson('track', 'list');
const trackKill = cliJson('track', 'kill', '--name', 'original', '-s', 'KILL', '--yes');
const viaCli = spawnSync(process.execPath, [cli, 'kill', '--json', '-s', 'KILL', pid + ':' + staleStart], { encoding: 'utf8' });
await pause(100);
let aliveAfter = false;
try { aliveAfter = startTime(pid) === freshStart && !/\\) Z/.test(readFileSync('/proc/' + pid + '/stat', 'utf8')); } catch {}
const fresh = await collector.signal({ pid, startTime: freshStart }, 0);
console.log(JSON.stringify({ pid, secondPid: second.pid, staleStart, freshStart, native, cli: { status: viaCli.status, stdout: viaCli.stdout, stderr: viaCli.stderr }, track: { add: trackAdd, list: trackList, kill: trackKill }, aliveAfter, fresh }));
second.kill('SIGKILL');
`;

describe.skipIf(blocker !== null)('PID reuse (forced in a new PID namespace)', () => {
  let cli: string;
  beforeAll(async () => {
    cli = await builtCliPath();
  }, 60_000);

  it('refuses the stale identity of a recycled PID, natively and through the CLI; a tracked entry shows dead (reused)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctop-reuse-'));
    const script = join(dir, 'scenario.mjs');
    writeFileSync(script, SCENARIO);
    // Everything in the namespace dies with its PID 1, so nothing can leak past the timeout.
    const run = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, script, cli, libraryPath], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, XDG_STATE_HOME: dir, PROCTOP_REGISTRY: join(dir, 'registry.json') },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const outcome = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(outcome.secondPid).toBe(outcome.pid);
    expect(outcome.freshStart).not.toBe(outcome.staleStart);
    expect(outcome.native).toMatchObject({ outcome: 'reused', viaPidfd: true });
    expect(outcome.cli.status).toBe(2);
    const json = JSON.parse(outcome.cli.stdout);
    expect(json.succeeded).toEqual([]);
    expect(json.failed).toEqual([{ pid: outcome.pid, outcome: 'reused', error: expect.stringMatching(/PID reused/) }]);
    // The registry: tracked while alive; after the reuse the entry is dead (reused), never alive,
    // and track kill sends nothing to the process that now has the PID.
    expect(outcome.track.add).toMatchObject({ status: 0, json: { status: 'added', entry: { pid: outcome.pid, start_time: outcome.staleStart } } });
    expect(outcome.track.list.json.entries).toEqual([expect.objectContaining({ pid: outcome.pid, start_time: outcome.staleStart, alive: false, dead_reason: 'reused', first_seen_dead: expect.any(String) })]);
    expect(outcome.track.kill.status).toBe(2);
    expect(outcome.track.kill.json.results).toEqual([expect.objectContaining({ pid: outcome.pid, outcome: 'dead', reason: 'not signalled: PID reused', removed: false })]);
    expect(outcome.aliveAfter).toBe(true);
    expect(outcome.fresh.outcome).toBe('sent');
  });
});
