import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFileAuditSink, readRecentActions } from '../src/storage/audit-log.js';
import { createSystemDeps, type ActionDeps } from '../src/actions/deps.js';
import { killExitCode, killMany, type KillProgress } from '../src/actions/kill-many.js';
import { createCollector } from '../src/sys/collector.js';
import { isAlive, killStartedChildren, startChild, waitFor } from './helpers/children.js';
import { startTimeOf } from './helpers/cli.js';
import { collectorWithSignaller, pretendSignaller, recordingSignaller, systemSignaller, type Signaller } from './helpers/recording-collector.js';

let stateDir: string;
beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'proctop-kill-many-'));
});
afterEach(killStartedChildren);
afterAll(killStartedChildren);

/** A signaller that records and pretends: used wherever a real signal must never go out (PID 1, our parent). */
const fakeSignaller = pretendSignaller;

async function deps(signal: Signaller, logName = 'actions.jsonl'): Promise<ActionDeps> {
  return createSystemDeps({ collector: collectorWithSignaller(signal), audit: createFileAuditSink(join(stateDir, logName)) });
}

// Detached: each sleeper leads its own process group, as a shell job would, so it is not in ours.
function sleeper(): { pid: number; startTime: number; exited: Promise<NodeJS.Signals | null> } {
  const child = startChild('sleep', ['300'], { detached: true });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
  return { pid: child.pid!, startTime: startTimeOf(child.pid!), exited };
}

async function realSignaller(): Promise<Signaller> {
  return systemSignaller();
}

