// key → command → store action. One handler per input mode; none of them holds logic beyond
// choosing the action.
import type { MonitorStore, View } from '../store/monitor-store.js';
import { topView } from '../store/monitor-store.js';
import { commandFor, KEY_BINDINGS, type CommandInfo, type ListCommand } from './bindings.js';
import type { KeyPress } from './decode-key.js';
import { editText } from './text-input.js';

/** Answer to any mutating key in --watch mode. */
export const READ_ONLY_MESSAGE = 'read-only (--watch)';

/**
 * Commands served by controllers that run-interactive plugs in through overrides (they need the
 * OS). A MonitorApp rendered without them (tests, embedding) answers with this instead.
 */
const NEEDS_CONTROLLER: Readonly<Partial<Record<ListCommand, string>>> = {
  OPEN_FILES: 'open files view: not available here',
  KILL: 'kill dialog: not available here',
  TERMINATE_TREE: 'terminate tree: not available here',
  RENICE_UP: 'renice: not available here',
  RENICE_DOWN: 'renice: not available here',
  HISTORY: 'action history: not available here',
};

/**
 * Actions that later work plugs in (kill dialog, open files...). A command listed here runs the
 * given function instead of the "not available yet" message.
 */
export type CommandOverrides = Readonly<Partial<Record<ListCommand, (store: MonitorStore) => void>>>;

/** Key handlers of views that features add ('detail', 'fds', ...): the view on top gets every key. */
export type ViewKeyHandlers = Readonly<Partial<Record<View, (press: KeyPress, store: MonitorStore) => void>>>;

/** Runs one list-mode command against the store. */
export function runListCommand(command: ListCommand, store: MonitorStore, overrides: CommandOverrides = {}): void {
  const s = store.getState();
  const info: CommandInfo = KEY_BINDINGS[command];
  // The key table says which commands change processes (or prepare to): --watch refuses them all.
  if (s.mode === 'watch' && info.mutating) {
    s.showMessage(READ_ONLY_MESSAGE);
    return;
  }
  const override = overrides[command];
  if (override) {
    override(store);
    return;
  }
  const notYet = NEEDS_CONTROLLER[command];
  if (notYet !== undefined) {
    s.showMessage(notYet);
    return;
  }
  switch (command) {
    case 'CURSOR_UP': return s.moveCursor(-1);
    case 'CURSOR_DOWN': return s.moveCursor(1);
    case 'PAGE_UP': return s.pageUp();
    case 'PAGE_DOWN': return s.pageDown();
    case 'CURSOR_HOME': return s.cursorHome();
    case 'CURSOR_END': return s.cursorEnd();
    case 'FILTER': return s.startInput('filter', true);
    case 'FILTER_EDIT': return s.startInput('filter', false);
    case 'CLEAR_FILTER': return s.clearFilters();
    case 'USER_FILTER': return s.startInput('user', false);
    case 'SORT_NEXT': return s.cycleSort(1);
    case 'SORT_PREV': return s.cycleSort(-1);
    case 'SORT_CPU': return s.setSort('cpu');
    case 'SORT_MEM': return s.setSort('mem');
    case 'SORT_PID': return s.setSort('pid');
    case 'SORT_INVERT': return s.invertSort();
    case 'TREE': return s.toggleTree();
    case 'HIDE_KERNEL_THREADS': return s.toggleKernelThreads();
    case 'FOLLOW': return s.toggleFollow();
    case 'PAUSE': return s.togglePause();
    case 'INTERVAL_UP': return s.changeInterval(1);
    case 'INTERVAL_DOWN': return s.changeInterval(-1);
    case 'SELECT': return s.toggleSelect();
    case 'SELECT_WITH_CHILDREN': return s.selectWithChildren();
    case 'CLEAR_SELECTION': return s.clearSelection();
    case 'DETAILS': return s.cursorKey === null ? undefined : s.pushView('detail');
    case 'COLUMNS': return s.pushView('columns');
    case 'HELP': return s.pushView('help');
    case 'QUIT': return s.requestQuit();
    default: return undefined;
  }
}

function handleOverlay(press: KeyPress, store: MonitorStore, overrides: CommandOverrides): void {
  const s = store.getState();
  // From the details pane, o goes on to open files like in the list.
  if (topView(s) === 'detail' && commandFor(press, 'list') === 'OPEN_FILES') return runListCommand('OPEN_FILES', store, overrides);
  s.popView();
}

/** The one entry point: routes a keypress to the handler of the current input mode. */
export function handleKey(press: KeyPress, store: MonitorStore, overrides: CommandOverrides = {}, viewKeys: ViewKeyHandlers = {}): void {
  const s = store.getState();
  // Ctrl-C is looked at here only: it quits from every view, dialog and prompt.
  if (commandFor(press, 'global') === 'INTERRUPT') return s.requestQuit();
  if (s.input) {
    return editText(press, { accept: s.acceptInput, cancel: s.cancelInput, backspace: s.backspaceInput, type: s.typeInput });
  }
  const viewHandler = viewKeys[topView(s)];
  if (viewHandler) return viewHandler(press, store);
  if (topView(s) !== 'list') return handleOverlay(press, store, overrides);
  const command = commandFor(press, 'list');
  if (command) runListCommand(command, store, overrides);
}
