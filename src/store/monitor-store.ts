// The TUI's state: a zustand vanilla store (a fresh one per app and per test). It eats finished
// SampledFrames; it never samples and never touches the OS.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { IdentityKey, ProcessRow, SampledFrame } from '../sampler/types.js';
import type { ExactRss } from '../sampler/exact-rss.js';
import { defaultDescending } from './columns.js';
import { COLUMN_IDS, DEFAULT_COLUMN_IDS, FIXED_COLUMN_IDS, type ColumnId } from '../config/columns.js';
import { clampIndex, indexByKey, relocateCursor, scrollToPin, scrollToShow } from './cursor.js';
import { computeLayout, type ScreenLayout } from './layout.js';
import { LazyKeyMap } from './lazy-key-map.js';
import { displayRows, withDescendants, type DisplayRow, type ListQuery } from './process-list.js';
import { parsePortFilter, type PortHolders } from './port-filter.js';
import { quoted } from '../output/sanitize.js';
import type { TrackedEntry } from '../registry/types.js';
import { parseTrackedFilter } from './tracked-filter.js';
import { newWarning } from './warnings.js';

/** Screens stacked on top of the process list; the top one receives keys. */
export type View = 'list' | 'detail' | 'fds' | 'confirm' | 'history' | 'help' | 'columns' | 'tracked' | 'track-form';

/** A one-line prompt in the status bar (filter text or user name being typed). */
export interface TextInput {
  readonly kind: 'filter' | 'user';
  readonly text: string;
  /** Value to restore when the edit is cancelled. */
  readonly previous: string;
}

/**
 * The state a status message speaks about. While that state still says what the message says,
 * the message stays (until `untilMs`); once it changes, the message goes (messageHolds).
 */
export type MessageSubject =
  /** "no processes of user X right now": while X is the user filter and no row of X is listed. */
  | { readonly kind: 'user-absent'; readonly user: string }
  /** "looking up processes holding port N…": while the filter is :N and its holders are unknown. */
  | { readonly kind: 'port-lookup'; readonly port: number }
  /** "no process you can see holds port N": while the filter is :N. */
  | { readonly kind: 'port-filter'; readonly port: number }
  /** "filter cleared": while no filter is set. */
  | { readonly kind: 'filter-cleared' }
  /** "selected N processes": while the selection is exactly the one the message counted. */
  | { readonly kind: 'selection'; readonly selection: ReadonlySet<IdentityKey> };

/** A message shown in the status bar until `untilMs`, or until its subject changes. */
export interface StatusMessage {
  readonly text: string;
  readonly untilMs: number;
  /** The state the message is about; none = it stands until untilMs. */
  readonly about?: MessageSubject;
}

/** Whether a message still tells the truth about the state. Pure. */
export function messageHolds(message: StatusMessage, s: MonitorState): boolean {
  const about = message.about;
  if (!about) return true;
  switch (about.kind) {
    case 'user-absent':
      if (s.userFilter !== about.user) return false;
      for (const row of s.rowsByKey.values()) if (row.user === about.user) return false;
      return true;
    case 'port-lookup':
      return parsePortFilter(s.filter) === about.port && s.portHolders?.port !== about.port;
    case 'port-filter':
      return parsePortFilter(s.filter) === about.port;
    case 'filter-cleared':
      return s.filter === '' && s.userFilter === null;
    case 'selection':
      return s.selection === about.selection;
  }
}

/** An exited process kept under the cursor for a moment. */
export interface Tombstone {
  readonly row: ProcessRow;
  readonly untilMs: number;
}

