// The open-files view's text, line by line. Pure: FdView only draws (and colours) it.
import { describeFdState, describeFdTarget } from '../fds/describe-fd.js';
import { FD_KINDS, fdCountsByKind } from '../fds/fd-counts.js';
import { clampScroll, fdTableRows, visibleFds, type InspectState } from '../store/inspect-store.js';
import type { ProcessRow } from '../sampler/types.js';
import type { FdEntry } from '../sys/types.js';
import { fit } from '../output/format.js';
import { sanitizeText } from '../output/sanitize.js';

/** One line of the view and how it is drawn. */
export interface FdViewLine {
  readonly text: string;
  readonly kind: 'title' | 'tabs' | 'header' | 'row' | 'notice';
}

/** Below this width MODE and STATE fold into the NAME column. */
const WIDE_FROM = 70;
const STATE_WIDTH = 11;

/** The message shown instead of rows when there are none to show, or null. */
function notice(s: InspectState, pid: number, rows: readonly FdEntry[]): string | null {
  if (s.listingFailure !== null) return `listing failed: ${sanitizeText(s.listingFailure)}`;
  const listing = s.listing;
  if (listing === null) return s.exited ? `process ${pid} has exited` : 'reading open files…';
  if (listing.error?.code === 'EACCES') return `no access: run as the owner or root (the fds of PID ${pid} are not readable by you)`;
  if (listing.error?.code === 'ENOENT') return `process ${pid} has exited`;
  if (listing.error) return `cannot list: ${sanitizeText(listing.error.message)}`;
  if (rows.length > 0) return null;
  return listing.fds.length === 0 ? 'no open files' : 'no open files match (0: all kinds, Esc: clear search)';
}

function titleText(s: InspectState, row: ProcessRow | null, pid: number): string {
  const who = row ? `PID ${pid} ${sanitizeText(row.name)} (${sanitizeText(row.user)})` : `PID ${pid}`;
  const listing = s.listing;
  let counts = '';
  if (listing && !listing.error) {
    const byKind = fdCountsByKind(listing);
    const parts = FD_KINDS.filter((k) => byKind[k] > 0).map((k) => `${byKind[k]} ${k}`);
    counts = ` — ${listing.fds.length} fds${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
  }
  const gone = s.exited ? (listing && !listing.error ? '  [exited: last listing]' : '  [exited]') : '';
  return `Open files of ${who}${counts}${gone}`;
}

function tabsText(s: InspectState, width: number, shown: number, first: number, pageRows: number): string {
  const search = s.searchInput ? `search: ${s.searchInput.text}_` : s.search !== '' ? `search:"${s.search}"` : '/ search';
  const range = shown > 0 ? `${first + 1}-${Math.min(shown, first + pageRows)} of ${shown}` : '0 of 0';
  const kind = s.kindFilter;
  const wideTabs = ['all', ...FD_KINDS].map((name, i) => {
    const on = (name === 'all' && kind === null) || name === kind;
    return on ? `[${i} ${name}]` : ` ${i} ${name} `;
  });
  const wide = `${wideTabs.join('')}   ${search}`;
  const left = width >= 80 ? wide : `kind ${kind ?? 'all'} (0-5)  ${search}`;
  const room = width - left.length - 1;
  return room >= range.length ? `${left}${' '.repeat(room - range.length + 1)}${range}` : left;
}

function headerText(width: number): string {
  if (width >= WIDE_FROM) return `${'FD'.padStart(5)} ${'KIND'.padEnd(6)} ${'MODE'.padEnd(4)} ${'NAME'.padEnd(width - 30)} STATE`;
  return `${'FD'.padStart(4)} ${'KIND'.padEnd(6)} NAME`;
}

/** One fd row: FD, KIND, MODE, NAME (path or address), STATE; narrow screens fold state into NAME. */
export function fdRowText(entry: FdEntry, width: number): string {
  const name = sanitizeText(describeFdTarget(entry));
  const state = describeFdState(entry);
  if (width >= WIDE_FROM) {
    const nameWidth = width - 30;
    return `${String(entry.fd).padStart(5)} ${entry.kind.padEnd(6)} ${(entry.mode ?? '').padEnd(4)} ${ fit(name, nameWidth)} ${state.padEnd(STATE_WIDTH)}`.trimEnd();
  }
  return fit(`${String(entry.fd).padStart(4)} ${entry.kind.padEnd(6)} ${name}${state ? ` ${state}` : ''}`, width).trimEnd();
}

/** The view at a screen size: at most `lines - statusLines` lines, each at most `columns` wide. */
export function fdViewLines(s: InspectState, layout: { readonly columns: number; readonly lines: number; readonly statusLines: number }): FdViewLine[] {
  const width = layout.columns;
  const height = Math.max(1, layout.lines - layout.statusLines);
  const target = s.target;
  if (!target) return [{ text: fit('No process to show.', width), kind: 'title' }];
  const rows = visibleFds(s);
  const pageRows = fdTableRows(layout);
  const first = clampScroll(s.fdScroll, rows.length, pageRows);
  const out: FdViewLine[] = [
    { text: fit(titleText(s, s.lastRow, target.pid), width).trimEnd(), kind: 'title' },
    { text: fit(tabsText(s, width, rows.length, first, pageRows), width).trimEnd(), kind: 'tabs' },
    { text: fit(headerText(width), width), kind: 'header' },
  ];
  const message = notice(s, target.pid, rows);
  if (message !== null) {
    out.push({ text: fit(` ${message}`, width).trimEnd(), kind: 'notice' });
  } else {
    for (const entry of rows.slice(first, first + pageRows)) out.push({ text: fdRowText(entry, width), kind: 'row' });
  }
  return out.slice(0, height);
}
