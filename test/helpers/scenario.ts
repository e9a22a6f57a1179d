// Scenario scripts run by a Node of their own, started as a test needs: under `ulimit -n 256` (a
// native reader's budget of 128 handles, beside sleepers the test started), or in a mount namespace
// of its own with fewer capabilities (run checks refused).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSleeper, waitFor } from './children.js';
import { addonPath } from './native-addon.js';

/** Starts `count` sleepers and waits until each has exec'd sleep; their pids. */
export async function startExecdSleepers(count: number): Promise<number[]> {
  const pids = Array.from({ length: count }, () => startSleeper(300).pid!);
  await waitFor(() => pids.every((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n') || undefined, 30_000);
  return pids;
}

/** How runScenario starts the scenario's Node. */
export interface ScenarioStart {
  /** Bash commands run first. */
  readonly setup: string;
  /** A command (and its arguments) that runs that bash, e.g. in a namespace of its own. */
  readonly wrapper?: readonly string[];
  /** A command (and its arguments) the bash execs Node through, e.g. with fewer capabilities. */
  readonly execVia?: readonly string[];
}

/**
 * Runs `scenario` (an ES module's text; argv: the addon's path, the pids joined by commas) by a
 * Node of its own started as `start` says, and returns its exit status, its stderr and the JSON of
 * its last output line.
 */
export function runScenario(scenario: string, pids: readonly number[], start: ScenarioStart): { status: number | null; stderr: string; outcome: any } {
  const script = join(mkdtempSync(join(tmpdir(), 'proctop-scenario-')), 'scenario.mjs');
  writeFileSync(script, scenario);
  const via = (start.execVia ?? []).map((word) => `'${word}'`).join(' ');
  const bash = ['bash', '-c', `${start.setup}\nexec ${via} "$0" "$1" "$2" "$3"`, process.execPath, script, addonPath(), pids.join(',')];
  const [command, ...args] = [...(start.wrapper ?? []), ...bash];
  const run = spawnSync(command!, args, { encoding: 'utf8', timeout: 60_000 });
  const last = run.stdout.trim().split('\n').at(-1);
  return { status: run.status, stderr: run.stderr, outcome: last ? JSON.parse(last) : null };
}

/** runScenario under `ulimit -n 256`. */
export function runUnderLowLimit(scenario: string, pids: readonly number[]): { status: number | null; stderr: string; outcome: any } {
  return runScenario(scenario, pids, { setup: 'ulimit -n 256' });
}
