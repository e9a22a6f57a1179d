// The detail view's text, line by line. Pure: DetailView only draws it.
import { FD_KINDS, fdCountsByKind } from '../fds/fd-counts.js';
import { commandText } from '../store/columns.js';
import type { ProcessHistory } from '../store/inspect-store.js';
import type { IdentityKey, ProcessRow } from '../sampler/types.js';
import type { ProcessLink } from '../sys/types.js';
import type { FdListing, ProcessInspection } from '../sys/types.js';
import { inspectSections } from '../inspect/inspect-sections.js';
import type { TrackedEntry } from '../registry/types.js';
import { fit, formatBytes, formatCpuTime, formatPercent, sparkline } from '../output/format.js';
import { sanitizeText, sliceWhole } from '../output/sanitize.js';

/** Everything the detail view shows about one process. */
export interface DetailInput {
  /** The process as last seen (null: nothing to show). */
  readonly row: ProcessRow | null;
  readonly exited: boolean;
  /** Processes of the frame on screen, for the parent chain. */
  readonly rowsByKey: ReadonlyMap<IdentityKey, ProcessRow>;
  readonly cwd: ProcessLink | null;
  readonly exe: ProcessLink | null;
  /** null while the first listing is on its way; undefined when no listing is ever made (no inspect store). */
  readonly listing: FdListing | null | undefined;
  readonly listingFailure: string | null;
  readonly history: ProcessHistory;
  /** The whole-process read (inspect store); undefined/null: only the fields above are shown. */
  readonly inspection?: ProcessInspection | null;
  /** smaps_rollup, sha256 and threads were asked for (D). */
  readonly deepRead?: boolean;
  /** First body line shown (scrolling below the title). */
  readonly scroll?: number;
  /** Its registry entry when the process is tracked. */
  readonly tracked?: TrackedEntry | null;
}

/** The registry entry in one line: "#3 db   tags a,b   groups prod   since 12:00:01". */
export function trackedText(e: TrackedEntry): string {
  const parts = [`#${e.id}${e.name !== null ? ` ${e.name}` : ''}`];
  if (e.tags.length > 0) parts.push(`tags ${e.tags.join(',')}`);
  if (e.groups.length > 0) parts.push(`groups ${e.groups.join(',')}`);
  parts.push(`since ${formatLocalTime(Date.parse(e.createdAt))}`);
  if (e.logPath !== null) parts.push(`log ${e.logPath}`);
  return `${sanitizeText(parts.join('   '))}   (A: tracked view)`;
}

/** One line of the view and whether it is the title. */
export interface DetailLine {
  readonly text: string;
  readonly title: boolean;
}

const STATE_NAMES: Readonly<Record<string, string>> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk sleep',
  Z: 'zombie',
  T: 'stopped',
  t: 'tracing stop',
  X: 'dead',
  I: 'idle',
  P: 'parked',
  W: 'paging',
  K: 'wakekill',
};

/** Label column: "  command  " — 11 characters. */
const LABEL_WIDTH = 11;

/** Parent chain entries shown before the rest is elided. */
const MAX_PARENTS = 32;

/** "42s", "5m 12s", "3h 05m", "4d 03h". */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** Local wall-clock time "YYYY-MM-DD HH:MM:SS". */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Splits text into lines of at most `width`, breaking at spaces when it can. */
export function wrapText(text: string, width: number): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const space = rest.lastIndexOf(' ', width);
    const cut = space > width / 3 ? space : sliceWhole(rest, width).length || width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^ /, '');
  }
  lines.push(rest);
  return lines;
}

/** "1200 bash ← 1100 sshd ← 1 systemd": ancestors by identity in the frame (a parent is never younger). */
export function parentChain(row: ProcessRow, rowsByKey: ReadonlyMap<IdentityKey, ProcessRow>): string {
  const byPid = new Map<number, ProcessRow>();
  for (const r of rowsByKey.values()) byPid.set(r.pid, r);
  const parts: string[] = [];
  const seen = new Set<number>([row.pid]);
  let child = row;
  while (child.ppid !== 0 && parts.length < MAX_PARENTS) {
    const parent = byPid.get(child.ppid);
    if (!parent || parent.startTime > child.startTime || seen.has(parent.pid)) {
      parts.push(`${child.ppid} (not visible)`);
      break;
    }
    parts.push(`${parent.pid} ${sanitizeText(parent.name)}`);
    seen.add(parent.pid);
    child = parent;
  }
  if (parts.length === MAX_PARENTS && child.ppid !== 0) parts.push('…');
  return parts.length === 0 ? '(none: started by the kernel)' : parts.join(' ← ');
}

