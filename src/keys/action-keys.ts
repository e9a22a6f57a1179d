// Key handlers of the acting views: key → dialog command → controller or store action.
import { historyLines } from '../tui/action-messages.js';
import type { ActionsStore } from '../store/actions-store.js';
import type { MonitorStore } from '../store/monitor-store.js';
import type { KeyPress } from './decode-key.js';
import { isDialogKey } from './dialog-bindings.js';

/** What the dialog keys drive: the actions controller (src/tui/actions-controller.ts) provides it. */
export interface DialogActions {
  readonly store: ActionsStore;
  confirmKill(monitor: MonitorStore): Promise<void>;
  confirmTree(monitor: MonitorStore): Promise<void>;
  cancelDialog(monitor: MonitorStore): void;
  closeHistory(monitor: MonitorStore): void;
}

/** Lines a page key moves in the dialogs' lists. */
const PAGE_LINES = 10;

function isQuit(press: KeyPress): boolean {
  return press.ctrl && press.name === 'c';
}

/** The 'confirm' view: the kill dialog (signal picker) or the tree dialog (member list). */
export function handleConfirmKey(press: KeyPress, monitor: MonitorStore, controller: DialogActions): void {
  if (isQuit(press)) return monitor.getState().requestQuit();
  const actions = controller.store.getState();
  const dialog = actions.dialog;
  if (!dialog) {
    monitor.getState().popView();
    return;
  }
  if (isDialogKey(press, 'CANCEL')) return controller.cancelDialog(monitor);
  if (dialog.kind === 'kill') {
    if (isDialogKey(press, 'PREVIOUS')) return actions.moveSignal(-1);
    if (isDialogKey(press, 'NEXT')) return actions.moveSignal(1);
    if (isDialogKey(press, 'CONFIRM')) void controller.confirmKill(monitor);
    return;
  }
  if (isDialogKey(press, 'PREVIOUS')) return actions.scrollTree(-1);
  if (isDialogKey(press, 'NEXT')) return actions.scrollTree(1);
  if (isDialogKey(press, 'PAGE_UP')) return actions.scrollTree(-PAGE_LINES);
  if (isDialogKey(press, 'PAGE_DOWN')) return actions.scrollTree(PAGE_LINES);
  if (isDialogKey(press, 'CONFIRM')) {
    if (dialog.phase === 'confirm') void controller.confirmTree(monitor);
    // Enter on a finished or refused tree closes it, like Esc.
    else if (dialog.phase === 'done' || dialog.phase === 'refused') controller.cancelDialog(monitor);
  }
}

/** The 'history' view: scrolling and closing. */
export function handleHistoryKey(press: KeyPress, monitor: MonitorStore, controller: DialogActions): void {
  if (isQuit(press)) return monitor.getState().requestQuit();
  const actions = controller.store.getState();
  if (isDialogKey(press, 'CLOSE_HISTORY')) return controller.closeHistory(monitor);
  const lineCount = historyLines(actions.history.entries).length;
  if (isDialogKey(press, 'PREVIOUS')) return actions.scrollHistory(-1, lineCount);
  if (isDialogKey(press, 'NEXT')) return actions.scrollHistory(1, lineCount);
  if (isDialogKey(press, 'PAGE_UP')) return actions.scrollHistory(-PAGE_LINES, lineCount);
  if (isDialogKey(press, 'PAGE_DOWN')) return actions.scrollHistory(PAGE_LINES, lineCount);
}
