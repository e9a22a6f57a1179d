// The text of the tracked view and the track form: pure functions of the tracked store's state.
import { keysOf } from '../keys/bindings.js';
import type { DeathReason, TrackedStatus } from '../registry/types.js';
import { sanitizeText } from '../output/sanitize.js';
import type { TrackedState, TrackForm } from '../store/tracked-store.js';
import { TRACK_FORM_FIELDS } from '../store/tracked-store.js';
import { formatDuration } from '../util/duration.js';
import type { DialogLine } from './dialog-lines.js';
import { fitLines } from './dialog-lines.js';
import { fit } from '../output/format.js';

const DEAD: Readonly<Record<DeathReason, string>> = { exited: 'dead: exited', reused: 'dead: PID reused', 'other-boot': 'dead: rebooted' };

/** "12s ago" / "now" / "-" for an ISO time. */
export function agoText(iso: string | null, nowMs: number): string {
  if (iso === null) return '-';
  const ms = Math.max(0, nowMs - Date.parse(iso));
  return ms < 1000 ? 'now' : `${formatDuration(ms)} ago`;
}

/** One entry as a line of the tracked view (untrusted text sanitized). */
export function trackedLine(st: TrackedStatus, nowMs: number): string {
  const e = st.entry;
  const alive = st.liveness.alive ? 'alive' : DEAD[st.liveness.reason];
  const seen = st.liveness.alive ? 'now' : agoText(e.lastSeen, nowMs);
  return [
    fit(`#${e.id}`, 5, 'right'),
    fit(String(e.pid), 7, 'right'),
    fit(sanitizeText(e.name ?? '-'), 12),
    fit(alive, 16),
    fit(seen, 10),
    fit(sanitizeText(e.tags.join(',') || '-'), 12),
    fit(sanitizeText(e.groups.join(',') || '-'), 10),
    sanitizeText(e.argv.join(' ')),
  ].join(' ');
}

/** The tracked view: every entry (dead ones too), the cursor's line inverse, keys at the bottom. */
export function trackedViewLines(s: TrackedState, height: number, nowMs: number, readOnly: boolean): DialogLine[] {
  const alive = s.statuses.filter((st) => st.liveness.alive).length;
  const body: DialogLine[] = [{ text: `Tracked processes: ${s.statuses.length} (${alive} alive)`, bold: true }];
  if (s.problem) body.push({ text: s.problem });
  if (s.statuses.length === 0 && !s.problem) body.push({ text: 'Nothing tracked yet: a on a process (or proctop track add PID / track run -- CMD).' });
  else if (s.statuses.length > 0) {
    body.push({ text: `${fit('ID', 5, 'right')} ${fit('PID', 7, 'right')} ${fit('NAME', 12)} ${fit('ALIVE', 16)} ${fit('LAST-SEEN', 10)} ${fit('TAGS', 12)} ${fit('GROUPS', 10)} COMMAND`, bold: true });
    const room = Math.max(1, height - body.length - 1);
    const at = Math.max(0, s.statuses.findIndex((st) => st.entry.id === s.cursorId));
    // The cursor's line stays in view: scroll just enough to show it.
    const top = Math.min(Math.max(0, at - room + 1), Math.max(0, s.statuses.length - room));
    for (const st of s.statuses.slice(top, top + room)) body.push({ text: trackedLine(st, nowMs), inverse: st.entry.id === s.cursorId });
  }
  const move = `${keysOf('TRACKED_UP', '/')} ${keysOf('TRACKED_DOWN', '/')}: move`;
  const close = `${keysOf('TRACKED_CLOSE', '/')}: close`;
  const keys = readOnly
    ? `${move}   ${close}   (read-only: no untrack or signal)`
    : `${move}   ${keysOf('TRACKED_UNTRACK', '/')}: untrack   ${keysOf('TRACKED_KILL', '/')}: signal   ${close}`;
  return fitLines(body, { text: keys, bold: true }, height);
}

/** The track form: which process, the three fields (the focused one marked), the problem, keys. */
export function trackFormLines(form: TrackForm, height: number): DialogLine[] {
  const title = form.entryId === null ? `Track PID ${form.pid}` : `Relabel #${form.entryId} (PID ${form.pid})`;
  const body: DialogLine[] = [{ text: title, bold: true }, { text: sanitizeText(form.command) }, { text: '' }];
  for (const field of TRACK_FORM_FIELDS) {
    const focused = field === form.focus;
    const hint = field === 'name' ? '(unique, optional)' : '(separated by spaces or commas)';
    body.push({ text: `${focused ? '>' : ' '} ${fit(field, 7)}: ${sanitizeText(form.values[field])}${focused ? '_' : ''}  ${hint}`, inverse: focused });
  }
  if (form.problem) body.push({ text: '' }, { text: sanitizeText(form.problem) });
  if (form.saving) body.push({ text: 'saving…' });
  return fitLines(body, { text: `${keysOf('FORM_NEXT_FIELD', '/')}: next field   ${keysOf('INPUT_ACCEPT', '/')}: save   ${keysOf('INPUT_CANCEL', '/')}: cancel`, bold: true }, height);
}