export interface MonitorState {
  /** 'watch' = read-only: every mutating key only answers "read-only (--watch)". */
  readonly mode: 'interactive' | 'watch';
  /** Collector backend in use ("native" or "js"), shown in the status bar. */
  readonly backend: string;
  /** Latest frame eaten (null before the first sample). */
  readonly frame: SampledFrame | null;
  /** Rows of the latest frame by identity. */
  readonly rowsByKey: ReadonlyMap<IdentityKey, ProcessRow>;
  /** Rows as shown, filtered and ordered (derived; recomputed when frame or query changes). */
  readonly display: readonly DisplayRow[];
  /** Position of each display row by identity (derived). */
  readonly displayIndex: ReadonlyMap<IdentityKey, number>;
  /** Identity under the cursor. */
  readonly cursorKey: IdentityKey | null;
  /** Cursor position in `display` (kept so a vanished cursor lands on its neighbour). */
  readonly cursorIndex: number;
  /** The user has moved the cursor; until then it starts on the top row of the first full frame. */
  readonly cursorTouched: boolean;
  /** First display row in the viewport. */
  readonly scrollTop: number;
  /** Selected identities (Space, c); never positions. */
  readonly selection: ReadonlySet<IdentityKey>;
  readonly sortColumn: ColumnId;
  readonly descending: boolean;
  /** Columns the user chose (F2), in screen order; the table draws those that fit. */
  readonly visibleColumns: readonly ColumnId[];
  /** Column chooser: the line under its cursor (index into COLUMN_IDS). */
  readonly chooserIndex: number;
  readonly filter: string;
  /** User filter (u); null = all users. */
  readonly userFilter: string | null;
  /** Processes holding the port of a ":PORT" filter (looked up off the JS thread); null until known. */
  readonly portHolders: PortHolders | null;
  /** Tracked processes of this boot by identity (TRACK column, tag:/group:/name: filter tokens). */
  readonly tracked: ReadonlyMap<IdentityKey, TrackedEntry>;
  readonly tree: boolean;
  readonly hideKernelThreads: boolean;
  /** Follow (F): the cursor's process stays on its screen line while the list moves under it. */
  readonly following: boolean;
  /** Pause (Z): frames are not eaten. */
  readonly paused: boolean;
  readonly intervalMs: number;
  /** View stack, bottom first; always starts with 'list'. */
  readonly views: readonly View[];
  readonly input: TextInput | null;
  readonly tombstone: Tombstone | null;
  readonly message: StatusMessage | null;
  /**
   * Exact RSS (VmRSS) readings of rows on screen, by identity (tui/visible-rss.ts reads them): what
   * the RSS column and the details view show (shownRss). Sorting and filtering keep the counter.
   */
  readonly exactRss: ReadonlyMap<IdentityKey, ExactRss>;
  /** Total CPU % of recent frames, oldest first (for the sparkline). */
  readonly cpuHistory: readonly number[];
  readonly terminalColumns: number;
  readonly terminalRows: number;
  /** Derived from terminal size and CPU count. */
  readonly layout: ScreenLayout;
  readonly color: boolean;
  readonly quitRequested: boolean;
}

export interface MonitorActions {
  /** Eats one finished frame (ignored while paused). */
  ingest(frame: SampledFrame): void;
  moveCursor(delta: number): void;
  pageUp(): void;
  pageDown(): void;
  cursorHome(): void;
  cursorEnd(): void;
  /** Sorts by a column; picking the current column again keeps its direction. */
  setSort(column: ColumnId): void;
  /** Moves the sort to the previous (-1) or next (+1) visible column. */
  cycleSort(step: -1 | 1): void;
  /** Column chooser: turns the column under its cursor on or off (PID, CPU% and COMMAND stay). */
  toggleChosenColumn(): void;
  /** Column chooser: moves its cursor. */
  moveChooser(delta: number): void;
  invertSort(): void;
  toggleTree(): void;
  toggleKernelThreads(): void;
  toggleFollow(): void;
  togglePause(): void;
  /** Steps the refresh interval up (+1) or down (-1) the ladder. */
  changeInterval(step: -1 | 1): void;
  toggleSelect(): void;
  selectWithChildren(): void;
  clearSelection(): void;
  /** Opens the filter or user prompt; `fresh` starts from empty text. */
  startInput(kind: TextInput['kind'], fresh: boolean): void;
  typeInput(text: string): void;
  backspaceInput(): void;
  acceptInput(): void;
  cancelInput(): void;
  /** Esc in the list: clears the filter and user filter. */
  clearFilters(): void;
  /** Hands over the looked-up holders of a ":PORT" filter's port; the list is recomputed. */
  setPortHolders(holders: PortHolders | null): void;
  /** Hands over the registry's entries by identity; the list is recomputed when the filter uses them. */
  setTracked(tracked: ReadonlyMap<IdentityKey, TrackedEntry>): void;
  pushView(view: View): void;
  popView(): void;
  /** Replaces the exact RSS figures of the rows on screen. */
  setExactRss(exact: ReadonlyMap<IdentityKey, ExactRss>): void;
  /** Shows text in the status bar; `about` ties it to the state it describes (see MessageSubject). */
  showMessage(text: string, durationMs?: number, about?: MessageSubject): void;
  resize(columns: number, rows: number): void;
  requestQuit(): void;
}

