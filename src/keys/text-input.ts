// The one text prompt: the list's filter and user prompts and the open-files search all edit text
// the same way, through their store's editor.
import { commandFor } from './bindings.js';
import type { KeyPress } from './decode-key.js';

/** What a prompt's store offers to the keys. */
export interface TextEditor {
  accept(): void;
  cancel(): void;
  backspace(): void;
  type(text: string): void;
}

/** Enter keeps, Esc cancels, Backspace deletes; printable text types. Control and escape sequences never reach the text. */
export function editText(press: KeyPress, editor: TextEditor): void {
  switch (commandFor(press, 'search')) {
    case 'INPUT_ACCEPT':
      return editor.accept();
    case 'INPUT_CANCEL':
      return editor.cancel();
    case 'INPUT_DELETE':
      return editor.backspace();
    default:
      if (press.name === 'space') return editor.type(' ');
      if (!press.ctrl && press.sequence.length > 0 && !/[\x00-\x1f\x7f]/.test(press.sequence)) editor.type(press.sequence);
      return undefined;
  }
}
