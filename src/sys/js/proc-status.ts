// Parsers for the "Key:<tab>value" files of /proc/PID (status, io, smaps_rollup): pure functions
// from text to records, so fixtures and real processes go through the same code.
import type { IdSet, IoCounters, SmapsRollup, StatusExtras } from '../types.js';

/**
 * "Key: value" lines → key → value (trimmed). Later duplicates win; lines without ':' are skipped.
 * With `keys`, only those keys are kept, and no string is made for the other lines (status has
 * ~55 lines; the extras want 6 of them, for every process at once).
 */
export function parseKeyValueLines(text: string, keys?: readonly string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    const colon = text.indexOf(':', start);
    if (colon > start && colon < end) {
      const key = keys === undefined ? text.slice(start, colon) : keyAt(text, start, colon, keys);
      if (key !== undefined) fields.set(key, text.slice(colon + 1, end).trim());
    }
    start = end + 1;
  }
  return fields;
}

/** The one of `keys` that text[start, colon) is, if any (no closure or string made per line). */
function keyAt(text: string, start: number, colon: number, keys: readonly string[]): string | undefined {
  for (const key of keys) if (colon - start === key.length && text.startsWith(key, start)) return key;
  return undefined;
}

/** The lines of /proc/PID/status statusExtras reads. */
export const STATUS_EXTRAS_KEYS: readonly string[] = ['Uid', 'Gid', 'VmRSS', 'VmSwap', 'voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches'];

/** A decimal field, null when missing or not a number. */
export function numberField(fields: ReadonlyMap<string, string>, key: string): number | null {
  const text = fields.get(key);
  if (text === undefined || text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** A "N kB" field in bytes, null when missing (kernel threads and zombies have no Vm* lines). */
export function kbField(fields: ReadonlyMap<string, string>, key: string): number | null {
  const text = fields.get(key);
  if (text === undefined) return null;
  const match = /^(\d+)\s*kB$/.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

const KERNEL_ID_SET = /^(\d{1,10})\t(\d{1,10})\t(\d{1,10})\t(\d{1,10})$/;

/** The four ids of a Uid:/Gid: line (real, effective, saved, filesystem). */
export function parseIdSet(text: string | undefined): IdSet | null {
  // The kernel's own form, four tab-separated numbers: read without making an array.
  const kernel = text === undefined ? null : KERNEL_ID_SET.exec(text);
  if (kernel !== null) return { real: Number(kernel[1]), effective: Number(kernel[2]), saved: Number(kernel[3]), filesystem: Number(kernel[4]) };
  const ids = (text ?? '').split(/\s+/).filter((part) => part !== '').map(Number);
  if (ids.length < 4 || ids.some((id) => !Number.isInteger(id))) return null;
  return { real: ids[0] as number, effective: ids[1] as number, saved: ids[2] as number, filesystem: ids[3] as number };
}

/** The extras of /proc/PID/status; null when the text lacks the lines every kernel since 2.6.23 prints. */
export function statusExtras(fields: ReadonlyMap<string, string>): StatusExtras | null {
  const voluntary = numberField(fields, 'voluntary_ctxt_switches');
  const involuntary = numberField(fields, 'nonvoluntary_ctxt_switches');
  const uids = parseIdSet(fields.get('Uid'));
  const gids = parseIdSet(fields.get('Gid'));
  if (voluntary === null || involuntary === null || !uids || !gids) return null;
  return { voluntaryCtxSwitches: voluntary, involuntaryCtxSwitches: involuntary, swapBytes: kbField(fields, 'VmSwap'), rssBytes: kbField(fields, 'VmRSS'), uids, gids };
}

/** /proc/PID/io → counters; null when a line is missing (a kernel without task I/O accounting has no file at all). */
export function parseIo(text: string): IoCounters | null {
  const fields = parseKeyValueLines(text);
  const get = (key: string): number | null => numberField(fields, key);
  const counters = {
    readChars: get('rchar'),
    writeChars: get('wchar'),
    readSyscalls: get('syscr'),
    writeSyscalls: get('syscw'),
    readBytes: get('read_bytes'),
    writeBytes: get('write_bytes'),
    cancelledWriteBytes: get('cancelled_write_bytes'),
  };
  for (const value of Object.values(counters)) if (value === null) return null;
  return counters as { readonly [K in keyof IoCounters]: number };
}

/** The soft "Max open files" of /proc/PID/limits; null when unlimited; undefined when the line is missing. */
export function parseFdSoftLimit(text: string): number | null | undefined {
  // Straight to the first line that starts with the name (limits has ~17 lines).
  const name = 'Max open files';
  const at = text.startsWith(name) ? 0 : text.indexOf(`\n${name}`) + 1;
  if (at === 0 && !text.startsWith(name)) return undefined;
  const end = text.indexOf('\n', at);
  const soft = text.slice(at + name.length, end < 0 ? text.length : end).trim().split(/\s+/)[0];
  if (soft === 'unlimited') return null;
  const value = Number(soft);
  return soft !== undefined && /^\d+$/.test(soft) && Number.isSafeInteger(value) ? value : undefined;
}

/** Pss and SwapPss of /proc/PID/smaps_rollup; null when Pss is missing. */
/** USS of smaps_rollup fields: Private_Clean + Private_Dirty + Private_Hugetlb; null without the first two. */
export function ussOf(fields: ReadonlyMap<string, string>): number | null {
  const clean = kbField(fields, 'Private_Clean');
  const dirty = kbField(fields, 'Private_Dirty');
  return clean === null || dirty === null ? null : clean + dirty + (kbField(fields, 'Private_Hugetlb') ?? 0);
}

export function parseSmapsRollup(text: string): SmapsRollup | null {
  const fields = parseKeyValueLines(text);
  const pss = kbField(fields, 'Pss');
  if (pss === null) return null;
  return { pssBytes: pss, swapPssBytes: kbField(fields, 'SwapPss') ?? 0, ussBytes: ussOf(fields), swapBytes: kbField(fields, 'Swap') ?? 0 };
}
