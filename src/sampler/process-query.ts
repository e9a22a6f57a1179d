import { basename } from './program-name.js';
import type { ProcessRow } from './types.js';

/** Which CPU figure a listing uses: lifetime average (instant) or measured over a sample window. */
export type CpuMode = 'lifetime' | 'monitor';

export const SORT_KEYS = ['pid', 'name', 'cpu', 'memory', 'start'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Row filters; every set field must match (AND). */
export interface ProcessFilter {
  /** Keep only these pids. */
  readonly pids?: readonly number[];
  /** Case-insensitive substring of comm, of the program name or of argv[0]'s basename. */
  readonly name?: string;
  /** User name or numeric uid. */
  readonly user?: string;
  readonly ppid?: number;
  /** CPU% strictly above this (in the chosen CPU mode). */
  readonly cpuAbove?: number;
  /** RSS strictly above this many KiB. */
  readonly memoryAboveKb?: number;
  /** Running for at least this many ms. */
  readonly runningForMs?: number;
}

/** The CPU figure of a row in a mode. */
export function cpuPercentOf(row: ProcessRow, mode: CpuMode): number {
  return mode === 'monitor' ? row.cpuPercent : row.cpuPercentLifetime;
}


/** True when the row passes every filter. */
export function matchesFilter(row: ProcessRow, filter: ProcessFilter, mode: CpuMode): boolean {
  if (filter.pids && !filter.pids.includes(row.pid)) return false;
  if (filter.name !== undefined) {
    const needle = filter.name.toLowerCase();
    const argv0 = row.argv[0] !== undefined ? basename(row.argv[0]).toLowerCase() : '';
    if (!row.comm.toLowerCase().includes(needle) && !row.name.toLowerCase().includes(needle) && !argv0.includes(needle)) return false;
  }
  if (filter.user !== undefined && filter.user !== row.user && filter.user !== String(row.uid)) return false;
  if (filter.ppid !== undefined && row.ppid !== filter.ppid) return false;
  if (filter.cpuAbove !== undefined && !(cpuPercentOf(row, mode) > filter.cpuAbove)) return false;
  if (filter.memoryAboveKb !== undefined && !(row.rssBytes / 1024 > filter.memoryAboveKb)) return false;
  if (filter.runningForMs !== undefined && !(row.ageSeconds * 1000 >= filter.runningForMs)) return false;
  return true;
}

/**
 * Orders rows: pid and name ascending, cpu and memory descending (biggest first), start
 * oldest first. Ties fall back to pid so the output is stable.
 */
export function sortRows(rows: readonly ProcessRow[], key: SortKey, mode: CpuMode): ProcessRow[] {
  const byPid = (a: ProcessRow, b: ProcessRow): number => a.pid - b.pid;
  const compare: Record<SortKey, (a: ProcessRow, b: ProcessRow) => number> = {
    pid: byPid,
    name: (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : byPid(a, b)),
    cpu: (a, b) => cpuPercentOf(b, mode) - cpuPercentOf(a, mode) || byPid(a, b),
    memory: (a, b) => b.rssBytes - a.rssBytes || byPid(a, b),
    start: (a, b) => a.startTime - b.startTime || byPid(a, b),
  };
  return [...rows].sort(compare[key]);
}
