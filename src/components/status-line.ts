// The status bar's text: hints or a message on the left, state on the right. Pure.
import { firstKeyOf, type ListCommand } from '../keys/bindings.js';
import type { MonitorState } from '../store/monitor-store.js';
import { messageHolds, topView } from '../store/monitor-store.js';
import { sanitizeText } from '../output/sanitize.js';
import { fit } from '../output/format.js';

const LIST_HINTS: readonly [ListCommand, string][] = [
  ['HELP', 'Help'],
  ['FILTER', 'Filter'],
  ['SORT_NEXT', 'Sort'],
  ['TREE', 'Tree'],
  ['SELECT', 'Select'],
  ['KILL', 'Kill'],
  ['DETAILS', 'Details'],
  ['QUIT', 'Quit'],
];
const WATCH_HINTS: readonly [ListCommand, string][] = [
  ['HELP', 'Help'],
  ['FILTER', 'Filter'],
  ['SORT_NEXT', 'Sort'],
  ['TREE', 'Tree'],
  ['PAUSE', 'Pause'],
  ['QUIT', 'Quit'],
];

/** Hints of the open-files view (its whole key list is in help). */
const FD_VIEW_HINTS = 'Esc back  / search  0-5 kind (0 all, 1 file, 2 socket, 3 pipe, 4 anon)  j/k PgUp/PgDn scroll';

function hints(s: MonitorState): string {
  const view = topView(s);
  if (view === 'help') return 'any key: close help';
  if (view === 'detail') return 'Esc/q: back  o: open files';
  if (view === 'confirm') return 'Esc: cancel/close';
  if (view === 'history') return 'Esc: back';
  if (view === 'fds') return FD_VIEW_HINTS;
  const list = s.mode === 'watch' ? WATCH_HINTS : LIST_HINTS;
  const prefix = s.mode === 'watch' ? 'WATCH (read-only)  ' : '';
  return prefix + list.map(([command, label]) => `${firstKeyOf(command)} ${label}`).join('  ');
}

/** Right-hand state: backend, interval, filters, selection, pause. */
function stateText(s: MonitorState): string {
  const parts: string[] = [];
  if (s.paused) parts.push('PAUSED');
  if (s.following) parts.push('FOLLOW');
  if (s.filter !== '' && !s.input) parts.push(`filter:"${s.filter}"`);
  if (s.userFilter !== null) parts.push(`user:${s.userFilter}`);
  if (s.selection.size > 0) parts.push(`${s.selection.size} selected`);
  if (s.tree) parts.push('tree');
  const warnings = s.frame?.warnings.length ?? 0;
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'} (?)`);
  parts.push(s.backend || '-');
  parts.push(s.intervalMs >= 1000 ? `${s.intervalMs / 1000}s` : `${s.intervalMs}ms`);
  return parts.join(' ');
}

/** The status line at `width`, with the current prompt, message or key hints. */
export function statusLine(s: MonitorState, now: number): { readonly text: string; readonly kind: 'input' | 'message' | 'hints' } {
  const width = s.layout.columns;
  const right = sanitizeText(stateText(s));
  let left: string;
  let kind: 'input' | 'message' | 'hints';
  if (s.input) {
    left = `${s.input.kind === 'filter' ? 'Filter' : 'User'}: ${sanitizeText(s.input.text)}_  (Enter keep, Esc ${s.input.kind === 'filter' ? 'clear' : 'cancel'})`;
    kind = 'input';
  } else if (s.message && s.message.untilMs > now && messageHolds(s.message, s)) {
    left = sanitizeText(s.message.text);
    kind = 'message';
  } else {
    left = hints(s);
    kind = 'hints';
  }
  // Hints give way to the state; prompts and messages win over it on a narrow screen.
  if (kind === 'hints' && width - right.length - 1 >= 12) left = fit(left, width - right.length - 1).trimEnd();
  const room = width - left.length - 1;
  const text = room >= right.length ? `${left}${' '.repeat(room - right.length + 1)}${right}` : fit(left, width);
  return { text: fit(text, width), kind };
}
