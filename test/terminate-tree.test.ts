import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemDeps, type ActionDeps } from '../src/actions/deps.js';
import { planTree, terminateTree, terminateTreeExitCode, type TerminateTreeResult, type TreeProgress } from '../src/actions/terminate-tree.js';
import { createJsCollector } from '../src/sys/collector.js';
import type { ProcessStatus } from '../src/sys/types.js';
import { isAlive, killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { startTimeOf, waitForValue } from './helpers/cli.js';
import { collectorWithSignaller, pretendSignaller, processTable, recordingSignaller, systemSignaller, type Signaller } from './helpers/recording-collector.js';

const listProcesses = processTable();

const STOP = 19;
const CONT = 18;

/** Every process a test's tree ever contained, so cleanup reaches orphans and setsid escapees too. */
const seen = new Map<number, number>();

afterEach(async () => {
  const signal = systemSignaller();
  // Identity-checked: only the exact processes this test created, even if a PID was reused since.
  for (const [pid, startTime] of seen) await signal({ pid, startTime }, 9).catch(() => undefined);
  seen.clear();
  await killStartedChildren();
});

async function descendantsOf(rootPid: number): Promise<ProcessStatus[]> {
  const entries = await listProcesses();
  const found: ProcessStatus[] = [];
  const pids = new Set([rootPid]);
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of entries) {
      if (!pids.has(e.pid) && pids.has(e.ppid)) {
        pids.add(e.pid);
        found.push(e);
        changed = true;
      }
    }
  }
  return found;
}

/** Starts `sh -c script` as the leader of its own group and waits until it has `expected` live descendants. */
/**
 * Starts a tree and waits until `expected` live descendants exist and satisfy `ready` (e.g. an
 * inner shell has already run its trap and exec'd, so the test does not race its setup).
 */
async function startTree(
  script: string,
  expected: number,
  ready: (members: readonly ProcessStatus[]) => boolean = () => true,
): Promise<{ pid: number; startTime: number; members: ProcessStatus[] }> {
  const root = startChild('sh', ['-c', script], { detached: true });
  const pid = root.pid!;
  seen.set(pid, startTimeOf(pid));
  const members = await waitForValue(async () => {
    const found = (await descendantsOf(pid)).filter((e) => e.state !== 'Z');
    for (const e of found) seen.set(e.pid, e.startTime);
    return found.length >= expected && ready(found) ? found : undefined;
  }, 15_000);
  return { pid, startTime: startTimeOf(pid), members };
}

const fakeSignaller = pretendSignaller;

async function deps(signal?: Signaller): Promise<ActionDeps> {
  return createSystemDeps({ audit: null, ...(signal ? { collector: collectorWithSignaller(signal) } : {}) });
}

function fateOf(result: TerminateTreeResult, pid: number): string | undefined {
  return result.members.find((m) => m.pid === pid)?.fate;
}

async function allGone(pids: readonly number[]): Promise<boolean> {
  for (const pid of pids) if (await isAlive(pid)) return false;
  return true;
}

