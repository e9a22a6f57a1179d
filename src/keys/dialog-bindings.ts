// Keys of the acting views (kill dialog, tree dialog, action history) as data, like the list's
// table in bindings.ts: the handlers match through it and the dialogs' key hints are generated
// from it. Kept apart from KEY_BINDINGS because Enter, j/k and q mean other things in the list.
import { keyLabel, type KeyBinding } from './bindings.js';
import type { KeyPress } from './decode-key.js';

/** What a key can ask for inside a dialog or the history view. */
export type DialogCommand = 'PREVIOUS' | 'NEXT' | 'PAGE_UP' | 'PAGE_DOWN' | 'CONFIRM' | 'CANCEL' | 'CLOSE_HISTORY';

export const DIALOG_BINDINGS: Readonly<Record<DialogCommand, readonly KeyBinding[]>> = {
  PREVIOUS: [{ key: 'up' }, { key: 'k' }],
  NEXT: [{ key: 'down' }, { key: 'j' }],
  PAGE_UP: [{ key: 'pageup' }, { key: 'b', ctrl: true }],
  PAGE_DOWN: [{ key: 'pagedown' }, { key: 'f', ctrl: true }],
  CONFIRM: [{ key: 'return' }, { key: 'y' }],
  CANCEL: [{ key: 'escape' }, { key: 'n' }, { key: 'q' }],
  CLOSE_HISTORY: [{ key: 'escape' }, { key: 'q' }, { key: 'H' }],
};

/** True when the keypress is one of the command's keys. */
export function isDialogKey(press: KeyPress, command: DialogCommand): boolean {
  return DIALOG_BINDINGS[command].some((b) => b.key === press.name && (b.ctrl ?? false) === press.ctrl);
}

/** The keys of a command as shown in a dialog's hint line: "Enter/y". */
export function dialogKeys(command: DialogCommand): string {
  return DIALOG_BINDINGS[command].map(keyLabel).join('/');
}
