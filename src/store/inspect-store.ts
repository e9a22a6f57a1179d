// State of the drill-down views (process details and open files): which process is inspected,
// its latest fd listing and cwd, a short CPU/RSS history, and the open-files view's own filter,
// search and scroll. A vanilla zustand store apart from the monitor store; it never touches the
// OS (tui/inspect-refresher.ts feeds it).
import { createStore, type StoreApi } from 'zustand/vanilla';
import { describeFdState, describeFdTarget } from '../fds/describe-fd.js';
import type { IdentityKey, ProcessRow } from '../sampler/types.js';
import type { FdEntry, FdKind, FdListing, ProcessInspection, ProcessLink } from '../sys/types.js';

/** The process a drill-down view shows: captured when the view opened, by identity. */
export interface InspectTarget {
  readonly key: IdentityKey;
  readonly pid: number;
  readonly startTime: number;
}

/** Recent CPU% and RSS of one identity, oldest first. */
export interface ProcessHistory {
  readonly key: IdentityKey | null;
  readonly cpuPercent: readonly number[];
  readonly rssBytes: readonly number[];
}

/** The `/` search being typed in the open-files view. */
export interface FdSearchInput {
  readonly text: string;
  /** Search to restore on Esc. */
  readonly previous: string;
}

export interface InspectState {
  /** The inspected process; null when no drill-down view is open. */
  readonly target: InspectTarget | null;
  /** The target's row as last seen in a frame (kept after it exits). */
  readonly lastRow: ProcessRow | null;
  /** The target is gone (absent from a frame, or its PID now names another process). */
  readonly exited: boolean;
  /** Latest fd listing of the target (null until the first one arrives). */
  readonly listing: FdListing | null;
  /** Wall clock of the latest listing, ms. */
  readonly listedAtMs: number | null;
  /** listFds itself failed (not an EACCES/ENOENT value: those are in listing.error). */
  readonly listingFailure: string | null;
  /** The cwd link, read fresh. */
  readonly cwd: ProcessLink | null;
  /** The exe link, read fresh (carries the kernel's " (deleted)" mark when replaced). */
  readonly exe: ProcessLink | null;
  /** History of the focused identity (the list cursor, or the target while inspecting). */
  readonly history: ProcessHistory;
  /** Open-files view: only this kind (null = all kinds). */
  readonly kindFilter: FdKind | null;
  /** Open-files view: kept search text ("" = none). */
  readonly search: string;
  /** Open-files view: the search prompt, while typing. */
  readonly searchInput: FdSearchInput | null;
  /** Open-files view: first fd row in the viewport. */
  readonly fdScroll: number;
  /** Details view: the whole-process read (refreshed each interval; null until the first arrives). */
  readonly inspection: ProcessInspection | null;
  /** Details view: smaps_rollup and sha256 asked for (read on demand, never on every refresh). */
  readonly deepRead: boolean;
  /** Details view: first line below the title in the viewport. */
  readonly detailScroll: number;
}

export interface InspectActions {
  /** Starts inspecting a process; reopening the same identity keeps its data, view filters reset. */
  inspect(target: InspectTarget, row: ProcessRow | null): void;
  /** Stops inspecting (no drill-down view left open): drops the listing. */
  close(): void;
  /** The target's row in the latest frame, or null when it is not there (exited). */
  observeTarget(row: ProcessRow | null): void;
  /** Marks the target gone (its PID now names another process). */
  markExited(): void;
  /** Stores a listing made for `key`; ignored when the target changed meanwhile. */
  setListing(key: IdentityKey, listing: FdListing, atMs: number): void;
  setListingFailure(key: IdentityKey, message: string): void;
  /** Stores freshly read links made for `key`; ignored when the target changed meanwhile. */
  setLinks(key: IdentityKey, links: { readonly cwd: ProcessLink; readonly exe: ProcessLink }): void;
  /** Appends one sample of `row` to the history; a different identity starts a new history. */
  recordSample(row: ProcessRow): void;
  setKindFilter(kind: FdKind | null): void;
  startSearch(): void;
  typeSearch(text: string): void;
  backspaceSearch(): void;
  acceptSearch(): void;
  cancelSearch(): void;
  /** Esc in the open-files view with a kept search: clears it. */
  clearSearch(): void;
  /** Scrolls the fd table by `delta` rows within `pageRows` visible rows. */
  scrollFds(delta: number, pageRows: number): void;
  /** Scrolls to the first (-1) or last (+1) rows. */
  scrollFdsToEnd(end: -1 | 1, pageRows: number): void;
  /** Stores a whole-process read made for `key`; ignored when the target changed meanwhile. */
  setInspection(key: IdentityKey, inspection: ProcessInspection): void;
  /** Asks for the costly parts (USS/PSS from smaps_rollup, sha256) in the next read. */
  requestDeepRead(): void;
  /** Scrolls the details view by `delta` lines (clamped by the view to its content). */
  scrollDetail(delta: number, maxScroll: number): void;
}

export type InspectStore = StoreApi<InspectState & InspectActions>;

/** Samples kept per identity (2 minutes at the default 1.5 s interval). */
export const HISTORY_SAMPLES = 80;

const EMPTY_HISTORY: ProcessHistory = { key: null, cpuPercent: [], rssBytes: [] };

const CLOSED: Omit<InspectState, 'history'> = {
  target: null,
  lastRow: null,
  exited: false,
  listing: null,
  listedAtMs: null,
  listingFailure: null,
  cwd: null,
  exe: null,
  kindFilter: null,
  search: '',
  searchInput: null,
  fdScroll: 0,
  inspection: null,
  deepRead: false,
  detailScroll: 0,
};

/** The search text in effect: the prompt's while typing, else the kept one. */
export function activeSearch(s: InspectState): string {
  return s.searchInput ? s.searchInput.text : s.search;
}

