// The optional list columns: rates from consecutive reads, read only while a column is on, the
// chooser's choice kept in screen order, sorting and drawing by the new columns.
import { describe, expect, it } from 'vitest';
import { chooserLines } from '../src/components/chooser-lines.js';
import { fitColumns, rowLine, titleLine } from '../src/components/table-columns.js';
import { handleChooserKey } from '../src/keys/chooser-keys.js';
import { ColumnExtrasSource, columnExtras, extrasRequestFor } from '../src/sampler/column-extras.js';
import type { SampledFrame } from '../src/sampler/types.js';
import { DEFAULT_COLUMN_IDS, COLUMN_IDS } from '../src/config/columns.js';
import { createMonitorStore } from '../src/store/monitor-store.js';
import type { ExtrasRequest, ProcessExtras, ProcessIdentity } from '../src/sys/types.js';
import { syntheticFrame, syntheticRow } from './helpers/synthetic-frames.js';

function extras(pid: number, fields: Partial<ProcessExtras>): ProcessExtras {
  return { pid, startTime: 1000 + pid, alive: true, comm: null, io: null, status: null, fdCount: null, cgroup: null, faults: null, fdLimit: null, smapsRollup: null, errors: [], ...fields };
}
const io = (readBytes: number, writeBytes: number) => ({ readChars: 0, writeChars: 0, readSyscalls: 0, writeSyscalls: 0, readBytes, writeBytes, cancelledWriteBytes: 0 });
const ids = { real: 0, effective: 0, saved: 0, filesystem: 0 };
const status = (voluntary: number, involuntary: number) => ({ voluntaryCtxSwitches: voluntary, involuntaryCtxSwitches: involuntary, swapBytes: 0, rssBytes: 0, uids: ids, gids: ids });

describe('column extras', () => {
  it('has no rate on first sight, then counter deltas per second; the cgroup shortened', () => {
    const cgroup = { path: `/system.slice/docker-${'c'.repeat(64)}.scope`, unit: null, slice: 'system.slice', containerId: 'c'.repeat(64), containerRuntime: 'docker' as const };
    const first = columnExtras(extras(1, { io: io(1000, 0), status: status(10, 5), cgroup }), undefined, 10_000);
    expect(first.figures).toEqual({ cgroup: `docker:${'c'.repeat(12)}`, ioReadPerSec: null, ioWritePerSec: null, ctxSwitchesPerSec: null });
    const second = columnExtras(extras(1, { io: io(5000, 2048), status: status(30, 5) }), first.counters, 12_000);
    expect(second.figures).toEqual({ cgroup: null, ioReadPerSec: 2000, ioWritePerSec: 1024, ctxSwitchesPerSec: 10 });
    // Unreadable io (another user's process): no rate, not zero.
    expect(columnExtras(extras(1, {}), second.counters, 13_000).figures.ioReadPerSec).toBeNull();
  });

  it('asks only for what the chosen columns need', () => {
    expect(extrasRequestFor(DEFAULT_COLUMN_IDS)).toEqual({ io: false, status: false, cgroup: false });
    expect(extrasRequestFor(['io_write'])).toEqual({ io: true, status: false, cgroup: false });
    expect(extrasRequestFor(['ctxsw', 'cgroup'])).toEqual({ io: false, status: true, cgroup: true });
  });

  it('reads nothing while no optional column is on, and adds figures to the rows once one is', async () => {
    const calls: ExtrasRequest[] = [];
    let tick = 0;
    const frames = (): SampledFrame => {
      tick += 1;
      const frame = syntheticFrame([syntheticRow({ pid: 1 }), syntheticRow({ pid: 2 })]);
      return { ...frame, snapshot: { ...frame.snapshot, monotonicMs: tick * 1000 } };
    };
    const collector = {
      readExtras: async (targets: readonly ProcessIdentity[], request: ExtrasRequest) => {
        calls.push(request);
        return targets.map((t) => extras(t.pid, { io: io(tick * 100 * t.pid, 0) }));
      },
    };
    let columns = DEFAULT_COLUMN_IDS;
    const source = new ColumnExtrasSource({ sample: async () => frames() }, collector, () => columns);
    const plain = await source.sample();
    expect(calls).toEqual([]);
    expect(plain.rows.every((r) => r.extras === undefined)).toBe(true);
    columns = [...DEFAULT_COLUMN_IDS, 'io_read'];
    await source.sample();
    const withRates = await source.sample();
    expect(calls).toHaveLength(2);
    expect(withRates.rows.map((r) => r.extras?.ioReadPerSec)).toEqual([100, 200]);
  });
});

