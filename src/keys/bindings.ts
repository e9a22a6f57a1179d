// Keys are data: every command has its bindings here; the input handlers match through this
// table and the help overlay is generated from it, so help and behaviour cannot drift.
import type { KeyPress } from './decode-key.js';

/** Everything a key can ask for in the process list. */
export type Command =
  | 'CURSOR_UP'
  | 'CURSOR_DOWN'
  | 'PAGE_UP'
  | 'PAGE_DOWN'
  | 'CURSOR_HOME'
  | 'CURSOR_END'
  | 'FILTER'
  | 'FILTER_EDIT'
  | 'CLEAR_FILTER'
  | 'SORT_NEXT'
  | 'SORT_PREV'
  | 'SORT_CPU'
  | 'SORT_MEM'
  | 'SORT_PID'
  | 'SORT_INVERT'
  | 'TREE'
  | 'USER_FILTER'
  | 'FOLLOW'
  | 'PAUSE'
  | 'INTERVAL_UP'
  | 'INTERVAL_DOWN'
  | 'SELECT'
  | 'SELECT_WITH_CHILDREN'
  | 'CLEAR_SELECTION'
  | 'HIDE_KERNEL_THREADS'
  | 'DETAILS'
  | 'OPEN_FILES'
  | 'KILL'
  | 'TERMINATE_TREE'
  | 'RENICE_UP'
  | 'RENICE_DOWN'
  | 'HISTORY'
  | 'COLUMNS'
  | 'HELP'
  | 'QUIT';

/** One key that triggers a command. */
export interface KeyBinding {
  /** Decoded key name (see decodeKey): "j", "down", "f9", "space", "K". */
  readonly key: string;
  readonly ctrl?: boolean;
}

/** What the help overlay shows for a command. */
export interface CommandInfo {
  readonly bindings: readonly KeyBinding[];
  readonly description: string;
  readonly group: 'Navigate' | 'Find & sort' | 'View' | 'Select' | 'Act' | 'General';
  /** Changes processes (or prepares to): answered with "read-only (--watch)" in watch mode. */
  readonly mutating: boolean;
}

