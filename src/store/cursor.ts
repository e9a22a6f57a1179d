// Pure cursor and scroll arithmetic: the cursor is an identity, the index is derived.
import type { IdentityKey } from '../sampler/types.js';
import type { DisplayRow } from './process-list.js';
import { LazyKeyMap } from './lazy-key-map.js';

/** Where the cursor is after the list changed. */
export interface CursorPlace {
  readonly key: IdentityKey | null;
  readonly index: number;
}

/**
 * Re-finds the cursor in a new list: the same identity wherever it moved; if that process is no
 * longer listed, the row now at its old position (clamped); the first row when there was none.
 */
export function relocateCursor(display: readonly DisplayRow[], index: ReadonlyMap<IdentityKey, number>, key: IdentityKey | null, lastIndex: number): CursorPlace {
  if (display.length === 0) return { key: null, index: 0 };
  if (key !== null) {
    const found = index.get(key);
    if (found !== undefined) return { key, index: found };
  }
  const at = key === null ? 0 : Math.min(Math.max(0, lastIndex), display.length - 1);
  return { key: display[at]?.key ?? null, index: at };
}

/** Moves an index by delta within [0, length-1]. */
export function clampIndex(index: number, length: number): number {
  if (length <= 0) return 0;
  return Math.min(Math.max(0, index), length - 1);
}

/** The smallest scroll change that keeps `cursor` inside a viewport of `height` rows. */
export function scrollToShow(cursor: number, scrollTop: number, height: number, length: number): number {
  if (height <= 0 || length <= 0) return 0;
  let top = scrollTop;
  if (cursor < top) top = cursor;
  if (cursor >= top + height) top = cursor - height + 1;
  return Math.min(Math.max(0, top), Math.max(0, length - height));
}

/** Scroll that keeps the cursor on the same screen line it was on (follow mode). */
export function scrollToPin(cursor: number, screenLine: number, height: number, length: number): number {
  if (height <= 0 || length <= 0) return 0;
  const line = Math.min(Math.max(0, screenLine), height - 1);
  return scrollToShow(cursor, Math.max(0, cursor - line), height, length);
}

const keyOfDisplayRow = (d: DisplayRow): IdentityKey => d.key;
const indexOfDisplayRow = (_d: DisplayRow, index: number): number => index;

/** Index of every display row by identity (built on first need: most refreshes look up one row, if any). */
export function indexByKey(display: readonly DisplayRow[]): ReadonlyMap<IdentityKey, number> {
  return new LazyKeyMap(display, keyOfDisplayRow, indexOfDisplayRow);
}