describe('terminate-tree', () => {
  it('terminates a parent with children and grandchildren, stopping and continuing each', async () => {
    const tree = await startTree('sh -c "sleep 300 & sleep 300 & wait" & sh -c "sleep 300 & wait" & sleep 300 & wait', 6);
    const signal = recordingSignaller(systemSignaller());
    const progress: TreeProgress['phase'][] = [];
    const result = await terminateTree(tree.pid, { graceMs: 5000, killAfterMs: 5000, onProgress: (p) => progress.push(p.phase) }, await deps(signal));
    expect(result.refusal).toBeNull();
    expect(result.members).toHaveLength(7);
    expect(result.members[0]).toMatchObject({ pid: tree.pid, startTime: tree.startTime, relation: 'root' });
    for (const m of result.members) {
      expect(m.fate).toBe('exited-after-signal');
      // A default-action TERM kills a stopped process at once, so CONT finds some members gone already.
      expect(m.signalsSent.slice(0, 2)).toEqual([STOP, 15]);
      expect([undefined, CONT]).toContain(m.signalsSent[2]);
    }
    expect(signal.calls.some((c) => c.signal === CONT)).toBe(true);
    expect(result).toMatchObject({ escalated: false, exited: true, timedOut: false, pgid: tree.pid });
    expect(result.reliability).toBe('guaranteed');
    expect(signal.calls.filter((c) => c.signal === 9)).toEqual([]);
    // Every STOP precedes every TERM: nobody was signalled while a sibling could still fork.
    const lastStop = signal.calls.map((c) => c.signal).lastIndexOf(STOP);
    const firstTerm = signal.calls.map((c) => c.signal).indexOf(15);
    expect(lastStop).toBeLessThan(firstTerm);
    expect(await allGone([tree.pid, ...tree.members.map((m) => m.pid)])).toBe(true);
    expect(progress).toEqual(expect.arrayContaining(['planned', 'stopped', 'signalled', 'waiting', 'done']));
    expect(terminateTreeExitCode(result)).toBe(0);
  });

  it('kills a child that ignores TERM after the grace window', async () => {
    // Both children must be sleep: the inner shell has set TERM to ignored and exec'd (the disposition survives exec).
    const tree = await startTree(`sh -c 'trap "" TERM; exec sleep 300' & sleep 300 & wait`, 2, (m) => m.every((e) => e.comm === 'sleep'));
    const stubborn = tree.members.find((m) => m.ppid === tree.pid && m.comm === 'sleep' && m.pid !== tree.members.at(-1)?.pid)!;
    const started = Date.now();
    const result = await terminateTree(tree.pid, { graceMs: 700, killAfterMs: 5000 }, await deps());
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(result.escalated).toBe(true);
    expect(result.exited).toBe(true);
    expect(result.timedOut).toBe(false);
    const killed = result.members.filter((m) => m.fate === 'killed');
    expect(killed).toHaveLength(1);
    expect(killed[0]?.signalsSent).toContain(9);
    expect(killed[0]?.pid).toBeOneOf(tree.members.map((m) => m.pid));
    expect(fateOf(result, tree.pid)).toBe('exited-after-signal');
    expect(stubborn).toBeDefined();
    expect(await allGone([tree.pid, ...tree.members.map((m) => m.pid)])).toBe(true);
  });

  it('finds and kills what a child forks when signalled', async () => {
    // The child says when its TERM handler is in place (a file), so a slow start under load does not race the test.
    const ready = join(mkdtempSync(join(tmpdir(), 'proctop-forker-')), 'ready');
    const forker =
      `process.on('SIGTERM', () => { require('child_process').spawn('sleep', ['300'], { stdio: 'ignore' }); }); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000);`;
    const tree = await startTree(`${JSON.stringify(process.execPath)} -e ${JSON.stringify(forker)} & wait`, 1);
    const node = tree.members[0]!;
    await waitFor(() => existsSync(ready));
    const result = await terminateTree(tree.pid, { graceMs: 2500, killAfterMs: 5000, rescanIntervalMs: 200 }, await deps());
    for (const m of result.members) seen.set(m.pid, m.startTime);
    const newcomers = result.members.filter((m) => m.relation === 'newcomer');
    expect(newcomers.length).toBeGreaterThanOrEqual(1);
    expect(newcomers[0]).toMatchObject({ ppid: node.pid, fate: 'killed' });
    // Seen either after exec ("sleep") or in the instant between fork and exec (still Node: "node",
    // or "MainThread" on Node 24, which names its main thread): the same process.
    expect(['sleep', 'node', 'MainThread']).toContain(newcomers[0]?.comm);
    expect(fateOf(result, node.pid)).toBe('killed');
    expect(result.escalated).toBe(true);
    expect(result.exited).toBe(true);
    expect(await allGone(result.members.map((m) => m.pid))).toBe(true);
  });

  it('includes a grandchild that called setsid', async () => {
    // setsid execs sleep: wait until it has (its comm is still "setsid" for a moment).
    const tree = await startTree('sh -c "setsid sleep 300 & wait" & wait', 2, (m) => m.some((e) => e.comm === 'sleep'));
    const escapee = tree.members.find((m) => m.comm === 'sleep')!;
    expect(escapee.sid).toBe(escapee.pid);
    expect(escapee.pgid).not.toBe(tree.pid);
    const result = await terminateTree(tree.pid, { graceMs: 3000, killAfterMs: 3000 }, await deps());
    expect(result.members.find((m) => m.pid === escapee.pid)).toMatchObject({ relation: 'descendant', fate: 'exited-after-signal' });
    expect(await isAlive(escapee.pid)).toBe(false);
  });

  it("keeps the orphans of a parent that exited (through the root's process group)", async () => {
    // The middle shell starts two sleepers and exits at once: they are reparented away from the root.
    const tree = await startTree('sh -c "sleep 300 & sleep 300 & exit 0"; sleep 300 & wait', 1);
    const orphans = await waitForValue(async () => {
      const inGroup = (await listProcesses()).filter((e) => e.pgid === tree.pid);
      for (const e of inGroup) seen.set(e.pid, e.startTime);
      // Orphans only once the middle shell is gone: until then the sleepers are its descendants.
      const group = inGroup.filter((e) => e.pid !== tree.pid && e.ppid !== tree.pid && !inGroup.some((p) => p.pid === e.ppid));
      return group.length === 2 ? group : undefined;
    });
    const result = await terminateTree(tree.pid, { graceMs: 3000, killAfterMs: 3000 }, await deps());
    for (const orphan of orphans) {
      expect(result.members.find((m) => m.pid === orphan.pid)).toMatchObject({ relation: 'group', fate: 'exited-after-signal' });
    }
    expect(result.exited).toBe(true);
    expect(await allGone(orphans.map((o) => o.pid))).toBe(true);
  });

  it('still kills children orphaned mid-way when the root exits on TERM', async () => {
    const tree = await startTree(`sh -c 'trap "" TERM; exec sleep 300' & sh -c 'trap "" TERM; exec sleep 300' & wait`, 2, (m) => m.every((e) => e.comm === 'sleep'));
    const result = await terminateTree(tree.pid, { graceMs: 600, killAfterMs: 5000 }, await deps());
    expect(fateOf(result, tree.pid)).toBe('exited-after-signal');
    for (const child of tree.members) expect(fateOf(result, child.pid)).toBe('killed');
    expect(await allGone(tree.members.map((m) => m.pid))).toBe(true);
  });

  it('reports a member that never dies as failed and timed out, without waiting forever', async () => {
    const tree = await startTree(`sh -c 'trap "" TERM INT; exec sleep 300' & wait`, 1, (m) => m.every((e) => e.comm === 'sleep'));
    const stubborn = tree.members[0]!;
    const started = Date.now();
    // INT as the "kill" signal: ignored too, so the kill-after window must close on its own.
    const result = await terminateTree(tree.pid, { graceMs: 300, killAfterMs: 600, killSignal: 2 }, await deps());
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.members.find((m) => m.pid === stubborn.pid)).toMatchObject({ fate: 'failed', reason: expect.stringMatching(/still running 600ms after SIGINT/) });
    expect(result).toMatchObject({ escalated: true, exited: false, timedOut: true });
    expect(terminateTreeExitCode(result)).toBe(1);
    expect(await isAlive(stubborn.pid)).toBe(true);
    // Not left stopped: it was continued after each round.
    const state = (await listProcesses()).find((e) => e.pid === stubborn.pid)?.state;
    expect(state).toBe('S');
  });
});

