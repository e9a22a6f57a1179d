// Mouse → the same store actions keys reach, as htop does in tmux and over SSH: a click on a row
// moves the cursor there, a click on a column title sorts by it (again: inverts), the wheel moves
// like the arrow keys in whichever list is on top (processes, open files, history, help).
import { topView, type MonitorStore } from '../store/monitor-store.js';
import type { MouseEvent } from './decode-mouse.js';
import { decodeKey, type KeyPress } from './decode-key.js';
import type { ViewGeometry } from './view-geometry.js';

/** Rows one wheel notch moves (htop moves by a few lines too). */
export const WHEEL_ROWS = 3;

const UP = decodeKey('\x1b[A');
const DOWN = decodeKey('\x1b[B');

/** What a click at screen row `y` of the process list hits. */
export type ListHit = { readonly kind: 'title' } | { readonly kind: 'row'; readonly index: number } | null;

/** Hit-tests the process list: the title line sits under the header, data rows under it. */
export function listHit(s: ReturnType<MonitorStore['getState']>, y: number): ListHit {
  const { headerLines, tableRows } = s.layout;
  if (y === headerLines) return { kind: 'title' };
  const offset = y - headerLines - 1;
  if (offset < 0 || offset >= tableRows) return null;
  const index = s.scrollTop + offset;
  return index < s.display.length ? { kind: 'row', index } : null;
}

/**
 * Handles one mouse event. `key` feeds a synthetic key press through the key dispatcher, so the
 * wheel does in every view exactly what the arrow keys do there; `geometry` says which column
 * title a click hit.
 */
export function handleMouse(event: MouseEvent, store: MonitorStore, key: (press: KeyPress) => void, geometry: ViewGeometry): void {
  if (event.kind === 'wheel-up' || event.kind === 'wheel-down') {
    for (let i = 0; i < WHEEL_ROWS; i++) key(event.kind === 'wheel-up' ? UP : DOWN);
    return;
  }
  const s = store.getState();
  // Clicks act in the process list only, and never while a prompt is being typed.
  if (event.kind !== 'press' || event.button !== 'left' || topView(s) !== 'list' || s.input) return;
  const hit = listHit(s, event.y);
  if (hit?.kind === 'row') {
    s.moveCursor(hit.index - s.cursorIndex);
  } else if (hit?.kind === 'title') {
    const column = geometry.titleColumnAt(s, event.x);
    if (column === null) return;
    if (column === s.sortColumn) s.invertSort();
    else s.setSort(column);
  }
}
