import { platformName, schemaId, toJsonText } from '../output/json-envelope.js';
import { renderTextTable, type TextColumn } from '../output/text-table.js';
import { matchesFilter, cpuPercentOf, sortRows, SORT_KEYS, type CpuMode, type ProcessFilter, type SortKey } from '../sampler/process-query.js';
import { readExactRss, withExactRss } from '../sampler/exact-rss.js';
import { Sampler } from '../sampler/sampler.js';
import type { ProcessRow } from '../sampler/types.js';
import type { ProcessExtras } from '../sys/types.js';
import { formatBytes } from '../output/format.js';
import { snakeKeys } from '../inspect/inspect-document.js';
import { cgroupLabel, cgroupPathMatches, unitMatches } from '../sampler/cgroup-label.js';
import { createCollector, type CollectorChoice } from '../sys/collector.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { checkKnownUser, parseCommandArgs } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { quoted } from '../output/sanitize.js';

export const PSTAT_USAGE = `Usage: proctop pstat [options]

List processes once, for scripts (JSON) or people (table).

Output:
  --json                 JSON (default when stdout is not a terminal)
  --table                aligned text table (default on a terminal)
Filters (all must match):
  --pid N                only this pid (repeatable)
  --name TEXT            program name, comm or argv[0] basename contains TEXT
                         (case-insensitive)
  --user NAME|UID        owned by this user
  --ppid N               children of N
  --cpu-above PCT        CPU% above PCT (100 = one core)
  --memory-above KB      resident memory above KB KiB
  --running-for DUR      running for at least DUR (e.g. 90s, 5m, 2h)
  --cgroup TEXT          cgroup v2 path contains TEXT (case-insensitive)
  --unit TEXT            systemd unit or slice name contains TEXT (case-insensitive)
Extra fields (read only for the processes shown):
  --with LIST            comma-separated: io (read/write bytes and syscalls), cgroup (path,
                         unit, slice, container), ctxsw (context switches), uss (USS, PSS,
                         swap from smaps_rollup: slow on many processes)
CPU:
  --cpu-mode MODE        lifetime (total CPU time / age, instant; default) or
                         monitor (measured between two samples)
  --sample DUR           monitor window (default 1s; implies --cpu-mode monitor)
Order:
  --sort KEY             pid | name | cpu | memory | start (default pid; cpu with --top)
  --top N                keep the first N after sorting
  --include-self         list pstat's own process too (left out by default: its
                         lifetime CPU is high only because it just started)
  --help                 this text

RSS is the exact figure ps shows (VmRSS of the process status), not stat's approximate counter.

Exit codes: 0 ok, 1 a requested --pid was not found or reading failed, 2 invalid input.
Backend: native addon, or the JS fallback (PROCTOP_BACKEND=js|native forces one).
`;

/** Parsed command line of `proctop pstat`. */
export interface PstatOptions {
  readonly format: 'json' | 'table';
  readonly filter: ProcessFilter;
  readonly cpuMode: CpuMode;
  /** Monitor window in ms (null in lifetime mode). */
  readonly sampleMs: number | null;
  readonly sort: SortKey;
  readonly top: number | null;
  /** List pstat's own process (left out by default). */
  readonly includeSelf: boolean;
  readonly help: boolean;
  /** Extra fields asked for with --with. */
  readonly with: ReadonlySet<WithField>;
  /** --cgroup and --unit filters (null = not given). */
  readonly cgroupFilter: string | null;
  readonly unitFilter: string | null;
}

/** What --with can add. */
export const WITH_FIELDS = ['io', 'cgroup', 'ctxsw', 'uss'] as const;
export type WithField = (typeof WITH_FIELDS)[number];

