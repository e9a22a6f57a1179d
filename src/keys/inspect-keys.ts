// Keys of the drill-down views: Enter/o open them from the list, and while one is on top it gets
// every key here. Handlers only choose an action; the stores hold the logic.
import { cursorRow, type MonitorStore } from '../store/monitor-store.js';
import { fdTableRows, type InspectStore } from '../store/inspect-store.js';
import type { CommandOverrides, ViewKeyHandlers } from './dispatch.js';
import type { KeyPress } from './decode-key.js';
import { detailBodyLength } from '../components/detail-lines.js';
import { DETAIL_BINDINGS, FD_VIEW_BINDINGS, KIND_OF_COMMAND, viewCommandFor } from './inspect-bindings.js';

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

/** Keys while the details view is on top. */
/** Body lines the details view shows at once (below its title): the PgUp/PgDn step. */
function detailPage(monitor: MonitorStore): number {
  const layout = monitor.getState().layout;
  return Math.max(1, layout.lines - layout.statusLines - 1);
}

/** Scrolls the details view by `lines` ('top' = back to the start), never past its last page. */
function scrollDetail(monitor: MonitorStore, inspect: InspectStore, lines: number | 'top'): void {
  const s = monitor.getState();
  const i = inspect.getState();
  const input = { row: i.lastRow, exited: i.exited, rowsByKey: s.rowsByKey, cwd: i.cwd, exe: i.exe, listing: i.listing, listingFailure: i.listingFailure, history: i.history, inspection: i.inspection, deepRead: i.deepRead };
  i.scrollDetail(lines === 'top' ? -i.detailScroll : lines, detailBodyLength(input, s.layout.columns) - detailPage(monitor));
}

export function handleDetailKey(press: KeyPress, monitor: MonitorStore, inspect: InspectStore): void {
  const s = monitor.getState();
  switch (viewCommandFor(press, DETAIL_BINDINGS)) {
    case 'DETAIL_UP':
      return scrollDetail(monitor, inspect, -1);
    case 'DETAIL_DOWN':
      return scrollDetail(monitor, inspect, 1);
    case 'DETAIL_PAGE_UP':
      return scrollDetail(monitor, inspect, -detailPage(monitor));
    case 'DETAIL_PAGE_DOWN':
      return scrollDetail(monitor, inspect, detailPage(monitor));
    case 'DETAIL_HOME':
      return scrollDetail(monitor, inspect, 'top');
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

/** Keys while the open-files search prompt is open. */
function handleSearchKey(press: KeyPress, monitor: MonitorStore, inspect: InspectStore): void {
  const i = inspect.getState();
  if (press.ctrl && press.name === 'c') return monitor.getState().requestQuit();
  if (press.name === 'return') return i.acceptSearch();
  if (press.name === 'escape') return i.cancelSearch();
  if (press.name === 'backspace') return i.backspaceSearch();
  if (press.name === 'space') return i.typeSearch(' ');
  // Printable text only; escape sequences never reach the search.
  if (!press.ctrl && press.sequence.length > 0 && !/[\x00-\x1f\x7f]/.test(press.sequence)) i.typeSearch(press.sequence);
  return undefined;
}

/** Keys while the open-files view is on top. */
export function handleFdsKey(press: KeyPress, monitor: MonitorStore, inspect: InspectStore): void {
  const i = inspect.getState();
  if (i.searchInput) return handleSearchKey(press, monitor, inspect);
  const s = monitor.getState();
  const page = fdTableRows(s.layout);
  const command = viewCommandFor(press, FD_VIEW_BINDINGS);
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

/** Key handlers of the 'detail' and 'fds' views. */
export function inspectViewKeys(inspect: InspectStore): ViewKeyHandlers {
  return {
    detail: (press, monitor) => handleDetailKey(press, monitor, inspect),
    fds: (press, monitor) => handleFdsKey(press, monitor, inspect),
  };
}