export type MonitorStore = StoreApi<MonitorState & MonitorActions>;

/** Values the CLI flags prefill. */
export interface MonitorStoreOptions {
  readonly mode?: MonitorState['mode'];
  readonly backend?: string;
  readonly intervalMs?: number;
  readonly sortColumn?: ColumnId;
  readonly descending?: boolean;
  /** Chosen columns (config `columns`); default DEFAULT_COLUMN_IDS. */
  readonly visibleColumns?: readonly ColumnId[];
  readonly filter?: string;
  readonly userFilter?: string | null;
  readonly tree?: boolean;
  readonly color?: boolean;
  readonly columns?: number;
  readonly rows?: number;
  /** Clock for messages and tombstones (tests pass a fake one). */
  readonly now?: () => number;
}

/** Refresh interval ladder for + and -. */
export const INTERVAL_STEPS_MS: readonly number[] = [250, 500, 1000, 1500, 2000, 3000, 5000, 10_000];
const HISTORY_LENGTH = 120;
const MESSAGE_MS = 3000;
/** A warning the refreshes start giving stands in the status bar this long (then `?` lists it). */
export const WARNING_MS = 10_000;

/** An exited process stays under the cursor for at least this long (or two refreshes). */
export const TOMBSTONE_MS = 2500;

function listQuery(s: MonitorState): ListQuery {
  return {
    sortColumn: s.sortColumn,
    descending: s.descending,
    filter: s.filter,
    user: s.userFilter,
    hideKernelThreads: s.hideKernelThreads,
    tree: s.tree,
    portHolders: s.portHolders,
    tracked: s.tracked,
  };
}

const keyOfRow = (row: ProcessRow): IdentityKey => row.key;
const rowItself = (row: ProcessRow): ProcessRow => row;

/** A frame's rows by identity (built on first need: a refresh looks up its cursor row, if anything). */
function rowsByIdentity(rows: readonly ProcessRow[]): ReadonlyMap<IdentityKey, ProcessRow> {
  return new LazyKeyMap(rows, keyOfRow, rowItself);
}

/** The selected identities still present; the same Set when none left (the usual case: nothing selected). */
function keepPresent(selection: ReadonlySet<IdentityKey>, rowsByKey: ReadonlyMap<IdentityKey, ProcessRow>): ReadonlySet<IdentityKey> {
  for (const key of selection) if (!rowsByKey.has(key)) return new Set([...selection].filter((k) => rowsByKey.has(k)));
  return selection;
}

/**
 * In --watch, until the user moves, the view is the top of the sort: the untouched cursor stays on
 * the first row instead of riding one process down (proctop's own row, busy at start, then idle),
 * so a read-only pane nobody touches keeps showing what burns CPU, at every size. (Interactive,
 * the cursor sticks to the process it started on: the user is about to act on it.)
 */
function viewsTopOfSort(s: MonitorState): boolean {
  return s.mode === 'watch' && !s.cursorTouched && !s.following;
}

/** Recomputes the displayed rows and re-finds the cursor by identity; the scroll follows. */
function relist(s: MonitorState, rows?: readonly ProcessRow[]): Partial<MonitorState> {
  // The frame's rows, not rowsByKey's values: those would build a map of every process (a re-sort at
  // 20,000 processes spent a few ms on it) that holds the same rows (ingest relists frame.rows too).
  const source = rows ?? s.frame?.rows ?? [];
  const tomb = s.tombstone;
  const withTomb = tomb && !s.rowsByKey.has(tomb.row.key) ? [...source, tomb.row] : source;
  const display = displayRows(withTomb, listQuery(s), tomb ? tomb.row.key : null);
  const displayIndex = indexByKey(display);
  const height = s.layout.tableRows;
  if (viewsTopOfSort(s)) return { display, displayIndex, cursorKey: display[0]?.key ?? null, cursorIndex: 0, scrollTop: 0 };
  const place = relocateCursor(display, displayIndex, s.cursorKey, s.cursorIndex);
  const scrollTop = s.following
    ? scrollToPin(place.index, s.cursorIndex - s.scrollTop, height, display.length)
    : scrollToShow(place.index, s.scrollTop, height, display.length);
  return { display, displayIndex, cursorKey: place.key, cursorIndex: place.index, scrollTop };
}

