// A frozen tree is never left frozen: proctop is SIGKILLed (which it cannot catch) at several
// points of a ~300-member tree's stop phase, and no member may stay in state T. Only the proctop
// the test started gets SIGKILL; the trees are the test's own and are killed by identity after.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemSignaller } from './helpers/recording-collector.js';
import { killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { builtCliPath, startTimeOf } from './helpers/cli.js';

const MEMBERS = 300;
let cli: string;
const spawned = new Map<number, number>();

beforeAll(async () => {
  cli = await builtCliPath();
}, 60_000);
afterEach(async () => {
  const signal = systemSignaller();
  for (const [pid, startTime] of spawned) {
    await signal({ pid, startTime }, 18).catch(() => undefined);
    await signal({ pid, startTime }, 9).catch(() => undefined);
  }
  spawned.clear();
  await killStartedChildren();
});

/** State letter of a live pid, or null when it is gone. */
function stateOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return null;
  }
}

/** Children of pid, read straight from /proc. */
function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) kids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return kids;
}

/** A shell (own group) with MEMBERS sleeping children: a ~300-member tree. */
async function bigTree(): Promise<{ root: number; members: number[] }> {
  const root = startChild('sh', ['-c', `i=0; while [ $i -lt ${MEMBERS} ]; do sleep 600 & i=$((i+1)); done; wait`], { detached: true });
  spawned.set(root.pid!, startTimeOf(root.pid!));
  const kids = await waitFor(() => {
    const found = childrenOf(root.pid!).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep');
    return found.length === MEMBERS ? found : null;
  }, 60_000, 100);
  for (const pid of kids) spawned.set(pid, startTimeOf(pid));
  return { root: root.pid!, members: [root.pid!, ...kids] };
}

/** proctop's children (the watchdog is its only one), from /proc/PID/task/PID/children. */
function childrenListed(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  } catch {
    return '';
  }
}

describe('freeze watchdog', () => {
  /** Members seen stopped right after each SIGKILL: the rounds must have hit the stop phase. */
  const stoppedAtKill: number[] = [];

  // Kill points by how far the stop phase has got (a share of a sample of the members seen
  // stopped), not by milliseconds: how long the phase lasts depends on the machine.
  it.each([
    ['the first member', 0],
    ['a third of them', 1 / 3],
    ['two thirds of them', 2 / 3],
  ])('leaves no member in state T when proctop is SIGKILLed once %s stopped', async (_label, share) => {
    // On a loaded box the poll can miss the ~100 ms stop phase (proctop then finishes normally):
    // try again with a fresh tree, a bounded number of times.
    for (let attempt = 1; attempt <= 8; attempt++) {
      const tree = await bigTree();
      const proctop = spawn(process.execPath, [cli, 'terminate-tree', String(tree.root), '--yes', '--json', '--grace', '60s'], {
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'proctop-freeze-')) },
      });
      const exited = new Promise<void>((resolve) => proctop.once('exit', () => resolve()));
      // A tight poll of a sample of the members (the stop order is proctop's).
      const sample = tree.members.filter((_pid, i) => i % 15 === 0);
      const wanted = Math.max(1, Math.ceil(share * sample.length));
      const deadline = Date.now() + 60_000;
      while (sample.filter((pid) => stateOf(pid) === 'T').length < wanted && proctop.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setImmediate(r));
      }
      // proctop started its watchdog, its only child, before its first SIGSTOP.
      const hadWatchdog = childrenListed(proctop.pid!) !== '';
      proctop.kill('SIGKILL'); // only the proctop this test started
      const stopped = tree.members.filter((pid) => stateOf(pid) === 'T').length;
      await exited;
      // The watchdog continues them: a bounded wait, then not one member may be stopped.
      await waitFor(() => tree.members.every((pid) => stateOf(pid) !== 'T'), 20_000, 50).catch(() => undefined);
      const frozen = tree.members.filter((pid) => stateOf(pid) === 'T');
      expect(frozen, `${frozen.length} members left frozen (${stopped} were stopped at the kill)`).toEqual([]);
      if (stopped > 0) {
        expect(hadWatchdog).toBe(true);
        stoppedAtKill.push(stopped);
        return;
      }
      const signal = systemSignaller();
      for (const [pid, startTime] of spawned) await signal({ pid, startTime }, 9).catch(() => undefined);
      spawned.clear();
    }
  }, 240_000);

  it('was tested inside the stop phase (some members were stopped when proctop died)', () => {
    // On a fast machine the stop phase lasts a few ms and a poll can miss it at any kill point, so
    // not every kill point is sure to land in it; at least one must have, or nothing was tested.
    expect(stoppedAtKill.length, `stopped at each kill: ${stoppedAtKill.join(', ')}`).toBeGreaterThanOrEqual(1);
  });
});