function linkText(link: ProcessLink | null, exited: boolean): string {
  if (link === null) return exited ? '-' : 'reading…';
  if (link.path !== null) return sanitizeText(link.path);
  if (link.error === 'EACCES') return 'no access (run as the owner or root)';
  if (link.error === 'ENOENT') return exited ? '- (exited)' : '-';
  return `unreadable: ${sanitizeText(link.message)}`;
}

function exeText(row: ProcessRow, fresh: ProcessLink | null): string {
  if (row.isKernelThread) return '- (kernel thread)';
  const path = fresh?.path ?? row.exe;
  if (path === null) return fresh?.error === 'EACCES' || fresh === null ? 'no access (run as the owner or root)' : '-';
  // The kernel marks an exe whose file was deleted or replaced (an upgrade) with " (deleted)".
  if (path.endsWith(' (deleted)')) return `${sanitizeText(path)}  ← binary deleted or replaced since it started`;
  return sanitizeText(path);
}

/** "42: 30 file, 8 socket, 4 pipe" or why there is no count. */
export function fdSummary(listing: FdListing | null | undefined, failure: string | null, exited: boolean): string {
  if (listing === undefined) return 'press o for the open files';
  if (failure !== null) return `listing failed: ${sanitizeText(failure)}`;
  if (listing === null) return exited ? '- (exited)' : 'reading…';
  if (listing.error?.code === 'EACCES') return 'no access: run as the owner or root';
  if (listing.error?.code === 'ENOENT') return 'process has exited';
  if (listing.error) return `unreadable: ${sanitizeText(listing.error.message)}`;
  const counts = fdCountsByKind(listing);
  const parts = FD_KINDS.filter((kind) => counts[kind] > 0).map((kind) => `${counts[kind]} ${kind}`);
  return `${listing.fds.length}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}   (o: open files)`;
}

/** RSS history scaled to its own peak, for the 0..100 sparkline. */
function relative(values: readonly number[]): number[] {
  const peak = Math.max(1, ...values);
  return values.map((v) => (v / peak) * 100);
}

