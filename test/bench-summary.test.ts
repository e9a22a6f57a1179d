// The bench's closing table (bench/summary.mjs) judges each issue-16 figure at the scale the issue
// sets its target: floor (c) at 5,000 and 20,000, the first frame at 1,000; elsewhere the row is
// reported with a dash, never ticked or crossed against a target that does not apply there.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a bench module (plain .mjs) without type declarations
import { bareNodeText, summaryTable } from '../bench/summary.mjs';

const snapshot = (steady: number, floorC: number) => ({
  'native steady-state refresh': steady,
  'native first snapshot (fresh reader)': 3 * steady,
  'C floor (a): stat of every pid': 2 * floorC,
  'C floor (c): pread on kept stat handles': floorC,
  loopDelayFirstMs: 3,
  loopDelaySteadyMs: 2,
  loopDelayIdleMs: 1,
});
const launch = (firstFrameMedianMs: number) => ({ firstFrameMedianMs, bareNode: { ms: 50, withoutCaMs: null } });

/** The table row whose figure starts with `figure`, split into its cells. */
function rowOf(table: string, figure: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`| ${figure}`));
  if (line === undefined) throw new Error(`no row "${figure}" in:\n${table}`);
  return line.split('|').slice(1, -1).map((cell) => cell.trim());
}

describe('bench summary: targets at the scale the issue sets them', () => {
  it('judges steady vs floor (c) at 5,000 and 20,000, both ways', () => {
    for (const procs of [5000, 20000]) {
      expect(rowOf(summaryTable({ procs, snapshot: snapshot(11, 10) }), 'steady refresh vs floor (c)')).toEqual(['steady refresh vs floor (c), pread on kept stat handles', '1.10× (11.0 / 10.0 ms)', '≤ 1.2×', '✓']);
      expect(rowOf(summaryTable({ procs, snapshot: snapshot(13, 10) }), 'steady refresh vs floor (c)')[3]).toBe('✗');
    }
  });

  it("judges the steady refresh at the monitor's pace against floor (c) too, when the bench measured it", () => {
    const paced = (ms: number) => ({ ...snapshot(13, 10), pacedSteadyMs: ms });
    expect(rowOf(summaryTable({ procs: 5000, snapshot: paced(6) }), "steady refresh at the monitor's pace")).toEqual([
      "steady refresh at the monitor's pace (reads 1.5 s apart) vs floor (c)",
      '0.60× (6.0 / 10.0 ms)',
      '≤ 1.2×',
      '✓',
    ]);
    expect(rowOf(summaryTable({ procs: 20000, snapshot: paced(12.5) }), "steady refresh at the monitor's pace")[3]).toBe('✗');
    expect(rowOf(summaryTable({ procs: 1000, snapshot: paced(6) }), "steady refresh at the monitor's pace")[3]).toBe('–');
    expect(summaryTable({ procs: 5000, snapshot: snapshot(11, 10) })).not.toContain("monitor's pace");
  });

  it('reports floor (c) at 1,000 without a tick or a cross, saying where the target applies', () => {
    const [, measured, target, ok] = rowOf(summaryTable({ procs: 1000, snapshot: snapshot(15, 10) }), 'steady refresh vs floor (c)');
    expect(measured).toBe('1.50× (15.0 / 10.0 ms)');
    expect(target).toMatch(/at 5000 and 20000/);
    expect(ok).toBe('–');
  });

  it('judges the first frame at 1,000 and reports it at 20,000', () => {
    expect(rowOf(summaryTable({ procs: 1000, launch: launch(190) }), 'launch → first full frame')[3]).toBe('✓');
    expect(rowOf(summaryTable({ procs: 1000, launch: launch(229) }), 'launch → first full frame')[3]).toBe('✗');
    const [, measured, target, ok] = rowOf(summaryTable({ procs: 20000, launch: launch(868) }), 'launch → first full frame');
    expect(measured).toMatch(/^868 ms/);
    expect(target).toMatch(/at 1000/);
    expect(ok).toBe('–');
  });

  it('gives bare node with and without NODE_EXTRA_CA_CERTS where the environment sets it', () => {
    expect(bareNodeText({ ms: 96.4, withoutCaMs: 23.6 })).toBe('bare node -e 0: 96 ms; 24 ms without NODE_EXTRA_CA_CERTS');
    expect(bareNodeText({ ms: 48, withoutCaMs: null })).toBe('bare node -e 0: 48 ms');
  });

  it('judges the event-loop delay at every scale', () => {
    expect(rowOf(summaryTable({ procs: 1000, snapshot: snapshot(11, 10) }), 'max event-loop delay')[3]).toBe('✓');
    expect(rowOf(summaryTable({ procs: 1000, snapshot: { ...snapshot(11, 10), loopDelayFirstMs: 5.8 } }), 'max event-loop delay')[3]).toBe('✗');
    // Beside the max, how many stalls the snapshots made against idle windows as long.
    const counted = { ...snapshot(11, 10), loopDelayFirstMs: 15.8, stallsFirst: 23, stallsSteady: 0, stallsIdleFirst: 0, stallsIdleSteady: 1 };
    expect(rowOf(summaryTable({ procs: 20000, snapshot: counted }), 'max event-loop delay')[1]).toBe(
      '15.8 ms (idle baseline over the same time 1.0 ms; stalls > 5 ms: first snapshots 23, steady 0, idle windows as long 1)',
    );
    // And where the scheduling-group rounds ran, their stall counts (reads charged to another session or not).
    const grouped = { ...counted, groupStallsChild: 28, groupStallsOwnSession: 7, groupStallsIdle: 5 };
    expect(rowOf(summaryTable({ procs: 20000, snapshot: grouped }), 'max event-loop delay')[1]).toBe(
      '15.8 ms (idle baseline over the same time 1.0 ms; stalls > 5 ms: first snapshots 23, steady 0, idle windows as long 1; ' +
        'first snapshots read back to back for equal times by a child in this session 28, by one in a session of its own 7, no reads 5)',
    );
  });
});
