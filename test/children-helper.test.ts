// The test helpers' cleanup (test/helpers/children.ts) kills what a test's children started in
// turn, by PID: a shell's sleeper must not outlive the test under PID 1.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAlive, killStartedChildren, killWithDescendants, startChild, waitFor } from './helpers/children.js';

/** The PIDs pid forked (its main thread's children file). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').split(' ').filter(Boolean).map(Number);
}

describe('test cleanup', () => {
  it('killStartedChildren kills a started shell and the sleepers it started', async () => {
    const shell = startChild('sh', ['-c', 'sleep 300 & sleep 300 & wait']);
    const sleepers = await waitFor(() => (childrenOf(shell.pid as number).length === 2 ? childrenOf(shell.pid as number) : null));
    await killStartedChildren();
    await waitFor(async () => (await Promise.all(sleepers.map(isAlive))).every((alive) => !alive));
    expect(await isAlive(shell.pid as number)).toBe(false);
  });

  it('killWithDescendants kills a detached session leader and its child', async () => {
    const leader = startChild('sh', ['-c', 'sleep 300; true'], { detached: true });
    const [sleeper] = await waitFor(() => (childrenOf(leader.pid as number).length === 1 ? childrenOf(leader.pid as number) : null));
    killWithDescendants(leader.pid as number);
    await waitFor(async () => !(await isAlive(sleeper as number)) && !(await isAlive(leader.pid as number)));
    await killStartedChildren();
  });
});
