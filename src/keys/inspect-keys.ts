// Keys of the drill-down views: Enter/o open them from the list, and while one is on top it gets
// every key here. Handlers only choose an action; the stores hold the logic.
import { cursorRow, type MonitorStore } from '../store/monitor-store.js';
import { fdTableRows, type InspectStore } from '../store/inspect-store.js';
import type { FdKind } from '../sys/types.js';
import { commandFor, type CommandIn } from './bindings.js';
import type { CommandOverrides, ViewKeyHandlers } from './dispatch.js';
import type { KeyPress } from './decode-key.js';
import { editText } from './text-input.js';
import type { ViewGeometry } from './view-geometry.js';

/** The kind each kind-filter command shows (null = all). */
const KIND_OF_COMMAND: Readonly<Partial<Record<CommandIn<'files'>, FdKind | null>>> = {
  FDS_KIND_ALL: null,
  FDS_KIND_FILE: 'file',
  FDS_KIND_SOCKET: 'socket',
  FDS_KIND_PIPE: 'pipe',
  FDS_KIND_ANON: 'anon',
  FDS_KIND_UNKNOWN: 'unknown',
};

/** Captures the process under the cursor as the target; false when there is none. */
function captureCursor(monitor: MonitorStore, inspect: InspectStore): boolean {
  const d = cursorRow(monitor.getState());
  if (!d) return false;
  inspect.getState().inspect({ key: d.key, pid: d.row.pid, startTime: d.row.startTime }, d.row);
  if (d.exited) inspect.getState().markExited();
  return true;
}

/** Enter in the list: details of the process under the cursor. */
export function openDetails(monitor: MonitorStore, inspect: InspectStore): void {
  if (captureCursor(monitor, inspect)) monitor.getState().pushView('detail');
}

/** o in the list: open files of the process under the cursor. */
export function openFiles(monitor: MonitorStore, inspect: InspectStore): void {
  if (captureCursor(monitor, inspect)) monitor.getState().pushView('fds');
}

/** Body lines the details view shows at once (below its title): the PgUp/PgDn step. */
function detailPage(monitor: MonitorStore): number {
  const layout = monitor.getState().layout;
  return Math.max(1, layout.lines - layout.statusLines - 1);
}

/** Scrolls the details view by `lines` ('top' = back to the start), never past its last page. */
function scrollDetail(monitor: MonitorStore, inspect: InspectStore, geometry: ViewGeometry, lines: number | 'top'): void {
  const i = inspect.getState();
  i.scrollDetail(lines === 'top' ? -i.detailScroll : lines, geometry.detailBodyLength(monitor.getState(), i) - detailPage(monitor));
}

/** Keys while the details view is on top. */
export function handleDetailKey(press: KeyPress, monitor: MonitorStore, inspect: InspectStore, geometry: ViewGeometry): void {
  const s = monitor.getState();
  switch (commandFor(press, 'details')) {
    case 'DETAIL_UP':
      return scrollDetail(monitor, inspect, geometry, -1);
    case 'DETAIL_DOWN':
      return scrollDetail(monitor, inspect, geometry, 1);
    case 'DETAIL_PAGE_UP':
      return scrollDetail(monitor, inspect, geometry, -detailPage(monitor));
    case 'DETAIL_PAGE_DOWN':
      return scrollDetail(monitor, inspect, geometry, detailPage(monitor));
    case 'DETAIL_HOME':
      return scrollDetail(monitor, inspect, geometry, 'top');
    case 'DETAIL_DEEP_READ':
      inspect.getState().requestDeepRead();
      s.showMessage('reading USS/PSS, sha256 and threads…');
      return undefined;
    case 'DETAIL_BACK':
      return s.popView();
    case 'DETAIL_OPEN_FILES':
      // Same target, fresh view filters.
      if (inspect.getState().target) {
        inspect.getState().setKindFilter(null);
        inspect.getState().clearSearch();
        s.pushView('fds');
      }
      return undefined;
    case 'DETAIL_HELP':
      return s.pushView('help');
    case 'DETAIL_QUIT':
      return s.requestQuit();
    default:
      return undefined;
  }
}

/** Keys while the open-files view is on top. */
export function handleFdsKey(press: KeyPress, monitor: MonitorStore, inspect: InspectStore): void {
  const i = inspect.getState();
  if (i.searchInput) return editText(press, { accept: i.acceptSearch, cancel: i.cancelSearch, backspace: i.backspaceSearch, type: i.typeSearch });
  const s = monitor.getState();
  const page = fdTableRows(s.layout);
  const command = commandFor(press, 'files');
  if (command === null) return undefined;
  const kind = KIND_OF_COMMAND[command];
  if (kind !== undefined) return i.setKindFilter(kind);
  switch (command) {
    case 'FDS_BACK':
      if (press.name === 'escape' && i.search !== '') return i.clearSearch();
      return s.popView();
    case 'FDS_UP':
      return i.scrollFds(-1, page);
    case 'FDS_DOWN':
      return i.scrollFds(1, page);
    case 'FDS_PAGE_UP':
      return i.scrollFds(-page, page);
    case 'FDS_PAGE_DOWN':
      return i.scrollFds(page, page);
    case 'FDS_HOME':
      return i.scrollFdsToEnd(-1, page);
    case 'FDS_END':
      return i.scrollFdsToEnd(1, page);
    case 'FDS_SEARCH':
      return i.startSearch();
    case 'FDS_HELP':
      return s.pushView('help');
    case 'FDS_QUIT':
      return s.requestQuit();
    default:
      return undefined;
  }
}

/** The list commands the drill-down views take over (Enter, o). Both are read-only: fine in --watch. */
export function inspectOverrides(inspect: InspectStore): CommandOverrides {
  return {
    DETAILS: (monitor) => openDetails(monitor, inspect),
    OPEN_FILES: (monitor) => openFiles(monitor, inspect),
  };
}

/** Key handlers of the 'detail' and 'fds' views; `geometry` measures the details for scrolling. */
export function inspectViewKeys(inspect: InspectStore, geometry: ViewGeometry): ViewKeyHandlers {
  return {
    detail: (press, monitor) => handleDetailKey(press, monitor, inspect, geometry),
    fds: (press, monitor) => handleFdsKey(press, monitor, inspect),
  };
}