describe('terminate-tree exit code', () => {
  const member = (fate: TerminateTreeResult['members'][number]['fate'], signalsSent: number[]) => ({
    pid: 10, startTime: 1, ppid: 1, pgid: 10, comm: 'x', uid: 0, user: 'root', relation: 'root' as const, fate, reason: null, signalsSent, endedByRung: null, endedBy: null,
  });
  const result = (members: TerminateTreeResult['members']): TerminateTreeResult => ({
    ladder: [{ signal: 15, windowMs: 0 }, { signal: 9, windowMs: 0 }], root: { pid: 10, startTime: 1, comm: 'x' }, pgid: 10, signal: 15, killSignal: 9, refusal: null, escalated: true, exited: false,
    timedOut: true, reliability: 'guaranteed', members, warnings: [], elapsedMs: 1,
  });

  it('never exits 2 once a signal went out, even when nothing ended', () => {
    expect(terminateTreeExitCode(result([member('failed', [19, 15, 18, 9])]))).toBe(1);
    expect(terminateTreeExitCode(result([member('failed', [])]))).toBe(2);
    expect(terminateTreeExitCode(result([member('killed', [19, 15, 18, 9])]))).toBe(0);
    expect(terminateTreeExitCode({ ...result([]), refusal: 'PID 1 (init) is protected' })).toBe(2);
  });
});

describe('terminate-tree on the JS fallback', () => {
  it('still terminates the tree, but as best effort with the check-then-kill warning', async () => {
    const tree = await startTree('sleep 300 & sleep 300 & wait', 2);
    const result = await terminateTree(tree.pid, { graceMs: 3000 }, await createSystemDeps({ audit: null, collector: createJsCollector() }));
    expect(result.exited).toBe(true);
    expect(result.reliability).toBe('best_effort');
    expect(result.warnings.join('\n')).toMatch(/check-then-kill/);
    expect(await allGone([tree.pid, ...tree.members.map((m) => m.pid)])).toBe(true);
  });
});

