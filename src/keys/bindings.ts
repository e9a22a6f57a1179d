// Keys are data: one table of every command with its bindings and the context it applies in (the
// process list, the details and open-files views, the text prompts, the acting dialogs, the action
// history, or anywhere). One matcher finds the command of a keypress in a context; the help
// overlay and the views' key hints are generated from the same table, so help and keys never drift.
import type { KeyPress } from './decode-key.js';

/** Where a key applies: which view (or prompt) is on top decides which commands are looked up. */
export type KeyContext = 'list' | 'details' | 'files' | 'columns' | 'search' | 'dialog' | 'history' | 'global';

/** One key that triggers a command. */
export interface KeyBinding {
  /** Decoded key name (see decodeKey): "j", "down", "f9", "space", "K". */
  readonly key: string;
  readonly ctrl?: boolean;
}

/** Help headings of the process list's commands. */
export type ListGroup = 'Navigate' | 'Find & sort' | 'View' | 'Select' | 'Act' | 'General';

/** One command: where it applies, its keys, and what help says about it. */
export interface CommandInfo {
  readonly context: KeyContext;
  readonly bindings: readonly KeyBinding[];
  readonly description: string;
  /** Heading in help for the list's commands (the other contexts have one heading each). */
  readonly group?: ListGroup;
  /** Changes processes (or prepares to): answered with "read-only (--watch)" in watch mode. */
  readonly mutating?: boolean;
}

const key = (name: string): KeyBinding => ({ key: name });
const ctrl = (name: string): KeyBinding => ({ key: name, ctrl: true });