function parseWith(text: string | undefined): Set<WithField> {
  const fields = new Set<WithField>();
  if (text === undefined) return fields;
  for (const part of text.split(',')) {
    const name = part.trim();
    if (!(WITH_FIELDS as readonly string[]).includes(name)) throw new UsageError(`--with takes ${WITH_FIELDS.join(', ')} (comma-separated), got ${quoted(name)}`);
    fields.add(name as WithField);
  }
  return fields;
}

/** Where pstat reads from and writes to; tests inject a fixture collector and capture output. */
export interface PstatIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTty: boolean;
  readonly collector: () => CollectorChoice;
  readonly sleep: (ms: number) => Promise<void>;
}

const defaultIo = (): PstatIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  stdoutIsTty: process.stdout.isTTY === true,
  collector: () => createCollector(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

const MAX_SAMPLE_MS = 10 * 60_000;

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a positive integer, got ${quoted(text)}`);
  }
  return value;
}

function nonNegativeInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) throw new UsageError(`${flag} must be a non-negative integer, got ${quoted(text)}`);
  return value;
}

function nonNegativeNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(value)) throw new UsageError(`${flag} must be a non-negative number, got ${quoted(text)}`);
  return value;
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new UsageError(`${flag} must be a duration such as 250ms, 2s, 5m or 1h, got ${quoted(text)}`);
  }
}

/** Turns argv into options; every problem is a one-line UsageError. */
export function parsePstatArgs(argv: readonly string[], stdoutIsTty: boolean): PstatOptions {
  const parsed = parseCommandArgs('pstat', argv, {
    json: { type: 'boolean' },
    table: { type: 'boolean' },
    pid: { type: 'string', multiple: true },
    name: { type: 'string' },
    user: { type: 'string' },
    ppid: { type: 'string' },
    'cpu-above': { type: 'string' },
    'memory-above': { type: 'string' },
    'running-for': { type: 'string' },
    'cpu-mode': { type: 'string' },
    sample: { type: 'string' },
    sort: { type: 'string' },
    top: { type: 'string' },
    with: { type: 'string' },
    cgroup: { type: 'string' },
    unit: { type: 'string' },
    'include-self': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }, false, 'pstat takes only options');
  const v = parsed.values;
  if (v.json && v.table) throw new UsageError('--json and --table cannot be used together');
  const cpuModeText = v['cpu-mode'];
  if (cpuModeText !== undefined && cpuModeText !== 'lifetime' && cpuModeText !== 'monitor') {
    throw new UsageError(`--cpu-mode must be "lifetime" or "monitor", got ${quoted(cpuModeText)}`);
  }
  if (cpuModeText === 'lifetime' && v.sample !== undefined) throw new UsageError('--sample only applies to --cpu-mode monitor');
  const cpuMode: CpuMode = cpuModeText ?? (v.sample !== undefined ? 'monitor' : 'lifetime');
  let sampleMs: number | null = null;
  if (cpuMode === 'monitor') {
    sampleMs = v.sample !== undefined ? duration('--sample', v.sample) : 1000;
    if (sampleMs <= 0 || sampleMs > MAX_SAMPLE_MS) {
      throw new UsageError(`--sample must be between 1ms and ${formatDuration(MAX_SAMPLE_MS)}, got ${quoted(v.sample ?? '')}`);
    }
  }
  if (v.sort !== undefined && !(SORT_KEYS as readonly string[]).includes(v.sort)) {
    throw new UsageError(`--sort must be one of ${SORT_KEYS.join(', ')}, got ${quoted(v.sort)}`);
  }
  if (v.name === '') throw new UsageError('--name must not be empty');
  if (v.user === '') throw new UsageError('--user must not be empty');
  if (v.user !== undefined) checkKnownUser(v.user);
  if (v.cgroup === '') throw new UsageError('--cgroup must not be empty');
  if (v.unit === '') throw new UsageError('--unit must not be empty');
  const top = v.top !== undefined ? positiveInteger('--top', v.top) : null;
  const filter: ProcessFilter = {
    ...(v.pid ? { pids: v.pid.map((text) => positiveInteger('--pid', text)) } : {}),
    ...(v.name !== undefined ? { name: v.name } : {}),
    ...(v.user !== undefined ? { user: v.user } : {}),
    ...(v.ppid !== undefined ? { ppid: nonNegativeInteger('--ppid', v.ppid) } : {}),
    ...(v['cpu-above'] !== undefined ? { cpuAbove: nonNegativeNumber('--cpu-above', v['cpu-above']) } : {}),
    ...(v['memory-above'] !== undefined ? { memoryAboveKb: nonNegativeNumber('--memory-above', v['memory-above']) } : {}),
    ...(v['running-for'] !== undefined ? { runningForMs: duration('--running-for', v['running-for']) } : {}),
  };
  return {
    format: v.json ? 'json' : v.table ? 'table' : stdoutIsTty ? 'table' : 'json',
    filter,
    cpuMode,
    sampleMs,
    sort: (v.sort as SortKey | undefined) ?? (top !== null ? 'cpu' : 'pid'),
    top,
    includeSelf: v['include-self'] === true,
    help: v.help === true,
    with: parseWith(v.with),
    cgroupFilter: v.cgroup ?? null,
    unitFilter: v.unit ?? null,
  };
}

/** Peer state names (sysprims): D and I are sleeping, t is stopped, X and others unknown. */
export function stateName(code: string): 'running' | 'sleeping' | 'stopped' | 'zombie' | 'unknown' {
  if (code === 'R') return 'running';
  if (code === 'S' || code === 'D' || code === 'I') return 'sleeping';
  if (code === 'T' || code === 't') return 'stopped';
  if (code === 'Z') return 'zombie';
  return 'unknown';
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** One process in pstat's JSON: the peer's field names plus proctop's additions. */
export function processRecord(row: ProcessRow, mode: CpuMode): Record<string, unknown> {
  return {
    pid: row.pid,
    ppid: row.ppid,
    name: row.name,
    comm: row.comm,
    user: row.user,
    cpu_percent: round(cpuPercentOf(row, mode), 2),
    memory_kb: Math.floor(row.rssBytes / 1024),
    elapsed_seconds: Math.floor(row.ageSeconds),
    start_time_unix_ms: row.startTimeMs,
    exe_path: row.exe,
    state: stateName(row.state),
    cmdline: [...row.argv],
    thread_count: row.threads,
    start_time_ticks: row.startTime,
    pgid: row.pgid,
    sid: row.sid,
    uid: row.uid,
    nice: row.nice,
    priority: row.priority,
    tty_nr: row.ttyNr,
    rss_bytes: row.rssBytes,
    vsize_bytes: row.vsizeBytes,
    mem_percent: round(row.memPercent, 3),
    cpu_time_seconds: round(row.cpuTimeSeconds, 2),
    state_code: row.state,
    kernel_thread: row.isKernelThread,
  };
}

function clockText(seconds: number): string {
  const s = Math.floor(seconds);
  const days = Math.floor(s / 86_400);
  const hms = [Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return days > 0 ? `${days}-${hms}` : hms;
}

function commandText(row: ProcessRow): string {
  return row.argv.length > 0 ? row.argv.join(' ') : `[${row.comm}]`;
}

/** The --with fields of one process in JSON (null where unreadable or gone). */
export function withRecord(extras: ProcessExtras | undefined, fields: ReadonlySet<WithField>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (fields.has('io')) record.io = extras?.io ? snakeKeys(extras.io) : null;
  if (fields.has('cgroup')) {
    const c = extras?.cgroup;
    record.cgroup = c ? { path: c.path, unit: c.unit, slice: c.slice, container_id: c.containerId, container_runtime: c.containerRuntime } : null;
  }
  if (fields.has('ctxsw')) {
    const s = extras?.status;
    record.ctx_switches = s ? { voluntary: s.voluntaryCtxSwitches, involuntary: s.involuntaryCtxSwitches } : null;
  }
  if (fields.has('uss')) {
    record.uss_bytes = extras?.smapsRollup?.ussBytes ?? null;
    record.pss_bytes = extras?.smapsRollup?.pssBytes ?? null;
    record.swap_bytes = extras?.smapsRollup?.swapBytes ?? null;
  }
  return record;
}

/** One warning per (field, reason) instead of one per process. */
export function extrasWarnings(read: readonly ProcessExtras[]): string[] {
  const counts = new Map<string, number>();
  for (const extras of read) {
    for (const error of extras.errors) {
      const reason = error.code === 'EACCES' ? 'permission denied (run as their owner or root)' : error.code === 'ENOENT' ? 'not available' : 'unreadable';
      const key = `${error.field}: ${reason}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].map(([key, n]) => `${key.replace(': ', ` of ${n} process(es): `)}`);
}