describe('killMany', () => {
  it('signals every target through its identity and reports each as sent', async () => {
    const [a, b] = [sleeper(), sleeper()];
    const signal = recordingSignaller(await realSignaller());
    const progress: KillProgress[] = [];
    const result = await killMany([{ pid: a.pid }, { pid: b.pid }], 15, await deps(signal), { onProgress: (p) => progress.push(p) });
    expect(result.refused).toBe(false);
    expect(result.results.map((r) => [r.pid, r.startTime, r.outcome])).toEqual([
      [a.pid, a.startTime, 'sent'],
      [b.pid, b.startTime, 'sent'],
    ]);
    expect(signal.calls).toEqual([
      { pid: a.pid, startTime: a.startTime, signal: 15 },
      { pid: b.pid, startTime: b.startTime, signal: 15 },
    ]);
    expect(await a.exited).toBe('SIGTERM');
    expect(await b.exited).toBe('SIGTERM');
    expect(killExitCode(result)).toBe(0);
    expect(progress.map((p) => p.phase)).toEqual(['validated', 'signalled', 'signalled']);
  });

  it('signals the others when one target has already exited, and exits 1 (the lineage: one failure does not abort the batch)', async () => {
    const [a, b] = [sleeper(), sleeper()];
    const signal = recordingSignaller(await realSignaller());
    // A PID that is free right now (no /proc entry), below the kernel limit.
    let free = 4_194_000;
    while (existsSync(`/proc/${free}`)) free -= 1;
    const result = await killMany([{ pid: a.pid }, { pid: free }, { pid: b.pid }], 15, await deps(signal));
    expect(result.refused).toBe(false);
    expect(result.results.map((r) => [r.pid, r.outcome])).toEqual([
      [a.pid, 'sent'],
      [free, 'exited'],
      [b.pid, 'sent'],
    ]);
    expect(signal.calls.map((c) => c.pid)).toEqual([a.pid, b.pid]);
    expect(await a.exited).toBe('SIGTERM');
    expect(await b.exited).toBe('SIGTERM');
    expect(killExitCode(result)).toBe(1);
  });

  it('exits 2 when every target had already exited (nothing was sent)', async () => {
    let free = 4_194_000;
    while (existsSync(`/proc/${free}`)) free -= 1;
    const signal = fakeSignaller();
    const result = await killMany([{ pid: free }], 15, await deps(signal));
    expect(result.refused).toBe(false);
    expect(signal.calls).toEqual([]);
    expect(killExitCode(result)).toBe(2);
  });

  it('refuses PID 1 and proctop itself as protected and sends nothing (recording fake signaller)', async () => {
    const a = sleeper();
    const signal = fakeSignaller();
    const result = await killMany([{ pid: 1 }, { pid: process.pid }, { pid: a.pid }], 9, await deps(signal));
    expect(signal.calls).toEqual([]);
    expect(result.refused).toBe(true);
    expect(result.results.map((r) => [r.pid, r.outcome])).toEqual([
      [1, 'protected'],
      [process.pid, 'protected'],
      [a.pid, 'not-sent'],
    ]);
    expect(result.results[0]?.reason).toMatch(/PID 1 \(init\) is protected/);
    expect(result.results[1]?.reason).toMatch(/proctop itself/);
    expect(await isAlive(a.pid)).toBe(true);
  });

  it('still never signals PID 1 when all-or-nothing is off; the others go out', async () => {
    const a = sleeper();
    const signal = fakeSignaller();
    const result = await killMany([{ pid: 1 }, { pid: a.pid }], 15, await deps(signal), { allOrNothing: false });
    expect(signal.calls.map((c) => c.pid)).toEqual([a.pid]);
    expect(result.results.map((r) => r.outcome)).toEqual(['protected', 'sent']);
    expect(killExitCode(result)).toBe(1);
  });

  it('refuses invalid PID numbers: 0, negative, fractional, above the kernel limit', async () => {
    const signal = fakeSignaller();
    const result = await killMany([{ pid: 0 }, { pid: -4 }, { pid: 2.5 }, { pid: 5_000_000 }], 15, await deps(signal));
    expect(signal.calls).toEqual([]);
    expect(result.refused).toBe(true);
    expect(result.results.every((r) => r.outcome === 'invalid')).toBe(true);
    expect(result.results.map((r) => r.reason)).toEqual([
      expect.stringMatching(/PID 0/),
      expect.stringMatching(/negative/),
      expect.stringMatching(/not an integer/),
      expect.stringMatching(/above the kernel limit/),
    ]);
  });

  it("needs force for proctop's parent and every further ancestor (fake signaller: never a real signal)", async () => {
    const d = await deps(fakeSignaller());
    expect(d.self.ancestors[0]?.pid).toBe(process.ppid);
    expect(d.self.ancestors.at(-1)?.pid).toBe(1);
    const without = await killMany([{ pid: process.ppid }], 15, d);
    expect(without.refused).toBe(true);
    expect(without.results[0]).toMatchObject({ outcome: 'protected', reason: expect.stringMatching(/parent.*--force/) });
    const grandparent = d.self.ancestors[1];
    if (grandparent && grandparent.pid !== 1) {
      const further = await killMany([{ pid: grandparent.pid }], 15, d);
      expect(further.results[0]).toMatchObject({ outcome: 'protected', reason: expect.stringMatching(/ancestor of proctop.*--force/) });
    }
    const signal = fakeSignaller();
    const forced = await killMany([{ pid: process.ppid }], 15, { ...d, collector: collectorWithSignaller(signal) }, { force: true });
    expect(forced.results[0]?.outcome).toBe('sent');
    expect(signal.calls.map((c) => c.pid)).toEqual([process.ppid]);
  });

  it('signals a process of its own process group that is not an ancestor without --force', async () => {
    // Not detached: the child shares this process's group, like a script's background job.
    const child = startChild('sleep', ['300']);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, sig) => resolve(sig)));
    const entry = await createCollector().collector.readProcess(child.pid!);
    const own = await createCollector().collector.readProcess(process.pid);
    expect(entry?.pgid).toBe(own?.pgid);
    const signal = recordingSignaller(await realSignaller());
    const result = await killMany([{ pid: child.pid! }], 15, await deps(signal));
    expect(result.results[0]?.outcome).toBe('sent');
    expect(await exited).toBe('SIGTERM');
  });

  it('does not signal kernel threads', async () => {
    const a = sleeper();
    const signal = fakeSignaller();
    const base = await deps(signal);
    // Kernel threads are invisible inside most containers: present the sleeper as one.
    const d: ActionDeps = {
      ...base,
      collector: {
        ...base.collector,
        readProcess: async (pid) => {
          const entry = await base.collector.readProcess(pid);
          return entry && { ...entry, isKernelThread: true };
        },
      },
    };
    const result = await killMany([{ pid: a.pid }], 9, d);
    expect(result.results[0]).toMatchObject({ outcome: 'not-signalable', reason: expect.stringMatching(/kernel thread/) });
    expect(signal.calls).toEqual([]);
  });

  it('refuses the whole batch when a PID:START names another process than the PID has now', async () => {
    const [a, b] = [sleeper(), sleeper()];
    const signal = recordingSignaller(await realSignaller());
    const result = await killMany([{ pid: a.pid, startTime: a.startTime + 7 }, { pid: b.pid }], 9, await deps(signal));
    // Naming another process than the PID's is a wrong batch: all of it is refused.
    expect(result.refused).toBe(true);
    expect(result.results[0]).toMatchObject({ outcome: 'reused', startTime: a.startTime + 7 });
    expect(result.results[1]).toMatchObject({ outcome: 'not-sent' });
    expect(killExitCode(result)).toBe(2);
    expect(await isAlive(b.pid)).toBe(true);
    expect(signal.calls).toEqual([]);
    expect(await isAlive(a.pid)).toBe(true);
  });

  it('refuses duplicate targets', async () => {
    const a = sleeper();
    const signal = fakeSignaller();
    const result = await killMany([{ pid: a.pid }, { pid: a.pid }], 15, await deps(signal));
    expect(result.results[1]).toMatchObject({ outcome: 'invalid', reason: 'duplicate target' });
    expect(result.refused).toBe(true);
    expect(signal.calls).toEqual([]);
  });

  it('reports a target that exits between validation and sending as exited (partial, exit 1)', async () => {
    const [a, b] = [sleeper(), sleeper()];
    const real = await realSignaller();
    let raced = false;
    // The race made real: just before the first delivery, b dies and is reaped.
    const signal = recordingSignaller(async (target, sig) => {
      if (!raced) {
        raced = true;
        process.kill(b.pid, 'SIGKILL');
        await b.exited;
        await waitFor(async () => !(await isAlive(b.pid)));
      }
      return real(target, sig);
    });
    const result = await killMany([{ pid: a.pid }, { pid: b.pid }], 15, await deps(signal));
    expect(result.results.map((r) => r.outcome)).toEqual(['sent', 'exited']);
    expect(killExitCode(result)).toBe(1);
  });

  it('appends one audit line per action with identities and outcomes', async () => {
    const a = sleeper();
    const log = join(stateDir, 'audit-one.jsonl');
    await killMany([{ pid: a.pid }, { pid: 1 }], 15, await deps(fakeSignaller(), 'audit-one.jsonl'));
    await killMany([{ pid: a.pid }], 0, await deps(await realSignaller(), 'audit-one.jsonl'));
    const records = await readRecentActions(10, log);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      action: 'kill',
      signal: 15,
      uid: process.getuid!(),
      proctopPid: process.pid,
      targets: [
        { pid: a.pid, startTime: a.startTime, comm: 'sleep', outcome: 'not-sent' },
        { pid: 1, startTime: null, outcome: 'protected' },
      ],
    });
    expect(records[0]?.summary).toMatch(/refused/);
    expect(records[1]).toMatchObject({ signal: 0, targets: [{ pid: a.pid, startTime: a.startTime, outcome: 'sent' }] });
    expect(Date.parse(records[1]!.time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('still acts when the audit log cannot be written, and says so', async () => {
    const a = sleeper();
    const blocker = join(stateDir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const signal = recordingSignaller(await realSignaller());
    const d = await createSystemDeps({ collector: collectorWithSignaller(signal), audit: createFileAuditSink(join(blocker, 'proctop', 'actions.jsonl')) });
    const result = await killMany([{ pid: a.pid }], 15, d);
    expect(result.results[0]?.outcome).toBe('sent');
    expect(result.warnings.join('\n')).toMatch(/audit log not written/);
    expect(await a.exited).toBe('SIGTERM');
  });
});