describe('terminate-tree guards', () => {
  it('refuses a root whose executable differs from --require-exe-path; nothing is sent', async () => {
    const tree = await startTree('sleep 300 & wait', 1);
    const signal = recordingSignaller(systemSignaller());
    const result = await terminateTree(tree.pid, { requireExePath: '/usr/bin/python3' }, await deps(signal));
    expect(result.refusal).toMatch(/--require-exe-path: PID \d+ runs .*, not \/usr\/bin\/python3/);
    expect(signal.calls).toEqual([]);
    expect(terminateTreeExitCode(result)).toBe(2);
    expect(await isAlive(tree.pid)).toBe(true);
  });

  it('accepts the right --require-exe-path and --require-start-time-ms', async () => {
    const tree = await startTree('sleep 300 & wait', 1);
    const { bootTimeMs, clockTicks } = await createJsCollector().systemInfo();
    const startMs = bootTimeMs + (tree.startTime * 1000) / clockTicks;
    const shell = realpathSync('/bin/sh');
    const result = await terminateTree(tree.pid, { requireExePath: shell, requireStartTimeMs: Math.round(startMs), graceMs: 3000 }, await deps());
    expect(result.refusal).toBeNull();
    expect(result.exited).toBe(true);
  });

  it('refuses a start time that does not match --require-start-time-ms', async () => {
    const tree = await startTree('sleep 300 & wait', 1);
    const signal = recordingSignaller(systemSignaller());
    const result = await terminateTree(tree.pid, { requireStartTimeMs: Date.now() - 3_600_000 }, await deps(signal));
    expect(result.refusal).toMatch(/--require-start-time-ms/);
    expect(signal.calls).toEqual([]);
    expect(await isAlive(tree.pid)).toBe(true);
  });

  it('refuses a root whose identity changed since it was shown', async () => {
    const tree = await startTree('sleep 300 & wait', 1);
    const signal = recordingSignaller(systemSignaller());
    const result = await terminateTree(tree.pid, { expectedStartTime: tree.startTime - 1 }, await deps(signal));
    expect(result.refusal).toMatch(/was reused/);
    const byIdentity = await terminateTree({ pid: tree.pid, startTime: tree.startTime + 1 }, {}, await deps(signal));
    expect(byIdentity.refusal).toMatch(/was reused: start time is \d+, expected \d+/);
    expect(signal.calls).toEqual([]);
    expect(await isAlive(tree.pid)).toBe(true);
  });

  it('refuses PID 1 and proctop itself as roots (recording fake signaller)', async () => {
    const signal = fakeSignaller();
    for (const pid of [1, process.pid, 0]) {
      const result = await terminateTree(pid, { graceMs: 0, killAfterMs: 0 }, await deps(signal));
      expect(result.refusal).toMatch(/protected|proctop itself|PID 0/);
    }
    expect(signal.calls).toEqual([]);
  });

  it("never counts proctop or its ancestors as members, and needs --force for a root that is an ancestor (fake signaller)", async () => {
    const signal = fakeSignaller();
    const d = await deps(signal);
    const refused = await terminateTree(process.ppid, { graceMs: 0, killAfterMs: 0 }, d);
    expect(refused.refusal).toMatch(/parent.*--force/);
    expect(signal.calls).toEqual([]);
    // Rooted at the grandparent with --force: its tree without proctop and without the parent in between.
    const root = d.self.ancestors[1]?.pid !== 1 ? d.self.ancestors[1]! : d.self.ancestors[0]!;
    const plan = await planTree(root.pid, d, { force: true });
    if (typeof plan === 'string') throw new Error(plan);
    const memberPids = plan.members.map((m) => m.pid);
    expect(memberPids).toContain(root.pid);
    expect(memberPids).not.toContain(process.pid);
    for (const a of d.self.ancestors) if (a.pid !== root.pid) expect(memberPids).not.toContain(a.pid);
    // The fake pretends to deliver; nothing real is sent.
    const forced = await terminateTree(root.pid, { graceMs: 0, killAfterMs: 0, force: true, maxFreezeRounds: 2 }, d);
    expect(forced.members.some((m) => m.pid === process.pid || m.pid === process.ppid && root.pid !== process.ppid)).toBe(false);
    expect(signal.calls.some((c) => c.pid === process.pid)).toBe(false);
    expect(signal.calls.some((c) => c.pid === root.pid)).toBe(true);
  });

  it('refuses STOP and CONT as the signal', async () => {
    const signal = fakeSignaller();
    const result = await terminateTree(999_999, { signal: STOP }, await deps(signal));
    expect(result.refusal).toMatch(/SIGSTOP cannot be a rung/);
    expect(signal.calls).toEqual([]);
  });
});
