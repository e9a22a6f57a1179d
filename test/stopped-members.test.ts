import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createJsCollector } from '../src/sys/collector.js';
import { continueStoppedMembers, noteContinued, noteStopped, stoppedMemberCount } from '../src/actions/stopped-members.js';
import { killStartedChildren, startSleeper, waitFor } from './helpers/children.js';
import { startTimeOf } from './helpers/cli.js';

const stateOf = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
};

const collector = createJsCollector();

describe('members stopped by terminate-tree', () => {
  afterEach(killStartedChildren);

  it('are continued on the way out when proctop is interrupted mid-operation', async () => {
    const sleeper = startSleeper();
    const pid = sleeper.pid!;
    await waitFor(() => stateOf(pid) === 'S');
    const member = { pid, startTime: startTimeOf(pid) };
    expect(await noteStopped([member], collector)).toBeNull();
    process.kill(pid, 'SIGSTOP');
    await waitFor(() => stateOf(pid) === 'T');
    // While a member is stopped, an interrupt must run our handler instead of killing node outright.
    expect(process.listeners('SIGTERM').length).toBeGreaterThan(0);
    continueStoppedMembers();
    await waitFor(() => stateOf(pid) === 'S');
    expect(stoppedMemberCount()).toBe(0);
    expect(process.listeners('SIGTERM').some((l) => l.name === 'onInterrupt')).toBe(false);
  });

  it('never continues a process whose identity changed', async () => {
    const sleeper = startSleeper();
    const pid = sleeper.pid!;
    await waitFor(() => stateOf(pid) === 'S');
    process.kill(pid, 'SIGSTOP');
    await waitFor(() => stateOf(pid) === 'T');
    await noteStopped([{ pid, startTime: startTimeOf(pid) + 1 }], collector); // a stale identity: the PID "was reused"
    continueStoppedMembers();
    await new Promise((r) => setTimeout(r, 200));
    expect(stateOf(pid)).toBe('T');
    process.kill(pid, 'SIGCONT');
  });

  it('drops its interrupt handlers once every member is continued', async () => {
    const member = { pid: 999_999_999, startTime: 1 };
    await noteStopped([member], collector);
    expect(stoppedMemberCount()).toBe(1);
    noteContinued(member);
    expect(stoppedMemberCount()).toBe(0);
    expect(process.listeners('SIGINT').some((l) => l.name === 'onInterrupt')).toBe(false);
  });
});
