import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnAt, fitColumns, GUTTER } from '../src/components/table-columns.js';
import { decodeKey, splitKeys } from '../src/keys/decode-key.js';
import { decodeMouse, isMouseReport } from '../src/keys/decode-mouse.js';
import { handleKey } from '../src/keys/dispatch.js';
import { handleMouse, listHit, WHEEL_ROWS } from '../src/keys/mouse.js';
import { VIEW_GEOMETRY } from '../src/components/view-geometry.js';
import { createMonitorStore, type MonitorStore } from '../src/store/monitor-store.js';
import { enterFullScreen, MOUSE_OFF, MOUSE_ON } from '../src/tui/terminal.js';
import { syntheticFrame, syntheticRow } from './helpers/synthetic-frames.js';

describe('decodeMouse (SGR reports)', () => {
  it('decodes presses, releases and the wheel into 0-based cells', () => {
    expect(decodeMouse('\x1b[<0;10;5M')).toEqual({ kind: 'press', button: 'left', x: 9, y: 4 });
    expect(decodeMouse('\x1b[<0;10;5m')).toEqual({ kind: 'release', button: 'left', x: 9, y: 4 });
    expect(decodeMouse('\x1b[<2;1;1M')).toEqual({ kind: 'press', button: 'right', x: 0, y: 0 });
    expect(decodeMouse('\x1b[<64;3;7M')).toEqual({ kind: 'wheel-up', button: null, x: 2, y: 6 });
    expect(decodeMouse('\x1b[<65;3;7M')).toEqual({ kind: 'wheel-down', button: null, x: 2, y: 6 });
    // Ctrl held (bit 16) is still a left press.
    expect(decodeMouse('\x1b[<16;4;4M')).toMatchObject({ kind: 'press', button: 'left' });
  });

  it('ignores motion, unknown buttons, zero coordinates and anything that is not a report', () => {
    expect(decodeMouse('\x1b[<32;10;5M')).toBeNull();
    expect(decodeMouse('\x1b[<3;10;5m')).toBeNull();
    expect(decodeMouse('\x1b[<0;0;5M')).toBeNull();
    expect(decodeMouse('\x1b[A')).toBeNull();
    expect(decodeMouse('q')).toBeNull();
  });

  it('splits reports out of a chunk of keys, legacy X10 reports too, so none of their bytes is read as a key', () => {
    expect(splitKeys('j\x1b[<0;10;5M\x1b[<0;10;5mk')).toEqual(['j', '\x1b[<0;10;5M', '\x1b[<0;10;5m', 'k']);
    expect(splitKeys('\x1b[M !!q')).toEqual(['\x1b[M !!', 'q']);
    expect(isMouseReport('\x1b[M !!')).toBe(true);
    expect(isMouseReport('\x1b[<65;3;7M')).toBe(true);
    expect(isMouseReport('\x1b[B')).toBe(false);
  });
});

describe('columnAt', () => {
  it.each([79, 80, 120])('maps every title cell at width %i to its column', (width) => {
    let x = GUTTER;
    for (const col of fitColumns(width)) {
      const end = col.id === 'command' ? width : x + col.width;
      expect(columnAt(fitColumns(width), width, x), `${col.id} starts at ${x}`).toBe(col.id);
      expect(columnAt(fitColumns(width), width, end - 1), `${col.id} ends at ${end - 1}`).toBe(col.id);
      if (col.id !== 'command') expect(columnAt(fitColumns(width), width, end)).toBeNull(); // the gap between columns
      x = end + 1;
    }
    expect(columnAt(fitColumns(width), width, 0)).toBeNull(); // the selection gutter
  });
});