/** Every command of every context. Within a context a key means one command (a test checks). */
export const KEY_BINDINGS = {
  // The process list.
  CURSOR_UP: { context: 'list', bindings: [key('up'), key('k')], description: 'move up', group: 'Navigate' },
  CURSOR_DOWN: { context: 'list', bindings: [key('down'), key('j')], description: 'move down', group: 'Navigate' },
  PAGE_UP: { context: 'list', bindings: [key('pageup'), ctrl('b')], description: 'page up', group: 'Navigate' },
  PAGE_DOWN: { context: 'list', bindings: [key('pagedown'), ctrl('f')], description: 'page down', group: 'Navigate' },
  CURSOR_HOME: { context: 'list', bindings: [key('home'), key('g')], description: 'first process', group: 'Navigate' },
  CURSOR_END: { context: 'list', bindings: [key('end'), key('G')], description: 'last process', group: 'Navigate' },
  FOLLOW: { context: 'list', bindings: [key('F')], description: 'follow the process under the cursor', group: 'Navigate' },
  FILTER: { context: 'list', bindings: [key('/'), key('f3')], description: 'filter (command, name, user, PID; :PORT = holders of a port); Enter keeps, Esc clears', group: 'Find & sort' },
  FILTER_EDIT: { context: 'list', bindings: [key('\\'), key('f4')], description: 'edit the kept filter', group: 'Find & sort' },
  CLEAR_FILTER: { context: 'list', bindings: [key('escape')], description: 'clear filter and user filter', group: 'Find & sort' },
  USER_FILTER: { context: 'list', bindings: [key('u')], description: "show one user's processes (empty = all)", group: 'Find & sort' },
  SORT_NEXT: { context: 'list', bindings: [key('f6'), key('>'), key('.')], description: 'sort by next column', group: 'Find & sort' },
  SORT_PREV: { context: 'list', bindings: [key('<'), key(',')], description: 'sort by previous column', group: 'Find & sort' },
  SORT_CPU: { context: 'list', bindings: [key('P')], description: 'sort by CPU%', group: 'Find & sort' },
  SORT_MEM: { context: 'list', bindings: [key('M')], description: 'sort by MEM%', group: 'Find & sort' },
  SORT_PID: { context: 'list', bindings: [key('N')], description: 'sort by PID', group: 'Find & sort' },
  SORT_INVERT: { context: 'list', bindings: [key('I')], description: 'invert sort order', group: 'Find & sort' },
  TREE: { context: 'list', bindings: [key('t'), key('f5')], description: 'tree view', group: 'View' },
  HIDE_KERNEL_THREADS: { context: 'list', bindings: [key('K')], description: 'hide/show kernel threads', group: 'View' },
  PAUSE: { context: 'list', bindings: [key('Z'), key('z')], description: 'pause/resume updates', group: 'View' },
  INTERVAL_UP: { context: 'list', bindings: [key('+'), key('=')], description: 'slower refresh', group: 'View' },
  INTERVAL_DOWN: { context: 'list', bindings: [key('-')], description: 'faster refresh', group: 'View' },
  DETAILS: { context: 'list', bindings: [key('return')], description: 'process details', group: 'View' },
  OPEN_FILES: { context: 'list', bindings: [key('o')], description: 'open files of the process', group: 'View' },
  HISTORY: { context: 'list', bindings: [key('H')], description: 'action history', group: 'View' },
  COLUMNS: { context: 'list', bindings: [key('f2'), key('S')], description: 'choose columns (CGROUP, IO_R/s, IO_W/s, CTXSW/s...); saved to the config file', group: 'View' },
  SELECT: { context: 'list', bindings: [key('space')], description: 'select/unselect process', group: 'Select', mutating: true },
  SELECT_WITH_CHILDREN: { context: 'list', bindings: [key('c')], description: 'select process and its children', group: 'Select', mutating: true },
  CLEAR_SELECTION: { context: 'list', bindings: [key('U')], description: 'clear selection', group: 'Select', mutating: true },
  KILL: { context: 'list', bindings: [key('f9'), key('x')], description: 'send a signal (selected or cursor)', group: 'Act', mutating: true },
  TERMINATE_TREE: { context: 'list', bindings: [key('T')], description: 'terminate the process tree', group: 'Act', mutating: true },
  RENICE_DOWN: { context: 'list', bindings: [key('f7'), key('[')], description: 'nice - (higher priority)', group: 'Act', mutating: true },
  RENICE_UP: { context: 'list', bindings: [key('f8'), key(']')], description: 'nice + (lower priority)', group: 'Act', mutating: true },
  HELP: { context: 'list', bindings: [key('?'), key('f1'), key('h')], description: 'this help', group: 'General' },
  QUIT: { context: 'list', bindings: [key('q'), key('f10')], description: 'quit', group: 'General' },

  // The details view.
  DETAIL_BACK: { context: 'details', bindings: [key('escape'), key('q'), key('left')], description: 'back to the process list' },
  DETAIL_OPEN_FILES: { context: 'details', bindings: [key('o')], description: 'open files of this process' },
  DETAIL_UP: { context: 'details', bindings: [key('up'), key('k')], description: 'scroll up' },
  DETAIL_DOWN: { context: 'details', bindings: [key('down'), key('j')], description: 'scroll down' },
  DETAIL_PAGE_UP: { context: 'details', bindings: [key('pageup'), ctrl('b')], description: 'page up' },
  DETAIL_PAGE_DOWN: { context: 'details', bindings: [key('pagedown'), ctrl('f'), key('space')], description: 'page down' },
  DETAIL_HOME: { context: 'details', bindings: [key('home'), key('g')], description: 'top' },
  DETAIL_DEEP_READ: { context: 'details', bindings: [key('D')], description: 'read USS/PSS (smaps_rollup), sha256 of the binary and threads (costly: on demand)' },
  DETAIL_HELP: { context: 'details', bindings: [key('?'), key('f1')], description: 'help' },
  DETAIL_QUIT: { context: 'details', bindings: [key('f10')], description: 'quit proctop' },

  // The open-files view.
  FDS_BACK: { context: 'files', bindings: [key('escape'), key('q'), key('left')], description: 'back (Esc clears a search first)' },
  FDS_UP: { context: 'files', bindings: [key('up'), key('k')], description: 'scroll up' },
  FDS_DOWN: { context: 'files', bindings: [key('down'), key('j')], description: 'scroll down' },
  FDS_PAGE_UP: { context: 'files', bindings: [key('pageup'), ctrl('b')], description: 'page up' },
  FDS_PAGE_DOWN: { context: 'files', bindings: [key('pagedown'), ctrl('f'), key('space')], description: 'page down' },
  FDS_HOME: { context: 'files', bindings: [key('home'), key('g')], description: 'first fd' },
  FDS_END: { context: 'files', bindings: [key('end'), key('G')], description: 'last fd' },
  FDS_SEARCH: { context: 'files', bindings: [key('/'), key('f3')], description: 'search fds (number, path, address, state)' },
  FDS_KIND_ALL: { context: 'files', bindings: [key('0')], description: 'all kinds' },
  FDS_KIND_FILE: { context: 'files', bindings: [key('1'), key('f')], description: 'files only' },
  FDS_KIND_SOCKET: { context: 'files', bindings: [key('2'), key('s')], description: 'sockets only' },
  FDS_KIND_PIPE: { context: 'files', bindings: [key('3'), key('p')], description: 'pipes only' },
  FDS_KIND_ANON: { context: 'files', bindings: [key('4'), key('a')], description: 'anon inodes only (eventfd, epoll, ...)' },
  FDS_KIND_UNKNOWN: { context: 'files', bindings: [key('5'), key('u')], description: 'unknown kinds only' },
  FDS_HELP: { context: 'files', bindings: [key('?'), key('f1')], description: 'help' },
  FDS_QUIT: { context: 'files', bindings: [key('f10')], description: 'quit proctop' },

  // The column chooser (F2, htop's Setup screen).
  CHOOSER_UP: { context: 'columns', bindings: [key('up'), key('k')], description: 'previous column' },
  CHOOSER_DOWN: { context: 'columns', bindings: [key('down'), key('j')], description: 'next column' },
  CHOOSER_TOP: { context: 'columns', bindings: [key('home'), key('g')], description: 'first column' },
  CHOOSER_TOGGLE: { context: 'columns', bindings: [key('space'), key('return')], description: 'show / hide the column' },
  CHOOSER_DONE: { context: 'columns', bindings: [key('escape'), key('q'), key('f2'), key('S')], description: 'back to the list, saving columns, sort and interval' },
  CHOOSER_QUIT: { context: 'columns', bindings: [key('f10')], description: 'quit proctop' },

  // Every text prompt: the list's filter and user prompts, the open-files search. Other printable keys type.
  INPUT_ACCEPT: { context: 'search', bindings: [key('return')], description: 'keep what was typed' },
  INPUT_CANCEL: { context: 'search', bindings: [key('escape')], description: 'clear (filter, search) or cancel (user)' },
  INPUT_DELETE: { context: 'search', bindings: [key('backspace')], description: 'delete the last character' },

  // The signal and tree dialogs.
  DIALOG_PREVIOUS: { context: 'dialog', bindings: [key('up'), key('k')], description: 'previous signal / scroll up' },
  DIALOG_NEXT: { context: 'dialog', bindings: [key('down'), key('j')], description: 'next signal / scroll down' },
  DIALOG_PAGE_UP: { context: 'dialog', bindings: [key('pageup'), ctrl('b')], description: 'page up (tree members)' },
  DIALOG_PAGE_DOWN: { context: 'dialog', bindings: [key('pagedown'), ctrl('f')], description: 'page down (tree members)' },
  DIALOG_CONFIRM: { context: 'dialog', bindings: [key('return'), key('y')], description: 'send / terminate; close when done' },
  DIALOG_CANCEL: { context: 'dialog', bindings: [key('escape'), key('n'), key('q')], description: 'cancel (a running tree goes on in the background)' },

  // The action history.
  HISTORY_UP: { context: 'history', bindings: [key('up'), key('k')], description: 'scroll up' },
  HISTORY_DOWN: { context: 'history', bindings: [key('down'), key('j')], description: 'scroll down' },
  HISTORY_PAGE_UP: { context: 'history', bindings: [key('pageup'), ctrl('b')], description: 'page up' },
  HISTORY_PAGE_DOWN: { context: 'history', bindings: [key('pagedown'), ctrl('f')], description: 'page down' },
  HISTORY_CLOSE: { context: 'history', bindings: [key('escape'), key('q'), key('H')], description: 'close' },

  // Checked before any view or prompt sees the key.
  INTERRUPT: { context: 'global', bindings: [ctrl('c')], description: 'quit, from any view, dialog or prompt' },
} as const satisfies Readonly<Record<string, CommandInfo>>;

