// Keys of the drill-down views (process details, open files), as data like the list's key table:
// the handlers match through these tables and the help overlay lists them from here.
import type { FdKind } from '../sys/types.js';
import { keyLabel, type KeyBinding } from './bindings.js';
import type { KeyPress } from './decode-key.js';

/** What a view key does, for matching and for help. */
export interface ViewKeyInfo {
  readonly bindings: readonly KeyBinding[];
  readonly description: string;
}

export type DetailCommand =
  | 'DETAIL_BACK'
  | 'DETAIL_OPEN_FILES'
  | 'DETAIL_UP'
  | 'DETAIL_DOWN'
  | 'DETAIL_PAGE_UP'
  | 'DETAIL_PAGE_DOWN'
  | 'DETAIL_HOME'
  | 'DETAIL_DEEP_READ'
  | 'DETAIL_HELP'
  | 'DETAIL_QUIT';

export type FdViewCommand =
  | 'FDS_BACK'
  | 'FDS_UP'
  | 'FDS_DOWN'
  | 'FDS_PAGE_UP'
  | 'FDS_PAGE_DOWN'
  | 'FDS_HOME'
  | 'FDS_END'
  | 'FDS_SEARCH'
  | 'FDS_KIND_ALL'
  | 'FDS_KIND_FILE'
  | 'FDS_KIND_SOCKET'
  | 'FDS_KIND_PIPE'
  | 'FDS_KIND_ANON'
  | 'FDS_KIND_UNKNOWN'
  | 'FDS_HELP'
  | 'FDS_QUIT';

export const DETAIL_BINDINGS: Readonly<Record<DetailCommand, ViewKeyInfo>> = {
  DETAIL_BACK: { bindings: [{ key: 'escape' }, { key: 'q' }, { key: 'left' }], description: 'back to the process list' },
  DETAIL_OPEN_FILES: { bindings: [{ key: 'o' }], description: 'open files of this process' },
  DETAIL_UP: { bindings: [{ key: 'up' }, { key: 'k' }], description: 'scroll up' },
  DETAIL_DOWN: { bindings: [{ key: 'down' }, { key: 'j' }], description: 'scroll down' },
  DETAIL_PAGE_UP: { bindings: [{ key: 'pageup' }, { key: 'b', ctrl: true }], description: 'page up' },
  DETAIL_PAGE_DOWN: { bindings: [{ key: 'pagedown' }, { key: 'f', ctrl: true }, { key: 'space' }], description: 'page down' },
  DETAIL_HOME: { bindings: [{ key: 'home' }, { key: 'g' }], description: 'top' },
  DETAIL_DEEP_READ: { bindings: [{ key: 'D' }], description: 'read USS/PSS (smaps_rollup), sha256 of the binary and threads (costly: on demand)' },
  DETAIL_HELP: { bindings: [{ key: '?' }, { key: 'f1' }], description: 'help' },
  DETAIL_QUIT: { bindings: [{ key: 'c', ctrl: true }, { key: 'f10' }], description: 'quit proctop' },
};

export const FD_VIEW_BINDINGS: Readonly<Record<FdViewCommand, ViewKeyInfo>> = {
  FDS_BACK: { bindings: [{ key: 'escape' }, { key: 'q' }, { key: 'left' }], description: 'back (Esc clears a search first)' },
  FDS_UP: { bindings: [{ key: 'up' }, { key: 'k' }], description: 'scroll up' },
  FDS_DOWN: { bindings: [{ key: 'down' }, { key: 'j' }], description: 'scroll down' },
  FDS_PAGE_UP: { bindings: [{ key: 'pageup' }, { key: 'b', ctrl: true }], description: 'page up' },
  FDS_PAGE_DOWN: { bindings: [{ key: 'pagedown' }, { key: 'f', ctrl: true }, { key: 'space' }], description: 'page down' },
  FDS_HOME: { bindings: [{ key: 'home' }, { key: 'g' }], description: 'first fd' },
  FDS_END: { bindings: [{ key: 'end' }, { key: 'G' }], description: 'last fd' },
  FDS_SEARCH: { bindings: [{ key: '/' }, { key: 'f3' }], description: 'search fds (number, path, address, state)' },
  FDS_KIND_ALL: { bindings: [{ key: '0' }], description: 'all kinds' },
  FDS_KIND_FILE: { bindings: [{ key: '1' }, { key: 'f' }], description: 'files only' },
  FDS_KIND_SOCKET: { bindings: [{ key: '2' }, { key: 's' }], description: 'sockets only' },
  FDS_KIND_PIPE: { bindings: [{ key: '3' }, { key: 'p' }], description: 'pipes only' },
  FDS_KIND_ANON: { bindings: [{ key: '4' }, { key: 'a' }], description: 'anon inodes only (eventfd, epoll, ...)' },
  FDS_KIND_UNKNOWN: { bindings: [{ key: '5' }, { key: 'u' }], description: 'unknown kinds only' },
  FDS_HELP: { bindings: [{ key: '?' }, { key: 'f1' }], description: 'help' },
  FDS_QUIT: { bindings: [{ key: 'c', ctrl: true }, { key: 'f10' }], description: 'quit proctop' },
};

/** The kind each kind-filter command shows (null = all). */
export const KIND_OF_COMMAND: Readonly<Partial<Record<FdViewCommand, FdKind | null>>> = {
  FDS_KIND_ALL: null,
  FDS_KIND_FILE: 'file',
  FDS_KIND_SOCKET: 'socket',
  FDS_KIND_PIPE: 'pipe',
  FDS_KIND_ANON: 'anon',
  FDS_KIND_UNKNOWN: 'unknown',
};

/** Finds the command bound to a keypress in a view's table, or null. */
export function viewCommandFor<C extends string>(press: KeyPress, table: Readonly<Record<C, ViewKeyInfo>>): C | null {
  for (const command of Object.keys(table) as C[]) {
    for (const binding of table[command].bindings) {
      if (binding.key === press.name && (binding.ctrl ?? false) === press.ctrl) return command;
    }
  }
  return null;
}

/** The first key of a view command, for hints ("o", "/"). */
export function firstViewKey<C extends string>(table: Readonly<Record<C, ViewKeyInfo>>, command: C): string {
  const binding = table[command].bindings[0];
  return binding ? keyLabel(binding) : '';
}

/** One help line of a drill-down view. */
export interface ViewHelpLine {
  readonly keys: string;
  readonly description: string;
}

function helpOf<C extends string>(table: Readonly<Record<C, ViewKeyInfo>>): ViewHelpLine[] {
  return (Object.keys(table) as C[]).map((command) => ({ keys: table[command].bindings.map(keyLabel).join(' '), description: table[command].description }));
}

/** Help sections of the drill-down views, in the order the help overlay shows them. */
export function inspectHelpSections(): { readonly title: string; readonly lines: ViewHelpLine[] }[] {
  return [
    { title: 'Details view', lines: helpOf(DETAIL_BINDINGS) },
    { title: 'Open files view', lines: helpOf(FD_VIEW_BINDINGS) },
  ];
}

/** Status-bar hints of the open-files view. */
export const FD_VIEW_HINTS = 'Esc back  / search  0-5 kind (0 all, 1 file, 2 socket, 3 pipe, 4 anon)  j/k PgUp/PgDn scroll';