describe('mouse in the process list', () => {
  const rows = Array.from({ length: 30 }, (_, i) => syntheticRow({ pid: 100 + i, cpuPercent: 30 - i, rssBytes: (i + 1) * 1024 * 1024 }));
  const storeWithRows = (): MonitorStore => {
    const store = createMonitorStore({ columns: 120, rows: 40 });
    store.getState().ingest(syntheticFrame(rows));
    return store;
  };
  const click = (store: MonitorStore, x: number, y: number): void => {
    const press = decodeMouse(`\x1b[<0;${x + 1};${y + 1}M`);
    if (!press) throw new Error('bad report');
    handleMouse(press, store, (key) => handleKey(key, store), VIEW_GEOMETRY);
  };
  const wheel = (store: MonitorStore, down: boolean): void => {
    handleMouse({ kind: down ? 'wheel-down' : 'wheel-up', button: null, x: 5, y: 10 }, store, (key) => handleKey(key, store), VIEW_GEOMETRY);
  };
  const titleY = (store: MonitorStore): number => store.getState().layout.headerLines;
  /** The screen column where a column's title starts at 120 columns. */
  const titleX = (id: string): number => {
    let x = GUTTER;
    for (const col of fitColumns(120)) {
      if (col.id === id) return x;
      x += col.width + 1;
    }
    throw new Error(`no column ${id}`);
  };

  it('a click on a row moves the cursor to that process', () => {
    const store = storeWithRows();
    click(store, 30, titleY(store) + 1 + 4);
    expect(store.getState().cursorIndex).toBe(4);
    expect(store.getState().cursorKey).toBe(store.getState().display[4]?.key);
    click(store, 30, titleY(store) + 1);
    expect(store.getState().cursorIndex).toBe(0);
  });

  it('a click below the last row, on the header or on the status bar moves nothing', () => {
    const store = createMonitorStore({ columns: 120, rows: 40 });
    store.getState().ingest(syntheticFrame(rows.slice(0, 3)));
    click(store, 30, titleY(store) + 1 + 2);
    expect(store.getState().cursorIndex).toBe(2);
    for (const y of [titleY(store) + 1 + 5, 0, 38]) {
      click(store, 30, y);
      expect(store.getState().cursorIndex).toBe(2);
    }
    expect(listHit(store.getState(), titleY(store) + 1 + 3)).toBeNull();
  });

  it('a click on a column title sorts by it; again inverts', () => {
    const store = storeWithRows();
    expect(store.getState()).toMatchObject({ sortColumn: 'cpu', descending: true });
    click(store, titleX('pid'), titleY(store));
    expect(store.getState()).toMatchObject({ sortColumn: 'pid', descending: false });
    expect(store.getState().display[0]?.row.pid).toBe(100);
    click(store, titleX('pid') + 3, titleY(store));
    expect(store.getState()).toMatchObject({ sortColumn: 'pid', descending: true });
    expect(store.getState().display[0]?.row.pid).toBe(129);
    click(store, titleX('mem'), titleY(store));
    expect(store.getState()).toMatchObject({ sortColumn: 'mem', descending: true });
  });

  it('the wheel moves the cursor like the arrow keys, a few rows per notch', () => {
    const store = storeWithRows();
    wheel(store, true);
    expect(store.getState().cursorIndex).toBe(WHEEL_ROWS);
    wheel(store, true);
    wheel(store, false);
    expect(store.getState().cursorIndex).toBe(WHEEL_ROWS);
  });

  it('clicks do nothing over another view or while a prompt is typed; the wheel scrolls that view', () => {
    const store = storeWithRows();
    store.getState().pushView('help');
    click(store, 30, titleY(store) + 1 + 4);
    click(store, titleX('pid'), titleY(store));
    expect(store.getState()).toMatchObject({ cursorIndex: 0, sortColumn: 'cpu' });
    store.getState().popView();
    handleKey(decodeKey('/'), store);
    click(store, 30, titleY(store) + 1 + 4);
    expect(store.getState().cursorIndex).toBe(0);
  });
});

describe('the terminal session', () => {
  const capture = (mouse: boolean): string => {
    const dir = mkdtempSync(join(tmpdir(), 'proctop-mouse-'));
    const path = join(dir, 'out');
    const fd = openSync(path, 'w');
    try {
      const session = enterFullScreen(process.stdin, fd, { mouse });
      session.restore();
      session.restore();
    } finally {
      closeSync(fd);
    }
    const text = readFileSync(path, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    return text;
  };

  it('turns mouse reports on only when asked, and always off again when restoring', () => {
    const withMouse = capture(true);
    expect(withMouse.indexOf(MOUSE_ON)).toBeGreaterThanOrEqual(0);
    expect(withMouse.lastIndexOf(MOUSE_OFF)).toBeGreaterThan(withMouse.indexOf(MOUSE_ON));
    const without = capture(false);
    expect(without).not.toContain(MOUSE_ON);
    // Leaving always switches them off: a crash after some other path turned them on leaves none.
    expect(without).toContain(MOUSE_OFF);
  });
});