/** Moves the cursor to an absolute index. */
function cursorAt(s: MonitorState, index: number): Partial<MonitorState> {
  const at = clampIndex(index, s.display.length);
  const key = s.display[at]?.key ?? null;
  return { cursorKey: key, cursorIndex: at, cursorTouched: true, scrollTop: scrollToShow(at, s.scrollTop, s.layout.tableRows, s.display.length) };
}

/** Creates a fresh monitor store. */
export function createMonitorStore(options: MonitorStoreOptions = {}): MonitorStore {
  const now = options.now ?? Date.now;
  const columns = options.columns ?? 80;
  const rows = options.rows ?? 24;
  const sortColumn = options.sortColumn ?? 'cpu';
  return createStore<MonitorState & MonitorActions>()((rawSet, get) => {
    // Every change re-checks the status message against the state it speaks about.
    const set = (change: Partial<MonitorState>): void => {
      rawSet(change);
      const message = get().message;
      if (message && !messageHolds(message, get())) rawSet({ message: null });
    };
    /** Applies a change that affects which rows show, then relists. */
    const requery = (change: Partial<MonitorState>): void => {
      const next = { ...get(), ...change };
      set({ ...change, ...relist(next) });
    };
    const note = (text: string, durationMs = MESSAGE_MS, about?: MessageSubject): void =>
      set({ message: about ? { text, untilMs: now() + durationMs, about } : { text, untilMs: now() + durationMs } });
    return {
      mode: options.mode ?? 'interactive',
      backend: options.backend ?? '',
      frame: null,
      rowsByKey: new Map(),
      display: [],
      displayIndex: new Map(),
      cursorKey: null,
      cursorIndex: 0,
      cursorTouched: false,
      scrollTop: 0,
      selection: new Set(),
      sortColumn,
      descending: options.descending ?? defaultDescending(sortColumn),
      visibleColumns: options.visibleColumns ?? DEFAULT_COLUMN_IDS,
      chooserIndex: 0,
      filter: options.filter ?? '',
      userFilter: options.userFilter ?? null,
      portHolders: null,
      tracked: new Map(),
      tree: options.tree ?? false,
      hideKernelThreads: false,
      following: false,
      paused: false,
      intervalMs: options.intervalMs ?? 1500,
      views: ['list'],
      input: null,
      tombstone: null,
      message: null,
      exactRss: new Map(),
      cpuHistory: [],
      terminalColumns: columns,
      terminalRows: rows,
      layout: computeLayout(columns, rows, 1),
      color: options.color ?? true,
      quitRequested: false,

      ingest(frame) {
        const s = get();
        if (s.paused) return;
        const rowsByKey = rowsByIdentity(frame.rows);
        // The cursor's process exited: keep it on screen, marked, for a moment (not an untouched
        // --watch cursor: that one is just the top of the list).
        let tombstone = s.tombstone && s.tombstone.untilMs > frame.timestampMs && !rowsByKey.has(s.tombstone.row.key) ? s.tombstone : null;
        if (!viewsTopOfSort(s) && s.cursorKey !== null && !rowsByKey.has(s.cursorKey) && tombstone?.row.key !== s.cursorKey) {
          const gone = s.rowsByKey.get(s.cursorKey);
          tombstone = gone ? { row: gone, untilMs: frame.timestampMs + Math.max(TOMBSTONE_MS, 2 * s.intervalMs) } : null;
        }
        const selection = keepPresent(s.selection, rowsByKey);
        const cpuHistory = frame.intervalMs > 0 ? [...s.cpuHistory, frame.cpuPercentTotal].slice(-HISTORY_LENGTH) : s.cpuHistory;
        const layout = computeLayout(s.terminalColumns, s.terminalRows, frame.cpuPercentPerCpu.length || frame.system.cpus.length);
        let message = s.message && s.message.untilMs > now() ? s.message : null;
        // A warning the refreshes start giving is said once, unless a message stands (the state
        // on the right counts the warnings all along, and help lists them).
        const warning = newWarning(s.frame?.warnings ?? [], frame.warnings);
        if (warning && !message) message = { text: `warning: ${warning.text}${warning.more > 0 ? ` (+${warning.more} more: ? lists them)` : ''}`, untilMs: now() + WARNING_MS };
        // The first frame has no CPU figures (all 0%): its order means nothing, so an untouched
        // cursor starts again on the top row of the first full frame.
        const cursorKey = !s.cursorTouched && (s.frame === null || s.frame.intervalMs === 0) ? null : s.cursorKey;
        const next: MonitorState = { ...s, frame, rowsByKey, tombstone, selection, cpuHistory, layout, message, cursorKey };
        set({ frame, rowsByKey, tombstone, selection, cpuHistory, layout, message, ...relist(next, frame.rows) });
      },
      moveCursor(delta) {
        const s = get();
        set({ ...cursorAt(s, s.cursorIndex + delta), following: false });
      },
      pageUp() {
        const s = get();
        set({ ...cursorAt(s, s.cursorIndex - Math.max(1, s.layout.tableRows)), following: false });
      },
      pageDown() {
        const s = get();
        set({ ...cursorAt(s, s.cursorIndex + Math.max(1, s.layout.tableRows)), following: false });
      },
      cursorHome() {
        set({ ...cursorAt(get(), 0), following: false });
      },
      cursorEnd() {
        const s = get();
        set({ ...cursorAt(s, s.display.length - 1), following: false });
      },
      setSort(column) {
        const s = get();
        requery({ sortColumn: column, descending: column === s.sortColumn ? s.descending : defaultDescending(column) });
      },
      cycleSort(step) {
        // Only the columns on screen: a sort by an invisible column would look like no order at all.
        const ids = COLUMN_IDS.filter((id) => get().visibleColumns.includes(id) || FIXED_COLUMN_IDS.includes(id));
        const i = ids.indexOf(get().sortColumn);
        const column = ids[(i + step + ids.length) % ids.length] ?? 'cpu';
        requery({ sortColumn: column, descending: defaultDescending(column) });
      },
      toggleChosenColumn() {
        const s = get();
        const id = COLUMN_IDS[s.chooserIndex];
        if (id === undefined || FIXED_COLUMN_IDS.includes(id)) return;
        const on = s.visibleColumns.includes(id) ? s.visibleColumns.filter((c) => c !== id) : [...s.visibleColumns, id];
        // Keep screen order whatever the order of choosing.
        set({ visibleColumns: COLUMN_IDS.filter((c) => on.includes(c) || FIXED_COLUMN_IDS.includes(c)) });
      },
      moveChooser(delta) {
        set({ chooserIndex: Math.max(0, Math.min(COLUMN_IDS.length - 1, get().chooserIndex + delta)) });
      },
      invertSort() {
        requery({ descending: !get().descending });
      },
      toggleTree() {
        requery({ tree: !get().tree });
      },
      toggleKernelThreads() {
        const hide = !get().hideKernelThreads;
        requery({ hideKernelThreads: hide });
        note(hide ? 'kernel threads hidden' : 'kernel threads shown');
      },
      toggleFollow() {
        const s = get();
        const following = !s.following && s.cursorKey !== null;
        set({ following });
        const row = s.cursorKey !== null ? s.display[s.cursorIndex]?.row : undefined;
        note(following && row ? `following PID ${row.pid}` : 'follow off');
      },
      togglePause() {
        const paused = !get().paused;
        set({ paused });
        note(paused ? 'paused (Z to resume)' : 'resumed');
      },
      changeInterval(step) {
        const current = get().intervalMs;
        const ladder = INTERVAL_STEPS_MS;
        const nextMs =
          step > 0 ? (ladder.find((ms) => ms > current) ?? ladder[ladder.length - 1] ?? current) : ([...ladder].reverse().find((ms) => ms < current) ?? ladder[0] ?? current);
        set({ intervalMs: nextMs });
        note(`interval ${nextMs >= 1000 ? `${nextMs / 1000}s` : `${nextMs}ms`}`);
      },
      toggleSelect() {
        const s = get();
        const key = s.cursorKey;
        if (key === null || !s.rowsByKey.has(key)) return;
        const selection = new Set(s.selection);
        if (selection.has(key)) selection.delete(key);
        else selection.add(key);
        set({ selection, ...cursorAt(s, s.cursorIndex + 1) });
      },
      selectWithChildren() {
        const s = get();
        if (s.cursorKey === null || !s.rowsByKey.has(s.cursorKey)) return;
        const keys = withDescendants([...s.rowsByKey.values()], s.cursorKey);
        const selection = new Set([...s.selection, ...keys]);
        set({ selection });
        note(`selected ${keys.length} process${keys.length === 1 ? '' : 'es'} (with children)`, MESSAGE_MS, { kind: 'selection', selection });
      },
      clearSelection() {
        set({ selection: new Set() });
      },
      startInput(kind, fresh) {
        const s = get();
        const current = kind === 'filter' ? s.filter : (s.userFilter ?? '');
        set({ input: { kind, text: fresh ? '' : current, previous: current } });
        if (kind === 'filter' && fresh) requery({ filter: '' });
      },
      typeInput(text) {
        const s = get();
        if (!s.input) return;
        const input = { ...s.input, text: s.input.text + text };
        if (input.kind === 'filter') requery({ input, filter: input.text });
        else set({ input });
      },
      backspaceInput() {
        const s = get();
        if (!s.input) return;
        const input = { ...s.input, text: s.input.text.slice(0, -1) };
        if (input.kind === 'filter') requery({ input, filter: input.text });
        else set({ input });
      },
      acceptInput() {
        const s = get();
        if (!s.input) return;
        if (s.input.kind === 'filter') {
          set({ input: null });
          return;
        }
        const name = s.input.text.trim();
        requery({ input: null, userFilter: name === '' ? null : name });
        const about: MessageSubject = { kind: 'user-absent', user: name };
        if (name !== '' && messageHolds({ text: '', untilMs: 0, about }, get())) note(`no processes of user ${quoted(name)} right now`, MESSAGE_MS, about);
      },
      cancelInput() {
        const s = get();
        if (!s.input) return;
        if (s.input.kind === 'filter') requery({ input: null, filter: s.input.previous });
        else set({ input: null });
      },
      clearFilters() {
        const s = get();
        if (s.filter === '' && s.userFilter === null) return;
        requery({ filter: '', userFilter: null });
        note('filter cleared', MESSAGE_MS, { kind: 'filter-cleared' });
      },
      setPortHolders(holders) {
        requery({ portHolders: holders });
      },
      setTracked(tracked) {
        if (parseTrackedFilter(get().filter) !== null) requery({ tracked });
        else set({ tracked });
      },
      pushView(view) {
        set({ views: [...get().views, view] });
      },
      popView() {
        const views = get().views;
        if (views.length > 1) set({ views: views.slice(0, -1) });
      },
      setExactRss(exactRss) {
        set({ exactRss });
      },
      showMessage(text, durationMs, about) {
        note(text, durationMs, about);
      },
      resize(cols, termRows) {
        const s = get();
        const cpuCount = s.frame ? s.frame.cpuPercentPerCpu.length || s.frame.system.cpus.length : 1;
        const layout = computeLayout(cols, termRows, cpuCount);
        set({ terminalColumns: cols, terminalRows: termRows, layout, scrollTop: scrollToShow(s.cursorIndex, s.scrollTop, layout.tableRows, s.display.length) });
      },
      requestQuit() {
        set({ quitRequested: true });
      },
    };
  });
}

/** The processes in the table's viewport (not tombstones: they have no /proc to read). */
export function visibleRows(s: MonitorState): ProcessRow[] {
  const rows: ProcessRow[] = [];
  const end = Math.min(s.display.length, s.scrollTop + s.layout.tableRows);
  for (let i = s.scrollTop; i < end; i++) {
    const d = s.display[i] as DisplayRow;
    if (!d.exited) rows.push(d.row);
  }
  return rows;
}

/** The process under the cursor (a tombstone counts), or null. */
export function cursorRow(s: MonitorState): DisplayRow | null {
  if (s.cursorKey === null) return null;
  const i = s.displayIndex.get(s.cursorKey);
  return i === undefined ? null : (s.display[i] ?? null);
}

/** The view on top of the stack. */
export function topView(s: MonitorState): View {
  return s.views[s.views.length - 1] ?? 'list';
}