/** Every command. */
export type Command = keyof typeof KEY_BINDINGS;

/** The commands of one context. */
export type CommandIn<C extends KeyContext> = { [K in Command]: (typeof KEY_BINDINGS)[K]['context'] extends C ? K : never }[Command];

/** The process list's commands. */
export type ListCommand = CommandIn<'list'>;

const COMMANDS = Object.keys(KEY_BINDINGS) as Command[];

const matches = (binding: KeyBinding, press: KeyPress): boolean => binding.key === press.name && (binding.ctrl ?? false) === press.ctrl;

/** The one matcher: the command a keypress means in a context, or null. */
export function commandFor<C extends KeyContext>(press: KeyPress, context: C): CommandIn<C> | null {
  for (const command of COMMANDS) {
    const info: CommandInfo = KEY_BINDINGS[command];
    if (info.context === context && info.bindings.some((b) => matches(b, press))) return command as CommandIn<C>;
  }
  return null;
}

/** How a binding is written for people: "F9", "Space", "Ctrl-C", "↑", "j". */
export function keyLabel(binding: KeyBinding): string {
  const names: Readonly<Record<string, string>> = {
    up: '↑',
    down: '↓',
    left: '←',
    pageup: 'PgUp',
    pagedown: 'PgDn',
    home: 'Home',
    end: 'End',
    escape: 'Esc',
    return: 'Enter',
    space: 'Space',
    backspace: 'Backspace',
  };
  const base = names[binding.key] ?? (/^f\d+$/.test(binding.key) ? binding.key.toUpperCase() : binding.key);
  return binding.ctrl ? `Ctrl-${base.toUpperCase()}` : base;
}