describe('column chooser', () => {
  it('toggles the column under its cursor, keeps screen order, never hides PID, CPU% or COMMAND, and saves on Esc', async () => {
    const store = createMonitorStore({ rows: 40, columns: 160 });
    const saved: unknown[] = [];
    const press = (name: string) => handleChooserKey({ name, ctrl: false, meta: false, sequence: name } as never, store, async (patch) => void saved.push(patch));
    store.getState().pushView('columns');
    const at = (id: string) => COLUMN_IDS.indexOf(id as never);
    for (let i = 0; i < at('cgroup'); i++) press('down');
    press('space');
    press('up');
    press('up');
    press('space'); // io_write
    press('home');
    expect(store.getState().chooserIndex).toBe(0);
    press('space'); // pid: fixed
    expect(store.getState().visibleColumns).toEqual([...DEFAULT_COLUMN_IDS.filter((id) => id !== 'command'), 'io_write', 'cgroup', 'command']);
    const lines = chooserLines(store.getState().visibleColumns, at('cgroup'), 120, 40, 'hint').map((l) => l.text);
    expect(lines).toContain('> [x] CGROUP   container, systemd unit or slice, else the cgroup path (extra reads per refresh)');
    expect(lines).toContain('  [ ] IO_R/s   storage bytes read per second (/proc/PID/io; another user\'s process shows -) (extra reads per refresh)');
    press('escape');
    expect(store.getState().views).toEqual(['list']);
    await new Promise((r) => setTimeout(r, 0));
    expect(saved).toEqual([{ columns: store.getState().visibleColumns, sort: 'cpu', intervalMs: 1500 }]);
  });

  it('draws the chosen optional columns and sorts by them; F6 cycles only through visible columns', () => {
    const chosen = [...DEFAULT_COLUMN_IDS, 'io_read', 'cgroup'] as const;
    const columns = fitColumns(160, chosen);
    expect(titleLine(columns, 'io_read', true)).toMatch(/TIME\+ +IO_R\/s▼ CGROUP +COMMAND/);
    const row = syntheticRow({ pid: 7, extras: { cgroup: 'nginx.service', ioReadPerSec: 2 * 1024 * 1024, ioWritePerSec: null, ctxSwitchesPerSec: null } });
    expect(rowLine(columns, { key: row.key, row, exited: false, treePrefix: '' } as never, false)).toMatch(/ 2048K nginx\.service +/);
    expect(fitColumns(160).map((c) => c.title)).not.toContain('CGROUP');
    const store = createMonitorStore({ rows: 40, visibleColumns: chosen });
    store.getState().ingest(syntheticFrame([
      syntheticRow({ pid: 1, extras: { cgroup: null, ioReadPerSec: 10, ioWritePerSec: null, ctxSwitchesPerSec: null } }),
      syntheticRow({ pid: 2, extras: { cgroup: null, ioReadPerSec: 500, ioWritePerSec: null, ctxSwitchesPerSec: null } }),
      syntheticRow({ pid: 3 }),
    ]));
    store.getState().setSort('io_read');
    expect(store.getState().display.map((d) => d.row.pid)).toEqual([2, 1, 3]);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      store.getState().cycleSort(1);
      seen.add(store.getState().sortColumn);
    }
    expect(seen.has('io_read') && seen.has('cgroup')).toBe(true);
    expect(seen.has('io_write') || seen.has('ctxsw')).toBe(false);
  });
});