/** Case-insensitive match of a search against what the open-files table shows for an fd. */
export function fdMatchesSearch(entry: FdEntry, search: string): boolean {
  if (search === '') return true;
  const needle = search.toLowerCase();
  const haystack = [String(entry.fd), entry.kind, entry.path ?? '', describeFdTarget(entry), describeFdState(entry), entry.mode ?? ''];
  return haystack.some((text) => text.toLowerCase().includes(needle));
}

// visibleFds is asked for by every render and every scroll key: with 10,000 fds and a search,
// recomputing costs ~15 ms, so the last answer is kept until listing, kind or search change.
let lastVisible: { listing: FdListing | null; kind: FdKind | null; search: string; fds: readonly FdEntry[] } | null = null;

/** The fds the open-files table shows: kind filter and search applied, in fd order. */
export function visibleFds(s: InspectState): readonly FdEntry[] {
  const search = activeSearch(s);
  if (lastVisible && lastVisible.listing === s.listing && lastVisible.kind === s.kindFilter && lastVisible.search === search) return lastVisible.fds;
  const all = s.listing?.fds ?? [];
  const fds = all.filter((e) => (s.kindFilter === null || e.kind === s.kindFilter) && fdMatchesSearch(e, search)).sort((a, b) => a.fd - b.fd);
  lastVisible = { listing: s.listing, kind: s.kindFilter, search, fds };
  return fds;
}

/** A scroll position that keeps the viewport on rows (never past the last page). */
export function clampScroll(scroll: number, rowCount: number, pageRows: number): number {
  return Math.max(0, Math.min(scroll, rowCount - Math.max(1, pageRows)));
}

/** Creates a fresh inspect store (one per app instance and per test). */
export function createInspectStore(): InspectStore {
  return createStore<InspectState & InspectActions>()((set, get) => {
    /** Applies a change when it still concerns the current target. */
    const forTarget = (key: IdentityKey, change: Partial<InspectState>): void => {
      if (get().target?.key === key) set(change);
    };
    return {
      ...CLOSED,
      history: EMPTY_HISTORY,

      inspect(target, row) {
        const s = get();
        const same = s.target?.key === target.key;
        const viewReset = { kindFilter: null, search: '', searchInput: null, fdScroll: 0 };
        if (same) set({ ...viewReset, detailScroll: 0, lastRow: row ?? s.lastRow });
        else set({ ...CLOSED, ...viewReset, target, lastRow: row, exited: false });
      },
      close() {
        set({ ...CLOSED });
      },
      observeTarget(row) {
        if (!get().target) return;
        if (row) set({ lastRow: row });
        else set({ exited: true });
      },
      markExited() {
        if (get().target) set({ exited: true });
      },
      setListing(key, listing, atMs) {
        forTarget(key, { listing, listedAtMs: atMs, listingFailure: null, exited: get().exited || listing.error?.code === 'ENOENT' });
      },
      setListingFailure(key, message) {
        forTarget(key, { listingFailure: message });
      },
      setLinks(key, links) {
        forTarget(key, { cwd: links.cwd, exe: links.exe });
      },
      recordSample(row) {
        const h = get().history;
        const same = h.key === row.key;
        const cpu = same ? [...h.cpuPercent, row.cpuPercent] : [row.cpuPercent];
        const rss = same ? [...h.rssBytes, row.rssBytes] : [row.rssBytes];
        set({ history: { key: row.key, cpuPercent: cpu.slice(-HISTORY_SAMPLES), rssBytes: rss.slice(-HISTORY_SAMPLES) } });
      },
      setKindFilter(kind) {
        set({ kindFilter: kind, fdScroll: 0 });
      },
      startSearch() {
        const s = get();
        set({ searchInput: { text: '', previous: s.search }, fdScroll: 0 });
      },
      typeSearch(text) {
        const input = get().searchInput;
        if (input) set({ searchInput: { ...input, text: input.text + text }, fdScroll: 0 });
      },
      backspaceSearch() {
        const input = get().searchInput;
        if (input) set({ searchInput: { ...input, text: input.text.slice(0, -1) }, fdScroll: 0 });
      },
      acceptSearch() {
        const input = get().searchInput;
        if (input) set({ search: input.text, searchInput: null });
      },
      cancelSearch() {
        const input = get().searchInput;
        if (input) set({ search: input.previous, searchInput: null, fdScroll: 0 });
      },
      clearSearch() {
        set({ search: '', searchInput: null, fdScroll: 0 });
      },
      scrollFds(delta, pageRows) {
        const s = get();
        const rows = visibleFds(s).length;
        set({ fdScroll: clampScroll(clampScroll(s.fdScroll, rows, pageRows) + delta, rows, pageRows) });
      },
      setInspection(key, inspection) {
        forTarget(key, { inspection });
      },
      requestDeepRead() {
        if (get().target) set({ deepRead: true });
      },
      scrollDetail(delta, maxScroll) {
        set({ detailScroll: Math.max(0, Math.min(get().detailScroll + delta, Math.max(0, maxScroll))) });
      },
      scrollFdsToEnd(end, pageRows) {
        const s = get();
        set({ fdScroll: end < 0 ? 0 : clampScroll(Number.MAX_SAFE_INTEGER, visibleFds(s).length, pageRows) });
      },
    };
  });
}

/** Lines above the fd rows in the open-files view: title, kind tabs, column titles. */
export const FD_VIEW_HEAD_LINES = 3;

/** Fd rows the open-files view shows for a screen height (also the page size of PgUp/PgDn). */
export function fdTableRows(layout: { readonly lines: number; readonly statusLines: number }): number {
  return Math.max(1, layout.lines - layout.statusLines - FD_VIEW_HEAD_LINES);
}
