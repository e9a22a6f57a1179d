// Key handlers of the acting views: key → dialog command → controller or store action.
import type { ActionsStore } from '../store/actions-store.js';
import type { MonitorStore } from '../store/monitor-store.js';
import type { KeyPress } from './decode-key.js';
import { commandFor } from './bindings.js';
import type { ViewGeometry } from './view-geometry.js';

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

/** The 'confirm' view: the kill dialog (signal picker) or the tree dialog (member list). */
export function handleConfirmKey(press: KeyPress, monitor: MonitorStore, controller: DialogActions): void {
  const actions = controller.store.getState();
  const dialog = actions.dialog;
  if (!dialog) {
    monitor.getState().popView();
    return;
  }
  const command = commandFor(press, 'dialog');
  if (command === 'DIALOG_CANCEL') return controller.cancelDialog(monitor);
  if (dialog.kind === 'kill') {
    if (command === 'DIALOG_PREVIOUS') return actions.moveSignal(-1);
    if (command === 'DIALOG_NEXT') return actions.moveSignal(1);
    if (command === 'DIALOG_CONFIRM') void controller.confirmKill(monitor);
    return;
  }
  if (command === 'DIALOG_PREVIOUS') return actions.scrollTree(-1);
  if (command === 'DIALOG_NEXT') return actions.scrollTree(1);
  if (command === 'DIALOG_PAGE_UP') return actions.scrollTree(-PAGE_LINES);
  if (command === 'DIALOG_PAGE_DOWN') return actions.scrollTree(PAGE_LINES);
  if (command === 'DIALOG_CONFIRM') {
    if (dialog.phase === 'confirm') void controller.confirmTree(monitor);
    // Enter on a finished or refused tree closes it, like Esc.
    else if (dialog.phase === 'done' || dialog.phase === 'refused') controller.cancelDialog(monitor);
  }
}

/** The 'history' view: scrolling and closing. */
export function handleHistoryKey(press: KeyPress, monitor: MonitorStore, controller: DialogActions, geometry: ViewGeometry): void {
  const actions = controller.store.getState();
  const command = commandFor(press, 'history');
  if (command === 'HISTORY_CLOSE') return controller.closeHistory(monitor);
  const lineCount = geometry.historyLineCount(actions);
  if (command === 'HISTORY_UP') return actions.scrollHistory(-1, lineCount);
  if (command === 'HISTORY_DOWN') return actions.scrollHistory(1, lineCount);
  if (command === 'HISTORY_PAGE_UP') return actions.scrollHistory(-PAGE_LINES, lineCount);
  if (command === 'HISTORY_PAGE_DOWN') return actions.scrollHistory(PAGE_LINES, lineCount);
}