/** The detail view for a width and height: at most `height` lines, each at most `width` wide. */
export function detailLines(input: DetailInput, width: number, height: number): DetailLine[] {
  const r = input.row;
  if (!r) return [{ text: fit('No process under the cursor.', width), title: true }];
  const valueWidth = Math.max(1, width - LABEL_WIDTH);
  /** A labelled value, wrapped to at most `maxLines` lines (the last one cut with …). */
  const field = (label: string, value: string, maxLines: number): string[] => {
    const wrapped = wrapText(value, valueWidth);
    const shown = wrapped.length > maxLines ? [...wrapped.slice(0, maxLines - 1), fit(wrapped.slice(maxLines - 1).join(' '), valueWidth)] : wrapped;
    return shown.map((line, i) => fit(`${i === 0 ? `  ${label.padEnd(LABEL_WIDTH - 2)}` : ' '.repeat(LABEL_WIDTH)}${line}`, width).trimEnd());
  };
  const mine = input.history.key === r.key;
  const cpuHistory = mine ? input.history.cpuPercent : [];
  const rssHistory = mine ? input.history.rssBytes : [];
  const sparkWidth = Math.max(0, Math.min(30, valueWidth - 40));
  const cpuSpark = sparkWidth > 0 && cpuHistory.length > 0 ? `  ${sparkline(cpuHistory, Math.min(sparkWidth, cpuHistory.length)).trim()}` : '';
  const rssSpark = sparkWidth > 0 && rssHistory.length > 0 ? `  ${sparkline(relative(rssHistory), Math.min(sparkWidth, rssHistory.length)).trim()}` : '';
  // Every field may take two lines on a narrow screen; the command line gets the rest.
  const rest = [
    field('exe', exeText(r, input.exe), 2),
    field('cwd', r.isKernelThread ? '/' : linkText(input.cwd, input.exited), 2),
    field('user', `${sanitizeText(r.user)} (uid ${r.uid})`, 2),
    field('state', `${r.state} ${STATE_NAMES[r.state] ?? ''}   threads ${r.threads}   nice ${r.nice}   priority ${r.priority}`, 2),
    field('started', `${formatLocalTime(r.startTimeMs)}   age ${formatAge(r.ageSeconds)}`, 2),
    field('parents', parentChain(r, input.rowsByKey), 3),
    field('CPU', `${formatPercent(r.cpuPercent)}%${cpuSpark}   lifetime ${formatPercent(r.cpuPercentLifetime)}%   time ${formatCpuTime(r.cpuTimeSeconds)}`, 2),
    field('RSS', `${formatBytes(r.rssBytes)} (${formatPercent(r.memPercent)}%)${rssSpark}   virtual ${formatBytes(r.vsizeBytes)}`, 2),
    field('open fds', fdSummary(input.listing, input.listingFailure, input.exited), 2),
    input.tracked ? field('tracked', trackedText(input.tracked), 2) : [],
  ].flat();
  const sections = input.inspection ? sectionLines(input.inspection, input.deepRead === true, width) : [];
  // With the sections below, the view scrolls: the command line gets a few lines, not the rest.
  const commandLines = sections.length > 0 ? 4 : Math.max(1, height - 1 - rest.length);
  const command = r.argv.length > 0 ? sanitizeText(commandText(r)) : `[${sanitizeText(r.comm)}] (no command line: ${r.isKernelThread ? 'kernel thread' : 'zombie or exited'})`;
  const title = `PID ${r.pid}  ${sanitizeText(r.name)}  (${sanitizeText(r.user)})${input.exited ? '  — exited (last seen values)' : ''}`;
  const body: DetailLine[] = [...[...field('command', command, commandLines), ...rest].map((text) => ({ text, title: false })), ...sections];
  const bodyRows = Math.max(0, height - 1);
  const scroll = Math.max(0, Math.min(input.scroll ?? 0, body.length - bodyRows));
  // Where the viewport is, once there are sections to scroll through.
  const position = sections.length > 0 && body.length > bodyRows ? `  [${scroll + 1}-${Math.min(body.length, scroll + bodyRows)}/${body.length} j/k]` : '';
  const out: DetailLine[] = [{ text: fit(`${title}${position}`, width).trimEnd(), title: true }, ...body.slice(scroll, scroll + bodyRows)];
  return out.slice(0, Math.max(1, height));
}

/** Body lines of the detail view (everything below the title): what scrolling moves over. */
export function detailBodyLength(input: DetailInput, width: number): number {
  return detailLines({ ...input, scroll: 0 }, width, Number.MAX_SAFE_INTEGER).length - 1;
}

/** Label column of the inspect sections ("Max realtime priority" is the longest). */
const SECTION_LABEL_WIDTH = 22;

/** The inspect sections below the fields the list already had; Identity and open fds are shown above. */
function sectionLines(inspection: ProcessInspection, deepRead: boolean, width: number): DetailLine[] {
  const lines: DetailLine[] = [];
  const valueWidth = Math.max(1, width - SECTION_LABEL_WIDTH - 2);
  for (const section of inspectSections(inspection, { disclosure: 'names', fds: false })) {
    if (section.title === 'Identity' || section.title === 'Open files') continue;
    lines.push({ text: '', title: false }, { text: fit(section.title, width).trimEnd(), title: true });
    if (section.title === 'Memory' && !deepRead) lines.push({ text: fit('  USS, PSS, sha256 and threads: press D to read them (walks every mapping)', width).trimEnd(), title: false });
    for (const [label, value] of section.rows) {
      const wrapped = wrapText(sanitizeText(value), valueWidth).slice(0, 6);
      wrapped.forEach((line, i) => {
        const head = i === 0 ? `  ${sanitizeText(label).slice(0, SECTION_LABEL_WIDTH - 1).padEnd(SECTION_LABEL_WIDTH)}` : ' '.repeat(SECTION_LABEL_WIDTH + 2);
        lines.push({ text: fit(`${head}${line}`, width).trimEnd(), title: false });
      });
    }
  }
  return lines;
}
