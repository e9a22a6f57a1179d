import { readFile } from 'node:fs/promises';

/** The fields of /proc/PID/stat that proctop uses. */
export interface ParsedStat {
  readonly pid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  readonly ttyNr: number;
  readonly flags: number;
  readonly utime: number;
  readonly stime: number;
  readonly priority: number;
  readonly nice: number;
  readonly threads: number;
  readonly startTime: number;
  readonly vsizeBytes: number;
  /** Resident pages (multiply by the page size). */
  readonly rssPages: number;
  /** Page faults served without I/O (field 10). */
  readonly minorFaults: number;
  /** Page faults that read from storage (field 12). */
  readonly majorFaults: number;
  /** CPU the process last ran on (field 39); null on a line that stops early. */
  readonly processor: number | null;
  /** Real-time priority, 0 for normal policies (field 40). */
  readonly rtPriority: number | null;
  /** Scheduling policy number, SCHED_* of sched.h (field 41). */
  readonly policy: number | null;
}

/** PF_KTHREAD from include/linux/sched.h: the process is a kernel thread. */
const PF_KTHREAD = 0x00200000;

/** PF_KTHREAD set in a stat line's flags (field 9): a kernel thread, not inferred from an empty cmdline. */
export function isKernelThread(stat: Pick<ParsedStat, 'flags'>): boolean {
  return (stat.flags & PF_KTHREAD) !== 0;
}

/** Where each field after the comm starts in the text (fields 3 to 41 of proc(5)), reused by every parse. */
const fieldStarts = new Int32Array(40);

/**
 * Parses /proc/PID/stat text. comm may hold spaces, parentheses and newlines, so the fields
 * after it are found from the LAST ')'. Returns null for text that is not a stat line. The fields
 * after the comm are space-separated as `split(' ')` of the trimmed rest would give them, read in
 * place: a stat line has 52 fields and a reader parses one per process per refresh (the JS
 * backend) or per extras read, where an array of 52 strings was most of its cost.
 */
export function parseStat(text: string): ParsedStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim();
  // fieldStarts[k] is where field k+3 of proc(5) starts; `count` fields are known (all there are, up to 40).
  let count = 1;
  fieldStarts[0] = 0;
  for (let space = rest.indexOf(' '); space >= 0 && count < fieldStarts.length; space = rest.indexOf(' ', space + 1)) fieldStarts[count++] = space + 1;
  // fields[0] is field 3 (state) of proc(5).
  if (!Number.isInteger(pid) || count < 22) return null;
  const piece = (k: number): string => rest.slice(fieldStarts[k] as number, k + 1 < count ? (fieldStarts[k + 1] as number) - 1 : nextSpace(rest, fieldStarts[k] as number));
  const field = (n: number): number => Number(piece(n - 3));
  const optional = (n: number): number | null => (count > n - 3 ? field(n) : null);
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: piece(0),
    ppid: field(4),
    pgid: field(5),
    sid: field(6),
    ttyNr: field(7),
    flags: field(9),
    utime: field(14),
    stime: field(15),
    priority: field(18),
    nice: field(19),
    threads: field(20),
    startTime: field(22),
    vsizeBytes: field(23),
    rssPages: field(24),
    minorFaults: field(10),
    majorFaults: field(12),
    processor: optional(39),
    rtPriority: optional(40),
    policy: optional(41),
  };
}

/** Where the field starting at `from` ends: the next space, or the end of the text. */
function nextSpace(text: string, from: number): number {
  const space = text.indexOf(' ', from);
  return space < 0 ? text.length : space;
}

/** Reads the start time (identity) of pid, or null when the process does not exist. */
export async function readStartTime(procRoot: string, pid: number): Promise<number | null> {
  try {
    return parseStat(await readFile(`${procRoot}/${pid}/stat`, 'utf8'))?.startTime ?? null;
  } catch {
    return null;
  }
}
