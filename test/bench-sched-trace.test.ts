// The bench's scheduler trace (bench/sched-trace.mjs) turns `perf script` sched_switch lines into
// on-CPU time per task inside an event-loop gap: the JS thread, this process's other threads and
// other processes by name (kernel threads included), and idle.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a bench module (plain .mjs) without type declarations
import { heldInGap, onCpuIntervals } from '../bench/sched-trace.mjs';

const PID = 500;
// CPU 0: the JS thread runs until 1 ms, a kernel thread holds the CPU 1–5 ms, the JS thread again.
// CPU 1: this process's V8 worker (tid 502) 0.5–3 ms, a process whose name has spaces 3–4 ms, then idle.
const TRACE = [
  '     0/0     [000]  1000.000000: sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=node next_pid=500 next_prio=120',
  '     0/0     [001]  1000.000500: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=node next_pid=502 next_prio=120',
  '   500/500   [000]  1000.001000: sched:sched_switch: prev_comm=node prev_pid=500 prev_prio=120 prev_state=R ==> next_comm=kdamond.0 next_pid=77 next_prio=120',
  '   500/502   [001]  1000.003000: sched:sched_switch: prev_comm=node prev_pid=502 prev_prio=120 prev_state=S ==> next_comm=Web Content next_pid=900 next_prio=120',
  '   900/900   [001]  1000.004000: sched:sched_switch: prev_comm=Web Content prev_pid=900 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120',
  '    77/77    [000]  1000.005000: sched:sched_switch: prev_comm=kdamond.0 prev_pid=77 prev_prio=120 prev_state=R+ ==> next_comm=node next_pid=500 next_prio=120',
  '   500/500   [000]  1000.006000: sched:sched_switch: prev_comm=node prev_pid=500 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120',
  '     0/0     [001]  1000.006000: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=sh next_pid=901 next_prio=120',
  '   901/901   [001]  1000.007000: sched:sched_switch: prev_comm=sh prev_pid=901 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120',
  'some line perf printed that is not a switch',
].join('\n');

const ms = (held: Map<string, number>) => Object.fromEntries([...held].map(([label, us]) => [label, us / 1000]));

describe('bench sched-trace: who held the CPUs in a gap', () => {
  it('parses sched_switch lines into on-CPU intervals, and learns the threads of the traced process', () => {
    const { intervals, ours } = onCpuIntervals(TRACE, PID);
    expect([...ours].sort()).toEqual([500, 502]);
    expect(intervals).toContainEqual({ cpu: 1, fromUs: 1000003000, toUs: 1000004000, tid: 900, comm: 'Web Content' });
    expect(intervals).toContainEqual({ cpu: 0, fromUs: 1000001000, toUs: 1000005000, tid: 77, comm: 'kdamond.0' });
    expect(intervals).toHaveLength(9);
  });

  it('splits a gap into the JS thread, this process\'s threads, other processes by name, and idle', () => {
    const { intervals, ours } = onCpuIntervals(TRACE, PID);
    // The gap from 0.5 ms to 5.5 ms.
    expect(ms(heldInGap(intervals, ours, PID, 1000000500, 1000005500))).toEqual({
      'JS thread': 1,
      'ours: node': 2.5,
      'kdamond.0': 4,
      'Web Content': 1,
      idle: 1.5,
    });
  });

  it('names both tasks where a switch was not recorded, and counts the span to neither', () => {
    // CPU 0: the JS thread switches to the VM agent's thread at 1 ms; the trace has no switch out of
    // it (none is recorded from its context), and the next event switches the JS thread out at 9 ms.
    const trace = [
      '     0/0     [000]  2000.000000: sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=node next_pid=500 next_prio=120',
      '   500/500   [000]  2000.001000: sched:sched_switch: prev_comm=node prev_pid=500 prev_prio=120 prev_state=S ==> next_comm=tokio-rt-worker next_pid=76 next_prio=110',
      '   500/500   [000]  2000.009000: sched:sched_switch: prev_comm=node prev_pid=500 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120',
    ].join('\n');
    const { intervals, ours } = onCpuIntervals(trace, PID);
    expect(intervals).toContainEqual({ cpu: 0, fromUs: 2000001000, toUs: 2000009000, tid: -1, comm: 'tokio-rt-worker then node' });
    expect(ms(heldInGap(intervals, ours, PID, 2000000000, 2000009000))).toEqual({ 'JS thread': 1, 'untraced: tokio-rt-worker then node': 8 });
  });

  it('counts nothing outside the gap', () => {
    const { intervals, ours } = onCpuIntervals(TRACE, PID);
    expect(ms(heldInGap(intervals, ours, PID, 1000006000, 1000006500))).toEqual({ sh: 0.5, idle: 0.5 });
    expect(heldInGap(intervals, ours, PID, 1000010000, 1000011000).size).toBe(0);
  });
});