/** The keys of a command as people read them: "F9 x" (or "Enter/y" with separator "/"). */
export function keysOf(command: Command, separator = ' '): string {
  return KEY_BINDINGS[command].bindings.map(keyLabel).join(separator);
}

/** The first key of a command, for compact hints ("F1", "/"). */
export function firstKeyOf(command: Command): string {
  const [binding] = KEY_BINDINGS[command].bindings;
  return binding ? keyLabel(binding) : '';
}

/** One line of help. */
export interface HelpLine {
  readonly keys: string;
  readonly description: string;
  readonly mutating: boolean;
}

/** One heading of help and its lines. */
export interface HelpSection {
  readonly title: string;
  readonly context: KeyContext;
  readonly lines: readonly HelpLine[];
}

/** The heading of each context other than the list (whose commands carry their own group). */
const CONTEXT_TITLES: Readonly<Record<Exclude<KeyContext, 'list'>, string>> = {
  details: 'Details view',
  files: 'Open files view',
  columns: 'Column chooser (F2)',
  search: 'Filter and search prompts (other keys type)',
  dialog: 'Signal and tree dialogs',
  history: 'Action history',
  global: 'Anywhere',
};

/** Help for every context, in table order: the list's groups first, then each view, prompt and dialog. */
export function helpSections(): HelpSection[] {
  const sections: { title: string; context: KeyContext; lines: HelpLine[] }[] = [];
  for (const command of COMMANDS) {
    const info: CommandInfo = KEY_BINDINGS[command];
    const title = info.context === 'list' ? (info.group ?? 'General') : CONTEXT_TITLES[info.context];
    let section = sections.at(-1);
    if (section?.title !== title) {
      section = { title, context: info.context, lines: [] };
      sections.push(section);
    }
    section.lines.push({ keys: keysOf(command), description: info.description, mutating: info.mutating ?? false });
  }
  return sections;
}