function tableColumns(mode: CpuMode, fields: ReadonlySet<WithField> = new Set(), extras: ReadonlyMap<string, ProcessExtras> = new Map()): TextColumn<ProcessRow>[] {
  const of = (row: ProcessRow): ProcessExtras | undefined => extras.get(row.key);
  const bytes = (value: number | null | undefined): string => (value === null || value === undefined ? '-' : formatBytes(value));
  const withColumns: TextColumn<ProcessRow>[] = [
    ...(fields.has('io')
      ? [
          { title: 'IO_R', cell: (r: ProcessRow) => bytes(of(r)?.io?.readBytes), align: 'right' as const },
          { title: 'IO_W', cell: (r: ProcessRow) => bytes(of(r)?.io?.writeBytes), align: 'right' as const },
        ]
      : []),
    ...(fields.has('ctxsw')
      ? [{ title: 'CTXSW', cell: (r: ProcessRow) => { const s = of(r)?.status; return s ? String(s.voluntaryCtxSwitches + s.involuntaryCtxSwitches) : '-'; }, align: 'right' as const }]
      : []),
    ...(fields.has('uss') ? [{ title: 'USS', cell: (r: ProcessRow) => bytes(of(r)?.smapsRollup?.ussBytes), align: 'right' as const }] : []),
    ...(fields.has('cgroup') ? [{ title: 'CGROUP', cell: (r: ProcessRow) => { const c = of(r)?.cgroup; return c ? cgroupLabel(c) : '-'; }, maxWidth: 40 }] : []),
  ];
  return [
    { title: 'PID', cell: (r) => String(r.pid), align: 'right' },
    { title: 'PPID', cell: (r) => String(r.ppid), align: 'right' },
    { title: 'USER', cell: (r) => r.user, maxWidth: 12 },
    { title: 'S', cell: (r) => r.state },
    { title: 'CPU%', cell: (r) => cpuPercentOf(r, mode).toFixed(1), align: 'right' },
    { title: 'MEM%', cell: (r) => r.memPercent.toFixed(1), align: 'right' },
    { title: 'RSS_KB', cell: (r) => String(Math.floor(r.rssBytes / 1024)), align: 'right' },
    { title: 'THR', cell: (r) => String(r.threads), align: 'right' },
    { title: 'TIME', cell: (r) => clockText(r.cpuTimeSeconds), align: 'right' },
    { title: 'ELAPSED', cell: (r) => clockText(r.ageSeconds), align: 'right' },
    ...withColumns,
    { title: 'COMMAND', cell: commandText, maxWidth: 200 },
  ];
}