export const KEY_BINDINGS: Readonly<Record<Command, CommandInfo>> = {
  CURSOR_UP: { bindings: [{ key: 'up' }, { key: 'k' }], description: 'move up', group: 'Navigate', mutating: false },
  CURSOR_DOWN: { bindings: [{ key: 'down' }, { key: 'j' }], description: 'move down', group: 'Navigate', mutating: false },
  PAGE_UP: { bindings: [{ key: 'pageup' }, { key: 'b', ctrl: true }], description: 'page up', group: 'Navigate', mutating: false },
  PAGE_DOWN: { bindings: [{ key: 'pagedown' }, { key: 'f', ctrl: true }], description: 'page down', group: 'Navigate', mutating: false },
  CURSOR_HOME: { bindings: [{ key: 'home' }, { key: 'g' }], description: 'first process', group: 'Navigate', mutating: false },
  CURSOR_END: { bindings: [{ key: 'end' }, { key: 'G' }], description: 'last process', group: 'Navigate', mutating: false },
  FOLLOW: { bindings: [{ key: 'F' }], description: 'follow the process under the cursor', group: 'Navigate', mutating: false },
  FILTER: { bindings: [{ key: '/' }, { key: 'f3' }], description: 'filter (command, name, user, PID; :PORT = holders of a port); Enter keeps, Esc clears', group: 'Find & sort', mutating: false },
  FILTER_EDIT: { bindings: [{ key: '\\' }, { key: 'f4' }], description: 'edit the kept filter', group: 'Find & sort', mutating: false },
  CLEAR_FILTER: { bindings: [{ key: 'escape' }], description: 'clear filter and user filter', group: 'Find & sort', mutating: false },
  USER_FILTER: { bindings: [{ key: 'u' }], description: 'show one user\'s processes (empty = all)', group: 'Find & sort', mutating: false },
  SORT_NEXT: { bindings: [{ key: 'f6' }, { key: '>' }, { key: '.' }], description: 'sort by next column', group: 'Find & sort', mutating: false },
  SORT_PREV: { bindings: [{ key: '<' }, { key: ',' }], description: 'sort by previous column', group: 'Find & sort', mutating: false },
  SORT_CPU: { bindings: [{ key: 'P' }], description: 'sort by CPU%', group: 'Find & sort', mutating: false },
  SORT_MEM: { bindings: [{ key: 'M' }], description: 'sort by MEM%', group: 'Find & sort', mutating: false },
  SORT_PID: { bindings: [{ key: 'N' }], description: 'sort by PID', group: 'Find & sort', mutating: false },
  SORT_INVERT: { bindings: [{ key: 'I' }], description: 'invert sort order', group: 'Find & sort', mutating: false },
  TREE: { bindings: [{ key: 't' }, { key: 'f5' }], description: 'tree view', group: 'View', mutating: false },
  HIDE_KERNEL_THREADS: { bindings: [{ key: 'K' }], description: 'hide/show kernel threads', group: 'View', mutating: false },
  PAUSE: { bindings: [{ key: 'Z' }, { key: 'z' }], description: 'pause/resume updates', group: 'View', mutating: false },
  INTERVAL_UP: { bindings: [{ key: '+' }, { key: '=' }], description: 'slower refresh', group: 'View', mutating: false },
  INTERVAL_DOWN: { bindings: [{ key: '-' }], description: 'faster refresh', group: 'View', mutating: false },
  DETAILS: { bindings: [{ key: 'return' }], description: 'process details', group: 'View', mutating: false },
  OPEN_FILES: { bindings: [{ key: 'o' }], description: 'open files of the process', group: 'View', mutating: false },
  HISTORY: { bindings: [{ key: 'H' }], description: 'action history', group: 'View', mutating: false },
  SELECT: { bindings: [{ key: 'space' }], description: 'select/unselect process', group: 'Select', mutating: true },
  SELECT_WITH_CHILDREN: { bindings: [{ key: 'c' }], description: 'select process and its children', group: 'Select', mutating: true },
  CLEAR_SELECTION: { bindings: [{ key: 'U' }], description: 'clear selection', group: 'Select', mutating: true },
  KILL: { bindings: [{ key: 'f9' }, { key: 'x' }], description: 'send a signal (selected or cursor)', group: 'Act', mutating: true },
  TERMINATE_TREE: { bindings: [{ key: 'T' }], description: 'terminate the process tree', group: 'Act', mutating: true },
  RENICE_DOWN: { bindings: [{ key: 'f7' }, { key: '[' }], description: 'nice - (higher priority)', group: 'Act', mutating: true },
  RENICE_UP: { bindings: [{ key: 'f8' }, { key: ']' }], description: 'nice + (lower priority)', group: 'Act', mutating: true },
  COLUMNS: { bindings: [{ key: 'f2' }, { key: 'S' }], description: 'choose columns (CGROUP, IO_R/s, IO_W/s, CTXSW/s...); saved to the config file', group: 'View', mutating: false },
  HELP: { bindings: [{ key: '?' }, { key: 'f1' }, { key: 'h' }], description: 'this help', group: 'General', mutating: false },
  QUIT: { bindings: [{ key: 'q' }, { key: 'f10' }, { key: 'c', ctrl: true }], description: 'quit', group: 'General', mutating: false },
};

/** Finds the command bound to a keypress in a table, or null. */
export function commandFor(press: KeyPress, table: Readonly<Record<Command, CommandInfo>> = KEY_BINDINGS): Command | null {
  for (const command of Object.keys(table) as Command[]) {
    for (const binding of table[command].bindings) {
      if (binding.key === press.name && (binding.ctrl ?? false) === press.ctrl) return command;
    }
  }
  return null;
}

/** How a binding is written for people: "F9", "Space", "Ctrl-C", "↑", "j". */
export function keyLabel(binding: KeyBinding): string {
  const names: Readonly<Record<string, string>> = {
    up: '↑',
    down: '↓',
    pageup: 'PgUp',
    pagedown: 'PgDn',
    home: 'Home',
    end: 'End',
    escape: 'Esc',
    return: 'Enter',
    space: 'Space',
  };
  const base = names[binding.key] ?? (/^f\d+$/.test(binding.key) ? binding.key.toUpperCase() : binding.key);
  return binding.ctrl ? `Ctrl-${base.toUpperCase()}` : base;
}

/** All keys of a command, as shown in help ("F9 x"). */
export function commandKeys(command: Command): string {
  return KEY_BINDINGS[command].bindings.map(keyLabel).join(' ');
}

/** One line of the help overlay. */
export interface HelpLine {
  readonly group: CommandInfo['group'];
  readonly keys: string;
  readonly description: string;
  readonly mutating: boolean;
}

/** The help overlay's content, in table order. */
export function helpLines(): HelpLine[] {
  return (Object.keys(KEY_BINDINGS) as Command[]).map((command) => {
    const info = KEY_BINDINGS[command];
    return { group: info.group, keys: commandKeys(command), description: info.description, mutating: info.mutating };
  });
}