/** Reads rows in the chosen CPU mode: one snapshot, or two `sampleMs` apart. */
async function collectRows(choice: CollectorChoice, options: PstatOptions, io: PstatIo) {
  const sampler = new Sampler(choice.collector);
  let frame = await sampler.sample();
  if (options.cpuMode === 'monitor' && options.sampleMs !== null) {
    await io.sleep(options.sampleMs);
    frame = await sampler.sample();
  }
  return frame;
}

/** `proctop pstat`: exit 0 ok, 1 a requested pid is missing, 2 invalid input (thrown UsageError). */
export async function main(argv: readonly string[], io: PstatIo = defaultIo()): Promise<number> {
  const options = parsePstatArgs(argv, io.stdoutIsTty);
  if (options.help) {
    io.stdout(PSTAT_USAGE);
    return 0;
  }
  let choice: CollectorChoice;
  try {
    choice = io.collector();
  } catch (err) {
    // e.g. PROCTOP_BACKEND=native without a built addon: a runtime problem, not bad input.
    io.stderr(`proctop: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const warnings: string[] = [];
  if (choice.notice) {
    io.stderr(`proctop: ${choice.notice}\n`);
    warnings.push(choice.notice);
  }
  const frame = await collectRows(choice, options, io);
  warnings.push(...frame.warnings);
  const self = process.pid;
  let rows = options.includeSelf ? frame.rows : frame.rows.filter((row) => row.pid !== self);
  // RSS is read exactly for what is listed; when memory decides the order or the filter, for all
  // (a one-shot command can afford it, and a list out of order by its own figures misleads).
  const byMemory = options.sort === 'memory' || options.filter.memoryAboveKb !== undefined;
  if (byMemory) rows = withExactRss(rows, await readExactRss(choice.collector, rows));
  let matched = rows.filter((row) => matchesFilter(row, options.filter, options.cpuMode));
  if (options.cgroupFilter !== null || options.unitFilter !== null) {
    // The cgroup of every candidate is needed to filter; the collector caches it per identity.
    const read = await choice.collector.readExtras(matched, { cgroup: true });
    const placements = new Map<string, ProcessExtras>();
    read.forEach((extras, i) => placements.set((matched[i] as ProcessRow).key, extras));
    warnings.push(...extrasWarnings(read));
    matched = matched.filter((row) => {
      const cgroup = placements.get(row.key)?.cgroup;
      if (!cgroup) return false;
      return (options.cgroupFilter === null || cgroupPathMatches(cgroup, options.cgroupFilter)) && (options.unitFilter === null || unitMatches(cgroup, options.unitFilter));
    });
  }
  const sorted = sortRows(matched, options.sort, options.cpuMode);
  const top = options.top !== null ? sorted.slice(0, options.top) : sorted;
  const shown = byMemory ? top : withExactRss(top, await readExactRss(choice.collector, top));
  // The --with fields are read only for the processes shown.
  const extrasByKey = new Map<string, ProcessExtras>();
  if (options.with.size > 0) {
    const w = options.with;
    const read = await choice.collector.readExtras(shown, { io: w.has('io'), cgroup: w.has('cgroup'), status: w.has('ctxsw'), smapsRollup: w.has('uss') });
    read.forEach((extras, i) => extrasByKey.set((shown[i] as ProcessRow).key, extras));
    warnings.push(...extrasWarnings(read));
  }
  const missing = (options.filter.pids ?? []).filter((pid) => !frame.rows.some((row) => row.pid === pid));
  for (const pid of missing) warnings.push(`pid ${pid} not found`);

  if (options.format === 'json') {
    io.stdout(
      toJsonText({
        schema_id: schemaId('pstat'),
        timestamp: new Date(frame.timestampMs).toISOString(),
        platform: platformName(),
        backend: choice.collector.backend,
        cpu_mode: options.cpuMode,
        sample_ms: options.sampleMs,
        processes: shown.map((row) => ({ ...processRecord(row, options.cpuMode), ...withRecord(extrasByKey.get(row.key), options.with) })),
        warnings,
      }),
    );
  } else {
    io.stdout(renderTextTable(tableColumns(options.cpuMode, options.with, extrasByKey), shown));
    for (const warning of warnings) if (warning !== choice.notice) io.stderr(`proctop: warning: ${warning}\n`);
  }
  return missing.length > 0 ? 1 : 0;
}
